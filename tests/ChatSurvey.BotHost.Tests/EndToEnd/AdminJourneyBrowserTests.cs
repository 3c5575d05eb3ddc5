using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using ChatSurvey.Dispatcher.Jobs;
using ChatSurvey.TestSupport;
using Microsoft.Extensions.Time.Testing;
using Microsoft.Playwright;
using MiniExcelLibs;

namespace ChatSurvey.BotHost.Tests.EndToEnd;

/// <summary>
/// An administrator runs a whole wave in the browser, on real Kestrel with the Hangfire server and the SMS simulator:
/// signs in, imports a CSV, creates and starts a wave, answers one invitation as the citizen in the simulator, watches
/// the wave's progress and the results change, exports XLSX and reads it back, and sees the response published.
/// The host's clock is fixed at <see cref="Now"/> (moved by the test only), so every date here is written out.
/// </summary>
[Collection(Browser.Collection)]
public sealed class AdminJourneyBrowserTests : IAsyncLifetime
{
    private const string Comment = "Cán bộ hướng dẫn tận tình";

    /// <summary>20 November 2025, 10:00 in Hai Phong: the wave form's default period is then October 2025.</summary>
    private static readonly DateTimeOffset Now = new(2025, 11, 20, 10, 0, 0, TimeSpan.FromHours(7));

