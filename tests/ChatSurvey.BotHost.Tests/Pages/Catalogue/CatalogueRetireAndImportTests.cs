using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using ChatSurvey.BotHost.Tests.Admin;
using ChatSurvey.Domain.Catalogue;
using Microsoft.Extensions.Time.Testing;

namespace ChatSurvey.BotHost.Tests.Pages.Catalogue;

/// <summary>
/// <c>/admin/catalogue</c>: retiring an agency and bringing it back, and the catalogue CSV import (all or nothing), on the
/// page and through the API.
/// </summary>
public sealed class CatalogueRetireAndImportTests : IAsyncLifetime
{
    private const string Page = "/admin/catalogue";

    // 15 September 2025, 10:00 in Hai Phong.
    private static readonly DateTimeOffset Now = new(2025, 9, 15, 3, 0, 0, TimeSpan.Zero);

    private AdminApiHost _host = null!;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _host = await AdminApiHost.StartAsync(new FakeTimeProvider(Now));

    public async ValueTask DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task RetireButton_Should_MoveTheAgencyApartAndBack_When_PressedThenUndone()
    {
        await _host.PostCreatedAsync("/api/admin/agencies", new { code = "HP", name = "Ủy ban nhân dân thành phố Hải Phòng", kind = "city" });
        await _host.PostCreatedAsync("/api/admin/agencies", new { code = "HP-SNN", name = "Sở Nông nghiệp và Phát triển nông thôn", kind = "department", parentCode = "HP" });
        using var client = await _host.Factory.SignedInClientAsync();

        using (var retire = await client.PostFormAsync(Page, [("code", "HP-SNN"), ("retired", "true")], $"{Page}?handler=Retire"))
        {
            Assert.Equal(HttpStatusCode.Redirect, retire.StatusCode);
            Assert.Equal($"{Page}#retired", retire.Headers.Location!.OriginalString);
        }

        var page = await client.GetPageAsync(Page);
        Assert.StartsWith("Đã chuyển HP-SNN (Sở Nông nghiệp và Phát triển nông thôn) sang danh sách đã giải thể", page.One("#agencies .notice").Text(), StringComparison.Ordinal);
        Assert.Equal(["HP"], page.All("#agency-table tbody tr").Select(tr => tr.GetAttribute("data-code")));
        // Kept for history, greyed, with its kind, block and the day it was retired (Vietnam time).
        Assert.Equal(
            ["HP-SNN | Sở Nông nghiệp và Phát triển nông thôn | Sở, ban, ngành | Sở, ban, ngành | HP | 0 | 15/09/2025 | Sửa Khôi phục"],
            PageForms.TableRows(page, "retired-table"));
        Assert.Equal("2025-09-15 03:00:00+00", await _host.ScalarAsync<string>(
            "SELECT to_char(retired_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') || '+00' FROM agencies WHERE code = 'HP-SNN'"));

        using (var back = await client.PostFormAsync(Page, [("code", "HP-SNN"), ("retired", "false")], $"{Page}?handler=Retire"))
            Assert.Equal(HttpStatusCode.Redirect, back.StatusCode);
        page = await client.GetPageAsync(Page);
        Assert.Equal(["HP", "HP-SNN"], page.All("#agency-table tbody tr").Select(tr => tr.GetAttribute("data-code")));
        Assert.Equal(["Không có đơn vị nào đã giải thể."], PageForms.TableRows(page, "retired-table"));

        // An unknown code is a 404 page that says so, and changes nothing.
        using var unknown = await client.PostFormAsync(Page, [("code", "KHONG-CO"), ("retired", "true")], $"{Page}?handler=Retire");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Contains("Không có đơn vị nào mang mã 'KHONG-CO'.", (await unknown.ReadPageAsync()).Text, StringComparison.Ordinal);
        Assert.Equal(0L, await _host.ScalarAsync<long>("SELECT count(*) FROM agencies WHERE retired_at IS NOT NULL"));
    }

    [Fact]
    public async Task RetireApi_Should_AnswerTheAgencyWithItsBlockAndDate_When_RetiredOrReinstated()
    {
        await _host.PostCreatedAsync("/api/admin/agencies", new { code = "HP-P-A", name = "Ủy ban nhân dân phường A", kind = "ward" });

        var (status, body) = await _host.PostAsync("/api/admin/agencies/HP-P-A/retire");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("ward", body.GetProperty("block").GetString());
        Assert.Equal(Now, body.GetProperty("retiredAt").GetDateTimeOffset());

        (status, body) = await _host.PostAsync("/api/admin/agencies/HP-P-A/reinstate");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(JsonValueKind.Null, body.GetProperty("retiredAt").ValueKind);
        Assert.Equal(HttpStatusCode.NotFound, (await _host.PostAsync("/api/admin/agencies/KHONG-CO/retire")).Status);
    }

