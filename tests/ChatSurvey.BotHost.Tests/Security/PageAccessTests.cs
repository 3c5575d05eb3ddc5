using System.Net;
using ChatSurvey.BotHost.Tests.Admin;
using ChatSurvey.BotHost.Tests.Volunteers;
using ChatSurvey.TestSupport;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace ChatSurvey.BotHost.Tests.Security;

/// <summary>
/// Every route BotHost maps, walked anonymously and with each role: no page opens without signing in except the citizen
/// and public ones; an agency viewer reaches nothing but their results; a volunteer nothing but the interview pages and
/// their password; a coordinator nothing but the volunteers' pages and their password (never results, answers or
/// phones). New endpoints are covered automatically.
/// </summary>
public sealed class PageAccessTests : IAsyncLifetime
{
    private const string ViewerPassword = "viewer-password-1";

    /// <summary>Anonymous by design, each with its own guard.</summary>
    private static readonly Dictionary<string, string> Public = new(StringComparer.OrdinalIgnoreCase)
    {
        ["/"] = "redirects to /results",
        ["/results"] = "public results page",
        ["/chat"] = "web chat for citizens",
        ["/s/{code}"] = "a citizen's invitation link (the code is the secret)",
        ["/chat/counter/{agencyCode}"] = "web chat opened from a counter's QR code",
        ["/chat/qr/{agencyCode}.png"] = "the counter's QR code image",
        ["/admin/login"] = "the sign-in form",
        ["/healthz"] = "health probe, no data",
        ["/api/public/results"] = "public indices, no personal data",
        ["/api/public/waves"] = "the published waves, no personal data",
        ["/api/public/waves/{id:long}/answers.csv"] = "a published wave's open data: answers of valid ballots, no personal data",
        ["/api/public/waves/{id:long}/results.csv"] = "a published wave's figures, no personal data",
        ["/cach-tinh"] = "the methodology, public text",
    };

