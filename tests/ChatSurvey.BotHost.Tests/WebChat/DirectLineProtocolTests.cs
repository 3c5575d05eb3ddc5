using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ChatSurvey.BotHost.WebChat;
using ChatSurvey.TestSupport;

namespace ChatSurvey.BotHost.Tests.WebChat;

/// <summary>
/// BotHost's Direct Line 3.0 subset as <c>botframework-directlinejs</c> (polling) uses it: tokens bound to one
/// conversation, watermarks, reposts and resuming, over HTTP against a real PostgreSQL.
/// </summary>
public sealed class DirectLineProtocolTests : IAsyncLifetime
{
    internal const string SigningKey = "test-webchat-signing-key-0123456789abcdef";
    private TestDatabase _database = null!;
    private BotHostFactory _factory = null!;
    private HttpClient _http = null!;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _database = await (await PostgresServer.GetAsync()).CreateDatabaseAsync();
        _factory = new BotHostFactory(_database.ConnectionString, [new("WebChat:TokenSigningKey", SigningKey)]);
        _http = _factory.CreateClient();
        _http.DefaultRequestHeaders.Add("X-Api-Key", BotHostFactory.AdminKey);
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _factory.DisposeAsync();
        await _database.DisposeAsync();
    }

    [Fact]
    public async Task Token_Should_Get403AndChangeNothing_When_UsedOnAnotherConversation()
    {
        var a = await AgencyTokenAsync();
        // Another browser (no cookie): the same browser would resume its one agency conversation of the day.
        using var otherBrowser = _factory.CreateClient();
        using var issued = await otherBrowser.PostAsJsonAsync("/api/webchat/token", new { agencyCode = "HP-STP" }, Cancel);
        var json = await issued.Content.ReadFromJsonAsync<JsonElement>(Cancel);
        var b = new Chat(json.GetProperty("token").GetString()!, json.GetProperty("conversationId").GetString()!);
        Assert.NotEqual(a.ConversationId, b.ConversationId);
        await StartAsync(b.Token);
        var before = await CountAsync("SELECT count(*) FROM directline_activities");

        using var read = Request(HttpMethod.Get, $"/v3/directline/conversations/{b.ConversationId}/activities", a.Token);
        using var post = Request(HttpMethod.Post, $"/v3/directline/conversations/{b.ConversationId}/activities", a.Token, Message("5", "x1"));
        using var resume = Request(HttpMethod.Get, $"/v3/directline/conversations/{b.ConversationId}", a.Token);
        foreach (var request in new[] { read, post, resume })
        {
            using var response = await _http.SendAsync(request, Cancel);
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        }

        Assert.Equal(before, await CountAsync("SELECT count(*) FROM directline_activities"));
        Assert.Equal(0L, await CountAsync("SELECT count(*) FROM answers"));
    }

    [Fact]
    public async Task Token_Should_Get403_When_ExpiredForgedOrMissing()
    {
        var issued = await AgencyTokenAsync();
        var past = new WebChatTokens(Encoding.UTF8.GetBytes(SigningKey), TimeSpan.FromMinutes(30), new FixedClock(DateTimeOffset.UtcNow.AddHours(-1)));
        var expired = past.Issue(issued.ConversationId);
        var forged = new WebChatTokens(Encoding.UTF8.GetBytes("another-key-another-key-another-key!"), TimeSpan.FromMinutes(30), TimeProvider.System)
            .Issue(issued.ConversationId);

        foreach (var token in new[] { expired, forged, issued.Token[..^2] + "xx", null })
        {
            using var poll = Request(HttpMethod.Get, $"/v3/directline/conversations/{issued.ConversationId}/activities", token);
            using var pollResponse = await _http.SendAsync(poll, Cancel);
            Assert.Equal(HttpStatusCode.Forbidden, pollResponse.StatusCode);
            using var refresh = Request(HttpMethod.Post, "/v3/directline/tokens/refresh", token);
            using var refreshResponse = await _http.SendAsync(refresh, Cancel);
            Assert.Equal(HttpStatusCode.Forbidden, refreshResponse.StatusCode);
        }

        // The genuine token still works and refreshes into another token for the same conversation.
        using var ok = Request(HttpMethod.Post, "/v3/directline/tokens/refresh", issued.Token);
        using var okResponse = await _http.SendAsync(ok, Cancel);
        Assert.Equal(HttpStatusCode.OK, okResponse.StatusCode);
        var refreshed = await okResponse.Content.ReadFromJsonAsync<JsonElement>(Cancel);
        Assert.Equal(issued.ConversationId, refreshed.GetProperty("conversationId").GetString());
        Assert.Equal(1800, refreshed.GetProperty("expires_in").GetInt32());
    }

    [Fact]
    public async Task Polling_Should_ReturnEachActivityExactlyOnce_When_FollowingTheWatermark()
    {
        var chat = await InvitationTokenAsync("+84912100001");
        var started = await StartAsync(chat.Token);
        Assert.Equal(chat.ConversationId, started.GetProperty("conversationId").GetString());

        var seen = new List<JsonElement>();
        string? watermark = null;
        async Task PollAsync()
        {
            var (activities, next) = await ActivitiesAsync(chat.ConversationId, chat.Token, watermark);
            seen.AddRange(activities);
            watermark = next;
        }

        await PollAsync();
        Assert.NotEmpty(seen);
        Assert.All(seen, a => Assert.Equal("bot", a.GetProperty("from").GetProperty("role").GetString()));
        // The greeting's last activity asks question 1 with suggested-action buttons.
        Assert.True(seen[^1].TryGetProperty("suggestedActions", out var actions));
        Assert.All(actions.GetProperty("actions").EnumerateArray(), a => Assert.Equal("messageBack", a.GetProperty("type").GetString()));

        foreach (var (answer, n) in new[] { ("5", "c1"), ("4", "c2"), ("rất hài lòng", "c3") })
        {
            var id = await PostAsync(chat.ConversationId, chat.Token, Message(answer, n));
            await PollAsync();
            await PollAsync(); // nothing new in between: the same watermark returns nothing again
            Assert.Contains(seen, a => a.GetProperty("id").GetString() == id);
        }

        var ids = seen.Select(a => a.GetProperty("id").GetString()).ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());
        var all = (await ActivitiesAsync(chat.ConversationId, chat.Token, null)).Activities;
        Assert.Equal(all.Select(a => a.GetProperty("id").GetString()), ids);
        // Each citizen message is echoed (with its clientActivityID, as Web Chat matches it) and answered.
        Assert.Equal(["c1", "c2", "c3"], all
            .Where(a => a.GetProperty("from").GetProperty("role").GetString() == "user")
            .Select(a => a.GetProperty("channelData").GetProperty("clientActivityID").GetString()));
        Assert.Equal(3L, await CountAsync("SELECT count(*) FROM answers"));
    }

    [Fact]
    public async Task NotApplicableButton_Should_BeOfferedAndStored_When_CriterionAllowsIt()
    {
        const string phone = "+84912100004";
        var chat = await InvitationTokenAsync(phone);
        await StartAsync(chat.Token);
        string? watermark = null;
        async Task<List<(string Title, string Text)>> LastButtonsAsync()
        {
            var (activities, next) = await ActivitiesAsync(chat.ConversationId, chat.Token, watermark);
            watermark = next;
            var asked = activities.Last(a => a.TryGetProperty("suggestedActions", out _));
            return [.. asked.GetProperty("suggestedActions").GetProperty("actions").EnumerateArray()
                .Select(a => (a.GetProperty("title").GetString()!, a.GetProperty("text").GetString()!))];
        }

        // E1.C1 (signage at the counter, sipas-full v2) offers it after the scale; the button sends its words.
        var signage = await LastButtonsAsync();
        Assert.Equal(
            ["1 · Rất không hài lòng", "2 · Không hài lòng", "3 · Bình thường", "4 · Hài lòng", "5 · Rất hài lòng", "Không áp dụng"],
            signage.Select(b => b.Title));
        Assert.Equal(("Không áp dụng", "Không áp dụng"), signage[^1]);
        await PostAsync(chat.ConversationId, chat.Token, Message(signage[^1].Text, "na1"));

        var seats = await LastButtonsAsync();
        Assert.Equal("Không áp dụng", seats[^1].Title);
        await PostAsync(chat.ConversationId, chat.Token, Message("5", "na2"));
        await PostAsync(chat.ConversationId, chat.Token, Message("4", "na3"));
        await PostAsync(chat.ConversationId, chat.Token, Message("5", "na4"));

        // E2.C1 (procedure rules posted) applies to everyone: no such button, and the words are not an answer there.
        var rules = await LastButtonsAsync();
        Assert.Equal(["1", "2", "3", "4", "5"], rules.Select(b => b.Text));
        await PostAsync(chat.ConversationId, chat.Token, Message("Không áp dụng", "na5"));
        var (asked, _) = await ActivitiesAsync(chat.ConversationId, chat.Token, watermark);
        Assert.StartsWith("Chưa rõ câu trả lời.", asked[^1].GetProperty("text").GetString(), StringComparison.Ordinal);

        Assert.Equal(["E1.C1=not_applicable", "E1.C2=5", "E1.C3=4", "E1.S=5"], await AnswersAsync(phone));
        Assert.Equal(1L, await CountAsync("SELECT count(*) FROM answers WHERE kind = 'not_applicable' AND rating IS NULL AND choice IS NULL AND text_value IS NULL"));
    }

    [Fact]
    public async Task Repost_Should_BeStoredAndAnsweredOnce_When_SameClientActivityIdPostedTwice()
    {
        var chat = await InvitationTokenAsync("+84912100002");
        await StartAsync(chat.Token);
        var first = await PostAsync(chat.ConversationId, chat.Token, Message("5", "same"));
        var count = (await ActivitiesAsync(chat.ConversationId, chat.Token, null)).Activities.Count;

        var second = await PostAsync(chat.ConversationId, chat.Token, Message("5", "same"));

        Assert.Equal(first, second);
        Assert.Equal(count, (await ActivitiesAsync(chat.ConversationId, chat.Token, null)).Activities.Count);
        Assert.Equal(1L, await CountAsync("SELECT count(*) FROM answers"));
        Assert.Equal(1L, await CountAsync($"SELECT count(*) FROM inbound_messages WHERE provider_message_id = '{chat.ConversationId}|same'"));
    }

    [Fact]
    public async Task Replies_Should_CommitWithTheAnswer_When_WritingThemFails()
    {
        var chat = await InvitationTokenAsync("+84912100012");
        await StartAsync(chat.Token);
        var greeted = (await ActivitiesAsync(chat.ConversationId, chat.Token, null)).Activities.Count;
        // The first bot reply written after this point fails (a sequence counts across rolled-back transactions).
        await ExecuteAsync(
            """
            CREATE SEQUENCE reply_failures;
            CREATE FUNCTION fail_first_reply() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF NEW.activity -> 'from' ->> 'role' = 'bot' AND nextval('reply_failures') = 1 THEN
                    RAISE EXCEPTION 'injected failure writing a reply';
                END IF;
                RETURN NEW;
            END $$;
            CREATE TRIGGER fail_first_reply BEFORE INSERT ON directline_activities FOR EACH ROW EXECUTE FUNCTION fail_first_reply();
            """);

        var id = await PostAsync(chat.ConversationId, chat.Token, Message("5", "answer-1"));

        // The answer and its reply commit together or not at all: the failed turn left the message to the worker, which
        // answers it once; the transcript then holds the citizen's message and exactly one reply after it.
        await Eventually.UntilAsync(async () => await CountAsync(
            $"SELECT count(*) FROM inbound_messages WHERE provider_message_id = '{chat.ConversationId}|answer-1' AND processed_at IS NOT NULL") == 1,
            "the worker to answer the message whose reply failed", cancellationToken: Cancel);
        var transcript = (await ActivitiesAsync(chat.ConversationId, chat.Token, null)).Activities;
        Assert.Equal(greeted + 2, transcript.Count);
        Assert.Equal(id, transcript[greeted].GetProperty("id").GetString());
        Assert.Equal("bot", transcript[greeted + 1].GetProperty("from").GetProperty("role").GetString());
        Assert.Equal(1L, await CountAsync("SELECT count(*) FROM answers"));
        Assert.Equal(2L, await CountAsync("SELECT last_value FROM reply_failures"));

        // A repost of the same message gets the same id and adds nothing.
        Assert.Equal(id, await PostAsync(chat.ConversationId, chat.Token, Message("5", "answer-1")));
        Assert.Equal(greeted + 2, (await ActivitiesAsync(chat.ConversationId, chat.Token, null)).Activities.Count);
        Assert.Equal(1L, await CountAsync("SELECT count(*) FROM answers"));
    }

    [Fact]
    public async Task Reload_Should_ResumeTheConversation_When_InvitationLinkOpenedAgain()
    {
        var phone = "+84912100003";
        var code = await InviteAsync(phone);
        var first = await TokenAsync(new { invitationCode = code });
        await StartAsync(first.Token);
        await PostAsync(first.ConversationId, first.Token, Message("5", "r1"));
        var history = (await ActivitiesAsync(first.ConversationId, first.Token, null)).Activities;

        // The page is reloaded (or opened on another device): a new token, the same conversation, the same history.
        var again = await TokenAsync(new { invitationCode = code.ToLowerInvariant() });
        Assert.Equal(first.ConversationId, again.ConversationId);
        await StartAsync(again.Token);
        using (var resume = Request(HttpMethod.Get, $"/v3/directline/conversations/{again.ConversationId}?watermark=", again.Token))
        using (var resumed = await _http.SendAsync(resume, Cancel))
            Assert.Equal(HttpStatusCode.OK, resumed.StatusCode);
        var replay = (await ActivitiesAsync(again.ConversationId, again.Token, null)).Activities;
        Assert.Equal(history.Select(a => a.GetRawText()), replay.Select(a => a.GetRawText()));

        // The survey goes on at question 2, not from the start.
        await PostAsync(again.ConversationId, again.Token, Message("4", "r2"));
        Assert.Equal(["E1.C1=5", "E1.C2=4"], await AnswersAsync(phone));
    }

    [Fact]
    public async Task InvitationPage_Should_ExplainClearly_When_CodeUnknownOrExpired()
    {
        using var unknown = await _http.GetAsync("/s/ZZZZZZZZZZ", Cancel);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.StartsWith("text/html", unknown.Content.Headers.ContentType?.ToString(), StringComparison.Ordinal);
        Assert.Contains("Kh&#xF4;ng t&#xEC;m th&#x1EA5;y kh&#x1EA3;o s&#xE1;t", await unknown.Content.ReadAsStringAsync(Cancel), StringComparison.Ordinal);

        var code = await InviteAsync("+84912100004");
        await ExecuteAsync($"UPDATE invitations SET expires_at = now() - interval '1 day' WHERE code = '{code}'");
        using var expired = await _http.GetAsync($"/s/{code}", Cancel);
        Assert.Equal(HttpStatusCode.Gone, expired.StatusCode);
        Assert.Contains("h&#x1EBF;t h&#x1EA1;n", await expired.Content.ReadAsStringAsync(Cancel), StringComparison.Ordinal);
        using var token = await _http.PostAsJsonAsync("/api/webchat/token", new { invitationCode = code }, Cancel);
        Assert.Equal(HttpStatusCode.Gone, token.StatusCode);
        Assert.Equal(0L, await CountAsync("SELECT count(*) FROM directline_conversations"));
    }

    [Fact]
    public async Task Pages_Should_ServeWebChatLocally_And_QrCodeForAgency()
    {
        var code = await InviteAsync("+84912100005");
        var page = await _http.GetStringAsync($"/s/{code}", Cancel);
        Assert.Contains($"data-invitation-code=\"{code}\"", page, StringComparison.Ordinal);
        Assert.Contains("src=\"/webchat/webchat.js\"", page, StringComparison.Ordinal);
        Assert.DoesNotContain("cdn.botframework.com", page, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("912100005", page, StringComparison.Ordinal);

        using var bundle = await _http.GetAsync("/webchat/webchat.js", Cancel);
        Assert.Equal(HttpStatusCode.OK, bundle.StatusCode);
        using var embed = await _http.GetAsync("/webchat/embed.js", Cancel);
        Assert.Equal(HttpStatusCode.OK, embed.StatusCode);

        using var qr = await _http.GetAsync("/chat/qr/HP-STP.png", Cancel);
        Assert.Equal(HttpStatusCode.OK, qr.StatusCode);
        Assert.Equal("image/png", qr.Content.Headers.ContentType?.MediaType);
        var png = await qr.Content.ReadAsByteArrayAsync(Cancel);
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);
        using var noAgency = await _http.GetAsync("/chat/qr/NO-SUCH.png", Cancel);
        Assert.Equal(HttpStatusCode.NotFound, noAgency.StatusCode);

        var agencyPage = await _http.GetStringAsync("/chat?agency=HP-STP", Cancel);
        Assert.Contains("data-agency-code=\"HP-STP\"", agencyPage, StringComparison.Ordinal);
    }

    internal sealed record Chat(string Token, string ConversationId);

    private async Task<Chat> AgencyTokenAsync() => await TokenAsync(new { agencyCode = "HP-STP" });

    private async Task<Chat> InvitationTokenAsync(string phone) => await TokenAsync(new { invitationCode = await InviteAsync(phone) });

    private async Task<Chat> TokenAsync(object body)
    {
        using var response = await _http.PostAsJsonAsync("/api/webchat/token", body, Cancel);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var json = await response.Content.ReadFromJsonAsync<JsonElement>(Cancel);
        return new Chat(json.GetProperty("token").GetString()!, json.GetProperty("conversationId").GetString()!);
    }

    private async Task<string> InviteAsync(string phone)
    {
        using var response = await _http.PostAsJsonAsync("/api/admin/invitations",
            new { phone, agencyCode = "HP-STP", procedureCode = "DEMO-LLTP", questionnaire = "sipas-full" }, Cancel);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>(Cancel)).GetProperty("code").GetString()!;
    }

    private async Task<JsonElement> StartAsync(string token)
    {
        using var request = Request(HttpMethod.Post, "/v3/directline/conversations", token);
        using var response = await _http.SendAsync(request, Cancel);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>(Cancel);
    }

    private async Task<string> PostAsync(string conversationId, string token, object activity)
    {
        using var request = Request(HttpMethod.Post, $"/v3/directline/conversations/{conversationId}/activities", token, activity);
        using var response = await _http.SendAsync(request, Cancel);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>(Cancel)).GetProperty("id").GetString()!;
    }

    private async Task<(List<JsonElement> Activities, string Watermark)> ActivitiesAsync(string conversationId, string token, string? watermark)
    {
        using var request = Request(HttpMethod.Get, $"/v3/directline/conversations/{conversationId}/activities?watermark={watermark}", token);
        using var response = await _http.SendAsync(request, Cancel);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var json = await response.Content.ReadFromJsonAsync<JsonElement>(Cancel);
        return (json.GetProperty("activities").EnumerateArray().Select(a => a.Clone()).ToList(), json.GetProperty("watermark").GetString()!);
    }

    private static object Message(string text, string clientActivityId) => new
    {
        type = "message",
        text,
        from = new { id = "citizen", role = "user" },
        locale = "vi-VN",
        channelData = new { clientActivityID = clientActivityId },
    };

    private static HttpRequestMessage Request(HttpMethod method, string url, string? token, object? body = null)
    {
        var request = new HttpRequestMessage(method, url);
        if (token is not null)
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (body is not null)
            request.Content = JsonContent.Create(body);
        return request;
    }

    private async Task<List<string>> AnswersAsync(string phone)
    {
        await using var command = _database.DataSource.CreateCommand(
            """
            SELECT a.question_code || '=' || coalesce(a.rating::text, a.choice, a.text_value, a.kind) FROM answers a
            JOIN responses r ON r.id = a.response_id JOIN invitations i ON i.id = r.invitation_id
            WHERE i.phone = $1 ORDER BY a.id
            """);
        command.Parameters.AddWithValue(phone);
        await using var reader = await command.ExecuteReaderAsync(Cancel);
        var rows = new List<string>();
        while (await reader.ReadAsync(Cancel))
            rows.Add(reader.GetString(0));
        return rows;
    }

    private async Task<long> CountAsync(string sql)
    {
        await using var command = _database.DataSource.CreateCommand(sql);
        return (long)(await command.ExecuteScalarAsync(Cancel))!;
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var command = _database.DataSource.CreateCommand(sql);
        await command.ExecuteNonQueryAsync(Cancel);
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
