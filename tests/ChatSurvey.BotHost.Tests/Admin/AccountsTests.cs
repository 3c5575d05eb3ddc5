using System.Net;
using ChatSurvey.BotHost.Tests.Pages;
using ChatSurvey.TestSupport;
using Microsoft.Extensions.Options;

namespace ChatSurvey.BotHost.Tests.Admin;

/// <summary>Accounts: the first administrator from configuration, sign-in, the accounts page, own password.</summary>
public sealed class AccountsTests : IAsyncLifetime
{
    private TestDatabase _database = null!;
    private BotHostFactory _factory = null!;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _database = await (await PostgresServer.GetAsync()).CreateDatabaseAsync();
        _factory = new BotHostFactory(_database.ConnectionString, [new("Dispatcher:Enabled", "false")]);
        _ = _factory.Server; // start: migrations, demo catalogue, the initial administrator
    }

    public async ValueTask DisposeAsync()
    {
        await _factory.DisposeAsync();
        await _database.DisposeAsync();
    }

    [Fact]
    public async Task InitialAdministrator_Should_BeStoredHashed_When_Configured()
    {
        await using var command = _database.DataSource.CreateCommand(
            "SELECT role, password_hash FROM accounts WHERE user_name = $1");
        command.Parameters.Add(new() { Value = BotHostFactory.AdminUser });
        await using var reader = await command.ExecuteReaderAsync(Cancel);
        Assert.True(await reader.ReadAsync(Cancel));
        Assert.Equal("administrator", reader.GetString(0));
        var hash = reader.GetString(1);
        Assert.DoesNotContain(BotHostFactory.AdminPassword, hash, StringComparison.Ordinal);
        Assert.Equal(0x01, Convert.FromBase64String(hash)[0]); // Identity v3 format: PBKDF2 with salt
    }

    [Fact]
    public async Task Host_Should_RefuseToStart_When_InitialAdministratorPasswordIsWeak()
    {
        await using var factory = new BotHostFactory(_database.ConnectionString,
        [
            new("Dispatcher:Enabled", "false"),
            new("Admin:InitialAdmin:UserName", "second-admin"),
            new("Admin:InitialAdmin:Password", "short"),
        ]);
        var error = Assert.Throws<OptionsValidationException>(() => factory.Server);
        Assert.Contains("Admin:InitialAdmin:Password", error.Message, StringComparison.Ordinal);
        Assert.Equal(0L, await CountAsync("SELECT count(*) FROM accounts WHERE user_name = 'second-admin'"));
    }

    [Fact]
    public async Task SignIn_Should_Fail_When_PasswordWrong_Or_AccountDisabled()
    {
        using var client = _factory.CreateClient(new() { AllowAutoRedirect = false });
        using (var wrong = await client.SignInAsync(BotHostFactory.AdminUser, "wrong-password-123"))
        {
            Assert.Equal(HttpStatusCode.OK, wrong.StatusCode);
            Assert.Contains("Tên đăng nhập hoặc mật khẩu không đúng", await wrong.Content.ReadAsStringAsync(Cancel), StringComparison.Ordinal);
        }

        using (var unknown = await client.SignInAsync("nobody", BotHostFactory.AdminPassword))
            Assert.Equal(HttpStatusCode.OK, unknown.StatusCode);
        using (var page = await client.GetAsync("/admin", Cancel))
            Assert.Equal(HttpStatusCode.Redirect, page.StatusCode);

        await AdminSignIn.CreateViewerAsync(_database.DataSource, "khoa.stp", "viewer-password-1", "HP-STP");
        await ExecuteAsync("UPDATE accounts SET disabled = true WHERE user_name = 'khoa.stp'");
        using (var disabled = await client.SignInAsync("khoa.stp", "viewer-password-1"))
            Assert.Equal(HttpStatusCode.OK, disabled.StatusCode);
    }

    [Fact]
    public async Task SignIn_Should_LockTheAccountForAWhile_When_PasswordIsGuessedRepeatedly()
    {
        await AdminSignIn.CreateViewerAsync(_database.DataSource, "thu.snv", "viewer-password-1", "HP-SNV");
        using var client = _factory.CreateClient(new() { AllowAutoRedirect = false });
        for (var i = 0; i < 5; i++)
        {
            using var wrong = await client.SignInAsync("thu.snv", $"guess-number-{i}");
            Assert.Equal(HttpStatusCode.OK, wrong.StatusCode);
        }

        using (var locked = await client.SignInAsync("thu.snv", "viewer-password-1"))
            Assert.Equal(HttpStatusCode.OK, locked.StatusCode); // the right password, but locked
        Assert.Equal(1L, await CountAsync("SELECT count(*) FROM accounts WHERE user_name = 'thu.snv' AND locked_until > now() + interval '4 minutes'"));

        await ExecuteAsync("UPDATE accounts SET locked_until = now() - interval '1 second' WHERE user_name = 'thu.snv'"); // five minutes on
        using (var after = await client.SignInAsync("thu.snv", "viewer-password-1"))
            Assert.Equal(HttpStatusCode.Redirect, after.StatusCode);
        Assert.Equal(1L, await CountAsync("SELECT count(*) FROM accounts WHERE user_name = 'thu.snv' AND failed_sign_ins = 0 AND locked_until IS NULL"));
    }

    [Fact]
    public async Task AccountsPage_Should_CreateViewer_Who_LandsOnResults_And_LosesSession_When_Disabled()
    {
        using var admin = await _factory.SignedInClientAsync();
        var page = await admin.GetStringAsync("/admin/accounts", Cancel);
        Assert.Contains(BotHostFactory.AdminUser, page, StringComparison.Ordinal);

        using (var created = await admin.SubmitFormAsync("/admin/accounts?handler=Create", page,
            ("Form.UserName", "Lan.STP"), ("Form.DisplayName", "Nguyễn Thị Lan"), ("Form.Role", "agency_viewer"),
            ("Form.AgencyCode", "HP-STP"), ("Form.Password", "viewer-password-1")))
            Assert.Equal(HttpStatusCode.Redirect, created.StatusCode);
        Assert.Contains("Nguyễn Thị Lan", await admin.GetStringAsync("/admin/accounts", Cancel), StringComparison.Ordinal);

        using var viewer = await _factory.SignedInClientAsync("lan.stp", "viewer-password-1");
        using (var home = await viewer.GetAsync("/admin", Cancel))
            Assert.Equal("/admin/results", home.Headers.Location?.OriginalString);
        using (var accounts = await viewer.GetAsync("/admin/accounts", Cancel))
            Assert.Equal(HttpStatusCode.Forbidden, accounts.StatusCode);
        using (var ownPassword = await viewer.GetAsync("/admin/password", Cancel))
            Assert.Equal(HttpStatusCode.OK, ownPassword.StatusCode);

        var id = await CountAsync("SELECT id FROM accounts WHERE user_name = 'lan.stp'");
        page = await admin.GetStringAsync("/admin/accounts", Cancel);
        using (var disable = await admin.SubmitFormAsync($"/admin/accounts?handler=Disable&id={id}&disabled=true", page))
            Assert.Equal(HttpStatusCode.Redirect, disable.StatusCode);
        using (var after = await viewer.GetAsync("/admin/password", Cancel))
            Assert.Equal(HttpStatusCode.Redirect, after.StatusCode); // the cookie no longer counts
    }

    [Theory]
    [InlineData("x", "agency_viewer", "HP-STP", "viewer-password-1", "Tên đăng nhập gồm")]
    [InlineData("viewer.a", "agency_viewer", "", "viewer-password-1", "cần chọn đơn vị")]
    [InlineData("viewer.b", "agency_viewer", "NO-SUCH", "viewer-password-1", "Không có đơn vị")]
    [InlineData("viewer.c", "agency_viewer", "HP-STP", "short", "ít nhất 12 ký tự")]
    [InlineData("admin", "administrator", "", "another-password-1", "đã có")]
    public async Task AccountsPage_Should_ShowError_And_CreateNothing_When_FormIsBad(
        string userName, string role, string agency, string password, string error)
    {
        var before = await CountAsync("SELECT count(*) FROM accounts");
        using var admin = await _factory.SignedInClientAsync();
        var page = await admin.GetStringAsync("/admin/accounts", Cancel);
        using var response = await admin.SubmitFormAsync("/admin/accounts?handler=Create", page,
            ("Form.UserName", userName), ("Form.Role", role), ("Form.AgencyCode", agency), ("Form.Password", password));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(error, await response.Content.ReadAsStringAsync(Cancel), StringComparison.Ordinal);
        Assert.Equal(before, await CountAsync("SELECT count(*) FROM accounts"));
    }

    [Fact]
    public async Task PasswordPage_Should_ChangeOwnPassword_When_CurrentOneIsRight()
    {
        await AdminSignIn.CreateViewerAsync(_database.DataSource, "minh.snv", "viewer-password-1", "HP-SNV");
        using var viewer = await _factory.SignedInClientAsync("minh.snv", "viewer-password-1");
        var page = await viewer.GetStringAsync("/admin/password", Cancel);
        using (var wrong = await viewer.SubmitFormAsync("/admin/password", page,
            ("Current", "not-my-password"), ("New", "new-password-123"), ("Confirm", "new-password-123")))
            Assert.Contains("Mật khẩu hiện tại không đúng", await wrong.Content.ReadAsStringAsync(Cancel), StringComparison.Ordinal);

        page = await viewer.GetStringAsync("/admin/password", Cancel);
        using (var changed = await viewer.SubmitFormAsync("/admin/password", page,
            ("Current", "viewer-password-1"), ("New", "new-password-123"), ("Confirm", "new-password-123")))
            Assert.Contains("Đã đổi mật khẩu", await changed.Content.ReadAsStringAsync(Cancel), StringComparison.Ordinal);

        using var fresh = _factory.CreateClient(new() { AllowAutoRedirect = false });
        using (var old = await fresh.SignInAsync("minh.snv", "viewer-password-1"))
            Assert.Equal(HttpStatusCode.OK, old.StatusCode);
        using (var renewed = await fresh.SignInAsync("minh.snv", "new-password-123"))
            Assert.Equal(HttpStatusCode.Redirect, renewed.StatusCode);
    }

    private async Task<long> CountAsync(string sql)
    {
        await using var command = _database.DataSource.CreateCommand(sql);
        return Convert.ToInt64(await command.ExecuteScalarAsync(Cancel), System.Globalization.CultureInfo.InvariantCulture);
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var command = _database.DataSource.CreateCommand(sql);
        await command.ExecuteNonQueryAsync(Cancel);
    }
}
