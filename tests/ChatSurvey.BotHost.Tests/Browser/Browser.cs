using Microsoft.Playwright;

namespace ChatSurvey.BotHost.Tests;

/// <summary>
/// Headless Debian Chromium driven by Playwright (no browser download works here): one per test, disposed with it.
/// </summary>
internal sealed class Browser : IAsyncDisposable
{
    /// <summary>
    /// The browser tests' collection: they run one at a time, so two Chromiums and their hosts do not starve each other
    /// (and the other test processes) on a two-core machine.
    /// </summary>
    public const string Collection = "Browser";

    public static readonly string ChromiumPath = Environment.GetEnvironmentVariable("CHROMIUM_PATH") ?? "/usr/bin/chromium";

    private readonly IPlaywright _playwright;
    private readonly IBrowser _browser;

    private Browser(IPlaywright playwright, IBrowser browser)
    {
        _playwright = playwright;
        _browser = browser;
    }

    /// <summary>Where screenshots go: <c>SCREENSHOTS_DIR</c>, else <c>screenshots/</c> beside the test assembly.</summary>
    public static string ScreenshotDirectory =>
        Environment.GetEnvironmentVariable("SCREENSHOTS_DIR") ?? Path.Combine(AppContext.BaseDirectory, "screenshots");

    /// <summary>Launches Chromium; <paramref name="extraArgs"/> add switches (a fake camera, for instance).</summary>
    public static async Task<Browser> LaunchAsync(params string[] extraArgs)
    {
        Assert.True(File.Exists(ChromiumPath), $"Chromium is needed at {ChromiumPath} (apt-get install -y chromium, or set CHROMIUM_PATH).");
        // Expect(...) waits 5 s by default; the suite shares two cores between test hosts and browsers.
        Assertions.SetDefaultExpectTimeout(30_000);
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                "--disable-component-update", "--no-first-run", .. extraArgs],
        });
        return new Browser(playwright, browser);
    }

    /// <summary>A fresh page (own cookies) at a laptop-sized viewport, or a phone-sized one.</summary>
    public async Task<IPage> NewPageAsync(bool phone = false)
    {
        var context = await _browser.NewContextAsync(new BrowserNewContextOptions
        {
            Locale = "vi-VN",
            AcceptDownloads = true,
            ViewportSize = phone ? new ViewportSize { Width = 390, Height = 844 } : new ViewportSize { Width = 1366, Height = 900 },
        });
        context.SetDefaultTimeout(30_000);
        return await context.NewPageAsync();
    }

    /// <summary>A new page signed in through the login form.</summary>
    public async Task<IPage> SignedInPageAsync(string baseUrl, string userName = BotHostFactory.AdminUser, string password = BotHostFactory.AdminPassword)
    {
        var page = await NewPageAsync();
        await page.GotoAsync(baseUrl + "/admin/login");
        await page.GetByLabel("Tên đăng nhập").FillAsync(userName);
        await page.GetByLabel("Mật khẩu").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Đăng nhập" }).ClickAsync();
        // The first request after start-up compiles pages and hashes a password, on two cores shared with other test
        // hosts: be patient here, but say so at once when the password was refused.
        var refused = page.Locator("p.error[role=alert]");
        var signedIn = page.WaitForURLAsync(url => !url.Contains("/admin/login", StringComparison.Ordinal), new() { Timeout = 60_000 });
        var failed = refused.WaitForAsync(new() { Timeout = 60_000 });
        _ = failed.ContinueWith(t => t.Exception, TaskScheduler.Default); // the loser times out or sees the page close
        if (await Task.WhenAny(signedIn, failed) == failed && failed.IsCompletedSuccessfully
            && page.Url.Contains("/admin/login", StringComparison.Ordinal))
            Assert.Fail($"Signing in as {userName} was refused: {await refused.InnerTextAsync()}");
        await signedIn;
        return page;
    }

    /// <summary>
    /// Saves a full-page screenshot as <c>{name}.png</c> in <see cref="ScreenshotDirectory"/>. Animations are stopped
    /// and the capture may take up to 90 s: a long page on a loaded 2-core CI machine is slow to render whole.
    /// </summary>
    public static async Task<string> ScreenshotAsync(IPage page, string name)
    {
        Directory.CreateDirectory(ScreenshotDirectory);
        var path = Path.Combine(ScreenshotDirectory, name + ".png");
        await page.ScreenshotAsync(new PageScreenshotOptions
        {
            Path = path,
            FullPage = true,
            Animations = ScreenshotAnimations.Disabled,
            Timeout = 90_000,
        });
        return path;
    }

    public async ValueTask DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
    }
}

[CollectionDefinition(Browser.Collection)]
public sealed class BrowserCollection;
