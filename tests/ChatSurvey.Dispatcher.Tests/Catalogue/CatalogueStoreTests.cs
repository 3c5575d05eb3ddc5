using ChatSurvey.Dispatcher.Catalogue;
using ChatSurvey.Domain.Catalogue;
using ChatSurvey.Domain.Problems;
using ChatSurvey.TestSupport;

namespace ChatSurvey.Dispatcher.Tests.Catalogue;

/// <summary>The catalogue store, the only writer of <c>agencies</c> and <c>procedures</c>, each test on a database of its own.</summary>
public sealed class CatalogueStoreTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task SeedAsync_Should_AddOnlyWhatIsMissing_When_AnAdministratorHasEditedAnEntry()
    {
        await using var database = await (await PostgresServer.GetAsync()).CreateDatabaseAsync();
        var store = new CatalogueStore(database.DataSource, TimeProvider.System);
        var agencies = DemoCatalogue.Agencies();
        var procedures = DemoCatalogue.Procedures();
        Assert.Equal(agencies.Count + procedures.Count, await store.SeedAsync(agencies, procedures, Cancel));
        var city = agencies[0];
        var edited = await store.SaveAgencyAsync(new AgencyEntry(city.Code, "Thành phố Hải Phòng (đã sửa)", city.Kind, null), createOnly: false, Cancel);
        Assert.False(edited.Inserted);

        Assert.Equal(0, await store.SeedAsync(agencies, procedures, Cancel));

        var listed = await store.ListAgenciesAsync(Cancel);
        Assert.Equal("Thành phố Hải Phòng (đã sửa)", Assert.Single(listed, a => a.Code == city.Code).Name);
        // Parents were seeded before their children, so every parent is set.
        Assert.All(agencies.Where(a => a.ParentCode is not null), a => Assert.Equal(a.ParentCode, Assert.Single(listed, l => l.Code == a.Code).ParentCode));
        Assert.Equal(procedures.Select(p => p.Code).Order(StringComparer.Ordinal), (await store.ListProceduresAsync(Cancel)).Select(p => p.Code));
    }

    [Fact]
    public async Task SaveAgencyAsync_Should_RefuseWithCodesAndWriteNothing_When_EntryBreaksARule()
    {
        await using var database = await (await PostgresServer.GetAsync()).CreateDatabaseAsync();
        var store = new CatalogueStore(database.DataSource, TimeProvider.System);
        Assert.True((await store.SaveAgencyAsync(new AgencyEntry("HP", "Hải Phòng", "city", null), createOnly: true, Cancel)).Inserted);
        Assert.True((await store.SaveAgencyAsync(new AgencyEntry("HP-LC", "Lê Chân", "district", "HP"), createOnly: true, Cancel)).Inserted);

        Assert.Equal(
            [Problem.Of("code", ProblemCodes.CatalogueCodeFormat), Problem.Of("name", ProblemCodes.Required),
             Problem.Of("kind", ProblemCodes.CatalogueKindUnknown, CatalogueStore.AgencyKinds)],
            (await store.SaveAgencyAsync(new AgencyEntry("mã sai!", " ", "tỉnh", null), createOnly: true, Cancel)).Problems);
        Assert.Equal([Problem.Of("code", ProblemCodes.CatalogueCodeTaken, "HP")],
            (await store.SaveAgencyAsync(new AgencyEntry("HP", "Khác", "city", null), createOnly: true, Cancel)).Problems);
        Assert.Equal([Problem.Of("parentCode", ProblemCodes.CatalogueParentCycle, "HP-LC", "HP")],
            (await store.SaveAgencyAsync(new AgencyEntry("HP", "Hải Phòng", "city", "HP-LC"), createOnly: false, Cancel)).Problems);
        Assert.Equal([Problem.Of("parentCode", ProblemCodes.CatalogueParentUnknown, "KHONG-CO")],
            (await store.SaveAgencyAsync(new AgencyEntry("HP-NQ", "Ngô Quyền", "district", "KHONG-CO"), createOnly: true, Cancel)).Problems);

        Assert.Equal(
            [("HP", "Hải Phòng", (string?)null), ("HP-LC", "Lê Chân", "HP")],
            (await store.ListAgenciesAsync(Cancel)).Select(a => (a.Code, a.Name, a.ParentCode)).OrderBy(a => a.Code, StringComparer.Ordinal));
    }

    [Fact]
    public async Task SaveProcedureAsync_Should_DeriveTheSmsLabel_When_NoShortNameIsGiven()
    {
        await using var database = await (await PostgresServer.GetAsync()).CreateDatabaseAsync();
        var store = new CatalogueStore(database.DataSource, TimeProvider.System);

        var saved = await store.SaveProcedureAsync(new ProcedureEntry("1.001", "Đăng ký   khai sinh", null, " Hộ tịch "), createOnly: true, Cancel);
        var refused = await store.SaveProcedureAsync(new ProcedureEntry("1.002", "Cấp bản sao", "Bản sao", null), createOnly: true, Cancel);

        Assert.Equal(new CatalogueProcedure(saved.Saved!.Id, "1.001", "Đăng ký khai sinh", "Dang ky khai sinh", "Hộ tịch"), saved.Saved);
        Assert.Equal([Problem.Of("shortName", ProblemCodes.CatalogueShortNameFormat, CatalogueStore.MaxShortNameLength)], refused.Problems);
        Assert.Equal(("1.001", "1.001"), ((await store.ListProceduresAsync(Cancel)).Single().Code, (await store.FirstCodesAsync(Cancel)).ProcedureCode));
    }

    [Fact]
    public async Task TransactionCountsAsync_Should_CountEachAgencysTransactions_When_SomeHaveNone()
    {
        await using var database = await (await PostgresServer.GetAsync()).CreateDatabaseAsync();
        var store = new CatalogueStore(database.DataSource, TimeProvider.System);
        var busy = (await store.SaveAgencyAsync(new AgencyEntry("A1", "Sở Tư pháp", "department", null), createOnly: true, Cancel)).Saved!;
        await store.SaveAgencyAsync(new AgencyEntry("A2", "Sở Nội vụ", "department", null), createOnly: true, Cancel);
        var procedure = (await store.SaveProcedureAsync(new ProcedureEntry("P1", "Lý lịch tư pháp", null, null), createOnly: true, Cancel)).Saved!;
        await using (var insert = database.DataSource.CreateCommand(
            """
            INSERT INTO transactions (agency_id, procedure_id, dossier_code, phone, result_date)
            SELECT $1, $2, 'HS-' || n, '+8491200000' || n, DATE '2025-03-01' FROM generate_series(1, 3) n
            """))
        {
            insert.Parameters.AddWithValue(busy.Id);
            insert.Parameters.AddWithValue(procedure.Id);
            await insert.ExecuteNonQueryAsync(Cancel);
        }

        var counts = await store.TransactionCountsAsync(Cancel);

        Assert.Equal(3L, counts["A1"]);
        Assert.False(counts.ContainsKey("A2"));
        Assert.Equal(("A1", "P1"), await store.FirstCodesAsync(Cancel));
    }
}
