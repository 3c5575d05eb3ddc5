using System.Net;
using ChatSurvey.BotHost.Accounts;
using ChatSurvey.BotHost.Tests.Pages;
using Microsoft.AspNetCore.Mvc.Testing;
using Npgsql;

namespace ChatSurvey.BotHost.Tests.Admin;

/// <summary>Signs HTTP clients in through the login form, as a browser would (antiforgery token, cookie).</summary>
internal static class AdminSignIn
{
    /// <summary>A client with its own cookie jar that does not follow redirects, signed in as the given account.</summary>
    public static async Task<HttpClient> SignedInClientAsync(
        this WebApplicationFactory<Program> factory, string userName = BotHostFactory.AdminUser, string password = BotHostFactory.AdminPassword)
    {
        var client = factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        using var response = await client.SignInAsync(userName, password);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        return client;
    }

    /// <summary>Posts the login form; answers the raw response (302 on success, 200 with the form again on failure).</summary>
    public static async Task<HttpResponseMessage> SignInAsync(this HttpClient client, string userName, string password)
    {
        var cancel = TestContext.Current.CancellationToken;
        var form = await client.GetStringAsync("/admin/login", cancel);
        return await client.PostAsync("/admin/login", new FormUrlEncodedContent(
            [new("__RequestVerificationToken", AntiforgeryToken(form)), new("UserName", userName), new("Password", password)]), cancel);
    }

    /// <summary>The antiforgery token of the first form in a page.</summary>
    public static string AntiforgeryToken(string html)
    {
        var field = HtmlPage.Parse(html).Document.QuerySelector("form input[name=__RequestVerificationToken]");
        Assert.True(field is not null, "The page carries an antiforgery token.");
        return field!.Attribute("value");
    }

    /// <summary>Creates an agency viewer account straight in the store (the accounts page has its own tests).</summary>
    public static async Task CreateViewerAsync(NpgsqlDataSource dataSource, string userName, string password, string agencyCode)
    {
        var store = new AccountStore(dataSource, TimeProvider.System);
        var (account, problems) = await store.CreateAsync(
            new NewAccount(userName, userName, AccountRoles.AgencyViewer, agencyCode, password), TestContext.Current.CancellationToken);
        Assert.True(account is not null, string.Join("; ", problems.Select(p => p.English)));
    }
}