    private readonly FakeTimeProvider _clock = new(Now.ToUniversalTime()); // UTC, as TimeProvider.System gives it
    private TestDatabase _database = null!;
    private BotHostFactory _factory = null!;
    private string _baseUrl = "";

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _database = await (await PostgresServer.GetAsync()).CreateDatabaseAsync();
        (_factory, _baseUrl) = BotHostFactory.StartOnKestrel(_database.ConnectionString,
        [
            new("WebChat:TokenSigningKey", "admin-journey-signing-key-0123456789abcdef"),
            new("Dispatcher:QueuePollInterval", "00:00:01"),
            new("Sms:Provider", "Simulator"),
        ], _clock);
    }

    public async ValueTask DisposeAsync()
    {
        await _factory.DisposeAsync();
        await _database.DisposeAsync();
    }

    [Fact]
    public async Task Administrator_Should_RunAWaveFromImportToExport_When_UsingTheBrowserOnly()
    {
        await using var browser = await Browser.LaunchAsync();
        var page = await browser.SignedInPageAsync(_baseUrl);
        page.SetDefaultTimeout(30_000);

        // 1. Import last month's completed procedures: 6 per agency for two departments, and one bad row.
        await page.GotoAsync(_baseUrl + "/admin/imports");
        await page.Locator("input[name=Upload]").SetInputFilesAsync(new FilePayload
        {
            Name = "giao-dich-thang-11.csv",
            MimeType = "text/csv",
            Buffer = Encoding.UTF8.GetBytes(TransactionsCsv()),
        });
        await page.GetByRole(AriaRole.Button, new() { Name = "Tải lên và nhập" }).ClickAsync();
        try
        {
            await Assertions.Expect(page.Locator("#import-status")).ToHaveTextAsync("Hoàn tất", new() { Timeout = 60_000 });
        }
        catch (PlaywrightException e)
        {
            // Say what Hangfire did with the job, not only that the page waited.
            var jobs = await ScalarAsync<string>("SELECT coalesce(string_agg(id || ':' || coalesce(statename, '-') || ':' || left(invocationdata::text, 80), ' | '), 'none') FROM hangfire.job");
            var queue = await ScalarAsync<string>("SELECT coalesce(string_agg(jobid || '@' || queue || ':' || coalesce(fetchedat::text, '-'), ' | '), 'none') FROM hangfire.jobqueue");
            var states = await ScalarAsync<string>("SELECT coalesce(string_agg(jobid || ':' || name || ':' || left(data::text, 600), ' | '), 'none') FROM hangfire.state WHERE name IN ('Failed', 'Scheduled')");
            throw new InvalidOperationException($"Import not done. jobs: {jobs}; queue: {queue}; states: {states}", e);
        }
        await Assertions.Expect(page.Locator("#accepted")).ToHaveTextAsync("12");
        await Assertions.Expect(page.Locator("#rejected")).ToHaveTextAsync("1");
        Assert.Equal(12L, await ScalarAsync<long>("SELECT count(*) FROM transactions"));

        // 2. Create the wave on the form: the period's counts, a target of 2 per agency, every invitation needed (100%).
        await page.GotoAsync(_baseUrl + "/admin/waves/new");
        await page.Locator("input[name=Name]").FillAsync("Khảo sát thử tháng 11");
        await page.Locator("select[name=Questionnaire]").SelectOptionAsync("sipas-sms");
        // Each date change reloads the counts (start waiting before the change, so a fast navigation cannot slip past).
        // The form opens on October 2025; the end first, as it moves past the default start.
        await Assertions.Expect(page.Locator("input[name=ResultsFrom]")).ToHaveValueAsync("2025-10-01");
        await Assertions.Expect(page.Locator("input[name=ResultsTo]")).ToHaveValueAsync("2025-10-31");
        const string to = "2025-11-20";
        const string from = "2025-10-21";
        var reloaded = page.WaitForURLAsync(new Regex("ResultsTo=" + to));
        await page.Locator("input[name=ResultsTo]").FillAsync(to);
        await reloaded;
        reloaded = page.WaitForURLAsync(new Regex($"ResultsFrom={from}.*ResultsTo={to}"));
        await page.Locator("input[name=ResultsFrom]").FillAsync(from);
        await reloaded;
        await Assertions.Expect(page.Locator("#total-population")).ToHaveTextAsync("12");
        await page.Locator("input[name=ResponseRate]").FillAsync("100");
        await page.Locator("input[name=WindowStart]").FillAsync("00:00");
        await page.Locator("input[name=WindowEnd]").FillAsync("23:59");
        await page.GetByLabel("Chỉ tiêu của Sở Tư pháp").FillAsync("2");
        await page.GetByLabel("Chỉ tiêu của Sở Nội vụ").FillAsync("2");
        await page.Locator("#create-wave").ClickAsync();
        await page.WaitForURLAsync(new Regex(@"/admin/waves/\d+$"));
        var waveId = long.Parse(page.Url[(page.Url.LastIndexOf('/') + 1)..], CultureInfo.InvariantCulture);

        // 3. Start it: four invitations planned a tenth of a second apart (Sms:MessagesPerSecond 10) from now. Starting
        //    queues a dispatch on the Hangfire server, which sends the one already due while the page watches; the
        //    others are due once the clock moves on, and the send job the test then runs sends them.
        await page.Locator("#start-wave").ClickAsync();
        await Assertions.Expect(page.Locator("[data-count=planned]")).ToHaveTextAsync("4");
        await Assertions.Expect(page.Locator("[data-count=sent]")).ToHaveTextAsync("1", new() { Timeout = 60_000 });
        Assert.Equal(
            ["2025-11-20 03:00:00.000", "2025-11-20 03:00:00.100", "2025-11-20 03:00:00.200", "2025-11-20 03:00:00.300"],
            await PlannedTimesAsync(waveId));
        _clock.Advance(TimeSpan.FromSeconds(1));
        await _factory.Job<SendDueJob>().SendAsync(Cancel);
        await Assertions.Expect(page.Locator("[data-count=sent]")).ToHaveTextAsync("4", new() { Timeout = 60_000 });
        await Assertions.Expect(page.Locator("[data-count=completed]")).ToHaveTextAsync("0");

        // 4. The results have no completed response yet.
        await page.GotoAsync($"{_baseUrl}/admin/results?wave={waveId}&agency=HP-STP");
        await Assertions.Expect(page.Locator("body")).Not.ToContainTextAsync(Comment);
        var before = await CompletedTileAsync(page);

        // 5. Answer one Sở Tư pháp invitation as the citizen in the simulator: six ratings and a comment.
        var phone = await ScalarAsync<string>(
            $"SELECT i.phone FROM invitations i JOIN agencies a ON a.id = i.agency_id WHERE i.wave_id = {waveId} AND a.code = 'HP-STP' ORDER BY i.id LIMIT 1");
        var outboxId = await ScalarAsync<long>($"SELECT max(id) FROM sms_outbox WHERE to_phone = '{phone}'");
        await page.GotoAsync($"{_baseUrl}/admin/simulator?m={outboxId}");
        foreach (var reply in new[] { "5", "4", "5", "4", "5", "5", Comment })
        {
            _clock.Advance(TimeSpan.FromSeconds(10)); // a person's pace: a ballot under 2 s per answer is a speeder
            var botLines = await page.Locator("#conversation-lines .msg.out").CountAsync();
            await page.Locator("#reply-form textarea[name=Body]").FillAsync(reply);
            await page.Locator("#reply-form").GetByRole(AriaRole.Button, new() { Name = "Gửi" }).ClickAsync();
            await Assertions.Expect(page.Locator("#conversation-lines .msg.out")).Not.ToHaveCountAsync(botLines);
        }

        await Assertions.Expect(page.Locator("#conversation-lines .msg.out").Last).ToContainTextAsync("Cam on");
        await Browser.ScreenshotAsync(page, "journey-simulator");

        // 6. The wave page shows the completed response without a reload; the results count it.
        await page.GotoAsync($"{_baseUrl}/admin/waves/{waveId}");
        await Assertions.Expect(page.Locator("[data-count=completed]")).ToHaveTextAsync("1", new() { Timeout = 30_000 });
        await page.GotoAsync($"{_baseUrl}/admin/results?wave={waveId}&agency=HP-STP");
        await Assertions.Expect(page.Locator("body")).ToContainTextAsync(Comment);
        Assert.Equal("0", before);
        Assert.Equal("1", await CompletedTileAsync(page));
        await Browser.ScreenshotAsync(page, "journey-results");

        // 7. Export XLSX and read it back: the overall row of Sở Tư pháp counts the response (ratings 4–5: 100%).
        var download = await page.RunAndWaitForDownloadAsync(
            () => page.GetByRole(AriaRole.Button, new() { Name = "Excel (XLSX)" }).ClickAsync());
        var file = await download.PathAsync();
        Assert.EndsWith(".xlsx", download.SuggestedFilename, StringComparison.Ordinal);
        var figures = MiniExcel.Query(file, useHeaderRow: true, sheetName: "Chỉ số", excelType: ExcelType.XLSX).Cast<IDictionary<string, object?>>().ToList();
        var overall = Assert.Single(figures, row => (string?)row["Mã đơn vị"] == "HP-STP" && (string?)row["Cấp"] == "overall");
        Assert.Equal(1, Convert.ToInt32(overall["Phiếu hoàn thành"], CultureInfo.InvariantCulture));
        Assert.Equal(100, Convert.ToDouble(overall["Chỉ số (%)"], CultureInfo.InvariantCulture), 3);
        var comments = MiniExcel.Query(file, useHeaderRow: true, sheetName: "Ý kiến", excelType: ExcelType.XLSX).Cast<IDictionary<string, object?>>().ToList();
        Assert.Contains(comments, row => (string?)row["Ý kiến"] == Comment);

        // 8. The public page publishes the agency's index, and nothing personal. It serves the minutely score-refresh
        //    snapshot (a response shows within a minute); test hosts have no schedule: run the job now.
        //    The public sees the wave only once the administrator publishes it on the wave page.
        await _factory.Job<ScoreRefreshJob>().RunAsync(Cancel);
        await page.GotoAsync($"{_baseUrl}/admin/waves/{waveId}");
        await page.Locator("#publish-wave").ClickAsync();
        await Assertions.Expect(page.Locator("#published-state")).ToHaveTextAsync("Đã công bố");
        var visitor = await browser.NewPageAsync(phone: true);
        await visitor.GotoAsync($"{_baseUrl}/results?wave={waveId}");
        await Assertions.Expect(visitor.Locator("body")).ToContainTextAsync("Sở Tư pháp");
        var publicText = await visitor.Locator("body").InnerTextAsync();
        Assert.DoesNotContain(phone[^6..], publicText, StringComparison.Ordinal);
        Assert.DoesNotContain(Comment, publicText, StringComparison.Ordinal);
    }

    /// <summary>The value of the results page's "Phiếu hợp lệ" tile (valid ballots).</summary>
    private static async Task<string> CompletedTileAsync(IPage page)
    {
        var tile = page.Locator(".stat", new() { Has = page.Locator(".label", new() { HasText = "Phiếu hợp lệ" }) });
        return await tile.CountAsync() == 0 ? "0" : (await tile.First.Locator(".value").InnerTextAsync()).Trim();
    }

    /// <summary>Six procedures per agency completed 13–18 November 2025, and one row with a bad phone.</summary>
    private static string TransactionsCsv()
    {
        var csv = new StringBuilder("dossier_code,agency_code,procedure_code,phone,result_date,applicant_name\n");
        var n = 0;
        foreach (var (agency, procedure) in new[] { ("HP-STP", "DEMO-LLTP"), ("HP-SNV", "DEMO-CTHS") })
        {
            for (var i = 0; i < 6; i++, n++)
                csv.Append(CultureInfo.InvariantCulture, $"HS-{agency}-{i:000},{agency},{procedure},09121{n:00000},2025-11-{18 - i},Nguyễn Văn {n}\n");
        }

        csv.Append("HS-BAD-1,HP-STP,DEMO-LLTP,12345,2025-11-17,Số sai\n");
        return csv.ToString();
    }

    /// <summary>The wave's planned send times, UTC, in order.</summary>
    private async Task<List<string>> PlannedTimesAsync(long waveId)
    {
        await using var command = _database.DataSource.CreateCommand(
            "SELECT to_char(planned_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.MS') FROM invitations WHERE wave_id = $1 ORDER BY planned_at");
        command.Parameters.AddWithValue(waveId);
        await using var reader = await command.ExecuteReaderAsync(Cancel);
        var times = new List<string>();
        while (await reader.ReadAsync(Cancel))
            times.Add(reader.GetString(0));
        return times;
    }

    private async Task<T> ScalarAsync<T>(string sql)
    {
        await using var command = _database.DataSource.CreateCommand(sql);
        return (T)(await command.ExecuteScalarAsync(Cancel))!;
    }
}
