using ChatSurvey.Dispatcher.Catalogue;
using ChatSurvey.Dispatcher.Database;
using ChatSurvey.Domain.Catalogue;
using ChatSurvey.Domain.Problems;
using ChatSurvey.Domain.Statuses;
using ChatSurvey.TestSupport;
using CsvHelper;
using DbUp;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace ChatSurvey.Dispatcher.Tests.Catalogue;

/// <summary>
/// Hai Phong's map since 1 July 2025 in the catalogue: the seed of a new database, the upgrade of a database that holds
/// the earlier demo catalogue (districts, merged departments), retirement, and the all-or-nothing catalogue import.
/// </summary>
public sealed class CatalogueMapTests
{
    private static readonly DateTimeOffset Now = new(2025, 9, 15, 3, 0, 0, TimeSpan.Zero);

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Start_Should_SeedThe2025Map_When_DatabaseIsNew()
    {
        await using var database = await (await PostgresServer.GetAsync()).CreateDatabaseAsync(migrated: false);

        await StartWorkerHostAsync(database.ConnectionString);

        // The city, 15 city-level agencies (14 departments and boards, and the public administration centre HP-TTPVHCC),
        // 45 wards, 67 communes and 2 special zones: 130, none retired, all but the city directly under it.
        Assert.Equal(
            [(AgencyKind.City, 1L), (AgencyKind.Department, 15L), (AgencyKind.Ward, 45L), (AgencyKind.Commune, 67L), (AgencyKind.SpecialZone, 2L)],
            await CountsAsync(database.DataSource, "kind", "WHERE retired_at IS NULL"));
        Assert.Equal(130L, await database.DataSource.ScalarAsync<long>("SELECT count(*) FROM agencies", [], Cancel));
        // The block follows the kind (migration 0014): the city reports with its departments.
        Assert.Equal(
            [(AgencyBlock.Department, 16L), (AgencyBlock.Ward, 45L), (AgencyBlock.Commune, 67L), (AgencyBlock.SpecialZone, 2L)],
            await CountsAsync(database.DataSource, "block", ""));
        Assert.Equal(129L, await database.DataSource.ScalarAsync<long>(
            "SELECT count(*) FROM agencies a JOIN agencies p ON p.id = a.parent_id WHERE p.code = 'HP'", [], Cancel));
        Assert.Equal("Trung tâm Phục vụ hành chính công thành phố Hải Phòng", await database.DataSource.ScalarAsync<string>(
            "SELECT name FROM agencies WHERE code = 'HP-TTPVHCC'", [], Cancel));
        Assert.Equal("Sở Văn hóa, Thể thao và Du lịch", await database.DataSource.ScalarAsync<string>(
            "SELECT name FROM agencies WHERE code = 'HP-SVHTTDL'", [], Cancel));
    }

    [Fact]
    public async Task Start_Should_KeepTheOldDistrictsRetiredAndAddThe2025Map_When_DatabaseHeldTheEarlierDemoCatalogue()
    {
        await using var database = await (await PostgresServer.GetAsync()).CreateDatabaseAsync(migrated: false);
        // A database of the release before 0014, seeded with the demo catalogue it shipped (18 departments, 15 districts).
        var upgrade = DeployChanges.To
            .PostgresqlDatabase(database.ConnectionString)
            .WithScriptsEmbeddedInAssembly(typeof(DatabaseMigrator).Assembly, name =>
                DatabaseMigrator.ScriptNames().Contains(name)
                && string.CompareOrdinal(name, DatabaseMigrator.ScriptNamePrefix + "0014") < 0)
            .JournalToPostgresqlTable("public", "schema_versions")
            .WithTransactionPerScript()
            .LogToNowhere()
            .Build()
            .PerformUpgrade();
        Assert.True(upgrade.Successful, upgrade.Error?.Message);
        var old = OldDemoCatalogue();
        Assert.Equal(34, old.Count);
        foreach (var (code, name, kind, parent) in old)
        {
            await database.DataSource.ExecuteAsync(
                "INSERT INTO agencies (code, name, kind, parent_id) VALUES ($1, $2, $3, (SELECT id FROM agencies WHERE code = $4))",
                [code, name, kind, (object?)parent ?? DBNull.Value], Cancel);
        }

        await StartWorkerHostAsync(database.ConnectionString);

        // The 15 districts, abolished on 1 July 2025, and the 8 departments merged on 1 March 2025 are kept, retired.
        Assert.Equal(15L, await database.DataSource.ScalarAsync<long>(
            "SELECT count(*) FROM agencies WHERE kind = 'district' AND retired_at = TIMESTAMPTZ '2025-07-01 00:00:00+07'", [], Cancel));
        Assert.Equal(
            ["HP-SDL", "HP-SGTVT", "HP-SKHDT", "HP-SLDTBXH", "HP-SNN", "HP-STNMT", "HP-STTTT", "HP-SVHTT"],
            await CodesAsync(database.DataSource, "WHERE kind = 'department' AND retired_at = TIMESTAMPTZ '2025-03-01 00:00:00+07'"));
        Assert.Equal(23L, await database.DataSource.ScalarAsync<long>("SELECT count(*) FROM agencies WHERE retired_at IS NOT NULL", [], Cancel));
        // The 11 codes both catalogues share stay as they were; the 119 new ones are added: the current agencies are the 2025 map.
        Assert.Equal(
            DemoCatalogue.Agencies().Select(a => a.Code).Order(StringComparer.Ordinal),
            await CodesAsync(database.DataSource, "WHERE retired_at IS NULL"));
        Assert.Equal(34L + 119L, await database.DataSource.ScalarAsync<long>("SELECT count(*) FROM agencies", [], Cancel));
        Assert.Equal(AgencyBlock.District, await database.DataSource.ScalarAsync<string>(
            "SELECT block FROM agencies WHERE code = 'HP-HONGBANG'", [], Cancel));
    }

