using System.Net;
using System.Text.RegularExpressions;
using ChatSurvey.BotHost.Accounts;
using ChatSurvey.BotHost.Tests.Admin;
using ChatSurvey.BotHost.Tests.Pages;
using ChatSurvey.BotHost.Volunteers;
using Microsoft.AspNetCore.Mvc.Testing;
using Npgsql;

namespace ChatSurvey.BotHost.Tests.Interview;

/// <summary>
/// Volunteers for the interview tests, made through the volunteers' store (their own pages have their own tests): an
/// interviewer account and its profile in the union unit "Đoàn phường Lê Chân", with the agencies it interviews at.
/// </summary>
internal static class Volunteers
{
    public const string Password = "volunteer-password-2025";

    private static int _next;

    public static async Task<long> CreateAsync(NpgsqlDataSource dataSource, string userName, params string[] agencyCodes)
    {
        var store = new VolunteerStore(dataSource, new AccountStore(dataSource, TimeProvider.System));
        var (created, problems) = await store.CreateAsync(
            new NewVolunteer(userName, Password, "Tình nguyện viên " + userName, $"0977{Interlocked.Increment(ref _next):D6}",
                "Đoàn phường Lê Chân", agencyCodes),
            null, TestContext.Current.CancellationToken);
        Assert.True(created is not null, string.Join("; ", problems.Select(p => p.English)));
        return created!.AccountId;
    }
}

/// <summary>A volunteer's phone, as the pages see it: a signed-in client that posts the interview forms with their token.</summary>
internal sealed partial class VolunteerClient(HttpClient http) : IDisposable
{
    private string? _token;

    public HttpClient Http => http;

    public static async Task<VolunteerClient> SignInAsync(WebApplicationFactory<Program> factory, string userName)
    {
        var client = await factory.SignedInClientAsync(userName, Volunteers.Password);
        return new VolunteerClient(client);
    }

    public async Task<HtmlPage> GetAsync(string path)
    {
        var page = await HtmlPage.GetOkAsync(http, path);
        _token ??= AdminSignIn.AntiforgeryToken(page.Source);
        return page;
    }

    /// <summary>Posts a form of the interview pages; answers the raw response.</summary>
    public async Task<HttpResponseMessage> PostAsync(string path, params (string Name, string? Value)[] fields)
    {
        _token ??= AdminSignIn.AntiforgeryToken((await HtmlPage.GetOkAsync(http, "/interview")).Source);
        var form = fields.Where(f => f.Value is not null).Select(f => new KeyValuePair<string, string>(f.Name, f.Value!)).ToList();
        form.Add(new("__RequestVerificationToken", _token));
        return await http.PostAsync(path, new FormUrlEncodedContent(form), TestContext.Current.CancellationToken);
    }

    /// <summary>Interview mode's first form: the dossier check (the page with the consent line, or the refusal).</summary>
    public async Task<HtmlPage> CheckAsync(string agency, string code)
    {
        using var response = await PostAsync("/interview?handler=Check", ("Agency", agency), ("DossierCode", code));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await HtmlPage.ReadAsync(response);
    }

    /// <summary>Starts a ballot (after the consent line, or a paper one); answers its id, or null and the page with the refusal.</summary>
    public async Task<(string? Id, HtmlPage? Refused)> StartAsync(string agency, string code, string? serial = null)
    {
        using var response = await PostAsync("/interview?handler=Start",
            ("Agency", agency), ("DossierCode", code), ("Mode", serial is null ? null : "paper"), ("Serial", serial));
        if (response.StatusCode == HttpStatusCode.Redirect)
        {
            var location = response.Headers.Location!.OriginalString;
            return (BallotPath().Match(location).Groups[1].Value, null);
        }

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (null, await HtmlPage.ReadAsync(response));
    }

    /// <summary>The ballot's page: the question waiting, or the end.</summary>
    public Task<HtmlPage> BallotAsync(string id) => GetAsync($"/interview/{id}");

    /// <summary>Presses the button of <paramref name="value"/> (or sends typed text) on the question the page showed; follows the redirect.</summary>
    public async Task<HtmlPage> AnswerAsync(string id, HtmlPage shown, string? value, string? text = null)
    {
        var step = shown.One("#question input[name=step]").Attribute("value");
        using var response = await PostAsync($"/interview/{id}", ("step", step), ("answer", value), ("text", text));
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal($"/interview/{id}", response.Headers.Location!.OriginalString);
        return await BallotAsync(id);
    }

    /// <summary>Answers until the end: every rating with <paramref name="rating"/>, the comment skipped; advances <paramref name="pause"/> before each.</summary>
    public async Task<HtmlPage> AnswerAllAsync(string id, int rating, Action pause)
    {
        var page = await BallotAsync(id);
        for (var i = 0; i < 60 && page.All("#question").Count > 0; i++)
        {
            var values = page.All("#question button[name=answer]").Select(b => b.Attribute("value")).ToList();
            pause();
            var rated = rating.ToString(System.Globalization.CultureInfo.InvariantCulture);
            page = await AnswerAsync(id, page, values.Contains(rated) ? rated : values.Contains("0") ? "0" : values[0]);
        }

        Assert.Single(page.All("#saved"));
        return page;
    }

    public void Dispose() => http.Dispose();

    [GeneratedRegex("^/interview/(iv-[0-9a-f]+)$")]
    private static partial Regex BallotPath();
}
