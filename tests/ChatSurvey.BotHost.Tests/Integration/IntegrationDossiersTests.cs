using System.Net;
using System.Text;
using ChatSurvey.BotHost.Tests.Admin;
using Microsoft.Extensions.Time.Testing;
using static ChatSurvey.BotHost.Tests.Integration.IntegrationClient;

namespace ChatSurvey.BotHost.Tests.Integration;

/// <summary>
/// <c>POST /api/integrations/dossiers</c> through HTTP, checked in SQL: the portal's fields stored, bad elements reported
/// one by one, the 1,000-dossier limit, idempotent reposts (an undecided dossier updated once, a decided one never), and
/// agencies found by their one-stop-shop unit code.
/// </summary>
public sealed class IntegrationDossiersTests : IAsyncLifetime
{
    private AdminApiHost _host = null!;
    private long _keyId;
    private HttpClient _integration = null!;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    /// <summary>10:00 on 15 March 2025 in Hai Phong: "today" there is 2025-03-15.</summary>
    private static readonly DateTimeOffset Now = new(2025, 3, 15, 3, 0, 0, TimeSpan.Zero);

    public async ValueTask InitializeAsync()
    {
        _host = await AdminApiHost.StartAsync(new FakeTimeProvider(Now));
        await _host.SeedCatalogueAsync();
        (_keyId, var key) = await _host.CreateKeyAsync();
        _integration = _host.Factory.KeyClient(key);
    }

    public async ValueTask DisposeAsync()
    {
        _integration.Dispose();
        await _host.DisposeAsync();
    }

    [Fact]
    public async Task Post_Should_StoreThePortalsFields_When_DossiersAreValid()
    {
        var (status, report) = await _integration.PostDossiersAsync(
            """
            [
              {"MaHoSo":"000.00.12.H31-250301-0001","MaTTHC":"P1","TenTTHC":"Đăng ký khai sinh","MaDonVi":"A1","SoDienThoai":"0912 345 678",
               "ChuHoSo":"Nguyễn Văn An","LoaiDoiTuong":2,"NgayTiepNhan":"20250301081500","NgayHenTra":"20250305170000",
               "NgayTra":"20250307143000","TrangThaiHoSo":"10","HoTenNguoiNop":"not a field ChatSurvey reads"},
              {"MaHoSo":"000.00.12.H31-250301-0002","MaTTHC":"P1","MaDonVi":"A2","SoDienThoai":"+84912000002",
               "LoaiDoiTuong":"1","NgayTiepNhan":"20250301090000","NgayHenTra":"20250310170000","TrangThaiHoSo":"4"}
            ]
            """);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(Canonical("""{"accepted":2,"duplicates":0,"rejected":[]}"""), Canonical(report.GetRawText()));
        Assert.Equal(
        [
            // NgayTra's day and instant (14:30 in Hai Phong is 07:30 UTC); the appointment date tells on time from late.
            "A1|000.00.12.H31-250301-0001|P1|+84912345678|2025-03-07|2025-03-07T07:30:00Z|2025-03-01|2025-03-05|10|Nguyễn Văn An|organization",
            // No NgayTra yet: stored, with no result date, so no wave can draw it until a repost brings one.
            "A2|000.00.12.H31-250301-0002|P1|+84912000002|-|-|2025-03-01|2025-03-10|4|-|citizen",
        ], await DossiersAsync());

        // The batch is an import of its own, with the key that posted it; the key is stamped as used.
        Assert.Equal("integration|2|2|0|" + _keyId, await _host.ScalarAsync<string>(
            "SELECT source || '|' || total_rows || '|' || accepted || '|' || duplicates || '|' || integration_key_id FROM imports"));
        Assert.Equal(2L, await _host.ScalarAsync<long>(
            "SELECT count(*) FROM transactions WHERE import_id = (SELECT id FROM imports)"));
        Assert.True(await _host.ScalarAsync<bool>("SELECT last_used_at = $2 FROM integration_keys WHERE id = $1", _keyId, Now));
    }

