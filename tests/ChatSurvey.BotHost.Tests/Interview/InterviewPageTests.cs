using System.Net;
using System.Net.Http.Json;
using ChatSurvey.BotHost.Tests.Admin;
using ChatSurvey.BotHost.Tests.Pages;
using ChatSurvey.BotHost.Tests.WebChat;
using ChatSurvey.Dispatcher.Jobs;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace ChatSurvey.BotHost.Tests.Interview;

/// <summary>
/// One host for the class: agency A1 in a running wave over March 2025 (questionnaire <c>sipas-sms</c>, 7 questions)
/// whose one invitation went to dossier HS-INV; A1 dossiers imported after the draw; a staff phone's dossier, one
/// outside the period, and one of A2 (no running wave). Volunteer <c>tnv1</c> interviews at A1 and A2, <c>tnv2</c> at A1.
/// </summary>
public sealed class InterviewPageFixture : IAsyncLifetime
{
    internal AgencyChatHost Host { get; private set; } = null!;

    public long WaveId { get; private set; }

    public long First { get; private set; }

    public long Second { get; private set; }

    public async ValueTask InitializeAsync()
    {
        Host = await AgencyChatHost.StartAsync(new DateTimeOffset(2025, 3, 20, 3, 0, 0, TimeSpan.Zero));
        await Host.SeedCatalogueAsync();
        await Host.ImportAsync(("HS-INV", "A1", "0912000100", "2025-03-02"));
        WaveId = await Host.StartWaveAsync("sipas-sms");
        await Host.ImportAsync(
        [
            .. Enumerable.Range(1, 11).Select(i => ($"HS-{i}", "A1", $"091200{i:D4}", $"2025-03-{i + 2:D2}")),
            ("HS-STAFF", "A1", "0912009999", "2025-03-06"),
            ("HS-OLD", "A1", "0912004444", "2025-01-10"),
            ("HS-B", "A2", "0912006666", "2025-03-07"),
        ]);
        await Host.ExecuteAsync("INSERT INTO staff_phones (agency_id, phone) SELECT id, '+84912009999' FROM agencies WHERE code = 'A1'");
        First = await Volunteers.CreateAsync(Host.DataSource, "tnv1", "A1", "A2");
        Second = await Volunteers.CreateAsync(Host.DataSource, "tnv2", "A1");
    }

    public async ValueTask DisposeAsync() => await Host.DisposeAsync();
}

