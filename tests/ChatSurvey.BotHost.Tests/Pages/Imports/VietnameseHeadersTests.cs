using System.Net;
using System.Net.Http.Headers;
using System.Text;
using ChatSurvey.BotHost.Tests.Admin;
using ChatSurvey.Dispatcher.Import;
using Microsoft.Extensions.DependencyInjection;
using MiniExcelLibs;

namespace ChatSurvey.BotHost.Tests.Pages.Imports;

/// <summary>
/// One-stop-shop exports as they come: Vietnamese column headers (any case, with or without diacritics), columns
/// ChatSurvey does not use, <c>dd/MM/yyyy</c> dates, the agency as its one-stop-shop unit code. The import's page shows
/// how the header row was read from the upload on, before the job loads a row; a header without a required column is
/// refused on the upload page with the same reading.
/// </summary>
public sealed class VietnameseHeadersTests : IAsyncLifetime
{
    private const string Page = "/admin/imports";

    private static readonly string[] Header =
        ["STT", "Mã hồ sơ", "Mã thủ tục", "Tên thủ tục", "Số điện thoại", "Chủ hồ sơ", "Ngày tiếp nhận", "Ngày hẹn trả", "Ngày trả kết quả", "Đơn vị", "Loại đối tượng", "Ghi chú"];

    /// <summary>The header table as the page shows it for <see cref="Header"/>.</summary>
    private static readonly string[] HeaderRows =
    [
        "STT | bỏ qua (không dùng)",
        "Mã hồ sơ | Mã hồ sơ (dossierCode)",
        "Mã thủ tục | Mã thủ tục (procedureCode)",
        "Tên thủ tục | Tên thủ tục (procedureName) — chỉ để đối chiếu khi mã thủ tục chưa có trong danh mục",
        "Số điện thoại | Số điện thoại (phone)",
        "Chủ hồ sơ | Tên người nộp (applicantName)",
        "Ngày tiếp nhận | Ngày tiếp nhận (receivedOn)",
        "Ngày hẹn trả | Ngày hẹn trả (dueOn)",
        "Ngày trả kết quả | Ngày trả kết quả (resultDate)",
        "Đơn vị | Mã đơn vị (agencyCode)",
        "Loại đối tượng | Loại người nộp (applicantType)",
        "Ghi chú | bỏ qua (không dùng)",
    ];

    private static readonly string?[][] Rows =
    [
        ["1", "HS-001", "P1", "Đăng ký khai sinh", "0912000001", "Nguyễn Văn An", "03/02/2025", "10/02/2025", "07/02/2025", "A1", "1", ""],
        ["2", "HS-002", "P1", "Đăng ký khai sinh", "0912000002", "Công ty TNHH Hoa Phượng", "3/2/2025", "05/02/2025", "12/02/2025", "000.00.20.H31", "2", "trễ hạn"],
        ["3", "HS-003", "P1", "Đăng ký khai sinh", "0912000003", "Trần Thị Bình", "2025-02-04", "2025-02-14", "31/02/2025", "A1", "1", "ngày sai"],
    ];

    /// <summary>The loaded dossiers: agency, code, phone, receipt, appointment, result, applicant type (row 4's date is not real).</summary>
    private static readonly List<string> Loaded =
    [
        "A1|HS-001|+84912000001|2025-02-03|2025-02-10|2025-02-07|citizen",
        "A2|HS-002|+84912000002|2025-02-03|2025-02-05|2025-02-12|organization",
    ];

