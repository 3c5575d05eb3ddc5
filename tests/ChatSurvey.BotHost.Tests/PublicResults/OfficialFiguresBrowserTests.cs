using ChatSurvey.Dispatcher.Jobs;
using ChatSurvey.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace ChatSurvey.BotHost.Tests.PublicResults;

/// <summary>
/// A completed wave in a real browser: the public page on a phone shows its frozen official figures (4 valid ballots)
/// and leads to the methodology; the administrators' results page shows the open answers apart, "chưa xác minh";
/// the wave page shows its publication and its final figures. Screenshots for review.
/// </summary>
[Collection(Browser.Collection)]
public sealed class OfficialFiguresBrowserTests
{
    [Fact]
    public async Task CompletedWave_Should_ShowOfficialFiguresPubliclyAndOpenAnswersToAdministrators_When_OpenedInBrowser()
    {
        await using var database = await (await PostgresServer.GetAsync()).CreateDatabaseAsync();
        var (factory, baseUrl) = BotHostFactory.StartOnKestrel(database.ConnectionString,
        [
            new("Storage:SeedDemoData", "false"),
            new("Dispatcher:Enabled", "false"),
            new("WebChat:TokenSigningKey", "official-figures-browser-signing-key-0123456789"),
        ]);
        await using var _ = factory;
        var wave = await OfficialFiguresSeed.SeedAsync(database.DataSource, resultsFrom: "2025-01-01", resultsTo: "2025-03-31");
        Assert.Equal([wave], await ActivatorUtilities.CreateInstance<WaveCompletionJob>(factory.Services).RunAsync(TestContext.Current.CancellationToken));
        await using var browser = await Browser.LaunchAsync();

        // The public page on a 390 px phone: official, frozen, 4 valid ballots, nothing wider than the screen.
        var phone = await browser.NewPageAsync(phone: true);
        await phone.GotoAsync(baseUrl + "/results");
        await Assertions.Expect(phone.Locator("#figures-kind")).ToHaveTextAsync("Kết quả chính thức");
        await Assertions.Expect(phone.Locator("#overall [data-figure=responses]")).ToHaveTextAsync("4");
        await Assertions.Expect(phone.Locator("#overall [data-figure=index]")).ToHaveTextAsync("100,0%");
        await Assertions.Expect(phone.Locator("#computed-at")).ToContainTextAsync("chốt lúc");
        await Assertions.Expect(phone.Locator("select[name=wave] option")).ToHaveCountAsync(1);
        await Assertions.Expect(phone.Locator("body")).Not.ToContainTextAsync(OfficialFiguresSeed.OpenComment);
        Assert.True(await phone.EvaluateAsync<bool>("document.documentElement.scrollWidth <= window.innerWidth"),
            $"The page scrolls sideways: {await phone.EvaluateAsync<int>("document.documentElement.scrollWidth")} px wide.");
        await Browser.ScreenshotAsync(phone, "public-results-final");

        // Its "Cách tính" link opens the methodology.
        await phone.Locator("#methodology-link").ClickAsync();
        await phone.WaitForURLAsync(url => url.EndsWith("/cach-tinh", StringComparison.Ordinal));
        await Assertions.Expect(phone.GetByRole(AriaRole.Heading, new() { Name = "Official figures" })).ToBeVisibleAsync();
        await Assertions.Expect(phone.Locator("#methodology-text")).ToContainTextAsync("Partial ballots are not counted anywhere in official figures");
        Assert.True(await phone.EvaluateAsync<bool>("document.documentElement.scrollWidth <= window.innerWidth"),
            "The methodology page scrolls sideways.");
        await Browser.ScreenshotAsync(phone, "methodology");

        // The administrators' results page: the official tiles, and the 3 open ballots apart.
        var admin = await browser.SignedInPageAsync(baseUrl);
        await admin.GotoAsync($"{baseUrl}/admin/results?wave={wave}");
        await Assertions.Expect(admin.Locator("#figures-kind")).ToHaveTextAsync("Kết quả chính thức");
        await Assertions.Expect(admin.Locator("#overall [data-figure=responses]")).ToHaveTextAsync("4");
        var open = admin.Locator("#open-answers");
        await Assertions.Expect(open).ToBeVisibleAsync();
        await Assertions.Expect(open.Locator("h3")).ToContainTextAsync("chưa xác minh");
        await Assertions.Expect(open.Locator("[data-figure=open-responses]")).ToHaveTextAsync("3");
        await Assertions.Expect(open.Locator("#open-comments")).ToContainTextAsync(OfficialFiguresSeed.OpenComment);
        await Assertions.Expect(admin.Locator("#agencies tbody tr")).ToHaveCountAsync(1);
        await open.ScrollIntoViewIfNeededAsync();
        await Browser.ScreenshotAsync(admin, "results-open-answers");

        // The wave page: published, completed, its final figures with their checksum.
        await admin.GotoAsync($"{baseUrl}/admin/waves/{wave}");
        await Assertions.Expect(admin.Locator("#published-state")).ToHaveTextAsync("Đã công bố");
        await Assertions.Expect(admin.Locator("#final-state")).ToContainTextAsync("Kết quả chính thức đã chốt");
        await Assertions.Expect(admin.Locator("#unpublish-wave")).ToBeVisibleAsync();
        await Browser.ScreenshotAsync(admin, "wave-final");
    }
}
