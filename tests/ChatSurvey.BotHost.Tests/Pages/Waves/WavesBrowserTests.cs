using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using ChatSurvey.TestSupport;
using Microsoft.Playwright;

namespace ChatSurvey.BotHost.Tests.Pages.Waves;

/// <summary>
/// An administrator plans a wave in Chromium: picks the period, applies Slovin's suggestion, creates the wave, starts it,
/// and watches its progress move without reloading when invitations are sent and answered behind the page's back.
/// Real Kestrel, real PostgreSQL, no Hangfire server (the test plays the sender and the bot in SQL).
/// </summary>
[Collection(Browser.Collection)]
public sealed class WavesBrowserTests : IAsyncLifetime
{
    private TestDatabase _database = null!;
    private BotHostFactory _factory = null!;
    private string _baseUrl = "";

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _database = await (await PostgresServer.GetAsync()).CreateDatabaseAsync();
        (_factory, _baseUrl) = BotHostFactory.StartOnKestrel(_database.ConnectionString,
        [
            new("Storage:SeedDemoData", "false"),
            new("Dispatcher:Enabled", "false"),
            new("WebChat:TokenSigningKey", "waves-browser-tests-signing-key-0123456789"),
        ]);
        using var api = new HttpClient { BaseAddress = new Uri(_baseUrl) };
        api.DefaultRequestHeaders.Add("X-Api-Key", BotHostFactory.AdminKey);
        foreach (var body in new object[]
        {
            new { code = "HP-STP", name = "Sở Tư pháp", kind = "department" },
            new { code = "HP-LC", name = "UBND quận Lê Chân", kind = "district" },
        })
        {
            using var created = await api.PostAsJsonAsync("/api/admin/agencies", body, Cancel);
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        using (var procedure = await api.PostAsJsonAsync("/api/admin/procedures", new { code = "P1", name = "Đăng ký khai sinh" }, Cancel))
            Assert.Equal(HttpStatusCode.Created, procedure.StatusCode);
        // March 2025: 40 results at the Department of Justice, 15 in Le Chan district; one in April that is not counted.
        var rows = Enumerable.Range(0, 40).Select(i => Row($"STP-{i}", "HP-STP", $"09120{i:D5}", $"2025-03-{i % 28 + 1:D2}"))
            .Concat(Enumerable.Range(0, 15).Select(i => Row($"LC-{i}", "HP-LC", $"09130{i:D5}", "2025-03-20")))
            .Append(Row("STP-APRIL", "HP-STP", "0912099999", "2025-04-02"));
        using var imported = await api.PostAsJsonAsync("/api/admin/transactions", rows.ToArray(), Cancel);
        Assert.Equal(HttpStatusCode.OK, imported.StatusCode);
    }

    public async ValueTask DisposeAsync()
    {
        await _factory.DisposeAsync();
        await _database.DisposeAsync();
    }

    private static object Row(string dossier, string agency, string phone, string date) =>
        new { dossierCode = dossier, agencyCode = agency, procedureCode = "P1", phone, resultDate = date };

