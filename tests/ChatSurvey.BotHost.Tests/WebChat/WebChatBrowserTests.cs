using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ChatSurvey.Dispatcher.Jobs;
using ChatSurvey.TestSupport;
using Microsoft.Extensions.Time.Testing;
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

    // The host's clock: moved 5 s before each answer, as a person takes time to read and answer (a ballot under 2 s per
    // answer is a speeder, left out of the official figures this test checks).
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private TestDatabase _database = null!;
    private BotHostFactory _factory = null!;
    private HttpClient _http = null!;
    private string _baseUrl = "";

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _database = await (await PostgresServer.GetAsync()).CreateDatabaseAsync();
        (_factory, _baseUrl) = BotHostFactory.StartOnKestrel(_database.ConnectionString,
            [new("WebChat:TokenSigningKey", DirectLineProtocolTests.SigningKey)], _clock);
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
        using var invited = await _http.PostAsJsonAsync("/api/admin/invitations",
            new { phone = "+84912200001", agencyCode = "HP-STP", procedureCode = "DEMO-LLTP", questionnaire = "sipas-full" }, Cancel);
        Assert.Equal(HttpStatusCode.Created, invited.StatusCode);
        var invitation = await invited.Content.ReadFromJsonAsync<JsonElement>(Cancel);
        var link = invitation.GetProperty("link").GetString()!;
        var invitationId = invitation.GetProperty("invitationId").GetInt64();

        await using var browser = await Browser.LaunchAsync();
        var page = await browser.NewPageAsync(phone: true);
        var requests = new List<string>();
        page.Request += (_, request) => requests.Add(request.Url);

        await page.GotoAsync(link);
        var buttons = page.Locator("button.webchat__suggested-action");
        await Assertions.Expect(buttons.First).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByText("Xin chào Ông/Bà!", new PageGetByTextOptions { Exact = false }).First).ToBeVisibleAsync();
        var conversation = await ScalarAsync<string>($"SELECT id FROM directline_conversations WHERE invitation_id = {invitationId}");
        await ShowsEveryBotMessageAsync(page, conversation);
        await Browser.ScreenshotAsync(page, "webchat-start");

        var thanks = page.GetByText(Thanks, new PageGetByTextOptions { Exact = false });
        var typed = false;
        var answers = 0;
        while (await thanks.CountAsync() == 0)
        {
            Assert.True(answers < 40, $"No thanks after {answers} answers.");
            await Assertions.Expect(buttons.First).ToBeVisibleAsync();
            var labels = await buttons.AllInnerTextsAsync();
            _clock.Advance(TimeSpan.FromSeconds(5));
            // The POST of an answer returns once its turn is committed, replies included: the page then has to show
            // exactly the bot messages stored for the conversation (a turn's replies may arrive over two polls).
            if (labels.Any(l => l.Contains("Bỏ qua", StringComparison.Ordinal)) && !typed)
            {
                // The optional comment: typed in the send box, as a citizen would.
                var input = page.Locator("[data-id='webchat-sendbox-input']");
                await input.FillAsync(Comment);
                await AnswerAsync(page, () => input.PressAsync("Enter"));
                typed = true;
            }
            else
            {
                var choice = labels.FirstOrDefault(l => l.StartsWith("5 ·", StringComparison.Ordinal))
                             ?? labels.FirstOrDefault(l => l.Trim() == "Có")
                             ?? labels[0];
                await AnswerAsync(page, () => buttons.Filter(new LocatorFilterOptions { HasText = choice }).First.ClickAsync());
            }

            answers++;
            await ShowsEveryBotMessageAsync(page, conversation);
        }

        await Browser.ScreenshotAsync(page, "webchat-end");
        Assert.True(typed, "The comment was typed.");
        Assert.DoesNotContain(requests, url => !url.StartsWith(_baseUrl, StringComparison.Ordinal) && !url.StartsWith("data:", StringComparison.Ordinal) && !url.StartsWith("blob:", StringComparison.Ordinal));

        // The response is stored complete, on the web chat channel, and counts in the wave's public results.
        Assert.Equal("completed", await ScalarAsync<string>($"SELECT status FROM responses WHERE invitation_id = {invitationId}"));
        Assert.Equal("webchat", await ScalarAsync<string>($"SELECT channel FROM responses WHERE invitation_id = {invitationId}"));
        Assert.Equal(Comment, await ScalarAsync<string>(
            $"SELECT a.text_value FROM answers a JOIN responses r ON r.id = a.response_id WHERE r.invitation_id = {invitationId} AND a.question_code = 'COMMENT'"));
        Assert.Equal(5, await ScalarAsync<short>(
            $"SELECT a.rating FROM answers a JOIN responses r ON r.id = a.response_id WHERE r.invitation_id = {invitationId} AND a.question_code = 'OVERALL'"));
        var waveId = await ScalarAsync<long>($"SELECT wave_id FROM invitations WHERE id = {invitationId}");
        // The public figures come from the minutely score-refresh snapshot; test hosts have no schedule: run it now.
        await _factory.Job<ScoreRefreshJob>().RunAsync(Cancel);
        // The manual-invitation wave is public only once an administrator publishes it explicitly.
        using (var publish = await _http.PostAsync($"/api/admin/waves/{waveId}/publish", null, Cancel))
            Assert.Equal(HttpStatusCode.OK, publish.StatusCode);
        var results = await _http.GetFromJsonAsync<JsonElement>($"/api/public/results?wave={waveId}", Cancel);
        var agency = Assert.Single(results.GetProperty("agencies").EnumerateArray());
        Assert.Equal("HP-STP", agency.GetProperty("agencyCode").GetString());
        Assert.Equal(1, agency.GetProperty("responses").GetInt32());
        Assert.Equal(100.0, agency.GetProperty("index").GetDouble(), 6);
    }

    /// <summary>Answers through <paramref name="act"/> and waits for the answer's POST to Direct Line to return.</summary>
    private static async Task AnswerAsync(IPage page, Func<Task> act)
    {
        var posted = await page.RunAndWaitForResponseAsync(act, response =>
            response.Request.Method == "POST" && response.Url.EndsWith("/activities", StringComparison.Ordinal));
        Assert.True(posted.Ok, $"Posting the answer answered {posted.Status}.");
    }

    /// <summary>Waits until the page shows as many bot messages as the conversation has stored.</summary>
    private async Task ShowsEveryBotMessageAsync(IPage page, string conversation)
    {
        var stored = await ScalarAsync<long>(
            $"""
            SELECT count(*) FROM directline_activities
            WHERE conversation_id = '{conversation}' AND activity ->> 'type' = 'message' AND activity -> 'from' ->> 'role' = 'bot'
            """);
        await Assertions.Expect(page.Locator(".webchat__bubble:not(.webchat__bubble--from-user)")).ToHaveCountAsync((int)stored);
    }

    private async Task<T> ScalarAsync<T>(string sql)
    {
        await using var command = _database.DataSource.CreateCommand(sql);
        return (T)(await command.ExecuteScalarAsync(Cancel))!;
    }
}