/// <summary>The <c>/interview</c> pages over HTTP (AngleSharp) and PostgreSQL: the flow, the dossier checks, paper ballots, access.</summary>
public sealed class InterviewPageTests(InterviewPageFixture fixture) : IClassFixture<InterviewPageFixture>
{
    private static readonly TimeSpan Pause = TimeSpan.FromSeconds(6);
    private readonly AgencyChatHost _host = fixture.Host;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Interview_Should_StoreEachAnswerAndResumeAtTheNextQuestion_When_ThePageIsReloadedHalfWay()
    {
        using var volunteer = await VolunteerClient.SignInAsync(_host.Factory, "tnv1");
        var start = await volunteer.GetAsync("/interview");
        // Other tests of the class may have saved ballots for the same volunteer today: count from here.
        var savedBefore = int.Parse(start.One("#completed-today").Text(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(["A1", "A2"], start.All("input[name=Agency]").Select(i => i.Attribute("value")).Order());
        // The camera button is for scripts to show: without them the typed code is the way.
        Assert.True(start.One("#scan").HasAttribute("hidden"));
        Assert.Contains("chưa có đợt khảo sát đang chạy", start.All(".iv-agency").Single(l => l.Text().Contains("phường Lê Chân", StringComparison.Ordinal)).Text(), StringComparison.Ordinal);

        // The check shows the consent line to read aloud, and stores nothing yet.
        var consent = await volunteer.CheckAsync("A1", " hs-1 ");
        Assert.Contains("Ông/Bà có đồng ý trả lời không?", consent.One("#consent .iv-readaloud").Text(), StringComparison.Ordinal);
        Assert.Contains("Sở Tư pháp", consent.One("#consent .iv-readaloud").Text(), StringComparison.Ordinal);
        Assert.Equal("hs-1", consent.One("#consent input[name=DossierCode]").Attribute("value"));
        Assert.Equal(0L, await BallotsOfAsync("HS-1"));

        var (id, _) = await volunteer.StartAsync("A1", "hs-1");
        Assert.NotNull(id);
        var page = await volunteer.BallotAsync(id!);
        Assert.Equal("Câu 1/7", page.One(".iv-q-head").Text()[..7]);
        Assert.Equal(["1", "2", "3", "4", "5"], page.All("#question .iv-options button").Select(b => b.Attribute("value")));
        Assert.Empty(page.All(".iv-back")); // nothing before the first question

        // Three answers, each stored as it is given.
        var lastStep = "";
        foreach (var (rating, count) in new[] { ("4", 1L), ("5", 2L), ("3", 3L) })
        {
            _host.Clock.Advance(Pause);
            lastStep = page.One("#question input[name=step]").Attribute("value");
            page = await volunteer.AnswerAsync(id!, page, rating);
            Assert.Equal(count, await AnswersAsync(id!));
        }

        // A reload (or a new tab after a dropped connection) resumes at the fourth question.
        var reloaded = await volunteer.BallotAsync(id!);
        Assert.StartsWith("Câu 4/7", reloaded.One(".iv-q-head").Text(), StringComparison.Ordinal);
        Assert.Equal("partial", await _host.ScalarAsync<string>("SELECT status FROM responses WHERE conversation_id = $1", id!));

        // The third answer's form sent again (the connection dropped before the redirect came back) records nothing.
        using (var resent = await volunteer.PostAsync($"/interview/{id}", ("step", lastStep), ("answer", "1")))
            Assert.Equal(HttpStatusCode.Redirect, resent.StatusCode);
        Assert.Equal(3L, await AnswersAsync(id!));
        Assert.Equal(3, await _host.ScalarAsync<short>(
            "SELECT a.rating FROM answers a JOIN responses r ON r.id = a.response_id WHERE r.conversation_id = $1 ORDER BY a.id DESC LIMIT 1", id!));
        Assert.StartsWith("Câu 4/7", (await volunteer.BallotAsync(id!)).One(".iv-q-head").Text(), StringComparison.Ordinal);

        // "Câu trước" goes back to the third; its new answer replaces the old one.
        _host.Clock.Advance(Pause);
        page = await volunteer.AnswerAsync(id!, reloaded, "lại");
        Assert.StartsWith("Câu 3/7", page.One(".iv-q-head").Text(), StringComparison.Ordinal);
        _host.Clock.Advance(Pause);
        page = await volunteer.AnswerAsync(id!, page, "4");
        Assert.StartsWith("Câu 4/7", page.One(".iv-q-head").Text(), StringComparison.Ordinal);
        Assert.Equal(3L, await AnswersAsync(id!));

        var saved = await volunteer.AnswerAllAsync(id!, 4, () => _host.Clock.Advance(Pause));
        Assert.Equal("Đã lưu phiếu", saved.One("#saved h1").Text());
        Assert.Contains("Cảm ơn Ông/Bà", saved.One("#saved .iv-readaloud").Text(), StringComparison.Ordinal);
        Assert.Equal("/interview?agency=A1", saved.One("#next").Attribute("href"));
        Assert.Equal("Phỏng vấn người tiếp theo", saved.One("#next").Text());

        // The ballot: the volunteer's, interviewer provenance on the interviewer channel, the dossier's wave and transaction.
        var dossier = await _host.ScalarAsync<long>("SELECT id FROM transactions WHERE dossier_code = 'HS-1'");
        Assert.Equal(
            $"completed|interviewer|interviewer|{fixture.WaveId}|{dossier}|{fixture.First}||f|f",
            await _host.ScalarAsync<string>(
                """
                SELECT concat_ws('|', r.status, r.provenance, r.channel, r.wave_id, r.transaction_id, r.interviewer_id,
                                 coalesce(r.paper_serial, ''), r.speeder, r.straight_liner)
                FROM responses r WHERE r.conversation_id = $1
                """, id!));
        Assert.Equal("interviewer", await _host.ScalarAsync<string>("SELECT channel FROM conversations WHERE id = $1", id!));
        Assert.Equal(7L, await AnswersAsync(id!));
        var home = await volunteer.GetAsync("/interview");
        Assert.Equal(savedBefore + 1, int.Parse(home.One("#completed-today").Text(), System.Globalization.CultureInfo.InvariantCulture));
        // The unit's count beside the volunteer's own, as the movement counts them (other volunteers of the unit may add to it).
        Assert.StartsWith("Đoàn phường Lê Chân: hôm nay", home.One("#unit-progress").Text(), StringComparison.Ordinal);
        Assert.True(int.Parse(home.One("#unit-total").Text(), System.Globalization.CultureInfo.InvariantCulture) >= 1);
    }

    [Fact]
    public async Task SecondBallot_Should_BeRefusedWithAClearMessage_When_TheDossierHasOneInTheWave()
    {
        using var volunteer = await VolunteerClient.SignInAsync(_host.Factory, "tnv1");
        var (id, _) = await volunteer.StartAsync("A1", "HS-2");
        Assert.NotNull(id);
        await volunteer.AnswerAllAsync(id!, 5, () => _host.Clock.Advance(Pause));

        using var other = await VolunteerClient.SignInAsync(_host.Factory, "tnv2");
        var refused = await other.CheckAsync("A1", "HS-2");
        Assert.Equal(
            "Hồ sơ HS-2 đã có phiếu khảo sát trong đợt này (qua SMS, web hoặc phỏng vấn). Mỗi hồ sơ chỉ được đánh giá một lần, nên không ghi thêm phiếu.",
            refused.One("#refusal").Text());
        Assert.Empty(refused.All("#consent"));
        var (again, page) = await other.StartAsync("A1", "HS-2");
        Assert.Null(again);
        Assert.Contains("đã có phiếu khảo sát", page!.One("#refusal").Text(), StringComparison.Ordinal);
        Assert.Equal(1L, await BallotsOfAsync("HS-2"));
    }

    [Fact]
    public async Task Dossier_Should_GetOneBallot_When_TwoVolunteersStartItAtTheSameMoment()
    {
        using var left = await VolunteerClient.SignInAsync(_host.Factory, "tnv1");
        using var right = await VolunteerClient.SignInAsync(_host.Factory, "tnv2");
        await left.GetAsync("/interview");
        await right.GetAsync("/interview");

        // Both checks pass before either claims: the wave's one-ballot-per-dossier key decides.
        var started = await Task.WhenAll(left.StartAsync("A1", "HS-3"), right.StartAsync("A1", "HS-3"));

        Assert.Single(started, s => s.Id is not null);
        var refused = Assert.Single(started, s => s.Id is null).Refused!;
        Assert.Contains("Mỗi hồ sơ chỉ được đánh giá một lần", refused.One("#refusal").Text(), StringComparison.Ordinal);
        Assert.Equal(1L, await BallotsOfAsync("HS-3"));
    }

    [Fact]
    public async Task Start_Should_ResumeTheVolunteersOwnBallot_When_SentTwice()
    {
        using var volunteer = await VolunteerClient.SignInAsync(_host.Factory, "tnv2");

        // One after the other (the redirect was lost), and both at once (a double tap).
        var (first, _) = await volunteer.StartAsync("A1", "HS-10");
        var (again, _) = await volunteer.StartAsync("A1", "HS-10");
        var checkedAgain = await volunteer.PostAsync("/interview?handler=Check", ("Agency", "A1"), ("DossierCode", "HS-10"));
        var tapped = await Task.WhenAll(volunteer.StartAsync("A1", "HS-11"), volunteer.StartAsync("A1", "HS-11"));

        Assert.NotNull(first);
        Assert.Equal(first, again);
        Assert.Equal(HttpStatusCode.Redirect, checkedAgain.StatusCode);
        Assert.Equal($"/interview/{first}", checkedAgain.Headers.Location!.OriginalString);
        checkedAgain.Dispose();
        Assert.NotNull(tapped[0].Id);
        Assert.Equal(tapped[0].Id, tapped[1].Id);
        Assert.Equal(1L, await BallotsOfAsync("HS-10"));
        Assert.Equal(1L, await BallotsOfAsync("HS-11"));
    }

    [Theory]
    [InlineData("A1", "HS-NONE", "Không tìm thấy hồ sơ có mã HS-NONE tại Sở Tư pháp.")]
    [InlineData("A1", "HS-OLD", "Hồ sơ HS-OLD không có ngày trả kết quả trong kỳ của đợt khảo sát nào đang chạy tại Sở Tư pháp")]
    [InlineData("A1", "HS-STAFF", "Hồ sơ HS-STAFF không thuộc diện khảo sát")]
    [InlineData("A2", "HS-B", "Hồ sơ HS-B không có ngày trả kết quả trong kỳ của đợt khảo sát nào đang chạy tại UBND phường Lê Chân")]
    [InlineData("A1", "HS-B", "Không tìm thấy hồ sơ có mã HS-B tại Sở Tư pháp.")]
    [InlineData("A1", "", "Vui lòng nhập Mã hồ sơ")]
    [InlineData("A3", "HS-4", "Vui lòng chọn một cơ quan được phân công cho bạn.")]
    public async Task Dossier_Should_BeRefusedWithItsReasonAndNothingStored_When_ItCannotTakeABallot(string agency, string code, string message)
    {
        using var volunteer = await VolunteerClient.SignInAsync(_host.Factory, "tnv1");
        var before = await _host.ScalarAsync<long>("SELECT count(*) FROM responses");

        var checkedPage = await volunteer.CheckAsync(agency, code);
        var (id, started) = await volunteer.StartAsync(agency, code);

        Assert.Contains(message, checkedPage.One("#refusal").Text(), StringComparison.Ordinal);
        Assert.Empty(checkedPage.All("#consent"));
        Assert.Null(id);
        Assert.Contains(message, started!.One("#refusal").Text(), StringComparison.Ordinal);
        Assert.Equal(before, await _host.ScalarAsync<long>("SELECT count(*) FROM responses"));
    }

    [Fact]
    public async Task SampledDossier_Should_BeRefused_When_InvitedAndWhenAnsweredBySms()
    {
        using var volunteer = await VolunteerClient.SignInAsync(_host.Factory, "tnv1");
        Assert.Contains("đã được chọn mẫu và mời khảo sát qua tin nhắn SMS",
            (await volunteer.CheckAsync("A1", "HS-INV")).One("#refusal").Text(), StringComparison.Ordinal);

        // The invitation goes out (simulator) and the citizen answers its first question by SMS.
        _host.Clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, await ActivatorUtilities.CreateInstance<SendDueJob>(_host.Factory.Services).SendAsync(Cancel));
        using (var replied = await _host.Admin.PostAsJsonAsync("/api/admin/simulator/messages", new { from = "0912000100", body = "4" }, Cancel))
            Assert.Equal(HttpStatusCode.OK, replied.StatusCode);
        Assert.Equal("sms|sampled", await _host.ScalarAsync<string>(
            "SELECT r.channel || '|' || r.provenance FROM responses r JOIN transactions t ON t.id = r.transaction_id WHERE t.dossier_code = 'HS-INV'"));

        var refused = await volunteer.CheckAsync("A1", "HS-INV");
        Assert.Contains("Hồ sơ HS-INV đã có phiếu khảo sát trong đợt này (qua SMS", refused.One("#refusal").Text(), StringComparison.Ordinal);
        Assert.Equal(1L, await BallotsOfAsync("HS-INV"));
    }

    [Fact]
    public async Task PaperBallot_Should_BeRecordedWithItsSerial_When_KeyedIn_And_TheSameSerialIsRefusedAfter()
    {
        using var volunteer = await VolunteerClient.SignInAsync(_host.Factory, "tnv1");
        var form = await volunteer.GetAsync("/interview?mode=paper&agency=A1");
        Assert.Equal("page", form.All(".iv-modes a").Single(a => a.Text() == "Nhập phiếu giấy").Attribute("aria-current"));
        Assert.Single(form.All("#dossier-form input[name=Serial][required]"));
        Assert.Equal("/interview?handler=Start", form.One("#dossier-form").Attribute("action"));

        // No consent step on paper: the ballot starts at once, with the serial as stored (upper case).
        var (id, _) = await volunteer.StartAsync("A1", "HS-5", " p-2025/001 ");
        Assert.NotNull(id);
        var first = await volunteer.BallotAsync(id!);
        Assert.Contains("Số phiếu P-2025/001", first.One("#ballot-of").Text(), StringComparison.Ordinal);
        // Keyed in at a keyer's pace (no time at all on the fake clock): the speeder flag does not apply to paper.
        var saved = await volunteer.AnswerAllAsync(id!, 3, () => { });
        Assert.Empty(saved.All("#saved .iv-readaloud"));
        Assert.Equal("/interview?mode=paper&agency=A1", saved.One("#next").Attribute("href"));

        var dossier = await _host.ScalarAsync<long>("SELECT id FROM transactions WHERE dossier_code = 'HS-5'");
        Assert.Equal(
            $"completed|interviewer|paper|{fixture.WaveId}|{dossier}|{fixture.First}|P-2025/001|f",
            await _host.ScalarAsync<string>(
                "SELECT concat_ws('|', status, provenance, channel, wave_id, transaction_id, interviewer_id, paper_serial, speeder) FROM responses WHERE conversation_id = $1",
                id!));
        Assert.Equal("paper", await _host.ScalarAsync<string>("SELECT channel FROM conversations WHERE id = $1", id!));

        // The same serial on another dossier, or the same paper keyed twice: refused, nothing stored.
        foreach (var code in new[] { "HS-6", "HS-5" })
        {
            var (again, refused) = await volunteer.StartAsync("A1", code, "P-2025/001");
            Assert.Null(again);
            Assert.Equal(
                "Số phiếu P-2025/001 đã được nhập trong đợt này. Mỗi phiếu giấy chỉ được nhập một lần; vui lòng kiểm tra lại số phiếu.",
                refused!.One("#refusal").Text());
        }

        Assert.Equal(0L, await BallotsOfAsync("HS-6"));
        Assert.Equal(1L, await _host.ScalarAsync<long>("SELECT count(*) FROM responses WHERE paper_serial = 'P-2025/001'"));
    }

    [Fact]
    public async Task Interview_Should_BeFlaggedSpeeder_When_AnsweredFasterThanAPersonCanSpeak()
    {
        using var volunteer = await VolunteerClient.SignInAsync(_host.Factory, "tnv2");
        var (id, _) = await volunteer.StartAsync("A1", "HS-4");

        await volunteer.AnswerAllAsync(id!, 4, () => _host.Clock.Advance(TimeSpan.FromSeconds(1)));

        Assert.Equal($"completed|t|{fixture.Second}", await _host.ScalarAsync<string>(
            "SELECT concat_ws('|', status, speeder, interviewer_id) FROM responses WHERE conversation_id = $1", id!));
    }

    [Theory]
    [InlineData("", "Vui lòng nhập số phiếu in trên phiếu giấy.")]
    [InlineData("#12", "Số phiếu chỉ gồm chữ, số và các dấu . / -")]
    [InlineData("P 12", "Số phiếu chỉ gồm chữ, số và các dấu . / -")]
    public async Task PaperBallot_Should_BeRefused_When_ItsSerialIsMissingOrMalformed(string serial, string message)
    {
        using var volunteer = await VolunteerClient.SignInAsync(_host.Factory, "tnv1");
        using var response = await volunteer.PostAsync("/interview?handler=Start", ("Agency", "A1"), ("DossierCode", "HS-7"), ("Mode", "paper"), ("Serial", serial));
        var page = await HtmlPage.ReadAsync(response);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(message, page.One("#refusal").Text(), StringComparison.Ordinal);
        Assert.Equal(0L, await BallotsOfAsync("HS-7"));
    }

    [Fact]
    public async Task Interview_Should_BeListedToResume_When_LeftUnfinished_And_ShownToNoOtherVolunteer()
    {
        using var volunteer = await VolunteerClient.SignInAsync(_host.Factory, "tnv1");
        var (id, _) = await volunteer.StartAsync("A1", "HS-8");
        var page = await volunteer.BallotAsync(id!);
        _host.Clock.Advance(Pause);
        await volunteer.AnswerAsync(id!, page, "5");

        var link = (await volunteer.GetAsync("/interview")).All("#unfinished a").Single(a => a.Attribute("href") == $"/interview/{id}");
        Assert.Contains("HS-8", link.Text(), StringComparison.Ordinal);

        using var other = await VolunteerClient.SignInAsync(_host.Factory, "tnv2");
        using (var foreign = await other.Http.GetAsync($"/interview/{id}", Cancel))
            Assert.Equal(HttpStatusCode.NotFound, foreign.StatusCode);
        using (var posted = await other.PostAsync($"/interview/{id}", ("step", page.One("input[name=step]").Attribute("value")), ("answer", "1")))
            Assert.Equal(HttpStatusCode.NotFound, posted.StatusCode);
        Assert.DoesNotContain(id!, (await other.GetAsync("/interview")).Source, StringComparison.Ordinal);
        Assert.Equal(1L, await AnswersAsync(id!));
    }

    [Fact]
    public async Task InterviewPages_Should_BeOpenToVolunteersOnly()
    {
        using var anonymous = _host.Factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        using (var response = await anonymous.GetAsync("/interview", Cancel))
        {
            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            Assert.Equal("/admin/login?ReturnUrl=%2Finterview", response.Headers.Location!.PathAndQuery);
        }

        using var admin = await _host.Factory.SignedInClientAsync();
        using (var response = await admin.GetAsync("/interview", Cancel))
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);

        // A volunteer lands on the interview page when signing in, and has no admin page.
        using var volunteer = _host.Factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
        using (var signedIn = await volunteer.SignInAsync("tnv2", Volunteers.Password))
            Assert.Equal("/interview", signedIn.Headers.Location!.OriginalString);
        using (var response = await volunteer.GetAsync("/admin/results", Cancel))
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task Answers_Should_NeedTheAntiforgeryToken()
    {
        using var volunteer = await VolunteerClient.SignInAsync(_host.Factory, "tnv1");
        using var response = await volunteer.Http.PostAsync("/interview?handler=Start",
            new FormUrlEncodedContent([new("Agency", "A1"), new("DossierCode", "HS-9")]), Cancel);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(0L, await BallotsOfAsync("HS-9"));
    }

    private Task<long> BallotsOfAsync(string dossier) => _host.ScalarAsync<long>(
        "SELECT count(*) FROM responses r JOIN transactions t ON t.id = r.transaction_id WHERE t.dossier_code = $1", dossier);

    private Task<long> AnswersAsync(string conversation) => _host.ScalarAsync<long>(
        "SELECT count(*) FROM answers a JOIN responses r ON r.id = a.response_id WHERE r.conversation_id = $1", conversation);
}
