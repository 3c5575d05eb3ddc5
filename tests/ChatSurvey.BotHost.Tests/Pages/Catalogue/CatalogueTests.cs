using System.Net;
using System.Net.Http.Json;
using ChatSurvey.BotHost.Tests.Admin;

namespace ChatSurvey.BotHost.Tests.Pages.Catalogue;

/// <summary><c>/admin/catalogue</c>: the agency tree, the procedures and their forms, which share the API's validation.</summary>
public sealed class CatalogueTests : IAsyncLifetime
{
    private const string Page = "/admin/catalogue";
    private AdminApiHost _host = null!;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _host = await AdminApiHost.StartAsync();

    public async ValueTask DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Forms_Should_SaveAgenciesAsATreeAndAProcedure_When_Valid()
    {
        using var client = await _host.Factory.SignedInClientAsync();

        await AssertSavedAsync(client, "Agency", "HP", ("Agency.Name", "Ủy ban nhân dân thành phố Hải Phòng"), ("Agency.Kind", "city"));
        await AssertSavedAsync(client, "Agency", "HP-DK-CATHAI", ("Agency.Name", "Ủy ban nhân dân đặc khu Cát Hải"), ("Agency.Kind", "special_zone"), ("Agency.ParentCode", "HP"));
        await AssertSavedAsync(client, "Agency", "HP-P-LECHAN", ("Agency.Name", "Ủy ban nhân dân phường Lê Chân"), ("Agency.Kind", "ward"), ("Agency.ParentCode", "HP"));
        await AssertSavedAsync(client, "Agency", "HP-STP", ("Agency.Name", "Sở Tư pháp"), ("Agency.Kind", "department"), ("Agency.ParentCode", "HP"));
        await AssertSavedAsync(client, "Agency", "HP-STP-TGPL", ("Agency.Name", "Trung tâm Trợ giúp pháp lý"), ("Agency.Kind", "department"), ("Agency.ParentCode", "HP-STP"));
        // No short name: derived from the name without diacritics, as the API does.
        await AssertSavedAsync(client, "Procedure", "1.001193", ("Procedure.Name", "Đăng ký khai sinh"), ("Procedure.Field", "Hộ tịch"));

        var page = await client.GetPageAsync(Page);
        // Depth first; departments before wards before special zones; each kind's name and its reporting block.
        Assert.Equal(
        [
            "HP | Ủy ban nhân dân thành phố Hải Phòng | Thành phố | Sở, ban, ngành | — | 0 | Sửa Ngừng khảo sát",
            "HP-STP | ↳ Sở Tư pháp | Sở, ban, ngành | Sở, ban, ngành | HP | 0 | Sửa Ngừng khảo sát",
            "HP-STP-TGPL | ↳ Trung tâm Trợ giúp pháp lý | Sở, ban, ngành | Sở, ban, ngành | HP-STP | 0 | Sửa Ngừng khảo sát",
            "HP-P-LECHAN | ↳ Ủy ban nhân dân phường Lê Chân | Phường | Phường | HP | 0 | Sửa Ngừng khảo sát",
            "HP-DK-CATHAI | ↳ Ủy ban nhân dân đặc khu Cát Hải | Đặc khu | Đặc khu | HP | 0 | Sửa Ngừng khảo sát",
        ], PageForms.TableRows(page, "agency-table"));
        Assert.Equal(["Không có đơn vị nào đã giải thể."], PageForms.TableRows(page, "retired-table"));
        Assert.Equal(["1.001193 | Đăng ký khai sinh | Dang ky khai sinh 17/60 ký tự · GSM-7 | Hộ tịch | Sửa"], PageForms.TableRows(page, "procedure-table"));
        // The tree is indented by depth.
        Assert.Equal(["--depth: 0", "--depth: 1", "--depth: 2", "--depth: 1", "--depth: 1"], page.All("#agency-table td.tree").Select(td => td.GetAttribute("style")));
        Assert.Equal(["HP-DK-CATHAI/HP", "HP-P-LECHAN/HP", "HP-STP-TGPL/HP-STP", "HP-STP/HP"], await ParentsAsync());
        Assert.Equal("Dang ky khai sinh", await _host.ScalarAsync<string>("SELECT short_name FROM procedures WHERE code = '1.001193'"));

        // The edit link fills the form in update mode; saving changes the row instead of refusing the taken code.
        var edit = await client.GetPageAsync(Page + "?agency=HP-P-LECHAN");
        Assert.Contains("Cập nhật đơn vị HP-P-LECHAN", edit.Text, StringComparison.Ordinal);
        Assert.Equal("update", edit.One("input[name='Agency.Mode']").GetAttribute("value"));
        var code = edit.One("input[name='Agency.Code']");
        Assert.Equal("HP-P-LECHAN", code.GetAttribute("value"));
        Assert.True(code.HasAttribute("readonly"), "The code of the agency being edited cannot be changed.");
        await AssertSavedAsync(client, "Agency", "HP-P-LECHAN", ("Agency.Mode", "update"), ("Agency.Name", "Ủy ban nhân dân phường Lê Chân (mới)"), ("Agency.Kind", "ward"), ("Agency.ParentCode", "HP"));
        Assert.Equal("Ủy ban nhân dân phường Lê Chân (mới)", await _host.ScalarAsync<string>("SELECT name FROM agencies WHERE code = 'HP-P-LECHAN'"));
        Assert.Equal(5L, await _host.ScalarAsync<long>("SELECT count(*) FROM agencies"));
    }