    [Fact]
    public async Task Post_Should_ReportEachBadDossierAndStoreTheGoodOnes_When_BatchMixesThem()
    {
        await _host.ExecuteAsync("INSERT INTO agencies (code, name, kind, retired_at) VALUES ('H-CU', 'UBND huyện cũ', 'district', now())");
        var (status, report) = await _integration.PostDossiersAsync(
            """
            [
              {"MaHoSo":"HS-0","MaTTHC":"P1","MaDonVi":"A1","SoDienThoai":"0912000000","NgayTra":"20250301100000"},
              {"MaHoSo":"HS-1","MaTTHC":"P1","MaDonVi":"A1","SoDienThoai":"0912000001","NgayTra":"20250230100000"},
              {"MaHoSo":"HS-2","MaTTHC":"P1","MaDonVi":"A1","SoDienThoai":"0912000002","NgayTra":"7/3/2025 hôm qua"},
              {"MaHoSo":"HS-3","MaTTHC":"P1","MaDonVi":"A1","SoDienThoai":"0912000003","NgayHenTra":"20250431170000"},
              {"MaHoSo":"HS-4","MaTTHC":"P1","MaDonVi":"KHONG-CO","SoDienThoai":"0912000004"},
              {"MaHoSo":"HS-5","MaTTHC":"P1","MaDonVi":"H-CU","SoDienThoai":"0912000005"},
              {"MaHoSo":"HS-6","MaTTHC":"1.000123.000.00.00.H31","TenTTHC":"Cấp phiếu lý lịch tư pháp","MaDonVi":"A1","SoDienThoai":"0912000006"},
              {"MaHoSo":"HS-7","MaTTHC":"P1","MaDonVi":"A1","SoDienThoai":"12345"},
              {"MaHoSo":"HS-8","MaTTHC":"P1","MaDonVi":"A1","SoDienThoai":"0912000008","LoaiDoiTuong":3},
              {"MaTTHC":"P1","MaDonVi":"A1","SoDienThoai":"0912000009"},
              null,
              {"MaHoSo":"HS-11","MaTTHC":"P1","MaDonVi":"A1","SoDienThoai":"0912000011","NgayTra":"20250316000500"}
            ]
            """);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(Canonical(
            """
            {"accepted":1,"duplicates":0,"rejected":[
              {"row":1,"field":"NgayTra","reason":"must be a real date written DD/MM/YYYY, YYYY-MM-DD or yyyyMMddHHmmss (Vietnam time)"},
              {"row":2,"field":"NgayTra","reason":"must be a real date written DD/MM/YYYY, YYYY-MM-DD or yyyyMMddHHmmss (Vietnam time)"},
              {"row":3,"field":"NgayHenTra","reason":"must be a real date written DD/MM/YYYY, YYYY-MM-DD or yyyyMMddHHmmss (Vietnam time)"},
              {"row":4,"field":"MaDonVi","reason":"unknown agency code 'KHONG-CO'"},
              {"row":5,"field":"MaDonVi","reason":"agency 'H-CU' is retired"},
              {"row":6,"field":"MaTTHC","reason":"unknown procedure code '1.000123.000.00.00.H31' (Cấp phiếu lý lịch tư pháp): an administrator adds it to the catalogue"},
              {"row":7,"field":"SoDienThoai","reason":"is not a valid phone number"},
              {"row":8,"field":"LoaiDoiTuong","reason":"must be 'citizen' (1) or 'organization' (2)"},
              {"row":9,"field":"MaHoSo","reason":"is required"},
              {"row":10,"field":"MaHoSo","reason":"is required"},
              {"row":11,"field":"NgayTra","reason":"must not be in the future (today is 2025-03-15 in Hai Phong)"}
            ]}
            """),
            Canonical(report.GetRawText()));
        Assert.Equal(["A1|HS-0|P1|+84912000000|2025-03-01|2025-03-01T03:00:00Z|-|-|-|-|citizen"], await DossiersAsync());
        // A procedure is never created from a post: the catalogue (and the SMS label citizens read) stays the administrators'.
        Assert.Equal(0L, await _host.ScalarAsync<long>("SELECT count(*) FROM procedures WHERE code = '1.000123.000.00.00.H31'"));
    }

    [Fact]
    public async Task Post_Should_Answer400AndStoreNothing_When_BatchHasMoreThan1000Dossiers()
    {
        var (status, problem) = await _integration.PostDossiersAsync(Batch(1001));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("At most 1000 dossiers per call; this one has 1001. Nothing was stored.",
            problem.GetProperty("errors").GetProperty("body")[0].GetString());
        Assert.Equal(0L, await _host.ScalarAsync<long>("SELECT count(*) FROM transactions"));
        Assert.Equal(0L, await _host.ScalarAsync<long>("SELECT count(*) FROM imports"));

        var (full, report) = await _integration.PostDossiersAsync(Batch(1000));
        Assert.Equal(HttpStatusCode.OK, full);
        Assert.Equal(1000, report.GetProperty("accepted").GetInt32());
        Assert.Equal(1000L, await _host.ScalarAsync<long>("SELECT count(*) FROM transactions"));
    }

