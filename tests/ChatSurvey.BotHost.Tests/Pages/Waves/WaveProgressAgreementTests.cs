using System.Globalization;
using System.Net;
using ChatSurvey.BotHost.Tests.Admin;

namespace ChatSurvey.BotHost.Tests.Pages.Waves;

/// <summary>
/// A wave's progress is counted once (the <c>wave_agency_progress</c> view): <c>GET /api/admin/waves/{id}</c>, its
/// <c>/agencies</c>, the wave page's tiles and agency table, the wave list and the dashboard show the same numbers, on
/// a started wave whose invitations are in every state.
/// </summary>
public sealed class WaveProgressAgreementTests : IAsyncLifetime
{
    private static readonly CultureInfo Culture = CultureInfo.InvariantCulture;
    private AdminApiHost _host = null!;
    private HttpClient _admin = null!;

    public async ValueTask InitializeAsync()
    {
        _host = await AdminApiHost.StartAsync();
        await _host.SeedCatalogueAsync();
        await WavePageData.AddTransactionsAsync(_host.DataSource, "A1", 30, "+849120");
        await WavePageData.AddTransactionsAsync(_host.DataSource, "A2", 30, "+849130");
        _admin = await _host.Factory.SignedInClientAsync();
    }

    public async ValueTask DisposeAsync()
    {
        _admin.Dispose();
        await _host.DisposeAsync();
    }

    [Fact]
    public async Task Progress_Should_BeTheSameInTheApiAndOnThePages_When_InvitationsAreInEveryState()
    {
        var (created, body) = await _host.PostAsync("/api/admin/waves", new
        {
            name = "Đợt đối chiếu", questionnaire = "sipas-sms", resultsFrom = "2025-03-01", resultsTo = "2025-03-31",
            agencies = new[] { new { agencyCode = "A1", target = 3 }, new { agencyCode = "A2", target = 2 } },
            expectedResponseRate = 0.5, seed = 11, cooldownDays = 0,
        });
        Assert.Equal(HttpStatusCode.Created, created);
        var id = body.GetProperty("id").GetInt64();
        Assert.Equal(HttpStatusCode.OK, (await _host.PostAsync($"/api/admin/waves/{id}/start")).Status);

        // 10 planned (6 + 4); 7 sent, of which 2 delivered, 1 failed, 1 expired; 1 more opted out before sending; 1 phone
        // that was sent to opted out afterwards; 3 responses, 2 completed.
        var sent = await WavePageData.MarkSentAsync(_host.DataSource, id, 7, TimeSpan.Zero);
        await _host.ExecuteAsync("UPDATE invitations SET status = 'delivered', delivered_at = now() WHERE id = ANY ($1)", new[] { sent[0], sent[1] });
        await _host.ExecuteAsync("UPDATE invitations SET status = 'failed', error_code = '30003' WHERE id = $1", sent[2]);
        await _host.ExecuteAsync("UPDATE invitations SET status = 'expired' WHERE id = $1", sent[3]);
        await _host.ExecuteAsync(
            "UPDATE invitations SET status = 'opted_out' WHERE id = (SELECT id FROM invitations WHERE wave_id = $1 AND status = 'planned' ORDER BY id LIMIT 1)", id);
        await _host.ExecuteAsync("INSERT INTO opt_outs (phone, source) SELECT phone, 'keyword' FROM invitations WHERE id = $1", sent[4]);
        await WavePageData.AddResponseAsync(_host.DataSource, sent[0], "completed", TimeSpan.Zero);
        await WavePageData.AddResponseAsync(_host.DataSource, sent[1], "completed", TimeSpan.Zero);
        await WavePageData.AddResponseAsync(_host.DataSource, sent[5], "partial", TimeSpan.Zero);

        var (_, progress) = await _host.GetAsync($"/api/admin/waves/{id}");
        var expected = new Dictionary<string, long>
        {
            ["planned"] = 10, ["sent"] = 7, ["delivered"] = 2, ["failed"] = 1, ["responded"] = 3, ["completed"] = 2,
            ["optedOut"] = 2, ["expired"] = 1,
        };
        Assert.Equal(expected, expected.Keys.ToDictionary(k => k, k => progress.GetProperty(k).GetInt64()));

        // The wave page's tiles.
        var (_, page) = await _admin.FetchPageAsync($"/admin/waves/{id}");
        Assert.Equal(expected, expected.Keys.ToDictionary(k => k, k => long.Parse(WavePageData.Text(page, $"[data-count='{k}']"), Culture)));

        // Each agency's row: the JSON the page polls, the page's table, and their sum is the wave's.
        var (_, agencies) = await _host.GetAsync($"/api/admin/waves/{id}/agencies");
        string[] columns = ["planned", "sent", "responded", "completed"];
        foreach (var agency in agencies.EnumerateArray())
        {
            var code = agency.GetProperty("agencyCode").GetString()!;
            foreach (var column in columns)
                Assert.Equal(agency.GetProperty(column).GetInt64(), long.Parse(WavePageData.Cell(page, code, column), Culture));
        }

        Assert.Equal(
            columns.ToDictionary(c => c, c => expected[c]),
            columns.ToDictionary(c => c, c => agencies.EnumerateArray().Sum(a => a.GetProperty(c).GetInt64())));
        Assert.Equal(6L, agencies.EnumerateArray().Single(a => a.GetProperty("agencyCode").GetString() == "A1").GetProperty("planned").GetInt64());

        // The wave list and the dashboard's table of waves in progress.
        var (_, list) = await _admin.FetchPageAsync("/admin/waves");
        foreach (var column in new[] { "planned", "sent", "completed" })
            Assert.Equal(expected[column], WaveRowCount(list, id, column));
        var (_, dashboard) = await _admin.FetchPageAsync("/admin");
        foreach (var column in new[] { "sent", "completed" })
            Assert.Equal(expected[column], WaveRowCount(dashboard, id, column));
    }

    private static long WaveRowCount(HtmlPage page, long waveId, string column) =>
        long.Parse(WavePageData.Text(page.One($"tr[data-wave='{waveId}']"), $"[data-count='{column}']"), NumberStyles.AllowThousands, Culture);
}