    [Fact]
    public async Task Administrator_Should_PlanStartAndWatchAWave_When_UsingThePages()
    {
        await using var browser = await Browser.LaunchAsync();
        var page = await browser.SignedInPageAsync(_baseUrl);
        // The suite shares two cores with other test hosts: be patient with page loads, not with the assertions.
        page.SetDefaultNavigationTimeout(60_000);
        page.SetDefaultTimeout(30_000);

        await page.GotoAsync(_baseUrl + "/admin/waves/new");
        // Picking the period reloads the counts (a GET of the same page keeping what was typed).
        await page.GetByLabel("Tên đợt").FillAsync("Khảo sát tháng 3/2025");
        // Each change reloads the page: start waiting before the change, so a fast navigation cannot slip past.
        var reloaded = page.WaitForURLAsync(new Regex("ResultsFrom=2025-03-01"));
        await page.Locator("input[name=ResultsFrom]").FillAsync("2025-03-01");
        await reloaded;
        reloaded = page.WaitForURLAsync(new Regex("ResultsFrom=2025-03-01.*ResultsTo=2025-03-31"));
        await page.Locator("input[name=ResultsTo]").FillAsync("2025-03-31");
        await reloaded;
        Assert.DoesNotContain("RequestVerificationToken", page.Url, StringComparison.Ordinal);
        var stp = page.Locator("#quota-table tr[data-agency='HP-STP']");
        var lc = page.Locator("#quota-table tr[data-agency='HP-LC']");
        Assert.Equal("40", await stp.Locator("[data-col=population]").InnerTextAsync());
        Assert.Equal("37", await stp.Locator("[data-col=suggestion]").InnerTextAsync());   // ⌈40 / (1 + 40 · 0.05²)⌉
        Assert.Equal("15", await lc.Locator("[data-col=suggestion]").InnerTextAsync());    // ⌈15 / 1.0375⌉
        Assert.Equal("Khảo sát tháng 3/2025", await page.GetByLabel("Tên đợt").InputValueAsync());

        await page.GetByRole(AriaRole.Button, new() { Name = "Áp dụng gợi ý" }).ClickAsync();
        Assert.Equal("37", await stp.Locator("input.target").InputValueAsync());
        Assert.Equal("15", await lc.Locator("input.target").InputValueAsync());
        Assert.Contains("/admin/waves/new?", page.Url, StringComparison.Ordinal); // filled in place, no navigation
        // A smaller target for Le Chan: the invitations needed follow what is typed (⌈3 / 30 %⌉ = 10).
        await lc.Locator("input.target").FillAsync("3");
        Assert.Equal("10", await lc.Locator("[data-col=invitations]").InnerTextAsync());
        await Browser.ScreenshotAsync(page, "wave-new");

        await page.GetByRole(AriaRole.Button, new() { Name = "Tạo đợt khảo sát", Exact = true }).ClickAsync();
        await page.WaitForURLAsync(new Regex(@"/admin/waves/\d+$"));
        var waveId = long.Parse(Regex.Match(page.Url, @"/admin/waves/(\d+)$").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal("Nháp", await page.Locator("#wave-status").InnerTextAsync());
        Assert.Equal("0", await page.Locator("[data-count=planned]").InnerTextAsync());

        await page.GetByRole(AriaRole.Button, new() { Name = "Bắt đầu" }).ClickAsync();
        await page.Locator("#wave-status", new() { HasText = "Đang chạy" }).WaitForAsync();
        // 37 of 40 at 30 % needs 124, capped at 40; 3 needs 10.
        Assert.Equal("50", await page.Locator("[data-count=planned]").InnerTextAsync());
        Assert.Contains("lập 50 lời mời", await page.Locator("#wave-message").InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal(["Tạm dừng", "Hủy đợt"], await page.Locator(".wave-actions button").AllInnerTextsAsync());

        // Behind the page's back: the sender sends 12 invitations and one citizen completes the survey.
        await page.EvaluateAsync("() => { window.__samePage = true; }");
        var firstStamp = await page.Locator("#updated-at").InnerTextAsync();
        await using (var command = _database.DataSource.CreateCommand(
            """
            WITH sent AS (
                UPDATE invitations SET status = 'sent', sent_at = now()
                WHERE id IN (SELECT id FROM invitations WHERE wave_id = $1 ORDER BY planned_at, id LIMIT 12)
                RETURNING id, agency_id
            ), first AS (
                SELECT i.id, i.agency_id, w.questionnaire_id FROM invitations i JOIN waves w ON w.id = i.wave_id
                WHERE i.id = (SELECT min(id) FROM sent)
            ), conversation AS (
                INSERT INTO conversations (id, channel, invitation_id, agency_id, questionnaire_id)
                SELECT 'browser-' || id, 'sms', id, agency_id, questionnaire_id FROM first
                RETURNING id
            )
            INSERT INTO responses (conversation_id, invitation_id, wave_id, agency_id, questionnaire_id, channel, status, completed_at, provenance)
            SELECT 'browser-' || f.id, f.id, $1, f.agency_id, f.questionnaire_id, 'sms', 'completed', now(), 'sampled'
            FROM first f, conversation
            """))
        {
            command.Parameters.AddWithValue(waveId);
            await command.ExecuteNonQueryAsync(Cancel);
        }

        await page.Locator("[data-count=completed]", new() { HasText = "1" }).WaitForAsync(new() { Timeout = 15_000 });
        Assert.Equal("12", await page.Locator("[data-count=sent]").InnerTextAsync());
        Assert.Equal("1", await page.Locator("[data-ratio='completed:target']").Locator("xpath=..").Locator("progress").GetAttributeAsync("value"));
        Assert.True(await page.EvaluateAsync<bool>("() => window.__samePage === true"), "The progress updated without reloading the page.");
        Assert.Matches(@"^\d{2}:\d{2}:\d{2}$", await page.Locator("#updated-at").InnerTextAsync());
        Assert.NotEqual(firstStamp, await page.Locator("#updated-at").InnerTextAsync());
        var completedByAgency = await page.Locator("#agency-progress [data-col=completed]").AllInnerTextsAsync();
        Assert.Equal(1, completedByAgency.Sum(t => int.Parse(t, System.Globalization.CultureInfo.InvariantCulture)));
        await Browser.ScreenshotAsync(page, "wave");

        await page.GotoAsync(_baseUrl + "/admin");
        Assert.Equal("1", await page.Locator("#tile-running .value").InnerTextAsync());
        Assert.Equal("12", await page.Locator("#tile-sent-today .value").InnerTextAsync());
        Assert.Equal("8,3 %", await page.Locator("#tile-rate .value").InnerTextAsync());
        Assert.Equal("Khảo sát tháng 3/2025", await page.Locator($"#active-waves tr[data-wave='{waveId}'] a").InnerTextAsync());
        await Browser.ScreenshotAsync(page, "dashboard");
    }
}