    [Fact]
    public async Task Post_Should_Answer400Or415AndStoreNothing_When_BodyIsNotAJsonArrayOfDossiers()
    {
        foreach (var body in new[] { """{"MaHoSo":"HS-1"}""", "[{\"MaHoSo\":{\"nested\":1}}]", "[", "" })
        {
            var (status, problem) = await _integration.PostDossiersAsync(body);
            Assert.Equal(HttpStatusCode.BadRequest, status);
            Assert.Equal("The body must be a JSON array of dossier objects.", problem.GetProperty("errors").GetProperty("body")[0].GetString());
        }

        using var text = new StringContent("MaHoSo=HS-1", Encoding.UTF8, "text/plain");
        using var response = await _integration.PostAsync(DossiersPath, text, Cancel);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Equal(0L, await _host.ScalarAsync<long>("SELECT count(*) FROM imports"));
    }

    [Fact]
    public async Task Repost_Should_UpdateAnUndecidedDossierInPlace_And_NeverChangeADecidedOne()
    {
        const string first =
            """
            [
              {"MaHoSo":"HS-1","MaTTHC":"P1","MaDonVi":"A1","SoDienThoai":"0912000001","NgayTiepNhan":"20250301080000","NgayHenTra":"20250310170000","TrangThaiHoSo":"2"},
              {"MaHoSo":"HS-2","MaTTHC":"P1","MaDonVi":"A1","SoDienThoai":"0912000002","NgayTra":"20250302100000"}
            ]
            """;
        Assert.Equal(Canonical("""{"accepted":2,"duplicates":0,"rejected":[]}"""), Canonical((await _integration.PostDossiersAsync(first)).Body.GetRawText()));
        // Mark both as changed long ago, and let a continuous wave decide HS-2 (another store writes wave_decisions).
        await _host.ExecuteAsync("UPDATE transactions SET updated_at = '2000-01-01T00:00:00Z'");
        var waveId = await _host.ScalarAsync<long>(
            """
            INSERT INTO waves (name, questionnaire_id, results_from, results_to, seed, mode)
            VALUES ('Liên tục', (SELECT min(id) FROM questionnaires), '2025-01-01', '2025-12-31', 1, 'continuous') RETURNING id
            """);
        await _host.ExecuteAsync(
            """
            INSERT INTO wave_decisions (wave_id, transaction_id, agency_id, decided_at, outcome)
            SELECT $1, id, agency_id, now(), 'not_drawn' FROM transactions WHERE dossier_code = 'HS-2'
            """, waveId);

        // The same post again changes nothing: both are unchanged, neither is touched.
        var (_, same) = await _integration.PostDossiersAsync(first);
        Assert.Equal(Canonical("""{"accepted":0,"duplicates":2,"rejected":[]}"""), Canonical(same.GetRawText()));
        Assert.Equal(0L, await _host.ScalarAsync<long>("SELECT count(*) FROM transactions WHERE updated_at > '2000-01-01T00:00:00Z'"));

        // HS-1 now has its result (and a new phone): updated in place. HS-2 is decided: reported, left as it was.
        var (_, repost) = await _integration.PostDossiersAsync(
            """
            [
              {"MaHoSo":"HS-1","MaTTHC":"P1","MaDonVi":"A1","SoDienThoai":"0987000001","NgayTiepNhan":"20250301080000","NgayHenTra":"20250310170000","NgayTra":"20250312090000","TrangThaiHoSo":"10"},
              {"MaHoSo":"HS-2","MaTTHC":"P1","MaDonVi":"A1","SoDienThoai":"0987000002","NgayTra":"20250302100000"},
              {"MaHoSo":"HS-3","MaTTHC":"P1","MaDonVi":"A2","SoDienThoai":"0912000003"},
              {"MaHoSo":"HS-3","MaTTHC":"P1","MaDonVi":"A2","SoDienThoai":"0912999999"}
            ]
            """);
        Assert.Equal(Canonical(
            """
            {"accepted":2,"duplicates":1,"rejected":[{"row":1,"field":"MaHoSo","reason":"has already been decided by a survey wave: the dossier is left unchanged"}]}
            """), Canonical(repost.GetRawText()));
        Assert.Equal(
        [
            "A1|HS-1|P1|+84987000001|2025-03-12|2025-03-12T02:00:00Z|2025-03-01|2025-03-10|10|-|citizen",
            "A1|HS-2|P1|+84912000002|2025-03-02|2025-03-02T03:00:00Z|-|-|-|-|citizen",
            // The first of two elements for one dossier wins, as in the JSON batch.
            "A2|HS-3|P1|+84912000003|-|-|-|-|-|-|citizen",
        ], await DossiersAsync());
        Assert.Equal("HS-1,HS-3", await _host.ScalarAsync<string>(
            "SELECT string_agg(dossier_code, ',' ORDER BY dossier_code) FROM transactions WHERE updated_at > '2000-01-01T00:00:00Z'"));
    }

