using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ChatSurvey.BotHost.Tests.Admin;
using ChatSurvey.BotHost.Tests.Pages;
using ChatSurvey.BotHost.Tests.Pages.Results;
using ChatSurvey.BotHost.Volunteers;
using ChatSurvey.Dispatcher.Scoring;
using ChatSurvey.Domain.Scoring;
using ChatSurvey.TestSupport;
using Microsoft.Extensions.Time.Testing;

namespace ChatSurvey.BotHost.Tests.Volunteers;

/// <summary>
/// The movement page and the volunteer's own count, on a fixed clock: Wednesday 11 March 2026, 10:00 in Hai Phong
/// (03:00 UTC); the week began on Monday 9 March, 00:00 Hai Phong (8 March, 17:00 UTC). Seeded ballots:
///
///   volunteer  unit                 ballot  completed (UTC)      Hai Phong       note
///   lan        Đoàn phường Lê Chân  L1      11 Mar 02:00         today 09:00
///              (target 8 later)     L2      10 Mar 17:30         today 00:30
///                                   L3      10 Mar 16:59         Tue 23:59       straight-lined (still valid)
///                                   L4      8 Mar 16:30          Sun 23:30       last week
///                                   L5      11 Mar 01:00         today 08:00     speeder: not valid
///   minh       Đoàn phường Lê Chân  M1      9 Mar 01:00          Mon 08:00
///                                   M2      11 Mar 00:00         today 07:00     back-check not confirmed: not valid
///   hoa        Đoàn xã An Lão       H1–H6   2 Mar 03:00          last week       H1 = H2 and H3 = H4 (ratings)
///   khoa       Đoàn trường Hàng Hải —                                           no ballot
///
/// lan: today 3 completed / 2 valid, week 4 / 3, total 5 / 4; minh: 1 / 0, 2 / 1, 2 / 1; hoa: 0, 0, 6 / 6.
/// Lê Chân: 4 / 2, 6 / 4, 7 / 5 (rank 2); An Lão: 6 / 6 (rank 1); Hàng Hải: 0 (rank 3).
/// Identical (with <c>Volunteers:IdenticalMinimumBallots</c> = 5): lan 1 of 5 (20 %, not flagged), minh 2 of 2 (too few
/// ballots to judge), hoa 4 of 6 (66,7 %, flagged).
/// </summary>
public sealed class MovementPageTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2026, 3, 11, 3, 0, 0, TimeSpan.Zero);

    private TestDatabase _database = null!;
    private BotHostFactory _factory = null!;
    private long _wave;
    private long _lan;
    private long _minh;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _database = await (await PostgresServer.GetAsync()).CreateDatabaseAsync();
        _factory = new BotHostFactory(_database.ConnectionString,
            [new("Dispatcher:Enabled", "false"), new("Volunteers:IdenticalMinimumBallots", "5")], new FakeTimeProvider(Now));
        _ = _factory.Server;
        var data = _database.DataSource;
        _lan = await VolunteerSeed.CreateVolunteerAsync(data, "tnv.lan", "Nguyễn Thị Lan", "Đoàn phường Lê Chân", "HP-STP", "HP-P-LECHAN");
        _minh = await VolunteerSeed.CreateVolunteerAsync(data, "tnv.minh", "Trần Minh", "Đoàn phường Lê Chân");
        var hoa = await VolunteerSeed.CreateVolunteerAsync(data, "tnv.hoa", "Lê Hoa", "Đoàn xã An Lão");
        await VolunteerSeed.CreateVolunteerAsync(data, "tnv.khoa", "Phạm Khoa", "Đoàn trường Hàng Hải");
        await VolunteerSeed.CreateCoordinatorAsync(data, "dieuphoi");
        _wave = await VolunteerSeed.WaveAsync(data, 11);

        await VolunteerSeed.AddBallotAsync(data, _wave, _lan, At(11, 2, 0), [5, 4, 4, 4, 4, 4]);
        await VolunteerSeed.AddBallotAsync(data, _wave, _lan, At(10, 17, 30), [4, 5, 4, 4, 4, 4]);
        await VolunteerSeed.AddBallotAsync(data, _wave, _lan, At(10, 16, 59), [3], straightLiner: true);
        await VolunteerSeed.AddBallotAsync(data, _wave, _lan, At(8, 16, 30), [4, 4, 4, 5, 4, 4]);
        await VolunteerSeed.AddBallotAsync(data, _wave, _lan, At(11, 1, 0), [4, 4, 4, 4, 5, 4], speeder: true);
        await VolunteerSeed.AddBallotAsync(data, _wave, _minh, At(9, 1, 0), [2, 2, 3, 3, 4, 4]);
        var m2 = await VolunteerSeed.AddBallotAsync(data, _wave, _minh, At(11, 0, 0), [2, 2, 3, 3, 4, 4]);
        await ResultsSeed.ExecuteAsync(data, "INSERT INTO back_checks (response_id, outcome) VALUES ($1, 'not_confirmed')", m2);
        foreach (var ratings in new[] { [5, 5, 4, 4, 3, 3], [5, 5, 4, 4, 3, 3], [1, 2, 3, 4, 5, 5], [1, 2, 3, 4, 5, 5], [2, 3, 4, 5, 1, 1], new[] { 3, 4, 5, 1, 2, 2 } })
            await VolunteerSeed.AddBallotAsync(data, _wave, hoa, At(2, 3, 0), ratings);
    }

    public async ValueTask DisposeAsync()
    {
        await _factory.DisposeAsync();
        await _database.DisposeAsync();
    }

    [Fact]
    public async Task MovementPage_Should_CountTheBallots_PerVolunteerAndUnit_TodayThisWeekAndInAll()
    {
        using var coordinator = await _factory.SignedInClientAsync("dieuphoi", VolunteerSeed.CoordinatorPassword);
        var page = await coordinator.GetPageAsync("/admin/volunteers");

        Assert.Equal("3 | 2 | 4 | 3 | 5 | 4 | 1 | 20 % | 1 | 0 | 2 | 1 | 2 | 1 | 0 | 100 %",
            Counts(page, "tnv.lan") + " | " + Quality(page, "tnv.lan") + " | " + Counts(page, "tnv.minh") + " | " + Quality(page, "tnv.minh"));
        Assert.Equal("Đoàn phường Lê Chân", Cell(page, "tr[data-volunteer='tnv.lan']", "unit"));
        Assert.Equal("HP-P-LECHAN, HP-STP", Cell(page, "tr[data-volunteer='tnv.lan']", "agencies"));
        Assert.Equal("0 | 0 | 0 | 0 | 6 | 6", Counts(page, "tnv.hoa"));
        Assert.Equal("0 | 0 | 0 | 0 | 0 | 0", Counts(page, "tnv.khoa"));

        Assert.Equal(["false", "false", "true", "false"],
            new[] { "tnv.lan", "tnv.minh", "tnv.hoa", "tnv.khoa" }.Select(v => page.One($"tr[data-volunteer='{v}'] td[data-col=identical]").Attribute("data-flagged")));
        Assert.Equal("66,7 %", Cell(page, "tr[data-volunteer='tnv.hoa']", "identical"));

        var units = page.All("#unit-table tbody tr").Select(row =>
            string.Join(" | ", new[] { "rank", "name", "volunteers", "today-completed", "today-valid", "week-completed", "week-valid", "total-completed", "total-valid" }
                .Select(col => row.One($"td[data-col='{col}']").Text()))).ToList();
        Assert.Equal(
        [
            "1 | Đoàn xã An Lão | 1 | 0 | 0 | 0 | 0 | 6 | 6",
            "2 | Đoàn phường Lê Chân | 2 | 4 | 2 | 6 | 4 | 7 | 5",
            "3 | Đoàn trường Hàng Hải | 1 | 0 | 0 | 0 | 0 | 0 | 0",
        ], units);
        Assert.Equal("11", page.One("#stat-valid").Text());
        Assert.Equal("4", page.One("#stat-today").Text());

        // The counts match the ballots: every completed interview, and the valid ones the official figures count.
        Assert.Equal(13L, await ResultsSeed.ScalarAsync<long>(_database.DataSource,
            "SELECT count(*) FROM responses WHERE status = 'completed' AND interviewer_id IS NOT NULL"));
        var report = await ScoringQuery.RunAsync(_database.DataSource, BallotExclusions.Default.ForWave(_wave), Cancel);
        Assert.Equal(11, report.Overall.Responses);

        // No phone of a volunteer or a respondent, no answer, on the coordinator's page.
        Assert.DoesNotContain("+84", page.Source, StringComparison.Ordinal);
        Assert.Empty(page.All("td[data-col=phone]"));
        Assert.DoesNotContain("/admin/backchecks", page.Source, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MovementPage_Should_ShowTheVolunteersPhones_ToAdministratorsOnly()
    {
        using var admin = await _factory.SignedInClientAsync();
        var page = await admin.GetPageAsync("/admin/volunteers");
        var phone = await ResultsSeed.ScalarAsync<string>(_database.DataSource, "SELECT phone FROM volunteers WHERE account_id = $1", _lan);
        Assert.Equal(phone, Cell(page, "tr[data-volunteer='tnv.lan']", "phone"));
        Assert.NotEmpty(page.All("main a[href='/admin/backchecks']"));
    }

    [Fact]
    public async Task Coordinator_Should_SetTargets_And_ManageVolunteerAccountsOnly()
    {
        using var coordinator = await _factory.SignedInClientAsync("dieuphoi", VolunteerSeed.CoordinatorPassword);
        var page = await coordinator.GetPageAsync("/admin/volunteers");
        var unit = page.One("#unit-table tbody tr:nth-child(2)").Attribute("data-unit");

        using (var set = await coordinator.SubmitFormAsync($"/admin/volunteers?handler=UnitTarget&id={unit}", page, ("target", "10")))
            Assert.Equal(HttpStatusCode.Redirect, set.StatusCode);
        using (var set = await coordinator.SubmitFormAsync($"/admin/volunteers?handler=VolunteerTarget&id={_lan}", page, ("target", "8")))
            Assert.Equal(HttpStatusCode.Redirect, set.StatusCode);
        using (var wrong = await coordinator.SubmitFormAsync($"/admin/volunteers?handler=VolunteerTarget&id={_minh}", page, ("target", "0")))
            Assert.Equal(HttpStatusCode.Redirect, wrong.StatusCode);

        var after = await coordinator.GetPageAsync("/admin/volunteers");
        Assert.Equal("Chỉ tiêu phải để trống (không đặt) hoặc là số nguyên lớn hơn 0.", after.One("#error").Text());
        Assert.Equal("50 %", after.One($"tr[data-unit='{unit}'] [data-col=of-target]").Text());
        Assert.Equal("10", after.One($"tr[data-unit='{unit}'] input[name=target]").Attribute("value"));
        Assert.Equal("50 %", after.One("tr[data-volunteer='tnv.lan'] [data-col=of-target]").Text());
        Assert.Equal("—", after.One("tr[data-volunteer='tnv.minh'] [data-col=of-target]").Text());
        Assert.Equal("8|10|", await ResultsSeed.ScalarAsync<string>(_database.DataSource,
            $"SELECT (SELECT target FROM volunteers WHERE account_id = {_lan}) || '|' || (SELECT target FROM union_units WHERE id = {unit}) || '|' || coalesce((SELECT target FROM volunteers WHERE account_id = {_minh})::text, '')"));

        // The volunteer sees their own count and their unit's, against the targets.
        using var lan = await _factory.SignedInClientAsync("tnv.lan", VolunteerSeed.Password);
        var progress = await lan.GetFromJsonAsync<JsonElement>("/interview/progress", Cancel);
        Assert.Equal(["mine", "unit"], progress.EnumerateObject().Select(p => p.Name));
        Assert.Equal(["today", "week", "total", "target"], progress.GetProperty("mine").EnumerateObject().Select(p => p.Name));
        Assert.Equal(
            new InterviewProgressResponse(new ProgressCount(3, 4, 5, 8), new UnitProgressCount("Đoàn phường Lê Chân", 4, 6, 7, 10)),
            progress.Deserialize<InterviewProgressResponse>(JsonSerializerOptions.Web));
        using (var forbidden = await coordinator.GetAsync("/interview/progress", Cancel))
            Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);

        // A coordinator locks a volunteer, who can no longer sign in, but cannot lock an administrator.
        using (var locked = await coordinator.SubmitFormAsync($"/admin/volunteers?handler=Disable&id={_minh}&disabled=true", after))
            Assert.Equal(HttpStatusCode.Redirect, locked.StatusCode);
        using (var client = _factory.CreateClient(new() { AllowAutoRedirect = false }))
        using (var refused = await client.SignInAsync("tnv.minh", VolunteerSeed.Password))
            Assert.Equal(HttpStatusCode.OK, refused.StatusCode);
        var adminId = await ResultsSeed.ScalarAsync<long>(_database.DataSource, "SELECT id FROM accounts WHERE user_name = $1", BotHostFactory.AdminUser);
        using (var notVolunteer = await coordinator.SubmitFormAsync($"/admin/volunteers?handler=Disable&id={adminId}&disabled=true", after))
            Assert.Equal(HttpStatusCode.Redirect, notVolunteer.StatusCode);
        using (var notVolunteer = await coordinator.SubmitFormAsync($"/admin/volunteers?handler=Password&id={adminId}", after, ("password", "taken-over-password")))
            Assert.Equal(HttpStatusCode.Redirect, notVolunteer.StatusCode);
        Assert.False(await ResultsSeed.ScalarAsync<bool>(_database.DataSource, "SELECT disabled FROM accounts WHERE id = $1", adminId));
        using var adminStill = await _factory.SignedInClientAsync();
        Assert.Equal("Không có tình nguyện viên này.", (await coordinator.GetPageAsync("/admin/volunteers")).One("#error").Text());
    }

    private static DateTimeOffset At(int day, int hour, int minute) => new(2026, 3, day, hour, minute, 0, TimeSpan.Zero);

    private static string Cell(HtmlPage page, string row, string column) => page.One($"{row} td[data-col='{column}']").Text();

    private static string Counts(HtmlPage page, string volunteer) => string.Join(" | ",
        new[] { "today-completed", "today-valid", "week-completed", "week-valid", "total-completed", "total-valid" }
            .Select(col => Cell(page, $"tr[data-volunteer='{volunteer}']", col)));

    private static string Quality(HtmlPage page, string volunteer) =>
        Cell(page, $"tr[data-volunteer='{volunteer}']", "speeders") + " | " + Cell(page, $"tr[data-volunteer='{volunteer}']", "identical");
}
