using System.Globalization;
using System.Net.Http.Json;
using System.Text.Json;
using ChatSurvey.BotHost.PublicResults;
using ChatSurvey.BotHost.Tests.PublicResults;
using ChatSurvey.TestSupport;
using Microsoft.Playwright;

namespace ChatSurvey.BotHost.Tests.Pages.Results;

/// <summary>
/// The results pages in a real browser: charts drawn, the public page fits a phone and shows the blocks and the ranks
/// within them as the API gives them, screenshots for review.
/// </summary>
[Collection(Browser.Collection)]
public sealed class ResultsBrowserTests
{
    [Fact]
    public async Task ResultsPages_Should_DrawChartsAndFitPhone_When_OpenedInBrowser()
    {
        await using var database = await (await PostgresServer.GetAsync()).CreateDatabaseAsync();
        var (factory, baseUrl) = BotHostFactory.StartOnKestrel(database.ConnectionString,
        [
            new("Storage:SeedDemoData", "false"),
            new("Dispatcher:Enabled", "false"),
            new("WebChat:TokenSigningKey", "results-browser-tests-signing-key-0123456789"),
        ]);
        await using var _ = factory;
        var wave = await ResultsSeed.SeedAsync(database.DataSource);
        await using var browser = await Browser.LaunchAsync();

        // Public page on a 390 px phone: the element, block and agency charts drawn, nothing wider than the screen.
        var phone = await browser.NewPageAsync(phone: true);
        await phone.GotoAsync(baseUrl + "/results");
        await AssertChartsDrawnAsync(phone, 3);
        Assert.True(await phone.EvaluateAsync<bool>("document.documentElement.scrollWidth <= window.innerWidth"),
            $"The page scrolls sideways: {await phone.EvaluateAsync<int>("document.documentElement.scrollWidth")} px wide.");
        // Block by block: A1 (a department) first, A2 (an abolished district) in a block of its own.
        await Assertions.Expect(phone.Locator("#agencies tbody tr").First).ToContainTextAsync(ResultsSeed.AgencyA1Name);
        await Assertions.Expect(phone.Locator("[data-block-agencies='district'] tbody tr").First).ToContainTextAsync(ResultsSeed.AgencyA2Name);
        await Browser.ScreenshotAsync(phone, "public-results");

        // Admin results, signed in on a laptop: agency ranking and element charts, figures, comments, export links.
        var admin = await browser.SignedInPageAsync(baseUrl);
        await admin.GotoAsync($"{baseUrl}/admin/results?wave={wave}");
        await AssertChartsDrawnAsync(admin, 3);
        await Assertions.Expect(admin.Locator("#overall [data-figure=index]")).ToContainTextAsync("60,4%");
        await Assertions.Expect(admin.Locator("#comments tbody tr")).ToHaveCountAsync(3);

        // Choosing an agency in the form narrows the figures to it.
        await admin.Locator("select[name=agency]").SelectOptionAsync("A1");
        await admin.GetByRole(AriaRole.Button, new() { Name = "Xem kết quả" }).ClickAsync();
        await Assertions.Expect(admin.Locator("#line-title")).ToContainTextAsync(ResultsSeed.AgencyA1Name);
        await Assertions.Expect(admin.Locator("#overall [data-figure=index]")).ToContainTextAsync("58,3%");
        await AssertChartsDrawnAsync(admin, 3);
        var download = await admin.RunAndWaitForDownloadAsync(() => admin.GetByRole(AriaRole.Button, new() { Name = "Excel (XLSX)" }).ClickAsync());
        Assert.EndsWith(".xlsx", download.SuggestedFilename, StringComparison.Ordinal);
        Assert.Contains($"dot-{wave}-A1-", download.SuggestedFilename, StringComparison.Ordinal);
        await Browser.ScreenshotAsync(admin, "results");
    }