    private TestDatabase _database = null!;
    private BotHostFactory _factory = null!;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _database = await (await PostgresServer.GetAsync()).CreateDatabaseAsync();
        _factory = new BotHostFactory(_database.ConnectionString, [new("Dispatcher:Enabled", "false")]);
        _ = _factory.Server;
        await AdminSignIn.CreateViewerAsync(_database.DataSource, "viewer.stp", ViewerPassword, "HP-STP");
        await VolunteerSeed.CreateVolunteerAsync(_database.DataSource, "tnv.walk", "Tình nguyện viên", "Đoàn phường Lê Chân");
        await VolunteerSeed.CreateCoordinatorAsync(_database.DataSource, "dieuphoi.walk");
    }

    public async ValueTask DisposeAsync()
    {
        await _factory.DisposeAsync();
        await _database.DisposeAsync();
    }

    [Fact]
    public async Task EveryGetRoute_Should_NeedSignIn_When_Anonymous_Except_PublicOnes()
    {
        using var client = _factory.CreateClient(new() { AllowAutoRedirect = false, HandleCookies = false });
        var checkedRoutes = 0;
        foreach (var (pattern, url) in GetRoutes())
        {
            if (Public.ContainsKey(pattern) || IsGuardedOtherwise(pattern))
                continue;
            using var response = await client.GetAsync(url, Cancel);
            var toLogin = response.StatusCode == HttpStatusCode.Redirect
                && response.Headers.Location?.OriginalString.Contains("/admin/login", StringComparison.Ordinal) == true;
            Assert.True(toLogin || response.StatusCode == HttpStatusCode.Unauthorized,
                $"GET {url} ({pattern}) answered {(int)response.StatusCode} {response.Headers.Location} to an anonymous visitor.");
            checkedRoutes++;
        }

        Assert.True(checkedRoutes >= 5, $"Only {checkedRoutes} routes were checked: the walk found too few endpoints.");
    }

    [Fact]
    public async Task AgencyViewer_Should_BeForbidden_Everywhere_But_TheirResults()
    {
        using var viewer = await _factory.SignedInClientAsync("viewer.stp", ViewerPassword);
        foreach (var (pattern, url) in GetRoutes())
        {
            if (Public.ContainsKey(pattern) || IsGuardedOtherwise(pattern) || IsViewerPage(pattern))
                continue;
            using var response = await viewer.GetAsync(url, Cancel);
            Assert.True(response.StatusCode == HttpStatusCode.Forbidden,
                $"GET {url} ({pattern}) answered {(int)response.StatusCode} to an agency viewer.");
        }

        foreach (var url in new[] { "/api/admin/waves", "/api/admin/agencies", "/api/admin/transactions" })
        {
            using var post = await viewer.PostAsync(url, new StringContent("{}", System.Text.Encoding.UTF8, "application/json"), Cancel);
            Assert.Equal(HttpStatusCode.Forbidden, post.StatusCode);
        }

        using var pagePost = await viewer.PostAsync("/admin/accounts?handler=Create", new FormUrlEncodedContent(
            [new("Form.UserName", "sneaky"), new("Form.Role", "administrator"), new("Form.Password", "sneaky-password-1")]), Cancel);
        Assert.Equal(HttpStatusCode.Forbidden, pagePost.StatusCode);
        await using var command = _database.DataSource.CreateCommand("SELECT count(*) FROM accounts WHERE user_name = 'sneaky'");
        Assert.Equal(0L, await command.ExecuteScalarAsync(Cancel));
    }

    [Fact]
    public async Task Volunteer_Should_BeForbidden_Everywhere_But_TheInterviewPagesAndTheirPassword()
    {
        using var volunteer = await _factory.SignedInClientAsync("tnv.walk", VolunteerSeed.Password);
        var checkedRoutes = 0;
        foreach (var (pattern, url) in GetRoutes())
        {
            if (Public.ContainsKey(pattern) || IsGuardedOtherwise(pattern))
                continue;
            using var response = await volunteer.GetAsync(url, Cancel);
            var status = response.StatusCode;
            var location = response.Headers.Location?.OriginalString;
            if (IsHome(pattern))
                Assert.True(status == HttpStatusCode.Redirect && location == "/interview", $"GET {url} answered {(int)status} {location} to a volunteer.");
            else if (IsOwnAccountPage(pattern))
                Assert.True(status is HttpStatusCode.OK or HttpStatusCode.Redirect, $"GET {url} answered {(int)status} to a volunteer.");
            else if (pattern.StartsWith("/interview", StringComparison.OrdinalIgnoreCase))
            {
                // Open to the volunteer: whatever the page answers (a form, a redirect within the interview pages, a 404
                // for a sample id that does not exist), it is neither a refusal nor the sign-in form.
                var refused = status is HttpStatusCode.Forbidden or HttpStatusCode.Unauthorized
                    || location?.Contains("/admin/login", StringComparison.Ordinal) == true;
                Assert.False(refused, $"GET {url} answered {(int)status} {location} to a volunteer.");
            }
            else
                Assert.True(status == HttpStatusCode.Forbidden, $"GET {url} ({pattern}) answered {(int)status} to a volunteer.");
            checkedRoutes++;
        }

        Assert.True(checkedRoutes >= 10, $"Only {checkedRoutes} routes were checked.");
        using (var progress = await volunteer.GetAsync("/interview/progress", Cancel))
            Assert.Equal(HttpStatusCode.OK, progress.StatusCode);
        foreach (var url in new[] { "/api/admin/volunteers", "/api/admin/waves" })
        {
            using var post = await volunteer.PostAsync(url, new StringContent("{}", System.Text.Encoding.UTF8, "application/json"), Cancel);
            Assert.Equal(HttpStatusCode.Forbidden, post.StatusCode);
        }

        using var pagePost = await volunteer.PostAsync("/admin/volunteers/new?handler=Create", new FormUrlEncodedContent(
            [new("Form.UserName", "sneaky.tnv"), new("Form.Name", "X"), new("Form.Password", "sneaky-password-1")]), Cancel);
        Assert.Equal(HttpStatusCode.Forbidden, pagePost.StatusCode);
        Assert.Equal(0L, await CountAsync("SELECT count(*) FROM accounts WHERE user_name = 'sneaky.tnv'"));
    }

    [Fact]
    public async Task Coordinator_Should_BeForbidden_OnResultsAnswersAndPhones_And_Reach_TheVolunteersPages()
    {
        using var coordinator = await _factory.SignedInClientAsync("dieuphoi.walk", VolunteerSeed.CoordinatorPassword);
        var volunteerPages = 0;
        foreach (var (pattern, url) in GetRoutes())
        {
            if (Public.ContainsKey(pattern) || IsGuardedOtherwise(pattern))
                continue;
            using var response = await coordinator.GetAsync(url, Cancel);
            var status = response.StatusCode;
            var location = response.Headers.Location?.OriginalString;
            if (IsHome(pattern))
                Assert.True(status == HttpStatusCode.Redirect && location == "/admin/volunteers", $"GET {url} answered {(int)status} {location} to a coordinator.");
            else if (IsOwnAccountPage(pattern))
                Assert.True(status is HttpStatusCode.OK or HttpStatusCode.Redirect, $"GET {url} answered {(int)status} to a coordinator.");
            else if (pattern.StartsWith("/admin/volunteers", StringComparison.OrdinalIgnoreCase))
            {
                Assert.True(status == HttpStatusCode.OK, $"GET {url} answered {(int)status} to a coordinator.");
                volunteerPages++;
            }
            else
                Assert.True(status == HttpStatusCode.Forbidden, $"GET {url} ({pattern}) answered {(int)status} to a coordinator.");
        }

        Assert.True(volunteerPages >= 2, $"Only {volunteerPages} volunteers' pages were found.");
        // Results, answers, exports and phones, by name, so that a renamed route cannot slip out of the walk unseen.
        foreach (var url in new[]
        {
            "/admin/results", "/admin/results/export", "/api/admin/waves/1/responses", "/admin/backchecks", "/admin/staff",
            "/api/admin/staff-phones", "/admin/simulator", "/admin/accounts", "/interview/progress",
        })
        {
            using var response = await coordinator.GetAsync(url, Cancel);
            Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"GET {url} answered {(int)response.StatusCode} to a coordinator.");
        }

        // The admin API stays the administrators': coordinators create volunteers on the page.
        using var post = await coordinator.PostAsync("/api/admin/volunteers", new StringContent("{}", System.Text.Encoding.UTF8, "application/json"), Cancel);
        Assert.Equal(HttpStatusCode.Forbidden, post.StatusCode);
        using var backCheck = await coordinator.PostAsync("/admin/backchecks?handler=Record&responseId=1", new FormUrlEncodedContent(
            [new("outcome", "not_confirmed")]), Cancel);
        Assert.Equal(HttpStatusCode.Forbidden, backCheck.StatusCode);
    }

    private async Task<long> CountAsync(string sql)
    {
        await using var command = _database.DataSource.CreateCommand(sql);
        return (long)(await command.ExecuteScalarAsync(Cancel))!;
    }

    private static bool IsHome(string pattern) =>
        pattern.Equals("/admin", StringComparison.OrdinalIgnoreCase) || pattern.Equals("/admin/index", StringComparison.OrdinalIgnoreCase);

    private static bool IsOwnAccountPage(string pattern) =>
        pattern.Equals("/admin/password", StringComparison.OrdinalIgnoreCase) || pattern.Equals("/admin/logout", StringComparison.OrdinalIgnoreCase);

    // Inbound channels authenticate the caller themselves (Twilio signature, Direct Line token), and static files are
    // not endpoints.
    private static bool IsGuardedOtherwise(string pattern) =>
        pattern.StartsWith("/api/twilio", StringComparison.OrdinalIgnoreCase)
        || pattern.StartsWith("/api/messages", StringComparison.OrdinalIgnoreCase)
        || pattern.StartsWith("/v3/directline", StringComparison.OrdinalIgnoreCase)
        || pattern.StartsWith("/api/webchat", StringComparison.OrdinalIgnoreCase);

    private static bool IsViewerPage(string pattern) =>
        pattern.Equals("/admin", StringComparison.OrdinalIgnoreCase)
        || pattern.Equals("/admin/index", StringComparison.OrdinalIgnoreCase)
        || pattern.StartsWith("/admin/results", StringComparison.OrdinalIgnoreCase)
        || pattern.Equals("/admin/password", StringComparison.OrdinalIgnoreCase)
        || pattern.Equals("/admin/logout", StringComparison.OrdinalIgnoreCase);

    /// <summary>Each GET route with a sample URL (parameters filled with plausible values).</summary>
    private IEnumerable<(string Pattern, string Url)> GetRoutes()
    {
        var sources = _factory.Services.GetRequiredService<EndpointDataSource>();
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var endpoint in sources.Endpoints.OfType<RouteEndpoint>())
        {
            var methods = endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods;
            if (methods is not null && !methods.Contains("GET"))
                continue;
            var pattern = "/" + (endpoint.RoutePattern.RawText ?? "").TrimStart('/');
            pattern = pattern.Length > 1 ? pattern.TrimEnd('/') : pattern;
            if (!seen.Add(pattern))
                continue;
            var url = System.Text.RegularExpressions.Regex.Replace(pattern, @"\{\*{0,2}(?<name>[A-Za-z]+)[^}]*\}", m =>
                m.Groups["name"].Value.ToLowerInvariant() switch
                {
                    "id" or "waveid" or "importid" => "1",
                    "agencycode" or "agency" => "HP-STP",
                    "path" => "",
                    _ => "x",
                });
            yield return (pattern, url);
        }
    }
}
