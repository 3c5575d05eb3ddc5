using System.Net;
using System.Net.Http.Json;
using ChatSurvey.BotHost.Tests.Pages;

namespace ChatSurvey.BotHost.Tests.Admin;

/// <summary>
/// A retired agency (abolished, merged) keeps its history and leaves everything new: wave quotas, the new-wave table, a
/// draft's first draw, manual invitations, the counters' QR sheet and the invitation-free chat — except that a running
/// wave that already includes it finishes as planned (its top-ups, its counter chat).
/// </summary>
public sealed class RetiredAgencyTests : IAsyncLifetime
{
    private AdminApiHost _host = null!;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _host = await AdminApiHost.StartAsync(("Sms:MessagesPerSecond", "2"));
        // A1, a department, and A2, a district abolished since (retired below); each with March 2025 transactions.
        await _host.SeedCatalogueAsync();
        var rows = Enumerable.Range(0, 6).Select(i => Row($"HS-{i}", "A1", $"09120000{i:D2}"))
            .Concat(Enumerable.Range(0, 6).Select(i => Row($"HS-{i}", "A2", $"09130000{i:D2}")))
            .ToArray();
        var (status, _) = await _host.PostAsync("/api/admin/transactions", rows);
        Assert.Equal(HttpStatusCode.OK, status);
    }

    public async ValueTask DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Create_Should_Answer400NamingTheRetiredAgencyAndWriteNothing_When_AQuotaNamesIt()
    {
        await RetireAsync("A2");

        var (status, problem) = await _host.PostAsync("/api/admin/waves",
            Wave(new { agencyCode = "A1", target = 2 }, new { agencyCode = "A2", target = 2 }));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        var errors = problem.GetProperty("errors");
        Assert.Equal("Agency 'A2' is retired: it takes no new waves.", Assert.Single(errors.GetProperty("agencies[1].agencyCode").EnumerateArray()).GetString());
        Assert.Single(errors.EnumerateObject());
        Assert.Equal(0L, await _host.ScalarAsync<long>("SELECT count(*) FROM waves"));
    }

    [Fact]
    public async Task NewWavePage_Should_LeaveTheRetiredAgencyOut_When_ListingPopulations()
    {
        await RetireAsync("A2");
        using var client = await _host.Factory.SignedInClientAsync();

        // As the page's own period form asks (a target field with the period), so the quota table is the period's.
        var page = await client.GetPageAsync("/admin/waves/new?ResultsFrom=2025-03-01&ResultsTo=2025-03-31&Targets%5BA1%5D=");
        Assert.Equal(["Targets[A1]"], page.All("#quota-table input[type=number]").Select(i => i.GetAttribute("name")));

        // A target typed for it anyway (an old bookmark, another tab) is refused beside its row, in Vietnamese.
        using var posted = await client.PostFormAsync("/admin/waves/new",
        [
            ("Name", "Đợt quý 1"), ("Questionnaire", "sipas-sms"), ("ResultsFrom", "2025-03-01"), ("ResultsTo", "2025-03-31"),
            ("ResponseRate", "50"), ("Targets[A1]", "2"), ("Targets[A2]", "2"),
        ]);
        var refused = await posted.ReadPageAsync();
        Assert.Contains("Đơn vị A2 đã giải thể / ngừng khảo sát: không đưa vào đợt mới.", refused.Text, StringComparison.Ordinal);
        Assert.Equal(0L, await _host.ScalarAsync<long>("SELECT count(*) FROM waves"));
    }

    [Fact]
    public async Task Start_Should_InviteNobodyForTheRetiredAgencyButTopUpsStillDraw_When_RetiredBetweenDraftAndStart()
    {
        var (created, body) = await _host.PostAsync("/api/admin/waves",
            Wave(new { agencyCode = "A1", target = 2 }, new { agencyCode = "A2", target = 2 }));
        Assert.Equal(HttpStatusCode.Created, created);
        var wave = body.GetProperty("id").GetInt64();
        await RetireAsync("A2");

        var (started, start) = await _host.PostAsync($"/api/admin/waves/{wave}/start");

        Assert.Equal(HttpStatusCode.OK, started);
        // Targets of 2 at a 50 % rate need 4 invitations each; the retired A2 has no pool for a new draw.
        Assert.Equal(
            [("A1", 6, 4), ("A2", 0, 0)],
            start.GetProperty("agencies").EnumerateArray()
                .Select(a => (a.GetProperty("agencyCode").GetString(), a.GetProperty("eligible").GetInt32(), a.GetProperty("planned").GetInt32())));
        Assert.Equal(0L, await _host.ScalarAsync<long>(
            "SELECT count(*) FROM invitations i JOIN agencies a ON a.id = i.agency_id WHERE a.code = 'A2'"));

        // Once the wave runs with A2 in it, bringing A2 back and retiring it again changes nothing for that wave:
        // a top-up for it draws from its pool, so a wave that includes an agency finishes as planned.
        await _host.PostAsync("/api/admin/agencies/A2/reinstate");
        var (_, second) = await _host.PostAsync("/api/admin/waves", Wave(new { agencyCode = "A2", target = 1 }));
        var (_, secondStart) = await _host.PostAsync($"/api/admin/waves/{second.GetProperty("id").GetInt64()}/start");
        Assert.Equal(2, secondStart.GetProperty("planned").GetInt32());
        await RetireAsync("A2");
        var (toppedUp, topUp) = await _host.PostAsync($"/api/admin/waves/{second.GetProperty("id").GetInt64()}/top-up",
            new { agencies = new[] { new { agencyCode = "A2", count = 1 } } });
        Assert.Equal(HttpStatusCode.OK, toppedUp);
        Assert.Equal(1, topUp.GetProperty("drawn").GetInt32());
    }

    [Fact]
    public async Task ManualInvitation_Should_Answer400NamingTheAgency_When_ItIsRetired()
    {
        await RetireAsync("A2");

        var (status, problem) = await _host.PostAsync("/api/admin/invitations",
            new { phone = "0912345678", agencyCode = "A2", procedureCode = "P1", questionnaire = "sipas-sms" });

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("Agency 'A2' is retired: it takes no new surveys.",
            Assert.Single(problem.GetProperty("errors").GetProperty("agencyCode").EnumerateArray()).GetString());
        Assert.Equal(0L, await _host.ScalarAsync<long>("SELECT count(*) FROM invitations"));
    }

    [Fact]
    public async Task InvitationFreeChat_Should_SayTheAgencyNoLongerTakesSurveys_When_RetiredAndNoRunningWaveIncludesIt()
    {
        await RetireAsync("A2");
        using var citizen = _host.Factory.CreateClient();

        using var counter = await citizen.GetAsync("/chat/counter/A2", Cancel);
        using var chat = await citizen.GetAsync("/chat?agency=A2", Cancel);
        using var qr = await citizen.GetAsync("/chat/qr/A2.png", Cancel);
        using var token = await citizen.PostAsJsonAsync("/api/webchat/token", new { agencyCode = "A2" }, Cancel);
        var chooser = await citizen.GetPageAsync("/chat");

        Assert.Equal(HttpStatusCode.Gone, counter.StatusCode);
        Assert.Equal("Cơ quan này không còn nhận khảo sát", (await counter.ReadPageAsync()).One("main h2").Text());
        Assert.Equal(HttpStatusCode.Gone, chat.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, qr.StatusCode);
        Assert.Equal(HttpStatusCode.Gone, token.StatusCode);
        Assert.Equal(["A1"], chooser.All("select[name=agency] option").Select(o => o.GetAttribute("value")));
        Assert.Equal(0L, await _host.ScalarAsync<long>("SELECT count(*) FROM directline_conversations"));

        // The counters' QR sheet offers current agencies only.
        using var admin = await _host.Factory.SignedInClientAsync();
        var sheet = await admin.GetPageAsync("/admin/qr");
        Assert.Equal(["A1"], sheet.All(".qr-card").Select(c => c.GetAttribute("data-code")));
    }

    [Fact]
    public async Task InvitationFreeChat_Should_KeepWorking_When_ARunningWaveStillIncludesTheRetiredAgency()
    {
        var (_, body) = await _host.PostAsync("/api/admin/waves", Wave(new { agencyCode = "A2", target = 1 }));
        var wave = body.GetProperty("id").GetInt64();
        Assert.Equal(HttpStatusCode.OK, (await _host.PostAsync($"/api/admin/waves/{wave}/start")).Status);
        await RetireAsync("A2");
        using var citizen = _host.Factory.CreateClient();

        using var counter = await citizen.GetAsync("/chat/counter/A2", Cancel);
        using var token = await citizen.PostAsJsonAsync("/api/webchat/token", new { agencyCode = "A2" }, Cancel);

        Assert.Equal(HttpStatusCode.OK, counter.StatusCode);
        Assert.Equal(HttpStatusCode.OK, token.StatusCode);
        Assert.Contains("A2", (await citizen.GetPageAsync("/chat")).All("select[name=agency] option").Select(o => o.GetAttribute("value")));

        // Once that wave is over (here: cancelled), the retired agency's counter says it no longer takes surveys.
        Assert.Equal(HttpStatusCode.OK, (await _host.PostAsync($"/api/admin/waves/{wave}/cancel")).Status);
        using var after = await citizen.GetAsync("/chat/counter/A2", Cancel);
        Assert.Equal(HttpStatusCode.Gone, after.StatusCode);
    }

    private async Task RetireAsync(string code)
    {
        var (status, _) = await _host.PostAsync($"/api/admin/agencies/{code}/retire");
        Assert.Equal(HttpStatusCode.OK, status);
    }

    private static object Row(string dossier, string agency, string phone) =>
        new { dossierCode = dossier, agencyCode = agency, procedureCode = "P1", phone, resultDate = "2025-03-10" };

    private static object Wave(params object[] agencies) => new
    {
        name = "Đợt khảo sát quý 1/2025",
        questionnaire = "sipas-sms",
        resultsFrom = "2025-03-01",
        resultsTo = "2025-03-31",
        agencies,
        expectedResponseRate = 0.5,
        seed = 7,
    };
}
