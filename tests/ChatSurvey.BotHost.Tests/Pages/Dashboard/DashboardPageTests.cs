using System.Net;
using AngleSharp.Dom;
using ChatSurvey.BotHost.Tests.Admin;
using ChatSurvey.BotHost.Tests.Pages.Waves;

namespace ChatSurvey.BotHost.Tests.Pages.Dashboard;

/// <summary>
/// <c>/admin</c>: the tiles and the table of waves in progress, on waves created and started through the admin API,
/// with sends and responses written as the sender and the bot write them ("today" against two days ago).
/// </summary>
public sealed class DashboardPageTests : IAsyncLifetime
{
    private static readonly TimeSpan TwoDaysAgo = TimeSpan.FromDays(2);
    private AdminApiHost _host = null!;

    public async ValueTask InitializeAsync()
    {
        _host = await AdminApiHost.StartAsync();
        await _host.SeedCatalogueAsync();
        await WavePageData.AddTransactionsAsync(_host.DataSource, "A1", 30, "+849120");
        await WavePageData.AddTransactionsAsync(_host.DataSource, "A2", 30, "+849130");
    }

    public async ValueTask DisposeAsync() => await _host.DisposeAsync();

    private async Task<long> StartedWaveAsync(string name, string agency, int target)
    {
        var (status, body) = await _host.PostAsync("/api/admin/waves", new
        {
            name, questionnaire = "sipas-sms", resultsFrom = "2025-03-01", resultsTo = "2025-03-31",
            agencies = new[] { new { agencyCode = agency, target } }, expectedResponseRate = 0.5, cooldownDays = 0,
        });
        Assert.Equal(HttpStatusCode.Created, status);
        var id = body.GetProperty("id").GetInt64();
        Assert.Equal(HttpStatusCode.OK, (await _host.PostAsync($"/api/admin/waves/{id}/start")).Status);
        return id;
    }

    [Fact]
    public async Task Dashboard_Should_CountTodaysSendsAndResponses_And_ListWavesInProgress()
    {
        var running = await StartedWaveAsync("Đợt đang chạy", "A1", 3);
        var paused = await StartedWaveAsync("Đợt tạm dừng", "A2", 2);
        var cancelled = await StartedWaveAsync("Đợt đã hủy", "A2", 1);
        var draft = await _host.PostAsync("/api/admin/waves", new
        {
            name = "Đợt nháp", questionnaire = "sipas-sms", resultsFrom = "2025-03-01", resultsTo = "2025-03-31",
            agencies = new[] { new { agencyCode = "A1", target = 1 } },
        });
        Assert.Equal(HttpStatusCode.Created, draft.Status);

        // Running: 4 sent today, 1 two days ago; 1 completed and 1 partial today, 1 completed two days ago.
        var today = await WavePageData.MarkSentAsync(_host.DataSource, running, 4, TimeSpan.Zero);
        var old = await WavePageData.MarkSentAsync(_host.DataSource, running, 1, TwoDaysAgo, skip: 4);
        await WavePageData.AddResponseAsync(_host.DataSource, today[0], "completed", TimeSpan.Zero);
        await WavePageData.AddResponseAsync(_host.DataSource, today[1], "partial", TimeSpan.Zero);
        await WavePageData.AddResponseAsync(_host.DataSource, old[0], "completed", TwoDaysAgo);
        // Paused: 2 sent today, 1 completed today.
        var pausedSent = await WavePageData.MarkSentAsync(_host.DataSource, paused, 2, TimeSpan.Zero);
        await WavePageData.AddResponseAsync(_host.DataSource, pausedSent[0], "completed", TimeSpan.Zero);
        Assert.Equal(HttpStatusCode.OK, (await _host.PostAsync($"/api/admin/waves/{paused}/pause")).Status);
        // Cancelled after 1 was sent and answered today: it counts today, not in the waves in progress.
        var cancelledSent = await WavePageData.MarkSentAsync(_host.DataSource, cancelled, 1, TimeSpan.Zero);
        await WavePageData.AddResponseAsync(_host.DataSource, cancelledSent[0], "completed", TimeSpan.Zero);
        Assert.Equal(HttpStatusCode.OK, (await _host.PostAsync($"/api/admin/waves/{cancelled}/cancel")).Status);

        using var admin = await _host.Factory.SignedInClientAsync();
        var (status, html) = await admin.FetchPageAsync("/admin");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("1", Tile(html, "running"));
        Assert.Equal("7", Tile(html, "sent-today"));            // 4 + 2 + 1
        Assert.Equal("4", Tile(html, "responses-today"));       // 2 + 1 + 1 started today
        Assert.Contains("(3 hoàn thành)", html.Text, StringComparison.Ordinal);
        Assert.Equal("57,1 %", Tile(html, "rate"));             // responded 3 + 1 of sent 5 + 2, running and paused only
        Assert.Equal("3", Tile(html, "completed"));             // 2 + 1

        var rows = html.All("tr[data-wave]").Select(r => long.Parse(r.GetAttribute("data-wave")!, System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal([paused, running], rows);                  // newest first; the draft and the cancelled wave are not in progress
        var runningRow = html.One($"tr[data-wave='{running}']");
        var link = runningRow.One($"a[href='/admin/waves/{running}']");
        Assert.Equal("Đợt đang chạy", link.Text());
        Assert.Equal(("2", "3"), Progress(runningRow));
        Assert.Equal(("badge running", "Đang chạy"), (runningRow.One(".badge").ClassName, runningRow.One(".badge").Text()));
        var pausedRow = html.One($"tr[data-wave='{paused}']");
        Assert.Equal(("1", "2"), Progress(pausedRow));
        Assert.Equal(("badge paused", "Tạm dừng"), (pausedRow.One(".badge").ClassName, pausedRow.One(".badge").Text()));
        Assert.NotEmpty(html.All("a[href='/admin/waves/new']"));
        // No phone number reaches the dashboard.
        Assert.DoesNotMatch(@"\+84\d{9}", html.Source);
    }

    [Fact]
    public async Task Dashboard_Should_SendViewersToTheirResults_And_AnonymousToLogin()
    {
        await AdminSignIn.CreateViewerAsync(_host.DataSource, "xem.a2", "mat-khau-nguoi-xem-a2", "A2");
        using var viewer = await _host.Factory.SignedInClientAsync("xem.a2", "mat-khau-nguoi-xem-a2");
        using (var response = await viewer.GetAsync("/admin", TestContext.Current.CancellationToken))
        {
            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            Assert.Equal("/admin/results", response.Headers.Location?.OriginalString);
        }

        using var anonymous = _host.Factory.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        using var redirected = await anonymous.GetAsync("/admin", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Redirect, redirected.StatusCode);
        Assert.StartsWith("/admin/login", redirected.Headers.Location?.PathAndQuery, StringComparison.Ordinal);

        // An empty dashboard says so and offers to create a wave.
        using var admin = await _host.Factory.SignedInClientAsync();
        var (_, html) = await admin.FetchPageAsync("/admin");
        Assert.Equal("0", Tile(html, "running"));
        Assert.Equal("—", Tile(html, "rate"));
        Assert.Contains("Chưa có đợt khảo sát nào đang chạy.", html.Text, StringComparison.Ordinal);
    }

    private static string Tile(HtmlPage page, string key) => page.One($"#tile-{key} .value").Text();

    private static (string? Value, string? Max) Progress(IElement row)
    {
        var bar = row.One("progress");
        return (bar.GetAttribute("value"), bar.GetAttribute("max"));
    }
}