    [Fact]
    public async Task Post_Should_FindTheAgency_When_MaDonViIsItsOneStopShopUnitCode()
    {
        var (saved, agency) = await _host.PostAsync("/api/admin/agencies",
            new { code = "A1", name = "Sở Tư pháp", kind = "department", unitCode = "000.00.12.H31" });
        Assert.Equal(HttpStatusCode.OK, saved);
        Assert.Equal("000.00.12.H31", agency.GetProperty("unitCode").GetString());

        var (_, report) = await _integration.PostDossiersAsync(
            """[{"MaHoSo":"HS-1","MaTTHC":"P1","MaDonVi":"000.00.12.H31","SoDienThoai":"0912000001","NgayTra":"20250301100000"}]""");
        Assert.Equal(1, report.GetProperty("accepted").GetInt32());
        Assert.Equal(["A1|HS-1|P1|+84912000001|2025-03-01|2025-03-01T03:00:00Z|-|-|-|-|citizen"], await DossiersAsync());

        // A unit code names one agency, and no other agency's code; leaving it out of an update keeps it, "" clears it.
        var (taken, problem) = await _host.PostAsync("/api/admin/agencies",
            new { code = "A2", name = "UBND quận Lê Chân", kind = "district", unitCode = "000.00.12.H31" });
        Assert.Equal(HttpStatusCode.BadRequest, taken);
        Assert.Equal("The unit code '000.00.12.H31' is already used by agency 'A1'.", problem.GetProperty("errors").GetProperty("unitCode")[0].GetString());
        var (otherCode, _) = await _host.PostAsync("/api/admin/agencies", new { code = "A2", name = "UBND quận Lê Chân", kind = "district", unitCode = "A1" });
        Assert.Equal(HttpStatusCode.BadRequest, otherCode);
        var (badFormat, _) = await _host.PostAsync("/api/admin/agencies", new { code = "A2", name = "UBND quận Lê Chân", kind = "district", unitCode = "mã đơn vị" });
        Assert.Equal(HttpStatusCode.BadRequest, badFormat);
        var (_, kept) = await _host.PostAsync("/api/admin/agencies", new { code = "A1", name = "Sở Tư pháp Hải Phòng", kind = "department" });
        Assert.Equal("000.00.12.H31", kept.GetProperty("unitCode").GetString());
        var (_, cleared) = await _host.PostAsync("/api/admin/agencies", new { code = "A1", name = "Sở Tư pháp Hải Phòng", kind = "department", unitCode = "" });
        Assert.Equal(System.Text.Json.JsonValueKind.Null, cleared.GetProperty("unitCode").ValueKind);
        Assert.Equal(0L, await _host.ScalarAsync<long>("SELECT count(*) FROM agencies WHERE unit_code IS NOT NULL"));
    }

    private static string Batch(int count) =>
        "[" + string.Join(',', Enumerable.Range(0, count).Select(i => FormattableString.Invariant(
            $$"""{"MaHoSo":"HS-{{i:D5}}","MaTTHC":"P1","MaDonVi":"A1","SoDienThoai":"09{{10_000_000 + i:D8}}","NgayTra":"20250301100000","ChuHoSo":"Người nộp số {{i}}"}"""))) + "]";

    /// <summary>Every stored dossier: agency, code, procedure, phone, result day and instant, receipt, appointment, status, applicant.</summary>
    private async Task<List<string>> DossiersAsync()
    {
        await using var command = _host.DataSource.CreateCommand(
            """
            SELECT concat_ws('|', a.code, t.dossier_code, p.code, t.phone, coalesce(t.result_date::text, '-'),
                   coalesce(to_char(t.result_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), '-'),
                   coalesce(t.received_on::text, '-'), coalesce(t.due_on::text, '-'), coalesce(t.dossier_status, '-'),
                   coalesce(t.applicant_name, '-'), t.applicant_type)
            FROM transactions t JOIN agencies a ON a.id = t.agency_id JOIN procedures p ON p.id = t.procedure_id
            ORDER BY a.code, t.dossier_code
            """);
        var rows = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(Cancel);
        while (await reader.ReadAsync(Cancel))
            rows.Add(reader.GetString(0));
        return rows;
    }
}