    [Fact]
    public async Task Forms_Should_ShowErrorsBesideFieldsAndChangeNothing_When_Invalid()
    {
        using var client = await _host.Factory.SignedInClientAsync();
        await AssertSavedAsync(client, "Agency", "HP", ("Agency.Name", "UBND thành phố"), ("Agency.Kind", "city"));
        await AssertSavedAsync(client, "Procedure", "P1", ("Procedure.Name", "Đăng ký khai sinh"), ("Procedure.ShortName", "Dang ky khai sinh"));

        // Bad code, empty name, no kind: each field says what is wrong, and what was typed stays in the form.
        var page = await PostBadAsync(client, "Agency", ("Agency.Code", "mã sai!"), ("Agency.Name", "  "), ("Agency.Kind", ""), ("Agency.ParentCode", "HP"));
        Assert.StartsWith("Bắt buộc: 1–64 chữ cái không dấu", PageForms.FieldError(page, "Agency.Code"), StringComparison.Ordinal);
        Assert.Equal("Bắt buộc nhập.", PageForms.FieldError(page, "Agency.Name"));
        Assert.Equal("Chọn một loại đơn vị trong danh sách.", PageForms.FieldError(page, "Agency.Kind"));
        Assert.Equal("", PageForms.FieldError(page, "Agency.ParentCode"));
        Assert.Equal("mã sai!", page.One("input[name='Agency.Code']").GetAttribute("value"));
        Assert.Equal(["Agency.Code", "Agency.Name", "Agency.Kind"], page.All("[aria-invalid=true]").Select(e => e.GetAttribute("name")));

        // An unknown parent is named, and the agency is not created.
        page = await PostBadAsync(client, "Agency", ("Agency.Code", "HP-NEW"), ("Agency.Name", "Ủy ban nhân dân xã Mới"), ("Agency.Kind", "commune"), ("Agency.ParentCode", "KHONG-CO"));
        Assert.Equal("Không có đơn vị nào mang mã 'KHONG-CO'.", PageForms.FieldError(page, "Agency.ParentCode"));

        // Adding a code that exists is refused (the edit link updates): the existing row keeps its name.
        page = await PostBadAsync(client, "Agency", ("Agency.Code", "HP"), ("Agency.Name", "Tên khác"), ("Agency.Kind", "city"));
        Assert.StartsWith("Mã 'HP' đã tồn tại.", PageForms.FieldError(page, "Agency.Code"), StringComparison.Ordinal);

        page = await PostBadAsync(client, "Procedure", ("Procedure.Code", "P1"), ("Procedure.Name", "Khác"));
        Assert.StartsWith("Mã 'P1' đã tồn tại.", PageForms.FieldError(page, "Procedure.Code"), StringComparison.Ordinal);
        // A short name with diacritics would turn the SMS into UCS-2: refused.
        page = await PostBadAsync(client, "Procedure", ("Procedure.Code", "P2"), ("Procedure.Name", "Chứng thực"), ("Procedure.ShortName", "Chứng thực"));
        Assert.StartsWith("Tối đa 60 ký tự ASCII, không dấu", PageForms.FieldError(page, "Procedure.ShortName"), StringComparison.Ordinal);

        Assert.Equal("HP:UBND thành phố", await _host.ScalarAsync<string>("SELECT string_agg(code || ':' || name, ',') FROM agencies"));
        Assert.Equal("P1:Đăng ký khai sinh", await _host.ScalarAsync<string>("SELECT string_agg(code || ':' || name, ',') FROM procedures"));

        // The API keeps its contract on the same rules: the unknown parent is a 400 naming parentCode, and a taken code updates.
        using var unknownParent = await _host.Client.PostAsJsonAsync("/api/admin/agencies", new { code = "HP-NEW", name = "X", kind = "ward", parentCode = "KHONG-CO" }, Cancel);
        Assert.Equal(HttpStatusCode.BadRequest, unknownParent.StatusCode);
        Assert.Contains("Unknown agency code 'KHONG-CO'.", await unknownParent.Content.ReadAsStringAsync(Cancel), StringComparison.Ordinal);
        using var update = await _host.Client.PostAsJsonAsync("/api/admin/agencies", new { code = "HP", name = "UBND TP Hải Phòng", kind = "city" }, Cancel);
        Assert.Equal(HttpStatusCode.OK, update.StatusCode);
    }

