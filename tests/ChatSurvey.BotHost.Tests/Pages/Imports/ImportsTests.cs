using System.Net;
using System.Net.Http.Headers;
using System.Text;
using ChatSurvey.BotHost.Tests.Admin;
using ChatSurvey.Dispatcher.Import;
using CsvHelper;
using ChatSurvey.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using MiniExcelLibs;

namespace ChatSurvey.BotHost.Tests.Pages.Imports;

/// <summary>
/// <c>/admin/imports</c> and <c>/admin/imports/{id}</c>: uploads through the page's form. The test host runs no Hangfire
/// server, so each test runs <see cref="ImportJob"/> itself after the upload, as a worker would.
/// </summary>
public sealed class ImportsTests : IAsyncLifetime
{
    private const string Page = "/admin/imports";
    private AdminApiHost _host = null!;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _host = await AdminApiHost.StartAsync();
        await _host.SeedCatalogueAsync();
    }

    public async ValueTask DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Upload_Should_ReportAcceptedDuplicatesAndEveryRejectedRow_When_CsvMixesGoodDuplicateAndBadRows()
    {
        using var client = await _host.Factory.SignedInClientAsync();
        const string csv =
            """
            dossier_code,agency_code,procedure_code,phone,result_date,applicant_name
            HS-1,A1,P1,0912000001,2025-03-01,Nguyễn Văn An
            HS-2,A2,P1,+84912000002,2025-03-02,
            HS-1,A1,P1,0912000003,2025-03-03,Lặp lại HS-1
            HS-4,A1,P1,12345,2025-03-04,
            HS-5,KHONG-CO,P1,0912000005,2025-03-05,
            HS-6,A1,P1,0912000006,2025-02-30,
            """;

        using var upload = await UploadAsync(client, Encoding.UTF8.GetBytes(csv), "giao-dich-thang-3.csv", "text/csv");
        Assert.Equal(HttpStatusCode.Redirect, upload.StatusCode);
        var detailsUrl = upload.Headers.Location!.OriginalString;
        Assert.Matches(@"^/admin/imports/\d+$", detailsUrl);
        var importId = long.Parse(detailsUrl[(Page.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture);

        // Before the job: queued, with the progress bar that imports.js drives.
        var waiting = await client.GetPageAsync(detailsUrl);
        Assert.Contains("Đang chờ xử lý", waiting.Text, StringComparison.Ordinal);
        Assert.False(waiting.One("progress#import-progress").HasAttribute("value"), "Queued: the bar has no value yet.");
        Assert.Contains(waiting.All("script[src]"), script => script.GetAttribute("src")!.StartsWith("/js/imports.js", StringComparison.Ordinal));

        await _host.Factory.Services.GetRequiredService<ImportJob>().RunAsync(importId, Cancel);

        var report = await client.GetPageAsync(detailsUrl);
        Assert.Contains("Hoàn tất", report.Text, StringComparison.Ordinal);
        Assert.Empty(report.All("progress"));
        Assert.Equal(["6", "2", "1", "3"], new[] { "#total-rows", "#accepted", "#duplicates", "#rejected" }.Select(id => report.One(id).Text()));
        Assert.Equal(
        [
            "5 | Số điện thoại (phone) | không phải số điện thoại hợp lệ",
            "6 | Mã đơn vị (agencyCode) | mã đơn vị 'KHONG-CO' không có trong danh mục",
            "7 | Ngày trả kết quả (resultDate) | phải là một ngày có thật, viết dạng DD/MM/YYYY hoặc YYYY-MM-DD (ví dụ 31/03/2025)",
        ], PageForms.TableRows(report, "rejected-table"));

        using var download = await client.GetAsync($"{detailsUrl}?handler=rejected", Cancel);
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal("text/csv", download.Content.Headers.ContentType?.MediaType);
        Assert.Contains($"nhap-{importId}-dong-bi-loai.csv", download.Content.Headers.ContentDisposition?.ToString(), StringComparison.Ordinal);
        var bytes = await download.Content.ReadAsByteArrayAsync(Cancel);
        Assert.Equal(Encoding.UTF8.Preamble.ToArray(), bytes[..3]); // so that Excel reads the diacritics
        Assert.Equal(
        [
            ["row", "field", "reason", "ly_do"],
            ["5", "phone", "is not a valid phone number", "không phải số điện thoại hợp lệ"],
            ["6", "agencyCode", "unknown agency code 'KHONG-CO'", "mã đơn vị 'KHONG-CO' không có trong danh mục"],
            ["7", "resultDate", "must be a real date written DD/MM/YYYY, YYYY-MM-DD or yyyyMMddHHmmss (Vietnam time)", "phải là một ngày có thật, viết dạng DD/MM/YYYY hoặc YYYY-MM-DD (ví dụ 31/03/2025)"],
        ], ReadCsv(bytes));

        // The list of recent imports shows the file with its counts; the rows are in the table, the phones only there.
        var list = await client.GetPageAsync(Page);
        Assert.Contains($"{importId} | giao-dich-thang-3.csv | ", Assert.Single(PageForms.TableRows(list, "imports-table")), StringComparison.Ordinal);
        Assert.EndsWith("| Hoàn tất | 6 | 2 | 1 | 3", Assert.Single(PageForms.TableRows(list, "imports-table")), StringComparison.Ordinal);
        Assert.Equal(["A1/HS-1/+84912000001", "A2/HS-2/+84912000002"], await LoadedAsync());
    }

    [Fact]
    public async Task Upload_Should_ShowAClearErrorAndCreateNoImport_When_FileIsEmptyWrongTypeOrLacksColumns()
    {
        using var client = await _host.Factory.SignedInClientAsync();

        var page = await RefusedAsync(client, "%PDF-1.7 bao cao"u8.ToArray(), "bao-cao.pdf", "application/pdf");
        Assert.Contains("Chỉ nhận tệp CSV (.csv) hoặc Excel XLSX (.xlsx).", page.Text, StringComparison.Ordinal);
        page = await RefusedAsync(client, [], "rong.csv", "text/csv");
        Assert.Contains("Tệp rỗng (0 byte).", page.Text, StringComparison.Ordinal);
        page = await RefusedAsync(client, "dossier_code,agency_code\nHS-1,A1\n"u8.ToArray(), "thieu-cot.csv", "text/csv");
        Assert.Contains("Dòng tiêu đề thiếu cột: procedureCode, phone, resultDate.", page.Text, StringComparison.Ordinal);
        page = await RefusedAsync(client, "PK\u0003\u0004 not really a workbook"u8.ToArray(), "hong.xlsx", "application/octet-stream");
        Assert.Contains("Không đọc được tệp: đây không phải bảng tính Excel XLSX hợp lệ.", page.Text, StringComparison.Ordinal);
        Assert.Equal(0L, await _host.ScalarAsync<long>("SELECT count(*) FROM imports"));

        // The sample the page offers is a valid file: uploaded as it is, every row goes in.
        using var sample = await client.GetAsync(Page + "?handler=sample", Cancel);
        Assert.Equal(HttpStatusCode.OK, sample.StatusCode);
        var sampleBytes = await sample.Content.ReadAsByteArrayAsync(Cancel);
        Assert.StartsWith("dossierCode,agencyCode,procedureCode,phone,resultDate,applicantName,applicantType", Encoding.UTF8.GetString(sampleBytes).TrimStart('\uFEFF'), StringComparison.Ordinal);
        var sampleRows = ReadCsv(sampleBytes);
        Assert.Equal(3, sampleRows.Count);
        // Codes from the catalogue; the phone stays a phone (no formula escaping in a file meant to come back).
        Assert.Equal(["HS-0002", "A1", "P1", "+84983456789"], sampleRows[2][..4]);
        Assert.Equal(["Công ty TNHH Hoa Phượng", "organization"], sampleRows[2][5..7]);
        // Receipt and appointment dates too: a result after its appointment is late.
        Assert.Equal(["receivedOn", "dueOn"], sampleRows[0][8..10]);
        using var upload = await UploadAsync(client, sampleBytes, "mau-giao-dich.csv", "text/csv");
        Assert.Equal(HttpStatusCode.Redirect, upload.StatusCode);
        var importId = await _host.ScalarAsync<long>("SELECT id FROM imports");
        var report = await _host.Factory.Services.GetRequiredService<ImportJob>().RunAsync(importId, Cancel);
        Assert.Equal((2, 2, 0), (report.TotalRows, report.Accepted, report.RejectedCount));

        // A real workbook passes the header check too.
        using var workbook = new MemoryStream();
        MiniExcel.SaveAs(workbook, new[] { new Dictionary<string, object?>
        {
            ["dossierCode"] = "HS-X1", ["agencyCode"] = "A2", ["procedureCode"] = "P1", ["phone"] = "0912000077", ["resultDate"] = "2025-04-01",
        } }, excelType: ExcelType.XLSX);
        using var xlsx = await UploadAsync(client, workbook.ToArray(), "giao-dich.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
        Assert.Equal(HttpStatusCode.Redirect, xlsx.StatusCode);
        Assert.Equal("xlsx", await _host.ScalarAsync<string>("SELECT source FROM imports ORDER BY id DESC LIMIT 1"));
    }

    [Fact]
    public async Task ReportPage_Should_ShowRowsLoadedSoFar_When_ImportIsRunning()
    {
        using var client = await _host.Factory.SignedInClientAsync();
        var importId = await new ImportStore(_host.DataSource).CreateAsync(ImportSource.Csv, "lon.csv", Cancel);
        var paused = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        const int before = 2000;

        async IAsyncEnumerable<ImportRow> Rows()
        {
            for (var i = 0; i < before; i++)
                yield return new ImportRow(i + 2, new TransactionRow($"HS-{i}", "A1", "P1", $"09120{i:D5}", "2025-03-01"));
            await paused.Task;
            yield return new ImportRow(before + 2, new TransactionRow("HS-last", "A2", "P1", "0912999999", "2025-03-01"));
        }

        var run = new TransactionImporter(TimeProvider.System).RunAsync(_host.DataSource, importId, Rows(), Cancel);
        try
        {
            // The load is paused mid-file: the API and the page both tell how far it has got.
            var status = await Eventually.UntilAsync(
                async () => (await _host.GetAsync($"/api/admin/imports/{importId}")).Body,
                s => s.GetProperty("rowsLoaded").ValueKind == System.Text.Json.JsonValueKind.Number && s.GetProperty("rowsLoaded").GetInt64() > 0,
                "the running import to report rows loaded", cancellationToken: Cancel);
            Assert.Equal("running", status.GetProperty("status").GetString());
            Assert.InRange(status.GetProperty("rowsLoaded").GetInt64(), 1, before);
            var page = await client.GetPageAsync($"{Page}/{importId}");
            Assert.Matches(@"Đang nạp: đã đọc [0-9.]+ dòng hợp lệ…", page.Text);
        }
        finally
        {
            paused.SetResult();
        }

        Assert.Equal(before + 1, (await run).Accepted);
        var (_, done) = await _host.GetAsync($"/api/admin/imports/{importId}");
        Assert.Equal(System.Text.Json.JsonValueKind.Null, done.GetProperty("rowsLoaded").ValueKind);
    }

    [Fact]
    public async Task RejectedDownload_Should_ReadBackEveryValueIntact_When_CodesHoldCommasQuotesAndSemicolons()
    {
        using var client = await _host.Factory.SignedInClientAsync();
        string[] codes = ["X,1", "say \"hi\"", "X;Y", "=1+2"];
        var (status, report) = await _host.PostAsync("/api/admin/transactions",
            codes.Select((code, i) => new { dossierCode = $"HS-{i}", agencyCode = code, procedureCode = "P1", phone = "0912000001", resultDate = "2025-03-01" }).ToArray());
        Assert.Equal(HttpStatusCode.OK, status);
        var importId = await _host.ScalarAsync<long>("SELECT max(id) FROM imports");

        using var download = await client.GetAsync($"{Page}/{importId}?handler=rejected", Cancel);
        var bytes = await download.Content.ReadAsByteArrayAsync(Cancel);

        Assert.Equal(4, report.GetProperty("rejected").GetArrayLength());
        Assert.Equal(
        [
            ["row", "field", "reason", "ly_do"],
            .. codes.Select((code, i) => new[]
            {
                i.ToString(System.Globalization.CultureInfo.InvariantCulture), "agencyCode", $"unknown agency code '{code}'",
                $"mã đơn vị '{code}' không có trong danh mục",
            }),
        ], ReadCsv(bytes));
        // A semicolon is quoted too, for spreadsheets that split on it.
        Assert.Contains("\"unknown agency code 'X;Y'\"", Encoding.UTF8.GetString(bytes), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReportPage_Should_ShowTheFailureInVietnamese_When_FileLacksColumns()
    {
        using var client = await _host.Factory.SignedInClientAsync();
        using var file = new MemoryStream("dossier_code,agency_code\nHS-1,A1\n"u8.ToArray());
        await Assert.ThrowsAsync<ImportFileException>(() => new TransactionImporter(TimeProvider.System).ImportAsync(
            _host.DataSource, CsvTransactionReader.ReadAsync(file, Cancel), ImportSource.Csv, "thieu-cot.csv", Cancel));
        var importId = await _host.ScalarAsync<long>("SELECT max(id) FROM imports");

        var page = await client.GetPageAsync($"{Page}/{importId}");
        var (_, api) = await _host.GetAsync($"/api/admin/imports/{importId}");

        Assert.Contains("Thất bại", page.Text, StringComparison.Ordinal);
        Assert.Contains(
            "Dòng tiêu đề thiếu cột: procedureCode, phone, resultDate. Tệp cần có các cột dossierCode, agencyCode, procedureCode, phone, resultDate (không bắt buộc: applicantName, applicantType, procedureName, receivedOn, dueOn, dossierStatus).",
            page.Text, StringComparison.Ordinal);
        Assert.StartsWith("The header has no column procedureCode, phone, resultDate.", api.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReportPage_Should_ShowStoredEnglishAsItIs_When_ReportPredatesProblemCodes()
    {
        using var client = await _host.Factory.SignedInClientAsync();
        var succeeded = await _host.ScalarAsync<long>(
            """
            INSERT INTO imports (source, file_name, status, total_rows, rejected, finished_at)
            VALUES ('csv', 'cu.csv', 'succeeded', 1, '[{"row":2,"field":"phone","reason":"is not a valid phone number"}]', now())
            RETURNING id
            """);
        var failed = await _host.ScalarAsync<long>(
            """
            INSERT INTO imports (source, file_name, status, error, finished_at)
            VALUES ('csv', 'hong.csv', 'failed', 'The file is not a readable XLSX workbook.', now())
            RETURNING id
            """);

        var report = await client.GetPageAsync($"{Page}/{succeeded}");
        var failure = await client.GetPageAsync($"{Page}/{failed}");
        var (_, api) = await _host.GetAsync($"/api/admin/imports/{failed}");

        Assert.Equal(["2 | Số điện thoại (phone) | is not a valid phone number"], PageForms.TableRows(report, "rejected-table"));
        Assert.Contains("The file is not a readable XLSX workbook.", failure.Text, StringComparison.Ordinal);
        Assert.Equal("The file is not a readable XLSX workbook.", api.GetProperty("error").GetString());
    }

    /// <summary>Every record of a downloaded CSV file, the header first, read with CsvHelper.</summary>
    private static List<string[]> ReadCsv(byte[] file)
    {
        using var csv = CsvReader.Create(file, CsvReaderOptions.Default with { HasHeader = false, Separator = ',' });
        var records = new List<string[]>();
        while (csv.Read())
            records.Add([.. Enumerable.Range(0, csv.FieldCount).Select(csv.GetString)]);
        return records;
    }

    private static async Task<HttpResponseMessage> UploadAsync(HttpClient client, byte[] content, string fileName, string contentType)
    {
        var token = AdminSignIn.AntiforgeryToken(await client.GetStringAsync(Page, Cancel));
        using var form = new MultipartFormDataContent();
        form.Add(new StringContent(token), "__RequestVerificationToken");
        var file = new ByteArrayContent(content);
        file.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        form.Add(file, "Upload", fileName);
        return await client.PostAsync(Page, form, Cancel);
    }

    private static async Task<HtmlPage> RefusedAsync(HttpClient client, byte[] content, string fileName, string contentType)
    {
        using var response = await UploadAsync(client, content, fileName, contentType);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        return await response.ReadPageAsync();
    }

    private async Task<List<string>> LoadedAsync()
    {
        await using var command = _host.DataSource.CreateCommand(
            """
            SELECT a.code || '/' || t.dossier_code || '/' || t.phone
            FROM transactions t JOIN agencies a ON a.id = t.agency_id
            ORDER BY 1
            """);
        await using var reader = await command.ExecuteReaderAsync(Cancel);
        var rows = new List<string>();
        while (await reader.ReadAsync(Cancel))
            rows.Add(reader.GetString(0));
        return rows;
    }
}
