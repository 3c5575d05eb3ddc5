using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Xml.Linq;
using ChatSurvey.BotHost.Tests.Admin;
using ChatSurvey.BotHost.Tests.Pages;
using ChatSurvey.BotHost.Tests.WebChat;
using ChatSurvey.Dispatcher.Jobs;
using ChatSurvey.TestSupport.Twilio;
using CsvHelper;
using Microsoft.Extensions.DependencyInjection;
using MiniExcelLibs;
using static ChatSurvey.BotHost.Tests.Pages.Results.ResultsPageTests;
using static ChatSurvey.BotHost.Tests.WebChat.AgencyChatHost;

namespace ChatSurvey.BotHost.Tests.EndToEnd;

/// <summary>
/// The official figures of one wave, built through the channels a real wave uses — no SQL seeding
/// (<c>PublicResults/OfficialFiguresTests</c> covers the same rules on seeded rows):
/// transactions imported through <c>POST /api/admin/transactions</c>, a wave created, started and sent through the admin
/// API and the send job (through the Twilio SDK to the project's Twilio fake), then
/// <list type="bullet">
/// <item>3 sampled ballots answered by signed Twilio webhooks, every rating 4;</item>
/// <item>3 invitation-free web chats (Direct Line, each from its own client address) that skip the dossier question,
/// every rating 1 → <c>open</c>;</item>
/// <item>1 invitation-free web chat that gives a dossier of the agency in the wave's period not drawn for an invitation,
/// and the last 4 digits of its phone, every rating 5 → <c>verified</c>.</item>
/// </list>
/// The host's clock is a <see cref="Microsoft.Extensions.Time.Testing.FakeTimeProvider"/>, moved 10 s before every
/// answer (as a person answers; the integrity rule flags a ballot under 2 s per answered question as a speeder and the
/// official figures leave it out). The invitation-free questionnaire is <c>sipas-sms</c> like the wave's, so the open
/// answers are on the same form as the official ones (and, with 6 ratings, below the straight-liner's 8).
/// Expected figures, by hand from docs/methodology.md ("Indices", "Official figures"): valid ballots = 3 sampled +
/// 1 verified = 4; every element question (E1.S…E5.S) has 4 valid answers, all rated 4 or 5 → element index 100 %,
/// mean (3 × 4 + 5) / 4 = 4,25; agency index = mean of the 5 element indices = 100 %, mean 4,25. The open answers,
/// apart: 3 ballots, 0 % rated 4–5, mean 1,00. Were they counted, the agency would have 7 ballots and 4 / 7 = 57,1 %.
/// </summary>
public sealed class OfficialFiguresJourneyTests : IAsyncLifetime
{
    private const string ServiceNumber = "+15005550006";
    private const string PublicBaseUrl = "http://localhost";
    private const string SampledComment = "Can bo huong dan tan tinh";
    private static readonly TimeSpan Pause = TimeSpan.FromSeconds(10);

    /// <summary>20 March 2026, 10:00 in Hai Phong: inside the default send window (08:00–20:00), the wave's period running.</summary>
    private static readonly DateTimeOffset Now = new(2026, 3, 20, 3, 0, 0, TimeSpan.Zero);

    /// <summary>The agency's completed procedures in March 2026: dossier, phone as imported, phone in E.164, result date.</summary>
    private static readonly (string Dossier, string Phone, string E164, string Date)[] Dossiers =
    [
        ("HS-2026-001", "0912000101", "+84912000101", "2026-03-11"),
        ("HS-2026-002", "0912000102", "+84912000102", "2026-03-12"),
        ("HS-2026-003", "0912000103", "+84912000103", "2026-03-13"),
        ("HS-2026-004", "0912000104", "+84912000104", "2026-03-14"),
    ];

