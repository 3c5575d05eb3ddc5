using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ChatSurvey.BotHost.Tests.Pages.Results;
using ChatSurvey.Dispatcher.Jobs;
using ChatSurvey.Dispatcher.Scoring;
using ChatSurvey.TestSupport;
using ChatSurvey.BotHost.Tests.Pages;
using Microsoft.Extensions.Time.Testing;
using Microsoft.Extensions.Logging.Abstractions;

namespace ChatSurvey.BotHost.Tests.PublicResults;

/// <summary>
/// The public <c>/results</c> page: anonymous, no personal data, and fed by the same cached source as
/// <c>GET /api/public/results</c> — the score-refresh snapshot while fresh, else the scoring query, held for 20 seconds.
/// The host's clock is a fake one the test moves, so the cache's expiry is reached without waiting.
/// </summary>
public sealed class PublicResultsPageTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 4, 14, 3, 0, 0, TimeSpan.Zero));
    private TestDatabase _database = null!;
    private BotHostFactory _host = null!;
    private long _wave;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _database = await (await PostgresServer.GetAsync()).CreateDatabaseAsync();
        _host = new BotHostFactory(_database.ConnectionString,
        [
            new("Storage:SeedDemoData", "false"),
            new("Dispatcher:Enabled", "false"),
            new("WebChat:TokenSigningKey", "public-results-tests-signing-key-0123456789"),
        ], _clock);
        _ = _host.Services;
        _wave = await ResultsSeed.SeedAsync(_database.DataSource);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.DisposeAsync();
        await _database.DisposeAsync();
    }

    [Fact]
    public async Task PublicResults_Should_ShowPeriodAndAgencyIndicesWithoutPersonalData_When_Anonymous()
    {
        using var client = _host.CreateClient();

        var page = await HtmlPage.GetOkAsync(client, "/results");

        // The latest published wave (the draft is not published) and the period it covers.
        var period = page.One("#period").Text();
        Assert.Contains(ResultsSeed.WaveName, period, StringComparison.Ordinal);
        Assert.Contains("01/01/2026", period, StringComparison.Ordinal);
        Assert.Contains("31/03/2026", period, StringComparison.Ordinal);
        Assert.Contains("Số liệu cập nhật lúc", period, StringComparison.Ordinal);
        // Agencies listed block by block (A1 a department, A2 an abolished district) with their indices (hand-computed in
        // ResultsSeed), neither ranked with fewer than 30 ballots, and the element indices of the whole wave.
        var agencies = page.One("#agencies");
        Assert.Equal(["A1", "A2"], agencies.QuerySelectorAll("[data-agency]").Select(a => a.GetAttribute("data-agency")));
        Assert.Equal(["department", "district"], page.All("#blocks [data-block]").Select(b => b.GetAttribute("data-block")));
        Assert.Equal("chưa xếp hạng — ít hơn 30 phiếu", ResultsPageTests.Figure(agencies.One("[data-agency='A2']"), "not-ranked"));
        Assert.Equal("62,5", ResultsPageTests.Figure(agencies.One("[data-agency='A2']"), "index"));
        Assert.Equal("58,3", ResultsPageTests.Figure(agencies.One("[data-agency='A1']"), "index"));
        Assert.Equal("62,5", ResultsPageTests.Figure(page.One("[data-element='E1']"), "index"));
        Assert.Single(page.All("[data-chart='elements']"));
        Assert.Single(page.All("[data-chart='agencies']"));
        // Overall: the mean of the agencies' indices (58,3 + 62,5) / 2 = 60,4 %, the same figure as the API's.
        Assert.Equal("60,4%", ResultsPageTests.Figure(page.One("#overall"), "index"));
        var api = await client.GetFromJsonAsync<JsonElement>($"/api/public/results?wave={_wave}", Cancel);
        var overallIndex = api.GetProperty("overall").GetProperty("index").GetDouble();
        Assert.Equal(overallIndex.ToString("0.0", System.Globalization.CultureInfo.GetCultureInfo("vi-VN")) + "%",
            ResultsPageTests.Figure(page.One("#overall"), "index"));

        // No personal data and no comments.
        ResultsPageTests.AssertNoPersonalData(page.Source);
        foreach (var comment in ResultsSeed.Comments)
            Assert.DoesNotContain(comment[..12], page.Source, StringComparison.Ordinal);
        Assert.DoesNotContain("Đăng xuất", page.Text, StringComparison.Ordinal);

        // An unpublished (draft) or unknown wave: 404 with the reason beside the wave picker.
        var draft = await ResultsSeed.ScalarAsync<long>(_database.DataSource, "SELECT id FROM waves WHERE status = 'draft'");
        foreach (var wave in new[] { draft.ToString(System.Globalization.CultureInfo.InvariantCulture), "abc" })
        {
            using var response = await client.GetAsync($"/results?wave={wave}", Cancel);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.StartsWith("Không có đợt khảo sát công bố kết quả", (await HtmlPage.ReadAsync(response)).One(".field-error").Text(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task PublicResults_Should_ServeCachedFiguresUntilTheyExpire_When_ResponsesArrive()
    {
        using var client = _host.CreateClient();
        var start = new DateTimeOffset(2026, 4, 3, 9, 0, 0, TimeSpan.FromHours(7));
        async Task<string> A2ResponsesAsync() =>
            ResultsPageTests.Figure((await HtmlPage.GetOkAsync(client, $"/results?wave={_wave}")).One("#agencies [data-agency='A2']"), "responses");
        async Task<int> ApiA2ResponsesAsync() =>
            (await client.GetFromJsonAsync<JsonElement>($"/api/public/results?wave={_wave}", Cancel)).GetProperty("agencies")
            .EnumerateArray().Single(a => a.GetProperty("agencyCode").GetString() == "A2").GetProperty("responses").GetInt32();

        Assert.Equal("2", await A2ResponsesAsync());

        // A response completed now is not counted while the cached figures are younger than 20 s: no query per visitor.
        await ResultsSeed.AddResponseAsync(_database.DataSource, _wave, "A2", "+84912345606", 5, 5, 5, null, start);
        _clock.Advance(TimeSpan.FromSeconds(19));
        Assert.Equal("2", await A2ResponsesAsync());
        Assert.Equal(2, await ApiA2ResponsesAsync());

        // Once they expire the next visitor gets fresh figures (no snapshot yet: the scoring query).
        _clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal("3", await A2ResponsesAsync());
        Assert.Equal(3, await ApiA2ResponsesAsync());

        // The score-refresh job writes a snapshot; while it is fresh (40 s) the page shows it, even over newer answers.
        var job = new ScoreRefreshJob(_database.DataSource, BallotExclusions.Default, NullLogger<ScoreRefreshJob>.Instance);
        Assert.True(await job.RunAsync(Cancel) >= 1);
        await ResultsSeed.AddResponseAsync(_database.DataSource, _wave, "A2", "+84912345607", 1, 1, 1, null, start.AddMinutes(1));
        _clock.Advance(TimeSpan.FromSeconds(21));
        var page = await HtmlPage.GetOkAsync(client, $"/results?wave={_wave}");
        Assert.Equal("3", ResultsPageTests.Figure(page.One("#agencies [data-agency='A2']"), "responses"));
        var computedAt = await ResultsSeed.ScalarAsync<DateTime>(_database.DataSource, "SELECT computed_at FROM score_snapshots WHERE wave_id = $1", _wave);
        Assert.Contains(BotHost.PublicResults.ResultsFormat.Time(new DateTimeOffset(computedAt, TimeSpan.Zero)),
            page.One("#computed-at").Text(), StringComparison.Ordinal);

        // A stale snapshot is not served: the query runs again once the cache expires.
        await ResultsSeed.ExecuteAsync(_database.DataSource, "UPDATE score_snapshots SET computed_at = now() - interval '10 minutes'");
        Assert.Equal("3", await A2ResponsesAsync());
        _clock.Advance(TimeSpan.FromSeconds(21));
        Assert.Equal("4", await A2ResponsesAsync());
    }
}
