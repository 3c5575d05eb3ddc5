using System.Net;
using AngleSharp.Dom;
using ChatSurvey.BotHost.Tests.Admin;
using Microsoft.AspNetCore.Mvc.Testing;

namespace ChatSurvey.BotHost.Tests.Pages.Waves;

/// <summary>
/// <c>/admin/waves</c>, <c>/admin/waves/new</c> and <c>/admin/waves/{id}</c> through HTTP as a signed-in browser would
/// use them (cookie, antiforgery token, form posts), checked in the HTML and in SQL. A1 has 400 transactions with a
/// phone in March 2025 (plus 5 without a phone and 7 in February, which are not its March population); A2 has 12.
/// </summary>
public sealed class WavePagesTests : IAsyncLifetime
{
    private AdminApiHost _host = null!;
    private HttpClient _admin = null!;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _host = await AdminApiHost.StartAsync();
        await _host.SeedCatalogueAsync();
        await WavePageData.AddTransactionsAsync(_host.DataSource, "A1", 400, "+849120");
        await WavePageData.AddTransactionsAsync(_host.DataSource, "A1", 5, "+849121", withPhone: false, dossierPrefix: "NOPHONE");
        await WavePageData.AddTransactionsAsync(_host.DataSource, "A1", 7, "+849122", resultDate: "2025-02-15", dossierPrefix: "FEB");
        await WavePageData.AddTransactionsAsync(_host.DataSource, "A2", 12, "+849130");
        _admin = await _host.Factory.SignedInClientAsync();
    }

    public async ValueTask DisposeAsync()
    {
        _admin.Dispose();
        await _host.DisposeAsync();
    }

    // Slovin's n = N / (1 + N·e²), rounded up, and invitations = ⌈n / rate⌉ capped at N, worked out here by hand.
    private static int Slovin(int population, decimal e) => (int)Math.Ceiling(population / (1 + population * e * e));

    private static int Invitations(int target, decimal rate, int population) => Math.Min(population, (int)Math.Ceiling(target / rate));

    [Fact]
    public async Task QuotaTable_Should_ShowPopulationAndSlovinSuggestion_When_PeriodHasTransactions()
    {
        var (status, html) = await _admin.FetchPageAsync("/admin/waves/new?ResultsFrom=2025-03-01&ResultsTo=2025-03-31&ResponseRate=30&Margin=5");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(200, Slovin(400, 0.05m));
        Assert.Equal("400", WavePageData.Cell(html, "A1", "population"));
        Assert.Equal("200", WavePageData.Cell(html, "A1", "suggestion"));
        Assert.Equal(Invitations(200, 0.3m, 400).ToString(System.Globalization.CultureInfo.InvariantCulture), WavePageData.Cell(html, "A1", "invitations"));
        Assert.Equal("400", WavePageData.Cell(html, "A1", "invitations")); // 667 needed, capped at N
        Assert.Equal("12", WavePageData.Cell(html, "A2", "population"));
        Assert.Equal(Slovin(12, 0.05m).ToString(System.Globalization.CultureInfo.InvariantCulture), WavePageData.Cell(html, "A2", "suggestion"));
        Assert.Contains("Sở Tư pháp", WavePageData.Row(html, "A1").Text(), StringComparison.Ordinal);
        Assert.Equal("sipas-sms", Selected(html, "Questionnaire"));

        // February alone: A1's 7 other transactions; a 10 % margin; what was typed is kept and drives "invitations".
        (_, html) = await _admin.FetchPageAsync(
            "/admin/waves/new?Name=%C4%90%E1%BB%A3t+th%E1%BB%AD&ResultsFrom=2025-02-01&ResultsTo=2025-02-28&ResponseRate=50&Margin=10&Targets%5BA1%5D=3");
        Assert.Equal("7", WavePageData.Cell(html, "A1", "population"));
        Assert.Equal(Slovin(7, 0.1m).ToString(System.Globalization.CultureInfo.InvariantCulture), WavePageData.Cell(html, "A1", "suggestion"));
        Assert.Equal("6", WavePageData.Cell(html, "A1", "invitations")); // ⌈3 / 50 %⌉
        Assert.Equal("0", WavePageData.Cell(html, "A2", "population"));
        Assert.Equal("Đợt thử", Value(html, "Name"));
        Assert.Equal("3", Value(html, "Targets[A1]"));
        Assert.Equal("10", Selected(html, "Margin"));

        // "Áp dụng gợi ý" without JavaScript: the same GET fills every target from the suggestion.
        (_, html) = await _admin.FetchPageAsync("/admin/waves/new?ResultsFrom=2025-03-01&ResultsTo=2025-03-31&Margin=10&Apply=true");
        Assert.Equal(Slovin(400, 0.1m).ToString(System.Globalization.CultureInfo.InvariantCulture), Value(html, "Targets[A1]"));
        Assert.Equal(Slovin(12, 0.1m).ToString(System.Globalization.CultureInfo.InvariantCulture), Value(html, "Targets[A2]"));

        // A reversed period shows no counts rather than wrong ones.
        (_, html) = await _admin.FetchPageAsync("/admin/waves/new?ResultsFrom=2025-03-31&ResultsTo=2025-03-01");
        Assert.Equal("—", WavePageData.Cell(html, "A1", "population"));
    }

    [Fact]
    public async Task CreateForm_Should_StoreWaveWithItsQuotas_When_Valid()
    {
        var (_, form) = await _admin.FetchPageAsync("/admin/waves/new");
        using var created = await _admin.SubmitFormAsync("/admin/waves/new", form,
            ("Name", "Khảo sát tháng 3/2025"), ("Questionnaire", "sipas-full"), ("ResultsFrom", "2025-03-01"), ("ResultsTo", "2025-03-31"),
            ("ResponseRate", "25"), ("WindowStart", "07:30"), ("WindowEnd", "21:00"), ("ReminderHours", "24"), ("ExpiryDays", "5"),
            ("CooldownDays", "60"), ("Margin", "5"), ("Targets[A1]", "50"), ("Targets[A2]", "0"));

        Assert.Equal(HttpStatusCode.Redirect, created.StatusCode);
        var location = created.Headers.Location?.OriginalString ?? "";
        Assert.Matches(@"^/admin/waves/\d+$", location);
        var id = long.Parse(location["/admin/waves/".Length..], System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(
            // A new wave takes the newest version of the questionnaire (version 2 allows "Không áp dụng").
            "Khảo sát tháng 3/2025|sipas-full|2|draft|2025-03-01|2025-03-31|0.250|07:30:00|21:00:00|24|5|60",
            await WavePageData.ScalarAsync<string>(_host.DataSource,
                """
                SELECT concat_ws('|', w.name, q.code, q.version, w.status, w.results_from, w.results_to, w.expected_response_rate,
                                 w.send_window_start, w.send_window_end, w.reminder_after_hours, w.expire_after_days, w.cooldown_days)
                FROM waves w JOIN questionnaires q ON q.id = w.questionnaire_id WHERE w.id = $1
                """, id));
        // A2's 0 leaves it out of the wave.
        Assert.Equal("A1:50", await WavePageData.ScalarAsync<string>(_host.DataSource,
            "SELECT string_agg(a.code || ':' || q.target, ',') FROM wave_quotas q JOIN agencies a ON a.id = q.agency_id WHERE q.wave_id = $1", id));

        var (status, page) = await _admin.FetchPageAsync(location);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("Đã tạo đợt khảo sát (nháp)", page.Text, StringComparison.Ordinal);
        Assert.Equal(("badge draft", "Nháp"), Badge(page.One("#wave-status")));
        Assert.NotEmpty(page.All($"a[href='/admin/results?wave={id}']"));
        Assert.Equal("50", WavePageData.Cell(page, "A1", "target"));

        var (_, list) = await _admin.FetchPageAsync("/admin/waves");
        var row = list.One($"tr[data-wave='{id}']");
        Assert.Contains("Khảo sát tháng 3/2025", row.Text(), StringComparison.Ordinal);
        Assert.Equal(("badge draft", "Nháp"), Badge(row.One(".badge")));
        Assert.Contains("01/03/2025 – 31/03/2025", row.Text(), StringComparison.Ordinal);
        Assert.Contains("sipas-full", row.Text(), StringComparison.Ordinal);
        Assert.Equal("50", WavePageData.Text(row, "[data-count=target]"));
    }

    [Fact]
    public async Task CreateForm_Should_ShowErrorsBesideTheFieldsAndStoreNothing_When_Invalid()
    {
        var (_, form) = await _admin.FetchPageAsync("/admin/waves/new");
        (string, string)[] valid =
        [
            ("Name", "Đợt lỗi"), ("Questionnaire", "sipas-sms"), ("ResultsFrom", "2025-03-01"), ("ResultsTo", "2025-03-31"),
            ("ResponseRate", "30"), ("WindowStart", "08:00"), ("WindowEnd", "20:00"), ("ReminderHours", "48"), ("ExpiryDays", "3"),
            ("CooldownDays", "90"),
        ];
        (string, string)[] Change(params (string Name, string Value)[] changes) =>
            [.. valid.Where(v => changes.All(c => c.Name != v.Item1)), .. changes];

        // Missing name, end before start, a negative target: every error at once, beside its field.
        using (var response = await _admin.SubmitFormAsync("/admin/waves/new", form,
            Change(("Name", " "), ("ResultsFrom", "2025-03-31"), ("ResultsTo", "2025-03-01"), ("Targets[A1]", "-3"), ("Targets[A2]", "4"))))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var html = await HtmlPage.ReadAsync(response);
            Assert.Contains("Chưa tạo được đợt khảo sát", html.Text, StringComparison.Ordinal);
            Assert.Equal("Bắt buộc nhập.", WavePageData.FieldError(html, "name"));
            Assert.Equal("Ngày kết thúc không được trước ngày bắt đầu (31/03/2025).", WavePageData.FieldError(html, "resultsTo"));
            Assert.Equal("Chỉ tiêu phải là số nguyên lớn hơn 0.", WavePageData.FieldError(html, "agency:A1"));
            Assert.Null(WavePageData.FieldError(html, "agency:A2"));
            Assert.Null(WavePageData.FieldError(html, "resultsFrom"));
            // What was typed stays in the form.
            Assert.Equal("-3", Value(html, "Targets[A1]"));
            Assert.Equal("2025-03-31", Value(html, "ResultsFrom"));
        }

        // An agency the catalogue does not know: the database check, worded in Vietnamese, beside that row.
        using (var response = await _admin.SubmitFormAsync("/admin/waves/new", form, Change(("Targets[A1]", "5"), ("Targets[KHONG-CO]", "2"))))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var html = await HtmlPage.ReadAsync(response);
            Assert.Equal("Không có đơn vị mã KHONG-CO.", WavePageData.FieldError(html, "agency:KHONG-CO"));
            Assert.Null(WavePageData.FieldError(html, "agency:A1"));
            Assert.Equal("Đợt lỗi", Value(html, "Name"));
        }

        // No target at all, a rate above 100 %, a send window that ends before it starts, text where a number belongs.
        using (var response = await _admin.SubmitFormAsync("/admin/waves/new", form,
            Change(("Targets[A1]", ""), ("Targets[A2]", "0"), ("ResponseRate", "150"), ("WindowStart", "20:00"), ("WindowEnd", "08:00"), ("ExpiryDays", "ba"))))
        {
            var html = await HtmlPage.ReadAsync(response);
            Assert.Equal("Nhập chỉ tiêu cho ít nhất một đơn vị.", WavePageData.FieldError(html, "agencies"));
            Assert.Equal("Tỷ lệ phản hồi phải lớn hơn 0% và không quá 100%.", WavePageData.FieldError(html, "expectedResponseRate"));
            Assert.Equal("Giờ kết thúc phải sau giờ bắt đầu (20:00).", WavePageData.FieldError(html, "sendWindow.end"));
            Assert.Equal("Hãy nhập một số nguyên.", WavePageData.FieldError(html, "expireAfterDays"));
        }

        // Without the antiforgery token the post is refused outright.
        using (var forged = await _admin.PostAsync("/admin/waves/new", new FormUrlEncodedContent(
            [new("Name", "X"), new("Questionnaire", "sipas-sms"), new("ResultsFrom", "2025-03-01"), new("ResultsTo", "2025-03-31"), new("Targets[A1]", "5")]), Cancel))
            Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);

        Assert.Equal(0L, await WavePageData.ScalarAsync<long>(_host.DataSource, "SELECT count(*) FROM waves"));
        Assert.Equal(0L, await WavePageData.ScalarAsync<long>(_host.DataSource, "SELECT count(*) FROM wave_quotas"));
    }

    [Fact]
    public async Task StatusForms_Should_ChangeTheStatus_And_RefuseWithAMessage_When_StatusDoesNotAllowIt()
    {
        var (code, body) = await _host.PostAsync("/api/admin/waves", new
        {
            name = "Đợt điều khiển", questionnaire = "sipas-sms", resultsFrom = "2025-03-01", resultsTo = "2025-03-31",
            agencies = new[] { new { agencyCode = "A1", target = 3 }, new { agencyCode = "A2", target = 2 } },
            expectedResponseRate = 0.5, seed = 7,
        });
        Assert.Equal(HttpStatusCode.Created, code);
        var id = body.GetProperty("id").GetInt64();
        var path = $"/admin/waves/{id}";

        var (_, page) = await _admin.FetchPageAsync(path);
        Assert.Equal(["start-wave", "cancel-wave"], Buttons(page));
        Assert.Equal("0", WavePageData.Text(page, "[data-count=planned]"));

        using (var started = await _admin.SubmitFormAsync($"{path}?handler=Start", page))
        {
            Assert.Equal(HttpStatusCode.Redirect, started.StatusCode);
            Assert.Equal(path, started.Headers.Location?.OriginalString);
        }

        Assert.Equal("running", await StatusAsync(id));
        (_, page) = await _admin.FetchPageAsync(path);
        // 3 and 2 completed responses at 50 % need 6 and 4 invitations.
        Assert.Contains("Đã bắt đầu đợt khảo sát: lập 10 lời mời.", page.Text, StringComparison.Ordinal);
        Assert.Equal("10", WavePageData.Text(page, "[data-count=planned]"));
        Assert.Equal("6", WavePageData.Cell(page, "A1", "planned"));
        Assert.Equal("4", WavePageData.Cell(page, "A2", "planned"));
        Assert.Equal(["pause-wave", "cancel-wave"], Buttons(page));
        Assert.Equal(("badge running", "Đang chạy"), Badge(page.One("#wave-status")));

        // A stale page asks to resume a running wave: refused, said plainly, nothing changes.
        using (var refused = await _admin.SubmitFormAsync($"{path}?handler=Resume", page))
        {
            Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
            Assert.Contains("Không thể tiếp tục đợt khảo sát: đợt đang ở trạng thái “Đang chạy”; chỉ đợt “Tạm dừng” mới tiếp tục được.",
                (await HtmlPage.ReadAsync(refused)).Text, StringComparison.Ordinal);
        }

        Assert.Equal("running", await StatusAsync(id));

        await PostAsync(path, "Pause", page);
        var (_, progress) = await _host.GetAsync($"/api/admin/waves/{id}");
        Assert.Equal("paused", progress.GetProperty("status").GetString());
        (_, page) = await _admin.FetchPageAsync(path);
        Assert.Equal(["resume-wave", "cancel-wave"], Buttons(page));

        await PostAsync(path, "Resume", page);
        Assert.Equal("running", await StatusAsync(id));

        // The per-agency JSON the page polls agrees with the page.
        await WavePageData.MarkSentAsync(_host.DataSource, id, 4, TimeSpan.Zero);
        var (agenciesStatus, agencies) = await _host.GetAsync($"/api/admin/waves/{id}/agencies");
        Assert.Equal(HttpStatusCode.OK, agenciesStatus);
        Assert.Equal(
            [("A1", 3, 6L), ("A2", 2, 4L)],
            agencies.EnumerateArray().Select(a => (a.GetProperty("agencyCode").GetString(), a.GetProperty("target").GetInt32(), a.GetProperty("planned").GetInt64())));
        Assert.Equal(4L, agencies.EnumerateArray().Sum(a => a.GetProperty("sent").GetInt64()));
        Assert.Equal(HttpStatusCode.NotFound, (await _host.GetAsync("/api/admin/waves/999999/agencies")).Status);

        await PostAsync(path, "Cancel", page);
        Assert.Equal("cancelled", await StatusAsync(id));
        Assert.Equal(6L, await WavePageData.ScalarAsync<long>(_host.DataSource, "SELECT count(*) FROM invitations WHERE wave_id = $1 AND status = 'cancelled'", id));
        var (_, cancelledPage) = await _admin.FetchPageAsync(path);
        Assert.Empty(Buttons(cancelledPage));
        Assert.Contains("Đã hủy đợt khảo sát.", cancelledPage.Text, StringComparison.Ordinal);

        // A page opened before the cancel still offers "start"; the token of that page is still good.
        using (var refused = await _admin.SubmitFormAsync($"{path}?handler=Start", page))
        {
            Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
            Assert.Contains("Không thể bắt đầu đợt khảo sát: đợt đang ở trạng thái “Đã hủy”", (await HtmlPage.ReadAsync(refused)).Text, StringComparison.Ordinal);
        }

        Assert.Equal("cancelled", await StatusAsync(id));
        using (var missing = await _admin.SubmitFormAsync("/admin/waves/999999?handler=Pause", page))
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _admin.FetchPageAsync("/admin/waves/999999")).Status);
    }

    [Fact]
    public async Task WavePages_Should_Answer403ToViewers_And_SendAnonymousToLogin()
    {
        var (_, body) = await _host.PostAsync("/api/admin/waves", new
        {
            name = "Đợt riêng", questionnaire = "sipas-sms", resultsFrom = "2025-03-01", resultsTo = "2025-03-31",
            agencies = new[] { new { agencyCode = "A1", target = 3 } },
        });
        var id = body.GetProperty("id").GetInt64();
        await AdminSignIn.CreateViewerAsync(_host.DataSource, "xem.a1", "mat-khau-nguoi-xem-a1", "A1");
        using var viewer = await _host.Factory.SignedInClientAsync("xem.a1", "mat-khau-nguoi-xem-a1");
        using var anonymous = _host.Factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        var (_, adminForm) = await _admin.FetchPageAsync($"/admin/waves/{id}");

        foreach (var path in new[] { "/admin/waves", "/admin/waves/new", $"/admin/waves/{id}" })
        {
            Assert.Equal(HttpStatusCode.Forbidden, (await viewer.FetchPageAsync(path)).Status);
            using var redirected = await anonymous.GetAsync(path, Cancel);
            Assert.Equal(HttpStatusCode.Redirect, redirected.StatusCode);
            Assert.StartsWith("/admin/login", redirected.Headers.Location?.PathAndQuery, StringComparison.Ordinal);
        }

        foreach (var path in new[] { $"/admin/waves/{id}?handler=Start", $"/admin/waves/{id}?handler=Cancel", "/admin/waves/new" })
        {
            using (var refused = await viewer.SubmitFormAsync(path, adminForm, ("Name", "X"), ("Targets[A1]", "1")))
                Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            using (var refused = await anonymous.SubmitFormAsync(path, adminForm, ("Name", "X"), ("Targets[A1]", "1")))
                Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        Assert.Equal("draft", await StatusAsync(id));
        Assert.Equal(1L, await WavePageData.ScalarAsync<long>(_host.DataSource, "SELECT count(*) FROM waves"));
        // The per-agency JSON is admin API: neither a viewer's cookie nor no credentials open it.
        using (var json = await viewer.GetAsync($"/api/admin/waves/{id}/agencies", Cancel))
            Assert.True(json.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden, json.StatusCode.ToString());
        using (var json = await anonymous.GetAsync($"/api/admin/waves/{id}/agencies", Cancel))
            Assert.True(json.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden, json.StatusCode.ToString());
    }

    private async Task PostAsync(string path, string handler, HtmlPage page)
    {
        using var response = await _admin.SubmitFormAsync($"{path}?handler={handler}", page);
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
    }

    private Task<string> StatusAsync(long id) =>
        WavePageData.ScalarAsync<string>(_host.DataSource, "SELECT status FROM waves WHERE id = $1", id);

    /// <summary>The wave's status buttons, in page order.</summary>
    private static List<string> Buttons(HtmlPage page) =>
        [.. page.All("button[type=submit]").Select(b => b.Id ?? "").Where(id => id is "start-wave" or "pause-wave" or "resume-wave" or "cancel-wave")];

    /// <summary>The value of the input named <paramref name="name"/>.</summary>
    private static string? Value(HtmlPage page, string name) => page.One($"input[name='{name}']").GetAttribute("value");

    /// <summary>The value of the selected option of the select named <paramref name="name"/>.</summary>
    private static string? Selected(HtmlPage page, string name) => page.One($"select[name='{name}'] option[selected]").GetAttribute("value");

    private static (string Class, string Text) Badge(IElement badge) => (badge.ClassName ?? "", badge.Text());
}
