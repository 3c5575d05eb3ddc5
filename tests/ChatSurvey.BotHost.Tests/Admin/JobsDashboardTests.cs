using System.Net;
using ChatSurvey.TestSupport;
using Microsoft.AspNetCore.Mvc.Testing;

namespace ChatSurvey.BotHost.Tests.Admin;

/// <summary>The Hangfire dashboard is for signed-in administrators only.</summary>
public sealed class JobsDashboardTests : IAsyncLifetime
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

        using (var wrong = await client.SignInAsync(BotHostFactory.AdminUser, "not-the-password"))
            Assert.Equal(HttpStatusCode.OK, wrong.StatusCode); // the form again, no cookie
        using (var stillAnonymous = await client.GetAsync("/admin/jobs", cancel))
            Assert.Equal(HttpStatusCode.Redirect, stillAnonymous.StatusCode);

        using (var login = await client.SignInAsync(BotHostFactory.AdminUser, BotHostFactory.AdminPassword))
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
}