    [Fact]
    public async Task Import_Should_LoadThe2025CatalogueThenChangeNothing_When_TheShippedFileIsUploadedTwice()
    {
        using var client = await _host.Factory.SignedInClientAsync();
        var file = Shipped2025Catalogue();

        // With a byte order mark (as Excel saves it), then without: the same 130 agencies.
        using (var first = await UploadAsync(client, [0xEF, 0xBB, 0xBF, .. file], "agencies-haiphong-2025.csv"))
        {
            Assert.Equal(HttpStatusCode.Redirect, first.StatusCode);
            Assert.Equal($"{Page}#import", first.Headers.Location!.OriginalString);
        }

        var page = await client.GetPageAsync(Page);
        Assert.Equal("Đã nhập tệp agencies-haiphong-2025.csv: 130 đơn vị mới, 0 đơn vị cập nhật, 0 đơn vị không thay đổi.", page.One("#import-result").Text());
        Assert.Equal(130, page.All("#agency-table tbody tr").Count);
        Assert.Equal("Sở Văn hóa, Thể thao và Du lịch", await _host.ScalarAsync<string>("SELECT name FROM agencies WHERE code = 'HP-SVHTTDL'"));
        Assert.Equal(129L, await _host.ScalarAsync<long>("SELECT count(*) FROM agencies a JOIN agencies p ON p.id = a.parent_id WHERE p.code = 'HP'"));

        using (var again = await UploadAsync(client, file, "agencies-haiphong-2025.csv"))
            Assert.Equal(HttpStatusCode.Redirect, again.StatusCode);
        page = await client.GetPageAsync(Page);
        Assert.Equal("Đã nhập tệp agencies-haiphong-2025.csv: 0 đơn vị mới, 0 đơn vị cập nhật, 130 đơn vị không thay đổi.", page.One("#import-result").Text());

        // The API takes the same file with the same rules.
        using var form = Multipart(file, "agencies.csv");
        using var api = await _host.Client.PostAsync("/api/admin/agencies/import", form, Cancel);
        Assert.Equal(HttpStatusCode.OK, api.StatusCode);
        Assert.Equal("""{"added":0,"updated":0,"unchanged":130}""", await api.Content.ReadAsStringAsync(Cancel));
    }

    [Fact]
    public async Task Import_Should_ListEveryBadRowAndChangeNothing_When_AnyRowIsWrong()
    {
        await _host.PostCreatedAsync("/api/admin/agencies", new { code = "HP", name = "Ủy ban nhân dân thành phố Hải Phòng", kind = "city" });
        using var client = await _host.Factory.SignedInClientAsync();
        // Row 2 is good and would rename the city; rows 3–6 are not; row 7 is blank and skipped, row 8 a good child of row 2.
        var csv = """
            code,name,kind,parent_code,retired
            HP,"Ủy ban nhân dân thành phố Hải Phòng (đổi tên)",city,,
            HP-P-A,Ủy ban nhân dân phường A,phường,HP,
            mã sai!,Ủy ban nhân dân xã B,commune,HP,
            HP-X-C,Ủy ban nhân dân xã C,commune,KHONG-CO,
            HP-X-D,Ủy ban nhân dân xã D,commune,HP,có lẽ
            ,,,,
            HP-X-E,Ủy ban nhân dân xã E,commune,HP,0
            """;

        using var response = await UploadAsync(client, Encoding.UTF8.GetBytes(csv), "danh-muc.csv");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var page = await response.ReadPageAsync();
        Assert.Equal("Tệp có 4 dòng lỗi: chưa có thay đổi nào được lưu.", page.One("#import .notice-error").Text());
        Assert.Equal(
        [
            "3 | HP-P-A | kind | Chọn một loại đơn vị trong danh sách.",
            "4 | mã sai! | code | Bắt buộc: 1–64 chữ cái không dấu, chữ số, '.', '_' hoặc '-', bắt đầu bằng chữ cái hoặc chữ số.",
            "5 | HP-X-C | parent_code | Không có đơn vị nào mang mã 'KHONG-CO'.",
            "6 | HP-X-D | retired | Cột retired chỉ nhận: để trống, 0/1, có/không, true/false hoặc ngày giải thể dạng YYYY-MM-DD.",
        ], PageForms.TableRows(page, "import-problems"));
        Assert.Equal("HP:Ủy ban nhân dân thành phố Hải Phòng", await _host.ScalarAsync<string>("SELECT string_agg(code || ':' || name, ',') FROM agencies"));

        // The API names the same rows.
        using var form = Multipart(Encoding.UTF8.GetBytes(csv), "danh-muc.csv");
        using var api = await _host.Client.PostAsync("/api/admin/agencies/import", form, Cancel);
        Assert.Equal(HttpStatusCode.BadRequest, api.StatusCode);
        var errors = JsonDocument.Parse(await api.Content.ReadAsStringAsync(Cancel)).RootElement.GetProperty("errors");
        Assert.Equal(["rows[3].kind", "rows[4].code", "rows[5].parentCode", "rows[6].retired"], errors.EnumerateObject().Select(p => p.Name));
        Assert.Equal(1L, await _host.ScalarAsync<long>("SELECT count(*) FROM agencies"));
    }

