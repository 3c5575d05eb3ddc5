using System.Net;
using System.Text.RegularExpressions;
using ChatSurvey.TestSupport;
using Microsoft.AspNetCore.Mvc.Testing;

namespace ChatSurvey.BotHost.Tests.Admin;

/// <summary>The Hangfire dashboard is for signed-in administrators only.</summary>
public sealed partial class JobsDashboardTests : IAsyncLifetime
{
    private TestDatabase _database = null!;
    private BotHostFactory _factory = null!;

    public async ValueTask InitializeAsync()
    {
        _database = await (await PostgresServer.GetAsync()).CreateDatabaseAsync();
        _factory = new BotHostFactory(_database.ConnectionString, [new("Dispatcher:Enabled", "false")]);
    }

    [Fact]
    public async Task Dashboard_Should_AskForSignIn_When_Anonymous_And_Open_When_AdministratorSignedIn()
    {
        var cancel = TestContext.Current.CancellationToken;
        using var client = _factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });

        using (var anonymous = await client.GetAsync("/admin/jobs", cancel))
        {
            Assert.Equal(HttpStatusCode.Redirect, anonymous.StatusCode);
            Assert.StartsWith("/admin/login", anonymous.Headers.Location?.PathAndQuery, StringComparison.Ordinal);
        }

        using (var apiKeyOnly = new HttpRequestMessage(HttpMethod.Get, "/admin/jobs"))
        {
            // The API key opens the admin API, not the dashboard: that needs a signed-in administrator.
            apiKeyOnly.Headers.Add("X-Api-Key", BotHostFactory.AdminKey);
            using var response = await client.SendAsync(apiKeyOnly, cancel);
            Assert.NotEqual(HttpStatusCode.OK, response.StatusCode);
        }

        var loginPage = await client.GetStringAsync("/admin/login", cancel);
        var token = AntiforgeryField().Match(loginPage);
        Assert.True(token.Success, "The login form carries an antiforgery token.");
        using var wrong = await client.PostAsync("/admin/login", new FormUrlEncodedContent(
            [new(token.Groups["name"].Value, token.Groups["value"].Value), new("key", "wrong")]), cancel);
        Assert.Contains("error", wrong.Headers.Location?.ToString(), StringComparison.Ordinal);

        using var login = await client.PostAsync("/admin/login", new FormUrlEncodedContent(
            [new(token.Groups["name"].Value, token.Groups["value"].Value), new("key", BotHostFactory.AdminKey)]), cancel);
        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);

        using var dashboard = await client.GetAsync("/admin/jobs", cancel);
        Assert.Equal(HttpStatusCode.OK, dashboard.StatusCode);
        Assert.Contains("Hangfire", await dashboard.Content.ReadAsStringAsync(cancel), StringComparison.Ordinal);
    }

    public async ValueTask DisposeAsync()
    {
        await _factory.DisposeAsync();
        await _database.DisposeAsync();
    }

    [GeneratedRegex("""<input type="hidden" name="(?<name>[^"]+)" value="(?<value>[^"]+)">""")]
    private static partial Regex AntiforgeryField();
}
