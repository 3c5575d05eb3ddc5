using ChatSurvey.TestSupport;
using Microsoft.Playwright;

namespace ChatSurvey.BotHost.Tests.Pages.Results;

/// <summary>The results pages in a real browser: charts drawn, the public page fits a phone, screenshots for review.</summary>
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

        // Public page on a 390 px phone: both charts drawn, nothing wider than the screen.
        var phone = await browser.NewPageAsync(phone: true);
        await phone.GotoAsync(baseUrl + "/results");
        await AssertChartsDrawnAsync(phone, 2);
        Assert.True(await phone.EvaluateAsync<bool>("document.documentElement.scrollWidth <= window.innerWidth"),
            $"The page scrolls sideways: {await phone.EvaluateAsync<int>("document.documentElement.scrollWidth")} px wide.");
        await Assertions.Expect(phone.Locator("#agencies tbody tr").First).ToContainTextAsync(ResultsSeed.AgencyA2Name);
        await Browser.ScreenshotAsync(phone, "public-results");

        // Admin results, signed in on a laptop: agency ranking and element charts, figures, comments, export links.
        var admin = await browser.SignedInPageAsync(baseUrl);
        await admin.GotoAsync($"{baseUrl}/admin/results?wave={wave}");
        await AssertChartsDrawnAsync(admin, 2);
        await Assertions.Expect(admin.Locator("#overall [data-figure=index]")).ToContainTextAsync("60,4%");
        await Assertions.Expect(admin.Locator("#comments tbody tr")).ToHaveCountAsync(3);

        // Choosing an agency in the form narrows the figures to it.
        await admin.Locator("select[name=agency]").SelectOptionAsync("A1");
        await admin.GetByRole(AriaRole.Button, new() { Name = "Xem kết quả" }).ClickAsync();
        await Assertions.Expect(admin.Locator("#line-title")).ToContainTextAsync(ResultsSeed.AgencyA1Name);
        await Assertions.Expect(admin.Locator("#overall [data-figure=index]")).ToContainTextAsync("58,3%");
        await AssertChartsDrawnAsync(admin, 2);
        var download = await admin.RunAndWaitForDownloadAsync(() => admin.GetByRole(AriaRole.Button, new() { Name = "Excel (XLSX)" }).ClickAsync());
        Assert.EndsWith(".xlsx", download.SuggestedFilename, StringComparison.Ordinal);
        Assert.Contains($"dot-{wave}-A1-", download.SuggestedFilename, StringComparison.Ordinal);
        await Browser.ScreenshotAsync(admin, "results");
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
