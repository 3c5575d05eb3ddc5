using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ChatSurvey.BotHost.Tests.Admin;
using ChatSurvey.BotHost.Tests.Pages;
using ChatSurvey.TestSupport;

namespace ChatSurvey.BotHost.Tests.Volunteers;

/// <summary>
/// Creating volunteers: <c>POST /api/admin/volunteers</c>, a volunteers CSV (API and page, all or nothing), where each
/// role lands after signing in, and the volunteer named on their ballots for administrators.
/// </summary>
public sealed class VolunteersApiTests : IAsyncLifetime
{
    private TestDatabase _database = null!;
    private BotHostFactory _factory = null!;
    private HttpClient _api = null!;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _database = await (await PostgresServer.GetAsync()).CreateDatabaseAsync();
        _factory = new BotHostFactory(_database.ConnectionString, [new("Dispatcher:Enabled", "false")]);
        _api = _factory.CreateClient();
        _api.DefaultRequestHeaders.Add("X-Api-Key", BotHostFactory.AdminKey);
        await ExecuteAsync(
            "INSERT INTO agencies (code, name, kind, retired_at) VALUES ('VT-OLD', 'UBND quận cũ', 'district', now())");
    }

    public async ValueTask DisposeAsync()
    {
        _api.Dispose();
        await _factory.DisposeAsync();
        await _database.DisposeAsync();
    }

    [Fact]
    public async Task Post_Should_CreateTheVolunteerAndTheirInterviewerAccount_When_Valid()
    {
        using var response = await _api.PostAsJsonAsync("/api/admin/volunteers", new
        {
            userName = "TNV.Lan",
            password = "mat-khau-cua-lan",
            name = "  Nguyễn Thị   Lan ",
            phone = "0912 345 678",
            unionUnit = "Đoàn phường Lê Chân",
            agencyCodes = new[] { "HP-STP", "HP-STP", "HP-P-LECHAN" },
        }, Cancel);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(Cancel);
        Assert.Equal("tnv.lan", body.GetProperty("userName").GetString());
        Assert.Equal("Nguyễn Thị Lan", body.GetProperty("name").GetString());
        Assert.Equal(["HP-P-LECHAN", "HP-STP"], body.GetProperty("agencyCodes").EnumerateArray().Select(a => a.GetString()));
        Assert.False(body.TryGetProperty("phone", out _));
        Assert.False(body.TryGetProperty("password", out _));
        var id = body.GetProperty("accountId").GetInt64();
        Assert.Equal($"/api/admin/volunteers/{id}", response.Headers.Location?.OriginalString);

        Assert.Equal("interviewer|Nguyễn Thị Lan|+84912345678|Đoàn phường Lê Chân|HP-P-LECHAN,HP-STP|", await ScalarAsync<string>(
            """
            SELECT ac.role || '|' || v.full_name || '|' || v.phone || '|' || u.name || '|'
                   || (SELECT string_agg(ag.code, ',' ORDER BY ag.code) FROM volunteer_agencies va JOIN agencies ag ON ag.id = va.agency_id WHERE va.account_id = v.account_id)
                   || '|' || coalesce(v.created_by::text, '')
            FROM volunteers v JOIN accounts ac ON ac.id = v.account_id JOIN union_units u ON u.id = v.union_unit_id
            WHERE v.account_id = $1
            """, id));

        // A second volunteer of the same unit, written otherwise, joins it.
        using var second = await _api.PostAsJsonAsync("/api/admin/volunteers", new
        {
            userName = "tnv.minh", password = "mat-khau-cua-minh", name = "Trần Minh", phone = "+84 98 765 4321",
            unionUnit = "đoàn phường Lê Chân", agencyCodes = new[] { "HP-STP" },
        }, Cancel);
        Assert.Equal(HttpStatusCode.Created, second.StatusCode);
        Assert.Equal("Đoàn phường Lê Chân", (await second.Content.ReadFromJsonAsync<JsonElement>(Cancel)).GetProperty("unionUnit").GetString());
        Assert.Equal(1L, await ScalarAsync<long>("SELECT count(*) FROM union_units"));

        // The volunteer signs in at the usual page and lands on the interview page.
        using var client = _factory.CreateClient(new() { AllowAutoRedirect = false });
        using var signIn = await client.SignInAsync("tnv.lan", "mat-khau-cua-lan");
        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        Assert.Equal("/interview", signIn.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task Post_Should_NameEveryProblem_And_ChangeNothing_When_Invalid()
    {
        using var response = await _api.PostAsJsonAsync("/api/admin/volunteers", new
        {
            userName = "x",
            password = "short",
            name = "",
            phone = "12345",
            unionUnit = " ",
            agencyCodes = Array.Empty<string>(),
        }, Cancel);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>(Cancel)).GetProperty("errors");
        Assert.Equal(["agencyCodes", "name", "password", "phone", "unionUnit", "userName"],
            errors.EnumerateObject().Select(e => e.Name).Order(StringComparer.Ordinal));

        using var agencies = await _api.PostAsJsonAsync("/api/admin/volunteers", new
        {
            userName = "tnv.hoa", password = "mat-khau-cua-hoa", name = "Lê Hoa", phone = "0912345679",
            unionUnit = "Đoàn xã mới", agencyCodes = new[] { "VT-OLD", "NO-SUCH" },
        }, Cancel);
        Assert.Equal(HttpStatusCode.BadRequest, agencies.StatusCode);
        var messages = (await agencies.Content.ReadFromJsonAsync<JsonElement>(Cancel)).GetProperty("errors").GetProperty("agencyCodes")
            .EnumerateArray().Select(m => m.GetString()).ToList();
        Assert.Equal(["Agency 'VT-OLD' is retired: no volunteer can be assigned to it.", "Unknown agency code 'NO-SUCH'."], messages);

        using var taken = await _api.PostAsJsonAsync("/api/admin/volunteers", new
        {
            userName = BotHostFactory.AdminUser, password = "mat-khau-cua-hoa", name = "Lê Hoa", phone = "0912345679",
            unionUnit = "Đoàn xã mới", agencyCodes = new[] { "HP-STP" },
        }, Cancel);
        Assert.Equal(HttpStatusCode.BadRequest, taken.StatusCode);
        Assert.True((await taken.Content.ReadFromJsonAsync<JsonElement>(Cancel)).GetProperty("errors").TryGetProperty("userName", out _));

        Assert.Equal(0L, await ScalarAsync<long>("SELECT count(*) FROM volunteers"));
        Assert.Equal(0L, await ScalarAsync<long>("SELECT count(*) FROM union_units"));
        Assert.Equal(0L, await ScalarAsync<long>("SELECT count(*) FROM accounts WHERE role = 'interviewer'"));
    }

    [Fact]
    public async Task Import_Should_CreateEveryVolunteer_Or_None_When_AnyRowIsBad()
    {
        const string bad =
            """
            userName,password,name,phone,unionUnit,agencyCodes
            tnv.a,mat-khau-cua-a1,Người A,0912000001,Đoàn trường Hàng Hải,HP-STP
            tnv.b,mat-khau-cua-b1,Người B,0912000002,Đoàn trường Hàng Hải,HP-STP;VT-OLD

            TNV.A,mat-khau-cua-a2,Người A lần hai,không có,Đoàn trường Hàng Hải,HP-STP
            """;
        using var refused = await UploadAsync(_api, "/api/admin/volunteers/import", "file", bad, null);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        var errors = (await refused.Content.ReadFromJsonAsync<JsonElement>(Cancel)).GetProperty("errors");
        Assert.Equal(["rows[3].agencyCodes", "rows[5].phone", "rows[5].userName"],
            errors.EnumerateObject().Select(e => e.Name).Order(StringComparer.Ordinal));
        Assert.Equal("The user name 'tnv.a' is already on row 2.", errors.GetProperty("rows[5].userName")[0].GetString());
        Assert.Equal(0L, await ScalarAsync<long>("SELECT count(*) FROM volunteers"));
        Assert.Equal(0L, await ScalarAsync<long>("SELECT count(*) FROM accounts WHERE role = 'interviewer'"));

        using var missing = await UploadAsync(_api, "/api/admin/volunteers/import", "file", "userName,password,name\nx,y,z\n", null);
        Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
        Assert.Contains("phone", (await missing.Content.ReadFromJsonAsync<JsonElement>(Cancel)).GetProperty("errors").GetProperty("file")[0].GetString(), StringComparison.Ordinal);

        // A coordinator imports the corrected file on the page: every row goes in, attributed to them.
        await VolunteerSeed.CreateCoordinatorAsync(_database.DataSource, "dieuphoi.import");
        using var coordinator = await _factory.SignedInClientAsync("dieuphoi.import", VolunteerSeed.CoordinatorPassword);
        const string good =
            """
            user_name;password;name;phone;union unit;agency codes
            tnv.a;mat-khau-cua-a1;Người A;0912000001;Đoàn trường Hàng Hải;HP-STP
            tnv.b;mat-khau-cua-b1;"Người B, lớp 12";0912000002;Đoàn trường Hàng Hải;"HP-STP; HP-P-LECHAN"
            """;
        var page = await coordinator.GetPageAsync("/admin/volunteers/new");
        using var imported = await UploadAsync(coordinator, "/admin/volunteers/new?handler=Import", "Upload", good, page.Source);
        Assert.Equal(HttpStatusCode.Redirect, imported.StatusCode);
        var after = await coordinator.GetPageAsync("/admin/volunteers/new");
        Assert.Contains("2 tình nguyện viên mới", after.One("#message").Text(), StringComparison.Ordinal);
        Assert.Equal("2|2|Người B, lớp 12", await ScalarAsync<string>(
            """
            SELECT count(*) || '|' || count(*) FILTER (WHERE v.created_by = (SELECT id FROM accounts WHERE user_name = 'dieuphoi.import'))
                   || '|' || max(v.full_name)
            FROM volunteers v
            """));
        Assert.Equal(3L, await ScalarAsync<long>("SELECT count(*) FROM volunteer_agencies"));

        // The same file again: every user name is taken, and the page lists each row.
        using var again = await UploadAsync(coordinator, "/admin/volunteers/new?handler=Import", "Upload", good, after.Source);
        Assert.Equal(HttpStatusCode.BadRequest, again.StatusCode);
        var rows = PageForms.TableRows(await again.ReadPageAsync(), "import-problems");
        Assert.Equal(["2 | tnv.a | userName | Tên đăng nhập \"tnv.a\" đã có.", "3 | tnv.b | userName | Tên đăng nhập \"tnv.b\" đã có."], rows);
        Assert.Equal(2L, await ScalarAsync<long>("SELECT count(*) FROM volunteers"));
    }

    [Fact]
    public async Task Page_Should_CreateOneVolunteer_And_ShowTheProblems_When_TheFormIsWrong()
    {
        using var admin = await _factory.SignedInClientAsync();
        using var wrong = await admin.PostFormAsync("/admin/volunteers/new",
        [
            ("Form.Name", "Phạm Khoa"), ("Form.Phone", "abc"), ("Form.UserName", "tnv.khoa"), ("Form.Password", "mat-khau-cua-khoa"),
            ("Form.UnionUnit", "Đoàn phường Ngô Quyền"), ("Form.AgencyCodes", "VT-OLD"),
        ], "/admin/volunteers/new?handler=Create");
        Assert.Equal(HttpStatusCode.BadRequest, wrong.StatusCode);
        var page = await wrong.ReadPageAsync();
        Assert.Equal("Bắt buộc nhập số điện thoại hợp lệ.", PageForms.FieldError(page, "Form.Phone"));
        Assert.Equal(0L, await ScalarAsync<long>("SELECT count(*) FROM volunteers"));
        // The retired agency is not offered.
        Assert.Empty(page.All("select[name='Form.AgencyCodes'] option[value='VT-OLD']"));
        Assert.Single(page.All("select[name='Form.AgencyCodes'] option[value='HP-STP']"));

        using var created = await admin.PostFormAsync("/admin/volunteers/new",
        [
            ("Form.Name", "Phạm Khoa"), ("Form.Phone", "0987 654 321"), ("Form.UserName", "tnv.khoa"), ("Form.Password", "mat-khau-cua-khoa"),
            ("Form.UnionUnit", "Đoàn phường Ngô Quyền"), ("Form.AgencyCodes", "HP-STP"), ("Form.AgencyCodes", "HP-P-LECHAN"),
        ], "/admin/volunteers/new?handler=Create");
        Assert.Equal(HttpStatusCode.Redirect, created.StatusCode);
        Assert.Equal("+84987654321|2", await ScalarAsync<string>(
            "SELECT v.phone || '|' || (SELECT count(*) FROM volunteer_agencies va WHERE va.account_id = v.account_id) FROM volunteers v"));
    }

    [Fact]
    public async Task Accounts_Should_CreateCoordinators_But_NeverABareInterviewer_And_LandEachRoleAtHome()
    {
        using var admin = await _factory.SignedInClientAsync();
        using var interviewer = await admin.PostFormAsync("/admin/accounts",
            [("Form.UserName", "bare.tnv"), ("Form.Role", "interviewer"), ("Form.Password", "bare-password-12")], "/admin/accounts?handler=Create");
        Assert.Equal(HttpStatusCode.OK, interviewer.StatusCode);
        Assert.Equal("Tài khoản tình nguyện viên được tạo cùng hồ sơ tình nguyện viên, ở trang Tình nguyện viên.",
            PageForms.FieldError(await interviewer.ReadPageAsync(), "Form.Role"));
        Assert.Equal(0L, await ScalarAsync<long>("SELECT count(*) FROM accounts WHERE user_name = 'bare.tnv'"));

        using var coordinator = await admin.PostFormAsync("/admin/accounts",
            [("Form.UserName", "dieuphoi.tp"), ("Form.Role", "coordinator"), ("Form.Password", "dieuphoi-password-1")], "/admin/accounts?handler=Create");
        Assert.Equal(HttpStatusCode.Redirect, coordinator.StatusCode);
        var accounts = await admin.GetPageAsync("/admin/accounts");
        Assert.Contains(PageForms.TableRows(accounts, "accounts"), row => row.StartsWith("dieuphoi.tp | dieuphoi.tp | Điều phối viên", StringComparison.Ordinal));

        using var client = _factory.CreateClient(new() { AllowAutoRedirect = false });
        using var signIn = await client.SignInAsync("dieuphoi.tp", "dieuphoi-password-1");
        Assert.Equal("/admin/volunteers", signIn.Headers.Location?.OriginalString);
        using var home = await client.GetAsync("/admin", Cancel);
        Assert.Equal("/admin/volunteers", home.Headers.Location?.OriginalString);
        var movement = await client.GetPageAsync("/admin/volunteers");
        var links = movement.All("nav.admin-nav a").Select(a => a.Attribute("href")).ToList();
        Assert.DoesNotContain("/admin/results", links);
        Assert.Contains("/admin/volunteers", links);
    }

    [Fact]
    public async Task ResponsesApi_Should_NameTheVolunteer_OnTheirBallots_ForAdministrators()
    {
        var volunteer = await VolunteerSeed.CreateVolunteerAsync(_database.DataSource, "tnv.api", "Đỗ Thu", "Đoàn phường An Biên");
        var wave = await VolunteerSeed.WaveAsync(_database.DataSource, 5);
        await VolunteerSeed.AddBallotAsync(_database.DataSource, wave, volunteer, DateTimeOffset.UtcNow, [4]);

        var responses = await _api.GetFromJsonAsync<JsonElement>($"/api/admin/waves/{wave}/responses", Cancel);
        var ballot = Assert.Single(responses.EnumerateArray());
        Assert.Equal("interviewer", ballot.GetProperty("provenance").GetString());
        Assert.Equal("Đỗ Thu", ballot.GetProperty("interviewer").GetString());
        Assert.Equal("interviewer", ballot.GetProperty("channel").GetString());

        // The public figures count it as a valid ballot, with no name.
        using var publicResults = await _factory.CreateClient().GetAsync($"/api/public/results?wave={wave}", Cancel);
        var text = await publicResults.Content.ReadAsStringAsync(Cancel);
        Assert.Equal(HttpStatusCode.OK, publicResults.StatusCode);
        Assert.DoesNotContain("Đỗ Thu", text, StringComparison.Ordinal);
        Assert.Equal(1, JsonDocument.Parse(text).RootElement.GetProperty("agencies")[0].GetProperty("responses").GetInt32());
    }

    [Fact]
    public async Task Host_Should_RefuseToStart_When_AVolunteersOptionIsOutOfRange()
    {
        await using var factory = new BotHostFactory(_database.ConnectionString,
            [new("Dispatcher:Enabled", "false"), new("Volunteers:BackCheckShare", "0")]);
        var error = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(() => factory.Server);
        Assert.Contains("Volunteers:BackCheckShare", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Roles_Should_BeExactlyTheSchemas_When_DatabaseIsMigrated()
    {
        var definition = await ScalarAsync<string>(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = 'accounts_role_known' AND contype = 'c'");
        var listed = System.Text.RegularExpressions.Regex.Matches(definition, "'(?<value>[^']*)'::text").Select(m => m.Groups["value"].Value);
        Assert.Equal(ChatSurvey.BotHost.Accounts.AccountRoles.All.Order(StringComparer.Ordinal), listed.Order(StringComparer.Ordinal));
    }

    private static async Task<HttpResponseMessage> UploadAsync(HttpClient client, string url, string field, string csv, string? pageHtml)
    {
        using var form = new MultipartFormDataContent();
        if (pageHtml is not null)
            form.Add(new StringContent(AdminSignIn.AntiforgeryToken(pageHtml)), "__RequestVerificationToken");
        var file = new ByteArrayContent(Encoding.UTF8.GetBytes(csv));
        file.Headers.ContentType = MediaTypeHeaderValue.Parse("text/csv");
        form.Add(file, field, "volunteers.csv");
        return await client.PostAsync(url, form, Cancel);
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var command = _database.DataSource.CreateCommand(sql);
        await command.ExecuteNonQueryAsync(Cancel);
    }

    private async Task<T> ScalarAsync<T>(string sql, params object[] parameters)
    {
        await using var command = _database.DataSource.CreateCommand(sql);
        foreach (var parameter in parameters)
            command.Parameters.AddWithValue(parameter);
        return (T)(await command.ExecuteScalarAsync(Cancel))!;
    }
}