    private AdminApiHost _host = null!;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _host = await AdminApiHost.StartAsync();
        await _host.SeedCatalogueAsync();
        // A2 is known to the one-stop-shop system by its own unit code.
        var (status, _) = await _host.PostAsync("/api/admin/agencies",
            new { code = "A2", name = "UBND quận Lê Chân", kind = "district", unitCode = "000.00.20.H31" });
        Assert.Equal(HttpStatusCode.OK, status);
    }

    public async ValueTask DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task CsvUpload_Should_ShowTheHeaderReadingAndImport_When_FileHasVietnameseHeadersAndDdMmYyyyDates()
    {
        using var client = await _host.Factory.SignedInClientAsync();
        var csv = string.Join('\n', Rows.Select(r => string.Join(';', r)).Prepend(string.Join(';', Header))) + "\n";

        using var upload = await UploadAsync(client, [.. Encoding.UTF8.Preamble, .. Encoding.UTF8.GetBytes(csv)], "xuat-mot-cua.csv", "text/csv");
        Assert.Equal(HttpStatusCode.Redirect, upload.StatusCode);
        var detailsUrl = upload.Headers.Location!.OriginalString;
        var importId = await _host.ScalarAsync<long>("SELECT id FROM imports");

        // Before the job has loaded anything, the page tells how each column was read.
        var queued = await client.GetPageAsync(detailsUrl);
        Assert.Contains("Đang chờ xử lý", queued.Text, StringComparison.Ordinal);
        Assert.Equal(HeaderRows, PageForms.TableRows(queued, "header-table"));
        Assert.Empty(queued.All("#header-missing"));
        Assert.Equal(0L, await _host.ScalarAsync<long>("SELECT count(*) FROM transactions"));

        await _host.Factory.Services.GetRequiredService<ImportJob>().RunAsync(importId, Cancel);

        var done = await client.GetPageAsync(detailsUrl);
        Assert.Equal(["3", "2", "0", "1"], new[] { "#total-rows", "#accepted", "#duplicates", "#rejected" }.Select(id => done.One(id).Text()));
        Assert.Equal(["4 | Ngày trả kết quả (resultDate) | phải là một ngày có thật, viết dạng DD/MM/YYYY hoặc YYYY-MM-DD (ví dụ 31/03/2025)"],
            PageForms.TableRows(done, "rejected-table"));
        Assert.Equal(HeaderRows, PageForms.TableRows(done, "header-table"));
        Assert.Equal(Loaded, await LoadedAsync());

        // The API tells the same reading.
        var (_, import) = await _host.GetAsync($"/api/admin/imports/{importId}");
        var columns = import.GetProperty("header").GetProperty("columns");
        Assert.Equal(Header, columns.EnumerateArray().Select(c => c.GetProperty("header").GetString()));
        Assert.Equal(["dossierCode", "dueOn"], new[] { 1, 7 }.Select(i => columns[i].GetProperty("field").GetString()));
        Assert.Equal(System.Text.Json.JsonValueKind.Null, columns[0].GetProperty("field").ValueKind);
    }

    [Fact]
    public async Task XlsxUpload_Should_ShowTheHeaderReadingAndImport_When_WorkbookHasVietnameseHeadersAndDdMmYyyyDates()
    {
        using var client = await _host.Factory.SignedInClientAsync();
        // Spreadsheets hold dates as typed text or as date cells; both are read.
        var sheet = Rows.Select(r => Header.Select((column, i) => (column, value: (object?)r[i])).ToDictionary(c => c.column, c => c.value)).ToList();
        sheet[1]["Ngày trả kết quả"] = new DateTime(2025, 2, 12);
        using var workbook = new MemoryStream();
        MiniExcel.SaveAs(workbook, sheet, excelType: ExcelType.XLSX);

        using var upload = await UploadAsync(client, workbook.ToArray(), "xuat-mot-cua.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
        Assert.Equal(HttpStatusCode.Redirect, upload.StatusCode);
        var importId = await _host.ScalarAsync<long>("SELECT id FROM imports");
        Assert.Equal(HeaderRows, PageForms.TableRows(await client.GetPageAsync(upload.Headers.Location!.OriginalString), "header-table"));

        var report = await _host.Factory.Services.GetRequiredService<ImportJob>().RunAsync(importId, Cancel);

        Assert.Equal((3, 2, 1), (report.TotalRows, report.Accepted, report.RejectedCount));
        Assert.Equal(Loaded, await LoadedAsync());
    }

    [Fact]
    public async Task Upload_Should_BeRefusedWithTheHeaderReading_When_VietnameseHeaderLacksARequiredColumn()
    {
        using var client = await _host.Factory.SignedInClientAsync();
        const string csv = "Mã hồ sơ,Tên thủ tục,Số điện thoại,Ngày trả,Đơn vị\nHS-1,Đăng ký khai sinh,0912000001,07/02/2025,A1\n";

        using var upload = await UploadAsync(client, Encoding.UTF8.GetBytes(csv), "thieu-ma-thu-tuc.csv", "text/csv");

        Assert.Equal(HttpStatusCode.BadRequest, upload.StatusCode);
        var page = await upload.ReadPageAsync();
        Assert.StartsWith("Dòng tiêu đề thiếu cột: procedureCode.", page.One("#upload-error").Text(), StringComparison.Ordinal);
        Assert.Equal(
        [
            "Mã hồ sơ | Mã hồ sơ (dossierCode)",
            "Tên thủ tục | Tên thủ tục (procedureName) — chỉ để đối chiếu khi mã thủ tục chưa có trong danh mục",
            "Số điện thoại | Số điện thoại (phone)",
            "Ngày trả | Ngày trả kết quả (resultDate)",
            "Đơn vị | Mã đơn vị (agencyCode)",
        ], PageForms.TableRows(page, "header-table"));
        Assert.Equal("Thiếu cột bắt buộc: Mã thủ tục (procedureCode).", page.One("#header-missing").Text());
        Assert.Equal(0L, await _host.ScalarAsync<long>("SELECT count(*) FROM imports"));
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

    private async Task<List<string>> LoadedAsync()
    {
        await using var command = _host.DataSource.CreateCommand(
            """
            SELECT concat_ws('|', a.code, t.dossier_code, t.phone, t.received_on, t.due_on, t.result_date, t.applicant_type)
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