    [Fact]
    public async Task PublicResults_Should_ShowBlocksAndRanksWithinBlockAsTheApi_When_OpenedOnPhone()
    {
        await using var database = await (await PostgresServer.GetAsync()).CreateDatabaseAsync();
        var (factory, baseUrl) = BotHostFactory.StartOnKestrel(database.ConnectionString,
        [
            new("Storage:SeedDemoData", "false"),
            new("Dispatcher:Enabled", "false"),
            new("WebChat:TokenSigningKey", "results-blocks-browser-signing-key-0123456789"),
            new("Scoring:MinimumBallots", BlocksSeed.MinimumBallots.ToString(CultureInfo.InvariantCulture)),
        ]);
        await using var _ = factory;
        var wave = await BlocksSeed.SeedAsync(database.DataSource);
        using var http = new HttpClient { BaseAddress = new Uri(baseUrl) };
        var api = await http.GetFromJsonAsync<JsonElement>($"/api/public/results?wave={wave}", TestContext.Current.CancellationToken);
        await using var browser = await Browser.LaunchAsync();

        var phone = await browser.NewPageAsync(phone: true);
        await phone.GotoAsync($"{baseUrl}/results?wave={wave}");
        await AssertChartsDrawnAsync(phone, 3);

        // Every block of the API, with its index, interval and ballots, visible on the phone.
        var blocks = api.GetProperty("blocks").EnumerateArray().ToList();
        await Assertions.Expect(phone.Locator("#blocks [data-block]")).ToHaveCountAsync(blocks.Count);
        foreach (var block in blocks)
        {
            var row = phone.Locator($"#blocks [data-block='{block.GetProperty("block").GetString()}']");
            await Assertions.Expect(row).ToBeVisibleAsync();
            await Assertions.Expect(row.Locator("[data-figure=index]")).ToHaveTextAsync(ResultsFormat.Percent(block.GetProperty("index").GetDouble()));
            await Assertions.Expect(row.Locator("[data-figure=ci]")).ToBeVisibleAsync();
            await Assertions.Expect(row.Locator("[data-figure=ci]")).ToHaveTextAsync(
                ResultsFormat.Interval(block.GetProperty("ciLow").GetDouble(), block.GetProperty("ciHigh").GetDouble()));
            await Assertions.Expect(row.Locator("[data-figure=ballots]")).ToHaveTextAsync(ResultsFormat.Count(block.GetProperty("ballots").GetInt32()));
        }

        // Each block lists its agencies as the API ranks them: ranked ones in rank order, the unranked one last, saying why.
        foreach (var group in api.GetProperty("agencies").EnumerateArray().GroupBy(a => a.GetProperty("block").GetString()!))
        {
            var expected = group
                .Select(a => (Code: a.GetProperty("agencyCode").GetString()!, Rank: a.GetProperty("blockRank") is { ValueKind: JsonValueKind.Number } r ? r.GetInt32() : (int?)null))
                .OrderBy(a => a.Rank ?? int.MaxValue)
                .ToList();
            var listed = phone.Locator($"[data-block-agencies='{group.Key}'] [data-agency]");
            await Assertions.Expect(listed).ToHaveCountAsync(expected.Count);
            for (var i = 0; i < expected.Count; i++)
            {
                var row = listed.Nth(i);
                await Assertions.Expect(row).ToBeVisibleAsync();
                await Assertions.Expect(row).ToHaveAttributeAsync("data-agency", expected[i].Code);
                await Assertions.Expect(row).ToHaveAttributeAsync("data-rank", expected[i].Rank?.ToString(CultureInfo.InvariantCulture) ?? "");
                await Assertions.Expect(row.Locator("[data-figure=rank]")).ToHaveTextAsync(expected[i].Rank?.ToString(CultureInfo.InvariantCulture) ?? "—");
            }
        }

        await Assertions.Expect(phone.Locator($"[data-agency='{BlocksSeed.W3}'] [data-figure=not-ranked]")).ToHaveTextAsync("chưa xếp hạng — ít hơn 3 phiếu");
        await Assertions.Expect(phone.Locator("#improvements .improvements-table [data-improvement='E1'] [data-figure=share]")).ToHaveTextAsync("42,9");
        await Assertions.Expect(phone.Locator("#open-data-results")).ToHaveAttributeAsync("href", $"/api/public/waves/{wave}/results.csv");
        Assert.True(await phone.EvaluateAsync<bool>("document.documentElement.scrollWidth <= window.innerWidth"),
            $"The page scrolls sideways: {await phone.EvaluateAsync<int>("document.documentElement.scrollWidth")} px wide.");
        await Browser.ScreenshotAsync(phone, "public-results-blocks");
    }

    private static async Task AssertChartsDrawnAsync(IPage page, int expected)
    {
        var canvases = page.Locator(".chart-box canvas");
        await Assertions.Expect(canvases).ToHaveCountAsync(expected);
        for (var i = 0; i < expected; i++)
        {
            // Chart.js sizes the canvas once it has drawn; a missing script or data leaves it 0×0 (or hidden).
            await page.WaitForFunctionAsync(
                "i => { const c = document.querySelectorAll('.chart-box canvas')[i]; return !!c && !!Chart.getChart(c) && c.width > 0 && c.height > 0; }", i);
            var box = await canvases.Nth(i).BoundingBoxAsync();
            Assert.True(box is { Width: > 0, Height: > 0 }, $"Chart {i} has no size.");
        }
    }
}
