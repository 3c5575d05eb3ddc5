using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ChatSurvey.Dispatcher.Jobs;
using ChatSurvey.TestSupport;
using Microsoft.Extensions.Time.Testing;
using Microsoft.Playwright;

namespace ChatSurvey.BotHost.Tests.Interview;

/// <summary>
/// A volunteer on a 390 px phone in Chromium: signs in, picks an agency, types a dossier code, reads the consent line,
/// answers the whole <c>sipas-sms</c> questionnaire with the big buttons (the comment typed), reloads half-way and goes
/// on at the next question; the ballot counts in the wave's public figures as an interviewer ballot; the same dossier
/// again, and one already answered by SMS, are refused. Real Kestrel, real PostgreSQL, Debian's chromium.
/// </summary>
[Collection(Browser.Collection)]
public sealed class InterviewBrowserTests : IAsyncLifetime
{
    private const string Comment = "Cán bộ một cửa hướng dẫn rất nhiệt tình.";

    // 20 March 2025, 10:00 in Hai Phong: the wave over March runs. Moved 6 s before each answer, as a person answers (a
    // ballot under 2 s per answer is a speeder and leaves the official figures this test checks).
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2025, 3, 20, 3, 0, 0, TimeSpan.Zero));
    private TestDatabase _database = null!;
    private BotHostFactory _factory = null!;
    private HttpClient _admin = null!;
    private string _baseUrl = "";

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _database = await (await PostgresServer.GetAsync()).CreateDatabaseAsync();
        (_factory, _baseUrl) = BotHostFactory.StartOnKestrel(_database.ConnectionString,
            [new("Storage:SeedDemoData", "false"), new("Dispatcher:Enabled", "false")], _clock);
        _admin = new HttpClient { BaseAddress = new Uri(_baseUrl) };
        _admin.DefaultRequestHeaders.Add("X-Api-Key", BotHostFactory.AdminKey);
    }

    public async ValueTask DisposeAsync()
    {
        _admin.Dispose();
        await _factory.DisposeAsync();
        await _database.DisposeAsync();
    }

    [Fact]
    public async Task Volunteer_Should_RecordAWholeInterviewOnAPhone_When_ReloadingHalfWay()
    {
        var wave = await SeedWaveAsync();
        await Volunteers.CreateAsync(_database.DataSource, "tnv.lechan", "A1", "A2");

        await using var browser = await Browser.LaunchAsync();
        var page = await browser.NewPageAsync(phone: true);

        // Signing in from /interview comes back to it.
        await page.GotoAsync(_baseUrl + "/interview");
        await page.GetByLabel("Tên đăng nhập").FillAsync("tnv.lechan");
        await page.GetByLabel("Mật khẩu").FillAsync(Volunteers.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Đăng nhập" }).ClickAsync();
        await page.WaitForURLAsync(_baseUrl + "/interview", new() { Timeout = 60_000 });

        await page.GetByText("Sở Tư pháp").ClickAsync();
        await page.GetByLabel("Mã hồ sơ").FillAsync("hs-2025-001");
        await page.GetByRole(AriaRole.Button, new() { Name = "Kiểm tra hồ sơ" }).ClickAsync();
        await Assertions.Expect(page.Locator("#consent .iv-readaloud")).ToContainTextAsync("Ông/Bà có đồng ý trả lời không?");
        await page.GetByRole(AriaRole.Button, new() { Name = "Người dân đồng ý — Bắt đầu" }).ClickAsync();

        var heading = page.Locator(".iv-q-head");
        await Assertions.Expect(heading).ToContainTextAsync("Câu 1/7");
        await AssertPhoneLayoutAsync(page);
        var reloaded = false;
        for (var answered = 0; await page.Locator("#saved").CountAsync() == 0; answered++)
        {
            Assert.True(answered < 12, "The interview did not end.");
            var at = await heading.InnerTextAsync();
            if (at.StartsWith("Câu 4/7", StringComparison.Ordinal) && !reloaded)
            {
                await Browser.ScreenshotAsync(page, "interview-phone");
                // Half-way: a reload (a dropped connection, a locked phone) resumes at the question waiting.
                await page.ReloadAsync();
                await Assertions.Expect(heading).ToContainTextAsync("Câu 4/7");
                Assert.Equal(3L, await AnswersAsync());
                reloaded = true;
            }

            _clock.Advance(TimeSpan.FromSeconds(6));
            var before = at;
            if (await page.Locator("#answer-text").CountAsync() > 0)
            {
                await page.Locator("#answer-text").FillAsync(Comment);
                await page.GetByRole(AriaRole.Button, new() { Name = "Lưu câu trả lời" }).ClickAsync();
            }
            else
            {
                // 5 on the even questions, 4 on the odd ones.
                var rating = answered % 2 == 0 ? "5" : "4";
                await page.Locator($"#question button[data-value='{rating}']").ClickAsync();
            }

            await Assertions.Expect(page.Locator($".iv-q-head:text-is('{before}')")).ToHaveCountAsync(0);
        }

        Assert.True(reloaded, "The page was reloaded half-way.");
        await Assertions.Expect(page.Locator("#saved h1")).ToHaveTextAsync("Đã lưu phiếu");
        await Browser.ScreenshotAsync(page, "interview-saved");
        Assert.Equal(7L, await AnswersAsync());

        // The next interview; the same dossier again is refused, and so is one already answered by SMS.
        await page.GetByRole(AriaRole.Button, new() { Name = "Phỏng vấn người tiếp theo" }).ClickAsync();
        await page.GetByLabel("Mã hồ sơ").FillAsync("HS-2025-001");
        await page.GetByRole(AriaRole.Button, new() { Name = "Kiểm tra hồ sơ" }).ClickAsync();
        await Assertions.Expect(page.Locator("#refusal")).ToContainTextAsync("Mỗi hồ sơ chỉ được đánh giá một lần");
        await page.GetByLabel("Mã hồ sơ").FillAsync("HS-2025-SMS");
        await page.GetByRole(AriaRole.Button, new() { Name = "Kiểm tra hồ sơ" }).ClickAsync();
        await Assertions.Expect(page.Locator("#refusal")).ToContainTextAsync("Hồ sơ HS-2025-SMS đã có phiếu khảo sát trong đợt này (qua SMS");
        await Assertions.Expect(page.Locator("#consent")).ToHaveCountAsync(0);
        await Browser.ScreenshotAsync(page, "interview-refused");
        Assert.Equal(2L, await _database.DataSource.ScalarAsync<long>("SELECT count(*) FROM responses", [], Cancel));

        await AssertOfficialAsync(wave);
    }

    [Fact]
    public async Task Camera_Should_FillTheDossierCodeFromTheReceiptsQrCode_When_TheVolunteerScansIt()
    {
        await SeedWaveAsync();
        await Volunteers.CreateAsync(_database.DataSource, "tnv.scan", "A1");
        // Chromium's fake camera films a receipt whose QR code is a one-stop-shop look-up link carrying the dossier code.
        var film = FakeCamera.Write(_database.Name + "-receipt.y4m", "https://dichvucong.haiphong.gov.vn/tra-cuu?maHoSo=HS-2025-001");

        using var cleanUp = new FileCleanUp(film);
        await using var browser = await Browser.LaunchAsync(
            "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream", $"--use-file-for-fake-video-capture={film}");
        var page = await browser.SignedInPageAsync(_baseUrl, "tnv.scan", Volunteers.Password);
        await page.SetViewportSizeAsync(390, 844);
        await Assertions.Expect(page).ToHaveURLAsync(_baseUrl + "/interview");

        await page.GetByRole(AriaRole.Button, new() { Name = "Quét mã bằng máy ảnh" }).ClickAsync();
        var code = page.GetByLabel("Mã hồ sơ");
        await Assertions.Expect(code).ToHaveValueAsync("HS-2025-001", new() { Timeout = 60_000 });
        await Assertions.Expect(page.Locator("#scanner")).ToBeHiddenAsync();

        // Filled in, not sent: the volunteer checks it, then the check goes as if typed.
        Assert.Equal(0L, await _database.DataSource.ScalarAsync<long>("SELECT count(*) FROM responses WHERE provenance = 'interviewer'", [], Cancel));
        await page.GetByRole(AriaRole.Button, new() { Name = "Kiểm tra hồ sơ" }).ClickAsync();
        await Assertions.Expect(page.Locator("#consent [data-field=dossier]")).ToHaveTextAsync("HS-2025-001");
    }

    /// <summary>The wave published and its figures refreshed: the interviewer ballot is the one official ballot.</summary>
    private async Task AssertOfficialAsync(long wave)
    {
        using (var published = await _admin.PostAsync($"/api/admin/waves/{wave}/publish", null, Cancel))
            Assert.Equal(HttpStatusCode.OK, published.StatusCode);
        await _factory.Job<ScoreRefreshJob>().RunAsync(Cancel);
        using var anonymous = new HttpClient { BaseAddress = new Uri(_baseUrl) };
        var results = await anonymous.GetFromJsonAsync<JsonElement>($"/api/public/results?wave={wave}", Cancel);
        var agency = Assert.Single(results.GetProperty("agencies").EnumerateArray());
        Assert.Equal("A1", agency.GetProperty("agencyCode").GetString());
        Assert.Equal(1, agency.GetProperty("responses").GetInt32());
        Assert.Equal(100.0, agency.GetProperty("index").GetDouble(), 9);

        var ballots = (await _admin.GetFromJsonAsync<JsonElement>($"/api/admin/waves/{wave}/responses", Cancel)).EnumerateArray().ToList();
        var interview = Assert.Single(ballots, b => b.GetProperty("status").GetString() == "completed");
        Assert.Equal("interviewer", interview.GetProperty("provenance").GetString());
        Assert.Equal("interviewer", interview.GetProperty("channel").GetString());
        Assert.Empty(interview.GetProperty("flags").EnumerateArray());
        Assert.Equal("partial|sampled|sms", await _database.DataSource.ScalarAsync<string>(
            "SELECT concat_ws('|', status, provenance, channel) FROM responses WHERE provenance <> 'interviewer'", [], Cancel));
    }

    /// <summary>One column at 390 px, no sideways scrolling, answer buttons a thumb can hit (at least 48 px high).</summary>
    private static async Task AssertPhoneLayoutAsync(IPage page)
    {
        Assert.True(await page.EvaluateAsync<bool>("document.documentElement.scrollWidth <= window.innerWidth"), "The page scrolls sideways at 390 px.");
        var buttons = page.Locator("#question .iv-option");
        Assert.Equal(5, await buttons.CountAsync());
        foreach (var button in await buttons.AllAsync())
        {
            var box = (await button.BoundingBoxAsync())!;
            Assert.True(box.Height >= 48 && box.Width >= 300, $"An answer button is {box.Width}×{box.Height} px.");
        }
    }

    /// <summary>
    /// Agencies A1 (the volunteer's) and A2, a wave over March 2025 for A1 whose one invitation (dossier HS-2025-SMS)
    /// was sent and answered by SMS (its first question), and dossier HS-2025-001 of A1 imported after the draw.
    /// </summary>
    private async Task<long> SeedWaveAsync()
    {
        await PostAsync("/api/admin/agencies", new { code = "A1", name = "Sở Tư pháp", kind = "department" }, HttpStatusCode.Created);
        await PostAsync("/api/admin/agencies", new { code = "A2", name = "UBND phường Lê Chân", kind = "ward" }, HttpStatusCode.Created);
        await PostAsync("/api/admin/procedures", new { code = "P1", name = "Cấp phiếu lý lịch tư pháp" }, HttpStatusCode.Created);
        await ImportAsync("HS-2025-SMS", "0912000100", "2025-03-02");
        using var created = await _admin.PostAsJsonAsync("/api/admin/waves", new
        {
            name = "Đợt tháng 3/2025",
            questionnaire = "sipas-sms",
            resultsFrom = "2025-03-01",
            resultsTo = "2025-03-31",
            agencies = new[] { new { agencyCode = "A1", target = 1 } },
            expectedResponseRate = 1.0,
            seed = 7,
        }, Cancel);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var wave = (await created.Content.ReadFromJsonAsync<JsonElement>(Cancel)).GetProperty("id").GetInt64();
        await PostAsync($"/api/admin/waves/{wave}/start", null, HttpStatusCode.OK);
        _clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, await _factory.Job<SendDueJob>().SendAsync(Cancel));
        await PostAsync("/api/admin/simulator/messages", new { from = "0912000100", body = "4" }, HttpStatusCode.OK);
        await ImportAsync("HS-2025-001", "0912000101", "2025-03-11");
        return wave;
    }

    private async Task ImportAsync(string dossier, string phone, string date)
    {
        using var response = await _admin.PostAsJsonAsync("/api/admin/transactions",
            new[] { new { dossierCode = dossier, agencyCode = "A1", procedureCode = "P1", phone, resultDate = date } }, Cancel);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private async Task PostAsync(string path, object? body, HttpStatusCode expected)
    {
        using var response = body is null ? await _admin.PostAsync(path, null, Cancel) : await _admin.PostAsJsonAsync(path, body, Cancel);
        Assert.True(response.StatusCode == expected, $"POST {path} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(Cancel)}");
    }

    private Task<long> AnswersAsync() => _database.DataSource.ScalarAsync<long>(
        "SELECT count(*) FROM answers a JOIN responses r ON r.id = a.response_id WHERE r.provenance = 'interviewer'", [], Cancel);
}

/// <summary>Deletes a temporary file when disposed.</summary>
internal sealed class FileCleanUp(string path) : IDisposable
{
    public void Dispose() => File.Delete(path);
}
