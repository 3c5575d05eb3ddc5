using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ChatSurvey.Dispatcher.Jobs;
using ChatSurvey.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace ChatSurvey.BotHost.Tests.WebChat;

/// <summary>
/// A citizen opens the personal link of a real invitation in Chromium and answers the whole <c>sipas-full</c>
/// questionnaire in Microsoft Web Chat by clicking its suggested-action buttons (the comment is typed), then the
/// response shows in the public results. Real Kestrel, real PostgreSQL, Debian's chromium (no browser download).
/// </summary>
[Collection(Browser.Collection)]
public sealed class WebChatBrowserTests : IAsyncLifetime
{
    private const string Thanks = "Cảm ơn Ông/Bà đã dành thời gian tham gia khảo sát!";
    private const string Comment = "Cán bộ hướng dẫn tận tình, rõ ràng.";
    private static readonly string ChromiumPath = Environment.GetEnvironmentVariable("CHROMIUM_PATH") ?? "/usr/bin/chromium";
    private TestDatabase _database = null!;
    private BotHostFactory _factory = null!;
    private HttpClient _http = null!;
    private string _baseUrl = "";

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    /// <summary>Where the screenshots go: <c>SCREENSHOTS_DIR</c>, else <c>screenshots/</c> beside the test assembly.</summary>
    public static string ScreenshotDirectory =>
        Environment.GetEnvironmentVariable("SCREENSHOTS_DIR") ?? Path.Combine(AppContext.BaseDirectory, "screenshots");

    public async ValueTask InitializeAsync()
    {
        _database = await (await PostgresServer.GetAsync()).CreateDatabaseAsync();
        (_factory, _baseUrl) = BotHostFactory.StartOnKestrel(_database.ConnectionString,
            [new("WebChat:TokenSigningKey", DirectLineProtocolTests.SigningKey)]);
        _http = new HttpClient { BaseAddress = new Uri(_baseUrl) };
        _http.DefaultRequestHeaders.Add("X-Api-Key", BotHostFactory.AdminKey);
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _factory.DisposeAsync();
        await _database.DisposeAsync();
    }