    [Fact]
    public async Task Import_Should_SayWhatIsWrongWithTheFile_When_ColumnsAreMissingOrItIsTooLarge()
    {
        using var client = await _host.Factory.SignedInClientAsync();

        using (var noColumns = await UploadAsync(client, Encoding.UTF8.GetBytes("ma,ten\nHP,Hải Phòng\n"), "sai-cot.csv"))
        {
            Assert.Equal(HttpStatusCode.BadRequest, noColumns.StatusCode);
            Assert.Equal("Dòng tiêu đề thiếu cột: code, name, kind, parent_code. Tệp cần có các cột code, name, kind, parent_code (không bắt buộc: retired).",
                (await noColumns.ReadPageAsync()).One("#upload-error").Text());
        }

        var large = Encoding.UTF8.GetBytes("code,name,kind,parent_code\n" + new string(' ', 1024 * 1024));
        using (var tooLarge = await UploadAsync(client, large, "lon.csv"))
        {
            Assert.Equal(HttpStatusCode.BadRequest, tooLarge.StatusCode);
            Assert.Equal("Tệp quá lớn: tối đa 1.048.576 byte.", (await tooLarge.ReadPageAsync()).One("#upload-error").Text());
        }

        Assert.Equal(0L, await _host.ScalarAsync<long>("SELECT count(*) FROM agencies"));
    }

    [Fact]
    public async Task Import_Should_Answer403AndChangeNothing_When_AgencyViewer()
    {
        await _host.PostCreatedAsync("/api/admin/agencies", new { code = "HP-STP", name = "Sở Tư pháp", kind = "department" });
        await AdminSignIn.CreateViewerAsync(_host.DataSource, "viewer.stp", "viewer-password-1", "HP-STP");
        using var viewer = await _host.Factory.SignedInClientAsync("viewer.stp", "viewer-password-1");

        using var form = Multipart(Shipped2025Catalogue(), "agencies.csv");
        using var response = await viewer.PostAsync($"{Page}?handler=Import", form, Cancel);
        using var retire = await viewer.PostAsync($"{Page}?handler=Retire", new FormUrlEncodedContent([new("code", "HP-STP"), new("retired", "true")]), Cancel);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, retire.StatusCode);
        Assert.Equal(1L, await _host.ScalarAsync<long>("SELECT count(*) FROM agencies WHERE retired_at IS NULL"));
    }

    /// <summary>The product's own 2025 catalogue file, as shipped: with its <c>source</c> column and quoted names with commas.</summary>
    private static byte[] Shipped2025Catalogue()
    {
        using var stream = typeof(DemoCatalogue).Assembly.GetManifestResourceStream("ChatSurvey.Domain.Catalogue.Seed.agencies-haiphong.csv")!;
        using var bytes = new MemoryStream();
        stream.CopyTo(bytes);
        var file = bytes.ToArray();
        Assert.StartsWith("code,name,kind,parent_code,source\n", Encoding.UTF8.GetString(file), StringComparison.Ordinal);
        return file;
    }

    private static MultipartFormDataContent Multipart(byte[] file, string fileName, string field = "file")
    {
        var content = new ByteArrayContent(file);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse("text/csv");
        return new MultipartFormDataContent { { content, field, fileName } };
    }

    private static async Task<HttpResponseMessage> UploadAsync(HttpClient client, byte[] file, string fileName)
    {
        var token = AdminSignIn.AntiforgeryToken(await client.GetStringAsync(Page, Cancel));
        using var form = Multipart(file, fileName, "Upload");
        form.Add(new StringContent(token), "__RequestVerificationToken");
        return await client.PostAsync($"{Page}?handler=Import", form, Cancel);
    }
}
