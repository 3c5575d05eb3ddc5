using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using ChatSurvey.Dispatcher.Import;
using Microsoft.Extensions.DependencyInjection;
using MiniExcelLibs;

namespace ChatSurvey.BotHost.Tests.Admin;

/// <summary>
/// Transactions in through HTTP: the JSON batch, and CSV/XLSX uploads polled at <c>GET /api/admin/imports/{id}</c>.
/// The test host registers no Hangfire server yet, so each test runs <see cref="ImportJob"/> itself after the upload,
/// as a worker would; the job is safe to run twice, so this stays right once Hangfire runs it too.
/// </summary>
public sealed class TransactionsApiTests : IAsyncLifetime
{
    private static readonly string[] Header =
        ["dossier_code", "agency_code", "procedure_code", "phone", "result_date", "applicant_name", "applicant_type"];

    private AdminApiHost _host = null!;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _host = await AdminApiHost.StartAsync();
        await _host.SeedCatalogueAsync();
    }

    public async ValueTask DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Batch_Should_LoadGoodRowsAndReportEveryOtherRow_When_BatchMixesGoodBadAndDuplicateRows()
    {
        var (_, existing) = await _host.PostAsync("/api/admin/transactions", new[]
        {
            new { dossierCode = "HS-900", agencyCode = "A1", procedureCode = "P1", phone = "0912000900", resultDate = "2025-02-01" },
        });
        Assert.Equal(Json("""{"accepted":1,"duplicates":0,"rejected":[]}"""), Json(existing.GetRawText()));

        const string batch =
            """
            [
              {"dossierCode":"HS-1","agencyCode":"A1","procedureCode":"P1","phone":"0912 000 001","resultDate":"2025-03-01","applicantName":"Nguyễn Văn An"},
              {"dossierCode":"HS-2","agencyCode":"A1","procedureCode":"P1","phone":"+84912000002","resultDate":"2025-03-02","applicantType":"organization"},
              {"dossierCode":"HS-3","agencyCode":"KHONG-CO","procedureCode":"P1","phone":"0912000003","resultDate":"2025-03-02"},
              {"dossierCode":"HS-4","agencyCode":"A1","procedureCode":"P1","phone":"12345","resultDate":"2025-03-02"},
              {"dossierCode":"HS-5","agencyCode":"A1","procedureCode":"P1","phone":"0912000005","resultDate":"2025-02-30"},
              {"dossierCode":"HS-1","agencyCode":"A1","procedureCode":"P1","phone":"0912000006","resultDate":"2025-03-03"},
              {"dossierCode":"HS-1","agencyCode":"A2","procedureCode":"P1","phone":"0912000007","resultDate":"2025-03-03"},
              {"agencyCode":"A1","procedureCode":"P1","phone":"0912000008","resultDate":"2025-03-03"},
              null,
              {"dossierCode":"HS-9","agencyCode":"A1","procedureCode":"P9","phone":"0912000009","resultDate":"2025-03-03"},
              {"dossierCode":"HS-900","agencyCode":"A1","procedureCode":"P1","phone":"0912000010","resultDate":"2025-03-03"},
              {"dossierCode":"HS-11","agencyCode":"A1","procedureCode":"P1","phone":"0912000011","resultDate":"2025-03-03","applicantType":"company"}
            ]
            """;
        using var content = new StringContent(batch, Encoding.UTF8, "application/json");
        using var response = await _host.Client.PostAsync("/api/admin/transactions", content, Cancel);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Json(
            """
            {"accepted":3,"duplicates":2,"rejected":[{"row":2,"field":"agencyCode","reason":"unknown agency code 'KHONG-CO'"},{"row":3,"field":"phone","reason":"is not a valid phone number"},{"row":4,"field":"resultDate","reason":"must be a real date written DD/MM/YYYY, YYYY-MM-DD or yyyyMMddHHmmss (Vietnam time)"},{"row":7,"field":"dossierCode","reason":"is required"},{"row":8,"field":"dossierCode","reason":"is required"},{"row":9,"field":"procedureCode","reason":"unknown procedure code 'P9'"},{"row":11,"field":"applicantType","reason":"must be 'citizen' (1) or 'organization' (2)"}]}
            """),
            Json(await response.Content.ReadAsStringAsync(Cancel)));
        Assert.Equal(["A1/HS-1/+84912000001", "A1/HS-2/+84912000002", "A1/HS-900/+84912000900", "A2/HS-1/+84912000007"], await LoadedAsync());
    }

    [Fact]
    public async Task Batch_Should_Answer400_When_BodyIsNotAnArray()
    {
        using var content = new StringContent("""{"dossierCode":"HS-1"}""", Encoding.UTF8, "application/json");
        using var response = await _host.Client.PostAsync("/api/admin/transactions", content, Cancel);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(0L, await _host.ScalarAsync<long>("SELECT count(*) FROM transactions"));
    }

    [Fact]
    public async Task CsvUpload_Should_LoadOnlyGoodRowsAndReportTheRest_When_FileMixesGoodBadAndDuplicateRows()
    {
        await InsertExistingAsync();
        var csv = Encoding.UTF8.GetBytes(
            string.Join('\n', SampleRows().Select(r => r is null ? "" : string.Join(',', r.Select(c => c?.Contains(',', StringComparison.Ordinal) == true ? $"\"{c}\"" : c))).Prepend(string.Join(',', Header))) + "\n");

        var importId = await UploadAsync(csv, "giao-dich.csv", "text/csv");
        var import = await RunAndPollAsync(importId);

        AssertSampleReport(import, "csv", "giao-dich.csv");
        Assert.Equal(SampleLoaded, await LoadedAsync());
        Assert.Equal(0L, await _host.ScalarAsync<long>("SELECT count(*) FROM import_files"));
    }

    [Fact]
    public async Task XlsxUpload_Should_LoadOnlyGoodRowsAndReportTheRest_When_FileMixesGoodBadAndDuplicateRows()
    {
        await InsertExistingAsync();
        var sheet = SampleRows()
            .Select(r => Header.Select((column, i) => (column, value: r?[i])).ToDictionary(c => c.column, c => (object?)c.value))
            .ToList();
        using var workbook = new MemoryStream();
        MiniExcel.SaveAs(workbook, sheet, excelType: ExcelType.XLSX);

        var importId = await UploadAsync(workbook.ToArray(), "giao-dich.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
        var import = await RunAndPollAsync(importId);

        AssertSampleReport(import, "xlsx", "giao-dich.xlsx");
        Assert.Equal(SampleLoaded, await LoadedAsync());
    }

    [Fact]
    public async Task Upload_Should_FailTheImportAndLoadNothing_When_FileLacksRequiredColumns()
    {
        var importId = await UploadAsync("dossier_code,agency_code\nHS-1,A1\n"u8.ToArray(), "thieu-cot.csv", "text/csv");

        var job = _host.Factory.Services.GetRequiredService<ImportJob>();
        await Assert.ThrowsAsync<ImportFileException>(() => job.RunAsync(importId, Cancel));

        var (_, import) = await _host.GetAsync($"/api/admin/imports/{importId}");
        Assert.Equal("failed", import.GetProperty("status").GetString());
        Assert.Contains("procedureCode", import.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(0L, await _host.ScalarAsync<long>("SELECT count(*) FROM transactions"));
    }

    [Fact]
    public async Task Upload_Should_Answer400NamingFile_When_FileMissingEmptyOrNotCsvOrXlsx()
    {
        using (var noFile = new MultipartFormDataContent { { new StringContent("x"), "other" } })
            await AssertBadFileAsync(noFile);
        using (var empty = Multipart([], "empty.csv", "text/csv"))
            await AssertBadFileAsync(empty);
        using (var pdf = Multipart("%PDF-1.7"u8.ToArray(), "bao-cao.pdf", "application/pdf"))
            await AssertBadFileAsync(pdf);
        Assert.Equal(0L, await _host.ScalarAsync<long>("SELECT count(*) FROM imports"));
        Assert.Equal(HttpStatusCode.NotFound, (await _host.GetAsync("/api/admin/imports/999999")).Status);
    }

    [Fact]
    public async Task CsvUpload_Should_LoadAllRowsInOneJob_When_FileHas100000Rows()
    {
        const int rows = 100_000;
        var text = new StringBuilder(rows * 64);
        text.Append(string.Join(',', Header)).Append('\n');
        for (var i = 0; i < rows; i++)
        {
            // Every 1000th row has a bad phone (100 rows); every 500th repeats the dossier of the row 3 before it (200 rows).
            var dossier = i % 500 == 250 ? i - 3 : i;
            var phone = i % 1000 == 999 ? "12345" : $"09{10_000_000 + i:D8}";
            text.Append(CultureInvariant($"HS-{dossier:D7},A{1 + (i % 3 % 2)},P1,{phone},{new DateOnly(2024, 1, 1).AddDays(i % 365):yyyy-MM-dd},Người dân số {i},citizen\n"));
        }

        var importId = await UploadAsync(Encoding.UTF8.GetBytes(text.ToString()), "100k.csv", "text/csv");
        var import = await RunAndPollAsync(importId);

        Assert.Equal("succeeded", import.GetProperty("status").GetString());
        Assert.Equal((rows, rows - 300, 200, 100),
            (import.GetProperty("totalRows").GetInt32(), import.GetProperty("accepted").GetInt32(),
             import.GetProperty("duplicates").GetInt32(), import.GetProperty("rejected").GetArrayLength()));
        Assert.Equal((long)(rows - 300), await _host.ScalarAsync<long>("SELECT count(*) FROM transactions WHERE import_id = $1", importId));
    }

    /// <summary>JSON in one canonical spelling (the server escapes ' and non-ASCII letters).</summary>
    private static string Json(string json) => JsonSerializer.Serialize(JsonDocument.Parse(json).RootElement);

    private static string CultureInvariant(FormattableString text) => FormattableString.Invariant(text);

    /// <summary>From spreadsheet row 2 (null = blank row): 2, 3, 8 good; 4, 5, 9 bad; 6 repeats 2; 10 is already stored.</summary>
    private static List<string?[]?> SampleRows() =>
    [
        /* 2 */ ["HS-001", "A1", "P1", "0912345678", "2025-03-01", "Nguyễn Văn An", "citizen"],
        /* 3 */ ["HS-002", "A1", "P1", "84912345679", "2025-03-02", "Công ty TNHH Cảng Hải Phòng, chi nhánh Đình Vũ", "organization"],
        /* 4 */ ["HS-003", "KHONG-CO", "P1", "0912345680", "2025-03-02", "", ""],
        /* 5 */ ["HS-004", "A1", "P1", "12345", "2025-03-02", "", ""],
        /* 6 */ ["HS-001", "A1", "P1", "0912345681", "2025-03-03", "Bản sao", ""],
        /* 7 */ null,
        /* 8 */ ["HS-001", "A2", "P1", "+84 91 234 5670", "2025-03-05", "", ""],
        /* 9 */ ["HS-006", "A1", "P1", "0912345682", "2025-02-30", "", ""],
        /* 10 */ ["HS-900", "A1", "P1", "0912345683", "2025-03-03", "", ""],
    ];

    private static readonly List<string> SampleLoaded =
        ["A1/HS-001/+84912345678", "A1/HS-002/+84912345679", "A1/HS-900/+84912000900", "A2/HS-001/+84912345670"];

    private static void AssertSampleReport(JsonElement import, string source, string fileName)
    {
        Assert.Equal("succeeded", import.GetProperty("status").GetString());
        Assert.Equal(source, import.GetProperty("source").GetString());
        Assert.Equal(fileName, import.GetProperty("fileName").GetString());
        Assert.Equal((8, 3, 2, 0),
            (import.GetProperty("totalRows").GetInt32(), import.GetProperty("accepted").GetInt32(),
             import.GetProperty("duplicates").GetInt32(), import.GetProperty("rejectedNotListed").GetInt32()));
        Assert.Equal(Json(
            """[{"row":4,"field":"agencyCode","reason":"unknown agency code 'KHONG-CO'"},{"row":5,"field":"phone","reason":"is not a valid phone number"},{"row":9,"field":"resultDate","reason":"must be a real date written DD/MM/YYYY, YYYY-MM-DD or yyyyMMddHHmmss (Vietnam time)"}]"""),
            Json(import.GetProperty("rejected").GetRawText()));
        Assert.Equal(JsonValueKind.Null, import.GetProperty("error").ValueKind);
    }

    private Task InsertExistingAsync() => _host.PostAsync("/api/admin/transactions", new[]
    {
        new { dossierCode = "HS-900", agencyCode = "A1", procedureCode = "P1", phone = "0912000900", resultDate = "2025-02-01" },
    });

    private async Task<long> UploadAsync(byte[] file, string fileName, string contentType)
    {
        using var form = Multipart(file, fileName, contentType);
        using var response = await _host.Client.PostAsync("/api/admin/transactions/import", form, Cancel);
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Cancel)).RootElement;
        var importId = body.GetProperty("importId").GetInt64();
        Assert.Equal($"/api/admin/imports/{importId}", response.Headers.Location?.OriginalString);
        return importId;
    }

    /// <summary>Runs the import job as a worker would, then polls the import until it is done.</summary>
    private async Task<JsonElement> RunAndPollAsync(long importId)
    {
        var (_, queued) = await _host.GetAsync($"/api/admin/imports/{importId}");
        Assert.Contains(queued.GetProperty("status").GetString(), new[] { "queued", "running", "succeeded" });

        await _host.Factory.Services.GetRequiredService<ImportJob>().RunAsync(importId, Cancel);

        for (var attempt = 0; ; attempt++)
        {
            var (status, import) = await _host.GetAsync($"/api/admin/imports/{importId}");
            Assert.Equal(HttpStatusCode.OK, status);
            if (import.GetProperty("status").GetString() is "succeeded" or "failed" || attempt == 50)
                return import;
            await Task.Delay(100, Cancel);
        }
    }

    private async Task AssertBadFileAsync(HttpContent form)
    {
        using var response = await _host.Client.PostAsync("/api/admin/transactions/import", form, Cancel);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Cancel)).RootElement;
        Assert.True(problem.GetProperty("errors").TryGetProperty("file", out _), problem.GetRawText());
    }

    private static MultipartFormDataContent Multipart(byte[] file, string fileName, string contentType)
    {
        var content = new ByteArrayContent(file);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        return new MultipartFormDataContent { { content, "file", fileName } };
    }

    private async Task<List<string>> LoadedAsync()
    {
        var loaded = new List<string>();
        await using var command = _host.DataSource.CreateCommand(
            "SELECT a.code || '/' || t.dossier_code || '/' || t.phone FROM transactions t JOIN agencies a ON a.id = t.agency_id ORDER BY 1");
        await using var reader = await command.ExecuteReaderAsync(Cancel);
        while (await reader.ReadAsync(Cancel))
            loaded.Add(reader.GetString(0));
        return loaded;
    }
}