    [Fact]
    public async Task Citizen_Should_AnswerWholeSipasFullInWebChat_When_OpeningInvitationLink()
    {
        Assert.True(File.Exists(ChromiumPath), $"Chromium is needed at {ChromiumPath} (apt-get install -y chromium, or set CHROMIUM_PATH).");
        using var invited = await _http.PostAsJsonAsync("/api/admin/invitations",
            new { phone = "+84912200001", agencyCode = "HP-STP", procedureCode = "DEMO-LLTP", questionnaire = "sipas-full" }, Cancel);
        Assert.Equal(HttpStatusCode.Created, invited.StatusCode);
        var invitation = await invited.Content.ReadFromJsonAsync<JsonElement>(Cancel);
        var link = invitation.GetProperty("link").GetString()!;
        Directory.CreateDirectory(ScreenshotDirectory);

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                "--disable-component-update", "--no-first-run"],
        });
        var context = await browser.NewContextAsync(new BrowserNewContextOptions
        {
            Locale = "vi-VN",
            ViewportSize = new ViewportSize { Width = 480, Height = 860 },
        });
        var page = await context.NewPageAsync();
        var requests = new List<string>();
        page.Request += (_, request) => requests.Add(request.Url);

        await page.GotoAsync(link);
        var buttons = page.Locator("button.webchat__suggested-action");
        await buttons.First.WaitForAsync(new LocatorWaitForOptions { Timeout = 30_000 });
        await page.GetByText("Xin chào Ông/Bà!", new PageGetByTextOptions { Exact = false }).First.WaitForAsync();
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotDirectory, "webchat-start.png") });

        var thanks = page.GetByText(Thanks, new PageGetByTextOptions { Exact = false });
        var typed = false;
        for (var step = 0; step < 60 && await thanks.CountAsync() == 0; step++)
        {
            var bot = await BotMessageCountAsync(page);
            var labels = await buttons.AllInnerTextsAsync();
            if (labels.Count == 0)
                throw new InvalidOperationException($"No buttons and no thanks after {step} answers.");
            if (labels.Any(l => l.Contains("Bỏ qua", StringComparison.Ordinal)) && !typed)
            {
                // The optional comment: typed in the send box, as a citizen would.
                var input = page.Locator("[data-id='webchat-sendbox-input']");
                await input.FillAsync(Comment);
                await input.PressAsync("Enter");
                typed = true;
            }
            else
            {
                var choice = labels.FirstOrDefault(l => l.StartsWith("5 ·", StringComparison.Ordinal))
                             ?? labels.FirstOrDefault(l => l.Trim() == "Có")
                             ?? labels[0];
                await buttons.Filter(new LocatorFilterOptions { HasText = choice }).First.ClickAsync();
            }

            // The bot answers (one poll later); its last message brings the next buttons, or the thanks.
            await page.WaitForFunctionAsync(
                "([n, thanks]) => document.querySelectorAll('.webchat__bubble:not(.webchat__bubble--from-user)').length > n"
                + " && (document.querySelector('button.webchat__suggested-action') || document.body.innerText.includes(thanks))",
                new object[] { bot, Thanks }, new PageWaitForFunctionOptions { Timeout = 15_000 });
            await page.WaitForTimeoutAsync(1_200); // replies of one turn may arrive over two polls
        }

        await thanks.First.WaitForAsync();
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotDirectory, "webchat-end.png") });
        Assert.True(typed, "The comment was typed.");
        Assert.DoesNotContain(requests, url => !url.StartsWith(_baseUrl, StringComparison.Ordinal) && !url.StartsWith("data:", StringComparison.Ordinal) && !url.StartsWith("blob:", StringComparison.Ordinal));

        // The response is stored complete, on the web chat channel, and counts in the wave's public results.
        var invitationId = invitation.GetProperty("invitationId").GetInt64();
        Assert.Equal("completed", await ScalarAsync<string>($"SELECT status FROM responses WHERE invitation_id = {invitationId}"));
        Assert.Equal("webchat", await ScalarAsync<string>($"SELECT channel FROM responses WHERE invitation_id = {invitationId}"));
        Assert.Equal(Comment, await ScalarAsync<string>(
            $"SELECT a.text_value FROM answers a JOIN responses r ON r.id = a.response_id WHERE r.invitation_id = {invitationId} AND a.question_code = 'COMMENT'"));
        Assert.Equal(5, await ScalarAsync<short>(
            $"SELECT a.rating FROM answers a JOIN responses r ON r.id = a.response_id WHERE r.invitation_id = {invitationId} AND a.question_code = 'OVERALL'"));
        var waveId = await ScalarAsync<long>($"SELECT wave_id FROM invitations WHERE id = {invitationId}");
        // The public figures come from the minutely score-refresh snapshot (a response shows within a minute), and this
        // host's Hangfire server may have taken one before the response completed: run the job now, as its next minute would.
        await ActivatorUtilities.CreateInstance<ScoreRefreshJob>(_factory.Services).RunAsync(Cancel);
        // The manual-invitation wave is public only once an administrator publishes it explicitly.
        using (var publish = await _http.PostAsync($"/api/admin/waves/{waveId}/publish", null, Cancel))
            Assert.Equal(HttpStatusCode.OK, publish.StatusCode);
        var results = await _http.GetFromJsonAsync<JsonElement>($"/api/public/results?wave={waveId}", Cancel);
        var agency = Assert.Single(results.GetProperty("agencies").EnumerateArray());
        Assert.Equal("HP-STP", agency.GetProperty("agencyCode").GetString());
        Assert.Equal(1, agency.GetProperty("responses").GetInt32());
        Assert.Equal(100.0, agency.GetProperty("index").GetDouble(), 6);
    }

    private static Task<int> BotMessageCountAsync(IPage page) =>
        page.EvaluateAsync<int>("() => document.querySelectorAll('.webchat__bubble:not(.webchat__bubble--from-user)').length");

    private async Task<T> ScalarAsync<T>(string sql)
    {
        await using var command = _database.DataSource.CreateCommand(sql);
        return (T)(await command.ExecuteScalarAsync(Cancel))!;
    }
}