    private readonly CallbackRelay _relay = new();
    private TwilioFake _twilio = null!;
    private AgencyChatHost _host = null!;
    private HttpClient _webhooks = null!;
    private int _sid;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        // Twilio's status callbacks reach the in-memory host through its handler (the relay is wired once it exists).
        _twilio = await TwilioFake.StartAsync(new TwilioFakeOptions { CallbackHandler = _relay }, Cancel);
        _host = await AgencyChatHost.StartAsync(Now,
        [
            .. _twilio.ConfigurationValues(ServiceNumber).Select(s => (s.Key, s.Value)),
            ("App:PublicBaseUrl", PublicBaseUrl),
            ("Twilio:PublicBaseUrl", PublicBaseUrl),
            ("WebChat:Questionnaire", "sipas-sms"),
        ]);
        _relay.InnerHandler = _host.Factory.Server.CreateHandler();
        _webhooks = _host.Factory.CreateClient();
    }

    public async ValueTask DisposeAsync()
    {
        _webhooks.Dispose();
        await _host.DisposeAsync();
        await _twilio.DisposeAsync();
        _relay.Dispose();
    }

    [Fact]
    public async Task OfficialFigures_Should_CountSampledAndVerifiedBallotsOnly_When_AWaveRunsThroughItsRealChannels()
    {
        // 1. The catalogue and the agency's completed procedures, through the admin API.
        await _host.SeedCatalogueAsync();
        await _host.ImportAsync(Dossiers.Select(d => (d.Dossier, "A1", d.Phone, d.Date)).ToArray());

        // 2. A wave over March 2026 for A1: target 3 at an expected response rate of 100 % → 3 of the 4 dossiers drawn.
        var wave = await CreateAndStartWaveAsync();
        _host.Clock.Advance(TimeSpan.FromSeconds(1)); // the three planned sends (0,1 s apart from the start) are due
        Assert.Equal(3, await Job<SendDueJob>().SendAsync(Cancel));

        var invited = _twilio.Messages.Select(m => m.To).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(3, invited.Distinct().Count());
        Assert.All(_twilio.Messages, m =>
        {
            Assert.Equal(ServiceNumber, m.From);
            Assert.Contains("Cau 1/7", m.Body, StringComparison.Ordinal);
        });
        var free = Assert.Single(Dossiers, d => !invited.Contains(d.E164));
        foreach (var message in _twilio.Messages)
            Assert.Equal(HttpStatusCode.NoContent, await _twilio.SendStatusCallbackAsync(message.Sid, "delivered", cancellationToken: Cancel));

        // 3. The three sampled citizens answer by SMS, every rating 4 (the first one adds a comment, the others skip it).
        foreach (var phone in invited)
        {
            var last = "";
            foreach (var answer in new[] { "4", "4", "4", "4", "4", "4", phone == invited[0] ? SampledComment : "0" })
            {
                _host.Clock.Advance(Pause);
                last = await ReplyBySmsAsync(phone, answer);
            }

            Assert.StartsWith("Cam on Ong/Ba da tham gia khao sat!", last, StringComparison.Ordinal);
        }

        // 4. Three invitation-free chats skip the dossier question ("Bỏ qua") and answer every rating with 1: open.
        for (var i = 1; i <= 3; i++)
        {
            using var citizen = _host.NewCitizen($"10.0.1.{i}");
            await citizen.OpenAsync();
            var skipped = await citizen.SayAsync("0");
            Assert.Contains("không tính vào kết quả chính thức", Citizen.Text(skipped[0]), StringComparison.Ordinal);
            Assert.Equal(7, await citizen.AnswerAllAsync(_ => 1, Pause));
        }

        // 5. One invitation-free chat names the dossier nobody was invited for, and its phone's last 4 digits: verified.
        using (var citizen = _host.NewCitizen("10.0.1.4"))
        {
            await citizen.OpenAsync();
            await citizen.SayAsync(free.Dossier);
            var verified = await citizen.SayAsync(free.Phone[^4..]);
            Assert.Equal("Đã xác minh hồ sơ. Cảm ơn Ông/Bà!", Citizen.Text(verified[0]));
            Assert.StartsWith("Câu 1/7", Citizen.Text(verified[^1]), StringComparison.Ordinal);
            Assert.Equal(7, await citizen.AnswerAllAsync(_ => 5, Pause));
        }

        // 6. The administrator publishes the wave; the minutely score refresh runs (test hosts have no schedule).
        using (var published = await _host.Admin.PostAsync($"/api/admin/waves/{wave}/publish", null, Cancel))
            Assert.Equal(HttpStatusCode.OK, published.StatusCode);
        await Job<ScoreRefreshJob>().RunAsync(Cancel);

        await AssertPublicApiAsync(wave);
        await AssertPublicPageAsync(wave);
        await AssertAdminResultsAsync(wave);
        await AssertResponsesApiAsync(wave, invited);
        await AssertExportsAsync(wave, invited);
    }

    /// <summary>The public API: 4 valid ballots, index 100 %, mean 4,25, on every element too; Wilson intervals at 100 %.</summary>
    private async Task AssertPublicApiAsync(long wave)
    {
        using var anonymous = _host.Factory.CreateClient();
        var results = await anonymous.GetFromJsonAsync<JsonElement>($"/api/public/results?wave={wave}", Cancel);
        Assert.Equal("official", results.GetProperty("ballots").GetString());
        Assert.Equal(["speeder"], results.GetProperty("excludedFlags").EnumerateArray().Select(f => f.GetString()));
        var agency = Assert.Single(results.GetProperty("agencies").EnumerateArray());
        Assert.Equal("A1", agency.GetProperty("agencyCode").GetString());
        Assert.Equal(4, agency.GetProperty("responses").GetInt32());
        Assert.Equal(100.0, agency.GetProperty("index").GetDouble(), 9);
        Assert.Equal(4.25, agency.GetProperty("mean").GetDouble(), 9);
        // Wilson at 100 %: the lower bound is 1 / (1 + z²/n). Every answer is on the same side, so there is no spread to
        // linearise and n is the 4 people behind the figure, not their 20 answers.
        Assert.Equal(100 / (1 + 1.96 * 1.96 / 4), agency.GetProperty("ciLow").GetDouble(), 6);
        Assert.Equal(100.0, agency.GetProperty("ciHigh").GetDouble(), 9);
        Assert.Equal(4, agency.GetProperty("count").GetInt32()); // 4 ballots …
        Assert.Equal(20, agency.GetProperty("answers").GetInt32()); // … 5 elements × 4 valid answers
        Assert.Equal("department", agency.GetProperty("block").GetString());
        // Response rate: 3 delivered invitations, 3 completed.
        Assert.Equal(3, agency.GetProperty("deliveredInvitations").GetInt32());
        Assert.Equal(1.0, agency.GetProperty("responseRate").GetDouble(), 9);

        var elements = agency.GetProperty("elements").EnumerateArray().ToList();
        Assert.Equal(["E1", "E2", "E3", "E4", "E5"], elements.Select(e => e.GetProperty("elementCode").GetString()));
        Assert.All(elements, e =>
        {
            Assert.Equal(4, e.GetProperty("count").GetInt32());
            Assert.Equal(100.0, e.GetProperty("index").GetDouble(), 9);
            Assert.Equal(4.25, e.GetProperty("mean").GetDouble(), 9);
            Assert.Equal(100 / (1 + 1.96 * 1.96 / 4), e.GetProperty("ciLow").GetDouble(), 6);
        });
        var overallQuestion = agency.GetProperty("overallQuestion");
        Assert.Equal(4, overallQuestion.GetProperty("count").GetInt32());
        Assert.Equal(4.25, overallQuestion.GetProperty("mean").GetDouble(), 9);

        var overall = results.GetProperty("overall");
        Assert.Equal(4, overall.GetProperty("responses").GetInt32());
        Assert.Equal(100.0, overall.GetProperty("index").GetDouble(), 9);
        Assert.Equal(4.25, overall.GetProperty("mean").GetDouble(), 9);
        Assert.DoesNotContain(SampledComment, results.GetRawText(), StringComparison.Ordinal);
        Assert.All(Dossiers, d => Assert.DoesNotContain(d.Phone[1..], results.GetRawText(), StringComparison.Ordinal));
    }

    /// <summary>The public page shows the same 4 ballots, interim, with nothing of the open answers.</summary>
    private async Task AssertPublicPageAsync(long wave)
    {
        using var anonymous = _host.Factory.CreateClient();
        var page = await HtmlPage.GetOkAsync(anonymous, $"/results?wave={wave}");
        var overall = page.One("#overall");
        Assert.Equal("4", Figure(overall, "responses"));
        Assert.Equal("100,0%", Figure(overall, "index"));
        Assert.Equal("4,25", Figure(overall, "mean"));
        Assert.Equal("4", Figure(page.One("#agencies").One("[data-agency='A1']"), "responses"));
        Assert.Contains("Tạm tính", page.One("#figures-kind").Text(), StringComparison.Ordinal);
        Assert.Empty(page.All("#open-answers"));
        Assert.All(Dossiers, d => Assert.DoesNotContain(d.Phone[1..], page.Source, StringComparison.Ordinal));
    }

    /// <summary>The admin results page: the official 4 in the tiles and the ranking, the 3 open ones apart.</summary>
    private async Task AssertAdminResultsAsync(long wave)
    {
        using var admin = await _host.Factory.SignedInClientAsync();
        var page = await HtmlPage.GetOkAsync(admin, $"/admin/results?wave={wave}");
        var tiles = page.One("#overall");
        Assert.Equal("4", Figure(tiles, "responses"));
        Assert.Equal("100,0%", Figure(tiles, "index"));
        Assert.Equal("4,25", Figure(tiles, "mean"));
        Assert.Equal("4", Figure(page.One("#agencies").One("[data-agency='A1']"), "responses"));
        Assert.Contains(SampledComment, page.One("#comments").Text(), StringComparison.Ordinal);

        var open = page.One("#open-answers");
        Assert.Contains("chưa xác minh", open.Text(), StringComparison.Ordinal);
        Assert.Equal("3", Figure(open, "open-responses"));
        Assert.Equal("0,0%", Figure(open, "open-index"));
        Assert.Equal("1,00", Figure(open, "open-mean"));
        Assert.Equal("3", Figure(open.One("#open-agencies").One("[data-agency='A1']"), "responses"));
    }

    /// <summary>The admin responses API: each of the 7 ballots with its provenance, completed, with no flag.</summary>
    private async Task AssertResponsesApiAsync(long wave, List<string> invited)
    {
        var responses = (await _host.Admin.GetFromJsonAsync<JsonElement>($"/api/admin/waves/{wave}/responses", Cancel))
            .EnumerateArray().ToList();
        Assert.Equal(
            ["sampled", "sampled", "sampled", "open", "open", "open", "verified"],
            responses.Select(r => r.GetProperty("provenance").GetString()));
        Assert.All(responses, r =>
        {
            Assert.Equal("completed", r.GetProperty("status").GetString());
            Assert.Empty(r.GetProperty("flags").EnumerateArray());
        });
        Assert.Equal(["sms", "sms", "sms", "webchat", "webchat", "webchat", "webchat"], responses.Select(r => r.GetProperty("channel").GetString()));
        // Sampled ballots carry their invitation and a masked phone; the invitation-free ones neither.
        Assert.Equal(
            invited.Select(p => "+8491*****" + p[^2..]), // +84 9120001xx: the country code and 2 digits, then the last 2
            responses.Take(3).Select(r => r.GetProperty("phone").GetString()));
        Assert.All(responses.Take(3), r => Assert.Equal(JsonValueKind.Number, r.GetProperty("invitationId").ValueKind));
        Assert.All(responses.Skip(3), r =>
        {
            Assert.Equal(JsonValueKind.Null, r.GetProperty("invitationId").ValueKind);
            Assert.Equal(JsonValueKind.Null, r.GetProperty("phone").ValueKind);
        });
        Assert.Equal(
            [4, 4, 4, 1, 1, 1, 5],
            responses.Select(r => r.GetProperty("answers").EnumerateArray()
                .Where(a => a.GetProperty("question").GetString() != "COMMENT")
                .Select(a => int.Parse(a.GetProperty("value").GetString()!, CultureInfo.InvariantCulture))
                .Distinct().Single()));
        var raw = string.Join("", responses.Select(r => r.GetRawText()));
        Assert.All(Dossiers, d => Assert.DoesNotContain(d.Phone[1..], raw, StringComparison.Ordinal));
    }

    /// <summary>
    /// The admin exports: the figures of the 4 valid ballots, and the ballots sheet (XLSX) and table (CSV) listing all 7
    /// completed ballots with their provenance, flags and whether they count — no phone anywhere.
    /// </summary>
    private async Task AssertExportsAsync(long wave, List<string> invited)
    {
        using var admin = await _host.Factory.SignedInClientAsync();
        using var xlsx = await admin.GetAsync($"/admin/results/export?wave={wave}&format=xlsx", Cancel);
        Assert.Equal(HttpStatusCode.OK, xlsx.StatusCode);
        using var workbook = new MemoryStream(await xlsx.Content.ReadAsByteArrayAsync(Cancel));
        Assert.Equal(["Chỉ số", "Khối", "Cần cải thiện", "Phiếu", "Ý kiến", "Cách tính"], MiniExcel.GetSheetNames(workbook));

        var figures = Sheet(workbook, "Chỉ số");
        var agencyOverall = Assert.Single(figures, r => (string?)r["Mã đơn vị"] == "A1" && (string?)r["Cấp"] == "overall");
        Assert.Equal(4, Convert.ToInt32(agencyOverall["Phiếu hoàn thành"], CultureInfo.InvariantCulture));
        Assert.Equal(100.0, Convert.ToDouble(agencyOverall["Chỉ số (%)"], CultureInfo.InvariantCulture), 9);
        Assert.Equal(4.25, Convert.ToDouble(agencyOverall["Điểm trung bình (1–5)"], CultureInfo.InvariantCulture), 9);

        // One row per completed ballot, in the order they were completed.
        var ballots = Sheet(workbook, "Phiếu");
        Assert.Equal(Enumerable.Range(1, 7), ballots.Select(r => Convert.ToInt32(r["STT"], CultureInfo.InvariantCulture)));
        Assert.Equal(
            ["sampled", "sampled", "sampled", "open", "open", "open", "verified"],
            ballots.Select(r => (string?)r["Mã nguồn phiếu"]));
        Assert.Equal(
            [
                "Chọn mẫu, mời qua SMS", "Chọn mẫu, mời qua SMS", "Chọn mẫu, mời qua SMS",
                "Chưa xác minh", "Chưa xác minh", "Chưa xác minh", "Đã xác minh mã hồ sơ",
            ],
            ballots.Select(r => (string?)r["Nguồn phiếu"]));
        Assert.Equal(["có", "có", "có", "không", "không", "không", "có"], ballots.Select(r => (string?)r["Tính vào kết quả chính thức"]));
        Assert.Equal(["", "", "", "chưa xác minh", "chưa xác minh", "chưa xác minh", ""], ballots.Select(r => (string?)r["Lý do không tính"] ?? ""));
        Assert.All(ballots, r => Assert.Equal("", (string?)r["Cờ"] ?? ""));
        Assert.Equal(["SMS", "SMS", "SMS", "Web chat", "Web chat", "Web chat", "Web chat"], ballots.Select(r => (string?)r["Kênh"]));
        Assert.All(ballots, r => Assert.Equal("A1", r["Mã đơn vị"]));
        // The counted rows are exactly the ballots behind the figures.
        Assert.Equal(4, ballots.Count(r => (string?)r["Tính vào kết quả chính thức"] == "có"));
        // Times in Hai Phong: the first SMS ballot completes with its 7th reply, 1 s + 7 × 10 s after 10:00:00.
        Assert.Equal("2026-03-20 10:01:11", ballots[0]["Hoàn thành lúc"]);

        // The comment of the first sampled ballot, with its ballot's provenance.
        var comment = Assert.Single(Sheet(workbook, "Ý kiến"));
        Assert.Equal(SampledComment, comment["Ý kiến"]);
        Assert.Equal("Chọn mẫu, mời qua SMS", comment["Nguồn phiếu"]);

        var everything = string.Join("|", new[] { figures, ballots }.SelectMany(s => s).SelectMany(r => r.Values));
        Assert.All(Dossiers, d => Assert.DoesNotContain(d.Phone[1..], everything, StringComparison.Ordinal));
        Assert.All(Dossiers, d => Assert.DoesNotContain(d.Dossier, everything, StringComparison.Ordinal));

        // The ballots as CSV: the same rows, read back with CsvHelper.
        using var csvResponse = await admin.GetAsync($"/admin/results/export?wave={wave}&format=csv&table=ballots", Cancel);
        Assert.Equal(HttpStatusCode.OK, csvResponse.StatusCode);
        Assert.EndsWith(".csv", csvResponse.Content.Headers.ContentDisposition?.FileNameStar, StringComparison.Ordinal);
        Assert.Contains("phieu", csvResponse.Content.Headers.ContentDisposition?.FileNameStar, StringComparison.Ordinal);
        using var csvStream = new MemoryStream(await csvResponse.Content.ReadAsByteArrayAsync(Cancel));
        await using var csv = CsvReader.Create(csvStream, null, leaveOpen: true);
        await csv.ReadHeaderAsync(Cancel);
        var column = csv.Headers.Select((h, i) => (h, i)).ToDictionary(x => x.h, x => x.i);
        var rows = new List<(string Provenance, string Counted, string Flags)>();
        while (await csv.ReadAsync(Cancel))
            rows.Add((csv.GetString(column["Mã nguồn phiếu"]), csv.GetString(column["Tính vào kết quả chính thức"]), csv.GetString(column["Cờ"])));
        Assert.Equal(
            ballots.Select(r => ((string)r["Mã nguồn phiếu"]!, (string)r["Tính vào kết quả chính thức"]!, (string?)r["Cờ"] ?? "")),
            rows);
        Assert.DoesNotContain(invited[0][3..], await csvResponse.Content.ReadAsStringAsync(Cancel), StringComparison.Ordinal);
    }

    private async Task<long> CreateAndStartWaveAsync()
    {
        using var created = await _host.Admin.PostAsJsonAsync("/api/admin/waves", new
        {
            name = "Đợt tháng 3/2026",
            questionnaire = "sipas-sms",
            resultsFrom = "2026-03-01",
            resultsTo = "2026-03-31",
            agencies = new[] { new { agencyCode = "A1", target = 3 } },
            expectedResponseRate = 1.0,
            seed = 2026,
        }, Cancel);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var wave = (await created.Content.ReadFromJsonAsync<JsonElement>(Cancel)).GetProperty("id").GetInt64();
        using var started = await _host.Admin.PostAsync($"/api/admin/waves/{wave}/start", null, Cancel);
        Assert.Equal(HttpStatusCode.OK, started.StatusCode);
        var progress = await _host.Admin.GetFromJsonAsync<JsonElement>($"/api/admin/waves/{wave}", Cancel);
        Assert.Equal("running", progress.GetProperty("status").GetString());
        Assert.Equal(3, progress.GetProperty("planned").GetInt32());
        return wave;
    }

    /// <summary>Posts the citizen's SMS to the webhook, signed as Twilio signs it, and returns the one TwiML reply.</summary>
    private async Task<string> ReplyBySmsAsync(string phone, string body)
    {
        var sid = "SM" + (++_sid).ToString("x32", CultureInfo.InvariantCulture);
        List<KeyValuePair<string, string>> form =
        [
            new("MessageSid", sid),
            new("SmsSid", sid),
            new("AccountSid", _twilio.AccountSid),
            new("From", phone),
            new("To", ServiceNumber),
            new("Body", body),
            new("NumMedia", "0"),
            new("ApiVersion", TwilioFake.ApiVersion),
        ];
        using var request = TwilioSignature.SignedPost(_twilio.AuthToken, $"{PublicBaseUrl}/api/sms/twilio", form);
        using var response = await _webhooks.SendAsync(request, Cancel);
        var content = await response.Content.ReadAsStringAsync(Cancel);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"The webhook answered {(int)response.StatusCode}: {content}");
        return Assert.Single(XDocument.Parse(content).Descendants("Message")).Value;
    }

    private T Job<T>()
        where T : notnull => ActivatorUtilities.CreateInstance<T>(_host.Factory.Services);

    private static List<IDictionary<string, object?>> Sheet(Stream workbook, string name) =>
        MiniExcel.Query(workbook, useHeaderRow: true, sheetName: name, excelType: ExcelType.XLSX).Cast<IDictionary<string, object?>>().ToList();

    /// <summary>Hands the fake's status callbacks to the in-memory host, whose handler exists only once it has started.</summary>
    private sealed class CallbackRelay : DelegatingHandler;
}