    [Fact]
    public async Task RetireAgencyAsync_Should_DateTheRetirementAndKeepIt_When_RetiredTwiceThenBroughtBack()
    {
        await using var database = await (await PostgresServer.GetAsync()).CreateDatabaseAsync();
        var clock = new FakeTimeProvider(Now);
        var store = new CatalogueStore(database.DataSource, clock);
        await store.SaveAgencyAsync(new AgencyEntry("HP", "Ủy ban nhân dân thành phố Hải Phòng", AgencyKind.City, null), createOnly: true, Cancel);
        await store.SaveAgencyAsync(new AgencyEntry("HP-SNN", "Sở Nông nghiệp và Phát triển nông thôn", AgencyKind.Department, "HP"), createOnly: true, Cancel);

        var retired = await store.RetireAgencyAsync("HP-SNN", retired: true, Cancel);
        clock.Advance(TimeSpan.FromDays(3));
        var again = await store.RetireAgencyAsync("HP-SNN", retired: true, Cancel);
        // Editing a retired agency leaves it retired.
        var edited = await store.SaveAgencyAsync(new AgencyEntry("HP-SNN", "Sở Nông nghiệp (cũ)", AgencyKind.Department, "HP"), createOnly: false, Cancel);

        Assert.Equal(new CatalogueAgency(retired!.Id, "HP-SNN", "Sở Nông nghiệp và Phát triển nông thôn", AgencyKind.Department, "HP", AgencyBlock.Department, Now), retired);
        Assert.Equal(Now, again!.RetiredAt);
        Assert.Equal(Now, edited.Saved!.RetiredAt);
        Assert.True(Assert.Single(await store.ListAgenciesAsync(Cancel), a => a.Code == "HP-SNN").Retired);

        var back = await store.RetireAgencyAsync("HP-SNN", retired: false, Cancel);
        Assert.False(back!.Retired);
        Assert.Null(await store.RetireAgencyAsync("KHONG-CO", retired: true, Cancel));
        Assert.All(await store.ListAgenciesAsync(Cancel), a => Assert.False(a.Retired));
    }

    [Fact]
    public async Task ImportAgenciesAsync_Should_WriteNothingAndNameEveryBadRow_When_AnyRowBreaksARule()
    {
        await using var database = await (await PostgresServer.GetAsync()).CreateDatabaseAsync();
        var store = new CatalogueStore(database.DataSource, new FakeTimeProvider(Now));
        await store.SaveAgencyAsync(new AgencyEntry("HP", "Hải Phòng", AgencyKind.City, null), createOnly: true, Cancel);

        var result = await store.ImportAgenciesAsync(
        [
            Row(2, "HP-P-A", "Ủy ban nhân dân phường A", AgencyKind.Ward, "HP"),
            Row(3, "HP-P-B", "Ủy ban nhân dân phường B", "tỉnh", "HP"),
            Row(4, "HP-P-A", "Phường A lần hai", AgencyKind.Ward, "HP"),
            Row(5, "HP-X-C", "Ủy ban nhân dân xã C", AgencyKind.Commune, "KHONG-CO"),
            Row(6, "HP-X-D", "Ủy ban nhân dân xã D", AgencyKind.Commune, "HP", retired: "có lẽ"),
        ], Cancel);

        Assert.False(result.Imported);
        Assert.Equal(
        [
            new AgencyImportProblem(3, "HP-P-B", Problem.Of("kind", ProblemCodes.CatalogueKindUnknown, CatalogueStore.AgencyKinds)),
            new AgencyImportProblem(4, "HP-P-A", Problem.Of("code", ProblemCodes.CatalogueCodeRepeated, "HP-P-A", 2)),
            new AgencyImportProblem(5, "HP-X-C", Problem.Of("parentCode", ProblemCodes.CatalogueParentUnknown, "KHONG-CO")),
            new AgencyImportProblem(6, "HP-X-D", Problem.Of("retired", ProblemCodes.CatalogueRetiredValue)),
        ], result.Problems);
        Assert.Equal(["HP"], await CodesAsync(database.DataSource, ""));
    }