    [Fact]
    public async Task Page_Should_Answer403_When_AgencyViewer()
    {
        await _host.PostCreatedAsync("/api/admin/agencies", new { code = "HP-STP", name = "Sở Tư pháp", kind = "department" });
        await AdminSignIn.CreateViewerAsync(_host.DataSource, "viewer.stp", "viewer-password-1", "HP-STP");
        using var viewer = await _host.Factory.SignedInClientAsync("viewer.stp", "viewer-password-1");

        using var page = await viewer.GetAsync(Page, Cancel);
        Assert.Equal(HttpStatusCode.Forbidden, page.StatusCode);
        using var post = await viewer.PostAsync(Page + "?handler=Agency", new FormUrlEncodedContent(
            [new("Agency.Code", "X1"), new("Agency.Name", "X"), new("Agency.Kind", "city")]), Cancel);
        Assert.Equal(HttpStatusCode.Forbidden, post.StatusCode);
        Assert.Equal(1L, await _host.ScalarAsync<long>("SELECT count(*) FROM agencies"));
    }

    private static async Task AssertSavedAsync(HttpClient client, string form, string code, params (string Name, string? Value)[] fields)
    {
        using var response = await client.PostFormAsync(Page, [($"{form}.Code", code), .. fields], $"{Page}?handler={form}");
        Assert.True(response.StatusCode == HttpStatusCode.Redirect,
            $"{form} {code} saved; got {response.StatusCode}: {(await response.ReadPageAsync()).Text}");
        Assert.StartsWith($"{Page}?saved={Uri.EscapeDataString(code)}", response.Headers.Location!.OriginalString, StringComparison.Ordinal);
    }

    private static async Task<HtmlPage> PostBadAsync(HttpClient client, string form, params (string Name, string? Value)[] fields)
    {
        using var response = await client.PostFormAsync(Page, fields, $"{Page}?handler={form}");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        return await response.ReadPageAsync();
    }

    private async Task<List<string>> ParentsAsync()
    {
        await using var command = _host.DataSource.CreateCommand(
            "SELECT a.code || '/' || p.code FROM agencies a JOIN agencies p ON p.id = a.parent_id ORDER BY 1");
        await using var reader = await command.ExecuteReaderAsync(Cancel);
        var rows = new List<string>();
        while (await reader.ReadAsync(Cancel))
            rows.Add(reader.GetString(0));
        return rows;
    }
}
