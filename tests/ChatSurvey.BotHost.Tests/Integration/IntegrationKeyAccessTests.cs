using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using ChatSurvey.BotHost.Tests.Admin;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using static ChatSurvey.BotHost.Tests.Integration.IntegrationClient;

namespace ChatSurvey.BotHost.Tests.Integration;

/// <summary>
/// What an integration key opens: <c>POST /api/integrations/dossiers</c> and nothing else. Every route BotHost maps is
/// walked with every method it answers, as <c>Security/PageAccessTests</c> walks the GET routes: a valid key is refused
/// (403) everywhere but the integration post, public routes included, so sending a key never gains anything. The
/// integration post refuses a missing, unknown or revoked key, the admin key and an administrator's cookie (401).
/// </summary>
public sealed partial class IntegrationKeyAccessTests : IAsyncLifetime
{
    private const string Dossier = """[{"MaHoSo":"HS-1","MaTTHC":"P1","MaDonVi":"A1","SoDienThoai":"0912000001","NgayTra":"20250301100000"}]""";

    private AdminApiHost _host = null!;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _host = await AdminApiHost.StartAsync();
        await _host.SeedCatalogueAsync();
    }

    public async ValueTask DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task EveryRoute_Should_Answer403_When_CallerSendsAValidIntegrationKey_Except_PostDossiers()
    {
        var (_, key) = await _host.CreateKeyAsync();
        using var client = _host.Factory.KeyClient(key);
        var checkedRoutes = 0;
        foreach (var (method, pattern, url) in Routes())
        {
            if (method == "POST" && pattern == DossiersPath)
                continue;
            using var request = new HttpRequestMessage(new HttpMethod(method), url);
            if (method is "POST" or "PUT" or "PATCH")
                request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
            using var response = await client.SendAsync(request, Cancel);
            Assert.True(response.StatusCode == HttpStatusCode.Forbidden,
                $"{method} {url} ({pattern}) answered {(int)response.StatusCode} to an integration key.");
            checkedRoutes++;
        }

        Assert.True(checkedRoutes >= 40, $"Only {checkedRoutes} routes were checked: the walk found too few endpoints.");

        // Beyond the endpoints: a static file, a path nothing maps, the integration path with another method.
        foreach (var (method, url) in new[] { ("GET", "/lib/pico.min.css"), ("GET", "/khong-co"), ("GET", DossiersPath), ("DELETE", DossiersPath) })
        {
            using var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), url), Cancel);
            Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{method} {url} answered {(int)response.StatusCode} to an integration key.");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }

        // The one door it opens.
        var (status, _) = await client.PostDossiersAsync(Dossier);
        Assert.Equal(HttpStatusCode.OK, status);
        // Nothing a forbidden call carried was written.
        Assert.Equal(1L, await _host.ScalarAsync<long>("SELECT count(*) FROM transactions"));
        Assert.Equal(1L, await _host.ScalarAsync<long>("SELECT count(*) FROM integration_keys"));
    }

    [Fact]
    public async Task PostDossiers_Should_Answer401WithProblem_When_KeyIsMissingUnknownRevokedOrNotAnIntegrationKey()
    {
        var (id, key) = await _host.CreateKeyAsync();
        // The same shape as a real key, but never issued.
        var unknown = "csk_" + new string('A', 43);
        using var signedIn = await _host.Factory.SignedInClientAsync();

        foreach (var (name, client) in new[]
        {
            ("no key", _host.Factory.KeyClient(null)),
            ("an unknown key", _host.Factory.KeyClient(unknown)),
            ("a malformed key", _host.Factory.KeyClient("csk_short")),
            ("the admin key", _host.Factory.KeyClient(BotHostFactory.AdminKey)),
            ("an administrator's cookie", signedIn),
        })
        {
            var (status, problem) = await client.PostDossiersAsync(Dossier);
            Assert.True(status == HttpStatusCode.Unauthorized, $"{name}: {(int)status}");
            Assert.Equal("Integration key required", problem.GetProperty("title").GetString());
            if (client != signedIn)
                client.Dispose();
        }

        using var integration = _host.Factory.KeyClient(key);
        Assert.Equal(HttpStatusCode.OK, (await integration.PostDossiersAsync(Dossier)).Status);

        using (var revoke = await _host.Client.DeleteAsync($"/api/admin/integration-keys/{id}", Cancel))
            Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);
        using (var response = await integration.PostAsync(DossiersPath, new StringContent(Dossier, Encoding.UTF8, "application/json"), Cancel))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            Assert.Contains("X-Api-Key", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        }

        // A revoked key is no key at all: the admin API refuses it as it refuses any wrong key, public pages treat it as anonymous.
        using (var admin = await integration.GetAsync("/api/admin/integration-keys", Cancel))
            Assert.Equal(HttpStatusCode.Unauthorized, admin.StatusCode);
        using (var results = await integration.GetAsync("/results", Cancel))
            Assert.Equal(HttpStatusCode.OK, results.StatusCode);
        Assert.Equal(1L, await _host.ScalarAsync<long>("SELECT count(*) FROM transactions"));
    }

    [Fact]
    public async Task PostDossiers_Should_Answer429ForThatKeyOnly_When_ItsPostsPerMinuteAreSpent()
    {
        await using var host = await AdminApiHost.StartAsync(("RateLimits:DossierPostsPerKeyPerMinute", "2"));
        await host.SeedCatalogueAsync();
        var (_, busy) = await host.CreateKeyAsync("Một cửa A");
        var (_, other) = await host.CreateKeyAsync("Một cửa B");
        using var busyClient = host.Factory.KeyClient(busy);
        using var otherClient = host.Factory.KeyClient(other);

        Assert.Equal(HttpStatusCode.OK, (await busyClient.PostDossiersAsync(Dossier)).Status);
        Assert.Equal(HttpStatusCode.OK, (await busyClient.PostDossiersAsync(Dossier)).Status);
        using var third = await busyClient.PostAsync(DossiersPath, new StringContent(Dossier, Encoding.UTF8, "application/json"), Cancel);
        Assert.Equal(HttpStatusCode.TooManyRequests, third.StatusCode);
        Assert.True(third.Headers.RetryAfter?.Delta > TimeSpan.Zero, "A refusal says when to try again.");
        Assert.Equal(HttpStatusCode.OK, (await otherClient.PostDossiersAsync(Dossier)).Status);
        // Two imports of the busy key and one of the other: the refused post stored nothing.
        Assert.Equal(3L, await host.ScalarAsync<long>("SELECT count(*) FROM imports"));
    }

    /// <summary>Each mapped route with each method it answers, and a sample URL (parameters filled with plausible values).</summary>
    private IEnumerable<(string Method, string Pattern, string Url)> Routes()
    {
        var sources = _host.Factory.Services.GetRequiredService<EndpointDataSource>();
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var endpoint in sources.Endpoints.OfType<RouteEndpoint>())
        {
            var pattern = "/" + (endpoint.RoutePattern.RawText ?? "").TrimStart('/');
            pattern = pattern.Length > 1 ? pattern.TrimEnd('/') : pattern;
            var url = Parameter().Replace(pattern, m => m.Groups["name"].Value.ToLowerInvariant() switch
            {
                "id" or "waveid" or "importid" => "1",
                "agencycode" or "agency" => "A1",
                "path" => "",
                _ => "x",
            });
            foreach (var method in endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["GET"])
            {
                if (seen.Add($"{method} {pattern}"))
                    yield return (method, pattern, url);
            }
        }
    }

    [GeneratedRegex(@"\{\*{0,2}(?<name>[A-Za-z]+)[^}]*\}")]
    private static partial Regex Parameter();
}