    [Fact]
    public async Task ImportAgenciesAsync_Should_PlaceChildrenAfterTheirParentsAndCountChanges_When_FileListsThemInAnyOrder()
    {
        await using var database = await (await PostgresServer.GetAsync()).CreateDatabaseAsync();
        var clock = new FakeTimeProvider(Now);
        var store = new CatalogueStore(database.DataSource, clock);
        AgencyImportRow[] file =
        [
            Row(2, "HP-X-A", "Ủy ban nhân dân xã A", AgencyKind.Commune, "HP", retired: ""),
            Row(3, "HP-Q-OLD", "Ủy ban nhân dân quận Cũ", AgencyKind.District, "HP", retired: "2025-07-01"),
            Row(4, "HP", "Ủy ban nhân dân thành phố Hải Phòng", AgencyKind.City, null, retired: "0"),
            Row(5, "HP-S-GONE", "Sở Đã sáp nhập", AgencyKind.Department, "HP", retired: "1"),
        ];

        var first = await store.ImportAgenciesAsync(file, Cancel);
        clock.Advance(TimeSpan.FromDays(1));
        var again = await store.ImportAgenciesAsync(file, Cancel);
        var renamed = await store.ImportAgenciesAsync([Row(2, "HP-X-A", "Ủy ban nhân dân xã A (mới)", AgencyKind.Commune, "HP")], Cancel);

        Assert.Equal((4, 0, 0, 0), Counts(first));
        Assert.Equal((0, 0, 4, 0), Counts(again));
        Assert.Equal((0, 1, 0, 0), Counts(renamed));
        var agencies = (await store.ListAgenciesAsync(Cancel)).ToDictionary(a => a.Code);
        Assert.Equal("HP", agencies["HP-X-A"].ParentCode);
        Assert.Equal("Ủy ban nhân dân xã A (mới)", agencies["HP-X-A"].Name);
        Assert.Equal(new DateTimeOffset(2025, 7, 1, 0, 0, 0, TimeSpan.FromHours(7)), agencies["HP-Q-OLD"].RetiredAt);
        // "1" retires at the import's time and keeps that date when the same file comes again a day later.
        Assert.Equal(Now, agencies["HP-S-GONE"].RetiredAt);
        Assert.False(agencies["HP"].Retired);
    }

    private static (int Added, int Updated, int Unchanged, int Problems) Counts(AgencyImportResult result) =>
        (result.Added, result.Updated, result.Unchanged, result.Problems.Count);

    private static AgencyImportRow Row(int row, string code, string name, string kind, string? parent, string? retired = null) =>
        new(row, new AgencyEntry(code, name, kind, parent), retired);

    /// <summary>Migrates and seeds as every process does at start (the worker's host, as in production).</summary>
    private static async Task StartWorkerHostAsync(string connectionString)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration["ConnectionStrings:Survey"] = connectionString;
        builder.Configuration["Storage:SeedDemoData"] = "true";
        await builder.AddSurveyDatabaseAsync(Cancel);
        using var host = builder.Build();
        await host.StartAsync(Cancel);
        await host.StopAsync(Cancel);
    }

    private static List<(string Code, string Name, string Kind, string? Parent)> OldDemoCatalogue()
    {
        using var stream = typeof(CatalogueMapTests).Assembly.GetManifestResourceStream(
            "ChatSurvey.Dispatcher.Tests.Catalogue.agencies-haiphong-2024.csv")!;
        using var csv = CsvReader.Create(stream, null, leaveOpen: false);
        var rows = new List<(string, string, string, string?)>();
        while (csv.Read())
        {
            var parent = csv.GetString("parent_code");
            rows.Add((csv.GetString("code"), csv.GetString("name"), csv.GetString("kind"), parent.Length == 0 ? null : parent));
        }

        return rows;
    }

    private static async Task<List<(string, long)>> CountsAsync(NpgsqlDataSource dataSource, string column, string where)
    {
        // In the order lists show kinds and blocks.
        var order = column == "kind" ? AgencyKind.All : AgencyBlock.All;
        await using var command = dataSource.CreateCommand($"SELECT {column}, count(*) FROM agencies {where} GROUP BY 1");
        await using var reader = await command.ExecuteReaderAsync(Cancel);
        var counts = new List<(string, long)>();
        while (await reader.ReadAsync(Cancel))
            counts.Add((reader.GetString(0), reader.GetInt64(1)));
        return [.. counts.OrderBy(c => order.ToList().IndexOf(c.Item1))];
    }

    private static async Task<List<string>> CodesAsync(NpgsqlDataSource dataSource, string where)
    {
        await using var command = dataSource.CreateCommand($"SELECT code FROM agencies {where} ORDER BY code COLLATE \"C\"");
        await using var reader = await command.ExecuteReaderAsync(Cancel);
        var codes = new List<string>();
        while (await reader.ReadAsync(Cancel))
            codes.Add(reader.GetString(0));
        return codes;
    }
}
