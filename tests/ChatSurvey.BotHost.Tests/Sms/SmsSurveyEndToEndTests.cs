using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Xml.Linq;
using ChatSurvey.BotHost.Bot;
using ChatSurvey.Dispatcher.Jobs;
using ChatSurvey.Domain.Sms;
using ChatSurvey.TestSupport;
using ChatSurvey.TestSupport.Twilio;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace ChatSurvey.BotHost.Tests.Sms;

/// <summary>
/// A citizen answers the SMS questionnaire end to end: real Kestrel, real PostgreSQL, the Twilio SDK talking to the
/// project's Twilio fake, and signed webhooks posted the way Twilio posts them.
/// </summary>
public sealed class SmsSurveyEndToEndTests : IAsyncLifetime
{
    private const string ServiceNumber = "+15005550006";

    // The host's clock: the test moves it as a person takes time to answer (a ballot under 2 s per answer is a speeder,
    // left out of the official figures).
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private TwilioFake _twilio = null!;
    private TestDatabase _database = null!;
    private BotHostFactory _factory = null!;
    private HttpClient _http = null!;
    private string _baseUrl = "";
    private int _sidCounter;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _twilio = await TwilioFake.StartAsync(cancellationToken: Cancel);
        _database = await (await PostgresServer.GetAsync()).CreateDatabaseAsync();
        (_factory, _baseUrl) = BotHostFactory.StartOnKestrel(_database.ConnectionString, _twilio.ConfigurationValues(ServiceNumber), _clock);
        _http = new HttpClient { BaseAddress = new Uri(_baseUrl) };
        _http.DefaultRequestHeaders.Add("X-Api-Key", BotHostFactory.AdminKey);
    }

    [Fact]
    public async Task Citizen_Should_AnswerWholeSmsQuestionnaire_When_RepliesToInvitation()
    {
        const string phone = "+84912000001";
        var invitation = await InviteAsync(phone, "sipas-sms");

        // The invitation went out through the Twilio SDK to the fake: one message, at most two GSM-7 segments.
        var sent = Assert.Single(_twilio.MessagesTo(phone));
        Assert.Equal(ServiceNumber, sent.From);
        Assert.Contains($"/s/{invitation.GetProperty("code").GetString()}", sent.Body, StringComparison.Ordinal);
        Assert.Contains("Cau 1/7", sent.Body, StringComparison.Ordinal);
        var invitationMeasure = Gsm7.Measure(sent.Body);
        Assert.Equal(SmsEncoding.Gsm7, invitationMeasure.Encoding);
        Assert.InRange(invitationMeasure.Segments, 1, 2);

        // Delivery receipts arrive signed at the status callback and move the invitation forward.
        Assert.Equal(HttpStatusCode.NoContent, await _twilio.SendStatusCallbackAsync(sent.Sid, "delivered", cancellationToken: Cancel));
        Assert.Equal("delivered", await ScalarAsync<string>($"SELECT status FROM invitations WHERE provider_message_id = '{sent.Sid}'"));

        // Seven answers: five elements, overall, comment. Every reply is one GSM-7 segment.
        string[] answers = ["5", "4", "rất hài lòng", "3", "Hai long!", "5", "Nhan vien nhiet tinh"];
        var replies = new List<string>();
        foreach (var answer in answers)
        {
            _clock.Advance(TimeSpan.FromSeconds(10));
            var (status, texts) = await PostSmsAsync(phone, answer);
            Assert.Equal(HttpStatusCode.OK, status);
            replies.AddRange(texts);
        }

        Assert.All(replies, r =>
        {
            var measure = Gsm7.Measure(r);
            Assert.Equal(SmsEncoding.Gsm7, measure.Encoding);
            Assert.Equal(1, measure.Segments);
        });
        Assert.Contains("Cam on", replies[^1], StringComparison.Ordinal);

        var stored = await RowsAsync(
            """
            SELECT a.question_code, coalesce(a.rating::text, a.text_value) FROM answers a
            JOIN responses r ON r.id = a.response_id WHERE r.invitation_id = $1 ORDER BY a.id
            """, invitation.GetProperty("invitationId").GetInt64());
        Assert.Equal(
            ["E1.S=5", "E2.S=4", "E3.S=5", "E4.S=3", "E5.S=4", "OVERALL=5", "COMMENT=Nhan vien nhiet tinh"],
            stored);
        Assert.Equal("completed", await ScalarAsync<string>(
            $"SELECT status FROM responses WHERE invitation_id = {invitation.GetProperty("invitationId").GetInt64()}"));

        var waveId = await ScalarAsync<long>($"SELECT wave_id FROM invitations WHERE provider_message_id = '{sent.Sid}'");
        // The public figures come from the minutely score-refresh snapshot; test hosts have no schedule: run it now.
        await _factory.Job<ScoreRefreshJob>().RunAsync(Cancel);
        // The manual-invitation wave is public only once an administrator publishes it explicitly.
        using (var publish = await _http.PostAsync($"/api/admin/waves/{waveId}/publish", null, Cancel))
            Assert.Equal(HttpStatusCode.OK, publish.StatusCode);
        var results = await _http.GetFromJsonAsync<JsonElement>($"/api/public/results?wave={waveId}", Cancel);
        var agency = Assert.Single(results.GetProperty("agencies").EnumerateArray());
        Assert.Equal("HP-STP", agency.GetProperty("agencyCode").GetString());
        Assert.Equal(1, agency.GetProperty("responses").GetInt32());
        // Five element indices: 100, 100, 100, 0 (a 3), 100 → mean 80.
        Assert.Equal(80.0, agency.GetProperty("index").GetDouble(), 6);
        Assert.DoesNotContain(phone[3..], results.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Citizen_Should_AnswerKhongApDung_When_SipasFullCriterionAllowsIt()
    {
        const string phone = "+84912000008";
        var invitation = await InviteAsync(phone, "sipas-full");
        var invitationId = invitation.GetProperty("invitationId").GetInt64();

        // A new invitation runs the newest version, whose first question (signage at the counter) allows "Không áp dụng".
        var sent = Assert.Single(_twilio.MessagesTo(phone));
        Assert.Contains(
            "Cau 1/29: Ong/Ba hai long the nao ve bien hieu, huong dan noi lam thu tuc: ro, de tim?\n"
            + "Tra loi 1-5 (1 rat khong hai long, 5 rat hai long), 0 neu khong ap dung",
            sent.Body, StringComparison.Ordinal);

        // The counter's criteria E1.C1-E1.C3 and E1.S, then E2: a criterion that does not allow it (E2.C1), the fee
        // (E2.C3) inside several answers. Fewer than 10 messages: RateLimits:SmsPerPhonePerMinute counts real time.
        (string Answer, string ReplyStart)[] turns =
        [
            ("0", "Cau 2/29: "),
            ("Không Áp Dụng", "Cau 3/29: "),
            ("kad 4", "Cau 5/29: "),
            // E2.C1 does not allow it: asked again, the hint too long to share the question's segment.
            ("khong ap dung", "Chua ro cau tra loi. Vui long nhan mot so tu 1 (rat khong hai long) den 5 (rat hai long). | Cau 5/29: "),
            ("5 5", "Cau 7/29: Ong/Ba hai long the nao ve viec yeu cau nop phi, le phi dung quy dinh?\n"
                + "Tra loi 1-5 (1 rat khong hai long, 5 rat hai long), 0 neu khong ap dung"),
            ("khong ap dung, 5, 5", "Cau 10/29: "),
        ];
        foreach (var (answer, replyStart) in turns)
        {
            _clock.Advance(TimeSpan.FromSeconds(10));
            var (status, replies) = await PostSmsAsync(phone, answer);
            Assert.Equal(HttpStatusCode.OK, status);
            Assert.StartsWith(replyStart, string.Join(" | ", replies), StringComparison.Ordinal);
            Assert.All(replies, r => Assert.Equal(new SmsMeasure(SmsEncoding.Gsm7, Gsm7.Measure(r).Units, 1), Gsm7.Measure(r)));
        }

        var notApplicable = await RowsAsync(
            """
            SELECT a.question_code, a.kind || coalesce(a.rating::text, a.choice, a.text_value, '') FROM answers a
            JOIN responses r ON r.id = a.response_id
            WHERE r.invitation_id = $1
            ORDER BY a.question_code
            """, invitationId);
        Assert.Equal(
            [
                "E1.C1=not_applicable", "E1.C2=not_applicable", "E1.C3=not_applicable", "E1.S=rating4",
                "E2.C1=rating5", "E2.C2=rating5", "E2.C3=not_applicable", "E2.C4=rating5", "E2.S=rating5",
            ],
            notApplicable);
        var response = await RowsAsync(
            """
            SELECT q.code || ' v' || q.version, r.status FROM responses r JOIN questionnaires q ON q.id = r.questionnaire_id
            WHERE r.invitation_id = $1
            """, invitationId);
        Assert.Equal(["sipas-full v2=partial"], response);
    }

    [Fact]
    public async Task Webhook_Should_Refuse403AndChangeNothing_When_UnsignedOrMisSigned()
    {
        const string phone = "+84912000002";
        await InviteAsync(phone, "sipas-sms");
        var form = Form(phone, "5", NextSid());

        using var unsigned = new HttpRequestMessage(HttpMethod.Post, $"{_baseUrl}/api/sms/twilio") { Content = new FormUrlEncodedContent(form) };
        var wrongKey = TwilioSignature.SignedPost("not-the-auth-token", $"{_baseUrl}/api/sms/twilio", form);
        var wrongUrl = TwilioSignature.SignedPost(_twilio.AuthToken, "https://elsewhere.example/api/sms/twilio", form);
        wrongUrl.RequestUri = new Uri($"{_baseUrl}/api/sms/twilio");
        foreach (var request in new[] { unsigned, wrongKey, wrongUrl })
        {
            using var response = await _http.SendAsync(request, Cancel);
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        }

        Assert.Equal(0L, await ScalarAsync<long>("SELECT count(*) FROM inbound_messages"));
        Assert.Equal(0L, await ScalarAsync<long>("SELECT count(*) FROM answers"));
    }

    [Fact]
    public async Task Webhook_Should_RecordOnceAndAnswerAlike_When_SameMessageSidPostedTwice()
    {
        const string phone = "+84912000003";
        await InviteAsync(phone, "sipas-sms");
        var sid = NextSid();

        var first = await PostSmsAsync(phone, "4", sid);
        var second = await PostSmsAsync(phone, "4", sid);

        Assert.Equal(first.Replies, second.Replies);
        Assert.Equal(1L, await ScalarAsync<long>($"SELECT count(*) FROM inbound_messages WHERE provider_message_id = '{sid}'"));
        Assert.Equal(1L, await ScalarAsync<long>("SELECT count(*) FROM answers a JOIN responses r ON r.id = a.response_id JOIN invitations i ON i.id = r.invitation_id WHERE i.phone = '+84912000003'"));
        // The survey moved on by one question, not two.
        var next = await PostSmsAsync(phone, "5");
        Assert.Contains("Cau 3/7", next.Replies[0], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Stop_Should_SilenceNumberForGood_When_CitizenRepliesStop()
    {
        const string phone = "+84912000004";
        await InviteAsync(phone, "sipas-sms");

        var stop = await PostSmsAsync(phone, "TU CHOI");

        Assert.Contains("tu choi", stop.Replies[0], StringComparison.OrdinalIgnoreCase);
        Assert.Equal("keyword", await ScalarAsync<string>($"SELECT source FROM opt_outs WHERE phone = '{phone}'"));

        // A later invitation for the same number (another questionnaire, so another wave) is never sent.
        var again = await InviteAsync(phone, "sipas-full");
        Assert.Equal("optedout", again.GetProperty("status").GetString());
        Assert.Single(_twilio.MessagesTo(phone));

        // Importing the same person's transaction again changes nothing: opt-outs are kept per phone.
        await ExecuteAsync(
            $"""
            INSERT INTO transactions (agency_id, procedure_id, dossier_code, phone, result_date)
            SELECT agency_id, procedure_id, dossier_code, phone, result_date FROM transactions WHERE phone = '{phone}'
            ON CONFLICT (agency_id, dossier_code) DO NOTHING
            """);
        Assert.Equal(1L, await ScalarAsync<long>($"SELECT count(*) FROM opt_outs WHERE phone = '{phone}'"));
        var third = await InviteAsync(phone, "sipas-2017");
        Assert.Equal("optedout", third.GetProperty("status").GetString());
        Assert.Single(_twilio.MessagesTo(phone));
    }

    [Fact]
    public async Task Provider21610_Should_RecordOptOut_When_StatusCallbackSaysUnsubscribed()
    {
        const string phone = "+84912000005";
        await InviteAsync(phone, "sipas-sms");
        var sent = Assert.Single(_twilio.MessagesTo(phone));

        Assert.Equal(HttpStatusCode.NoContent, await _twilio.SendStatusCallbackAsync(sent.Sid, "failed", 21610, Cancel));
        // A late "sent" does not overwrite the final status.
        Assert.Equal(HttpStatusCode.NoContent, await _twilio.SendStatusCallbackAsync(sent.Sid, "sent", cancellationToken: Cancel));

        Assert.Equal("provider", await ScalarAsync<string>($"SELECT source FROM opt_outs WHERE phone = '{phone}'"));
        Assert.Equal("failed", await ScalarAsync<string>($"SELECT status FROM invitations WHERE provider_message_id = '{sent.Sid}'"));
        Assert.Equal("21610", await ScalarAsync<string>($"SELECT error_code FROM invitations WHERE provider_message_id = '{sent.Sid}'"));
    }

    [Fact]
    public async Task ConcurrentWebhooks_Should_RecordEveryAnswerOnce_When_SameConversationAtOnce()
    {
        const string phone = "+84912000006";
        await InviteAsync(phone, "sipas-sms");

        // First turn race: no bot state exists yet, so the conversation row decides who goes first.
        await Task.WhenAll(PostSmsAsync(phone, "5"), PostSmsAsync(phone, "4"));
        // Later races: both turns load the same state and ETag; the loser's save conflicts and it starts over.
        await Task.WhenAll(PostSmsAsync(phone, "3"), PostSmsAsync(phone, "2"));
        await Task.WhenAll(PostSmsAsync(phone, "1"), PostSmsAsync(phone, "5"));
        // A message that arrives while an earlier one of the phone is being processed waits its turn: its webhook answers
        // empty and the worker processes it in order, replying by REST.
        await Eventually.UntilAsync(
            async () => await ScalarAsync<long>($"SELECT count(*) FROM inbound_messages WHERE from_address = '{phone}' AND processed_at IS NULL") == 0,
            "every message of the phone processed", cancellationToken: Cancel);

        var ratings = await RowsAsync(
            """
            SELECT a.question_code, a.rating::text FROM answers a JOIN responses r ON r.id = a.response_id
            JOIN invitations i ON i.id = r.invitation_id WHERE i.phone = $1 ORDER BY a.question_code
            """, phone);
        Assert.Equal(["E1.S", "E2.S", "E3.S", "E4.S", "E5.S", "OVERALL"], ratings.Select(r => r.Split('=')[0]));
        // Each of the six values sent was recorded exactly once.
        Assert.Equal(["1", "2", "3", "4", "5", "5"], ratings.Select(r => r.Split('=')[1]).Order());
        Assert.Equal(6L, await ScalarAsync<long>($"SELECT count(*) FROM inbound_messages WHERE from_address = '{phone}'"));
        // Every reply reached the phone once: in the webhook's TwiML, or by REST for the messages left to the worker.
        var byRest = await ScalarAsync<long>($"SELECT count(*) FROM inbound_messages WHERE from_address = '{phone}' AND reply_via = 'rest' AND reply_sent_at IS NOT NULL");
        await Eventually.UntilAsync(() => Task.FromResult(_twilio.MessagesTo(phone).Count >= 1 + byRest), "the REST replies at the fake", cancellationToken: Cancel);
    }

    [Fact]
    public async Task SaturatedHost_Should_AnswerEmptyAndReplyByRest_When_NoTurnSlotIsFree()
    {
        const string phone = "+84912000019";
        await InviteAsync(phone, "sipas-sms");
        var gate = _factory.Services.GetRequiredService<TurnGate>();
        var held = new List<IDisposable>();
        while (gate.TryEnter() is { } slot)
            held.Add(slot);
        var sid = NextSid();
        (HttpStatusCode Status, List<string> Replies) saturated;
        try
        {
            saturated = await PostSmsAsync(phone, "5", sid);
            // Recorded before anything else, even while no turn can run.
            Assert.Equal(1L, await ScalarAsync<long>($"SELECT count(*) FROM inbound_messages WHERE provider_message_id = '{sid}' AND processed_at IS NULL"));
        }
        finally
        {
            held.ForEach(slot => slot.Dispose());
        }

        // No 500 and no reply in the webhook's answer: an empty <Response/>.
        Assert.Equal(HttpStatusCode.OK, saturated.Status);
        Assert.Empty(saturated.Replies);

        // The worker finishes the turn and the reply follows through Twilio's REST API, once.
        await Eventually.UntilAsync(() => Task.FromResult(_twilio.MessagesTo(phone).Count == 2), "the reply sent by REST", cancellationToken: Cancel);
        var reply = _twilio.MessagesTo(phone)[1].Body;
        Assert.Contains("2/7", reply, StringComparison.Ordinal);
        Assert.Equal("rest", await ScalarAsync<string>($"SELECT reply_via FROM inbound_messages WHERE provider_message_id = '{sid}'"));
        Assert.Equal(1L, await ScalarAsync<long>(
            $"SELECT count(*) FROM answers a JOIN responses r ON r.id = a.response_id JOIN invitations i ON i.id = r.invitation_id WHERE i.phone = '{phone}' AND a.rating = 5"));

        // Twilio delivering the same message again gets the stored reply and records nothing more.
        var again = await PostSmsAsync(phone, "5", sid);
        Assert.Equal([reply], again.Replies);
        Assert.Equal(1L, await ScalarAsync<long>($"SELECT count(*) FROM inbound_messages WHERE from_address = '{phone}'"));
        await Eventually.UntilAsync(async () => await ScalarAsync<bool>($"SELECT reply_sent_at IS NOT NULL FROM inbound_messages WHERE provider_message_id = '{sid}'"),
            "the REST reply recorded as sent", cancellationToken: Cancel);
        Assert.Equal(2, _twilio.MessagesTo(phone).Count);
    }

    [Fact]
    public async Task OverloadedHost_Should_RecordTogetherAndReplyByRest_When_EveryoneIsAlreadyWaiting()
    {
        var phones = Enumerable.Range(0, 20).Select(i => $"+849120001{i:D2}").ToList();
        foreach (var phone in phones)
            await InviteAsync(phone, "sipas-sms");
        var gate = _factory.Services.GetRequiredService<TurnGate>();
        var held = new List<IDisposable>();
        while (gate.TryEnter() is { } slot)
            held.Add(slot);
        // Every slot taken and as many webhooks waiting for one as there are slots: the waiting room is full.
        using var waiting = CancellationTokenSource.CreateLinkedTokenSource(Cancel);
        var waiters = Enumerable.Range(0, held.Count).Select(_ => gate.EnterAsync(TimeSpan.FromMinutes(5), waiting.Token)).ToList();
        List<(HttpStatusCode Status, List<string> Replies)> answered;
        var sids = phones.ToDictionary(p => p, _ => NextSid());
        try
        {
            Assert.False(gate.CanWait);
            answered = (await Task.WhenAll(phones.Select(p => PostSmsAsync(p, "4", sids[p])))).ToList();
            // Recorded at once and pending, the worker's (which waits for a slot too): no webhook waited for a slot that
            // could not come soon.
            Assert.Equal(20L, await ScalarAsync<long>(
                $"SELECT count(*) FROM inbound_messages WHERE provider_message_id IN ('{string.Join("','", sids.Values)}') AND processed_at IS NULL"));
        }
        finally
        {
            await waiting.CancelAsync();
            await Task.WhenAll(waiters.Select(w => w.ContinueWith(_ => { }, TaskScheduler.Default)));
            held.ForEach(slot => slot.Dispose());
        }

        Assert.All(answered, a => Assert.Equal(HttpStatusCode.OK, a.Status));
        Assert.All(answered, a => Assert.Empty(a.Replies));
        // The worker answers each once, by REST, and each answer is stored once.
        await Eventually.UntilAsync(() => Task.FromResult(phones.All(p => _twilio.MessagesTo(p).Count == 2)), "a REST reply to every phone",
            cancellationToken: Cancel);
        Assert.All(phones, p => Assert.Contains("2/7", _twilio.MessagesTo(p)[1].Body, StringComparison.Ordinal));
        Assert.Equal(20L, await ScalarAsync<long>(
            $"SELECT count(*) FROM answers a JOIN responses r ON r.id = a.response_id JOIN invitations i ON i.id = r.invitation_id WHERE i.phone IN ('{string.Join("','", phones)}') AND a.rating = 4"));

        // A redelivery of one of them records nothing more and gets the stored reply.
        var again = await PostSmsAsync(phones[0], "4", sids[phones[0]]);
        Assert.Equal([_twilio.MessagesTo(phones[0])[1].Body], again.Replies);
        Assert.Equal(1L, await ScalarAsync<long>($"SELECT count(*) FROM inbound_messages WHERE from_address = '{phones[0]}'"));
    }

    [Fact]
    public async Task Stranger_Should_GetOnePoliteLine_When_NoOpenInvitation()
    {
        var (status, replies) = await PostSmsAsync("+84912000007", "5");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("khong co khao sat", Assert.Single(replies), StringComparison.Ordinal);
        Assert.Equal(0L, await ScalarAsync<long>("SELECT count(*) FROM conversations"));
        Assert.Equal(1L, await ScalarAsync<long>("SELECT count(*) FROM inbound_messages WHERE from_address = '+84912000007'"));
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _factory.DisposeAsync();
        await _twilio.DisposeAsync();
        await _database.DisposeAsync();
    }

    private async Task<JsonElement> InviteAsync(string phone, string questionnaire)
    {
        using var response = await _http.PostAsJsonAsync("/api/admin/invitations",
            new { phone, agencyCode = "HP-STP", procedureCode = "DEMO-LLTP", questionnaire }, Cancel);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>(Cancel);
    }

    private string NextSid() => "SM" + Interlocked.Increment(ref _sidCounter).ToString("x32");

    private List<KeyValuePair<string, string>> Form(string from, string body, string sid) =>
    [
        new("MessageSid", sid),
        new("SmsSid", sid),
        new("AccountSid", _twilio.AccountSid),
        new("From", from),
        new("To", ServiceNumber),
        new("Body", body),
        new("NumMedia", "0"),
        new("ApiVersion", TwilioFake.ApiVersion),
    ];

    private async Task<(HttpStatusCode Status, List<string> Replies)> PostSmsAsync(string from, string body, string? sid = null)
    {
        using var request = TwilioSignature.SignedPost(_twilio.AuthToken, $"{_baseUrl}/api/sms/twilio", Form(from, body, sid ?? NextSid()));
        using var response = await _http.SendAsync(request, Cancel);
        var content = await response.Content.ReadAsStringAsync(Cancel);
        if (response.StatusCode != HttpStatusCode.OK)
            return (response.StatusCode, []);
        var replies = XDocument.Parse(content).Descendants("Message").Select(m => m.Value).ToList();
        return (response.StatusCode, replies);
    }

    private async Task<T> ScalarAsync<T>(string sql)
    {
        await using var command = _database.DataSource.CreateCommand(sql);
        return (T)(await command.ExecuteScalarAsync(Cancel))!;
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var command = _database.DataSource.CreateCommand(sql);
        await command.ExecuteNonQueryAsync(Cancel);
    }

    private async Task<List<string>> RowsAsync(string sql, object parameter)
    {
        await using var command = _database.DataSource.CreateCommand(sql);
        command.Parameters.Add(new NpgsqlParameter { Value = parameter });
        await using var reader = await command.ExecuteReaderAsync(Cancel);
        var rows = new List<string>();
        while (await reader.ReadAsync(Cancel))
            rows.Add($"{reader.GetString(0)}={reader.GetString(1)}");
        return rows;
    }
}
