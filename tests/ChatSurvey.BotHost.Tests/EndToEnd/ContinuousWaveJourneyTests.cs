using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ChatSurvey.BotHost.Tests.WebChat;
using ChatSurvey.Dispatcher.Jobs;
using ChatSurvey.TestSupport.Twilio;
using Microsoft.Extensions.DependencyInjection;

namespace ChatSurvey.BotHost.Tests.EndToEnd;

/// <summary>
/// A continuous wave end to end through HTTP only (no SQL): the administrator creates and starts the wave and an
/// integration key, the one-stop-shop system posts a dossier the moment its result is handed over, the minutely pass
/// decides it and the send job invites the citizen through the Twilio SDK to the project's Twilio fake, the citizen
/// answers by signed webhooks, and the published results count the ballot — on time, since the result came before the
/// appointment date. The host's clock is a FakeTimeProvider (test hosts run jobs by hand: no recurring schedule).
/// </summary>
public sealed class ContinuousWaveJourneyTests : IAsyncLifetime
{
    private const string ServiceNumber = "+15005550006";
    private const string PublicBaseUrl = "http://localhost";
    private const string Phone = "+84912000201";

    /// <summary>14 October 2026, 14:05 in Hai Phong: the result was handed over at 14:00, inside the send window.</summary>
    private static readonly DateTimeOffset Now = new(2026, 10, 14, 7, 5, 0, TimeSpan.Zero);

    private TwilioFake _twilio = null!;
    private AgencyChatHost _host = null!;
    private HttpClient _webhooks = null!;
    private SignedSms _sms = null!;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _twilio = await TwilioFake.StartAsync(new TwilioFakeOptions(), Cancel);
        _host = await AgencyChatHost.StartAsync(Now,
        [
            .. _twilio.ConfigurationValues(ServiceNumber).Select(s => (s.Key, s.Value)),
            ("App:PublicBaseUrl", PublicBaseUrl),
            ("Twilio:PublicBaseUrl", PublicBaseUrl),
        ]);
        _webhooks = _host.Factory.CreateClient();
        _sms = new SignedSms(_twilio, _webhooks, ServiceNumber, PublicBaseUrl);
    }

    public async ValueTask DisposeAsync()
    {
        _webhooks.Dispose();
        await _host.DisposeAsync();
        await _twilio.DisposeAsync();
    }

    [Fact]
    public async Task ContinuousWave_Should_InviteAPostedDossierTheSameAfternoonAndCountItsBallot_When_TheCitizenAnswersBySms()
    {
        await _host.SeedCatalogueAsync();

        // 1. A continuous wave for October–December 2026: A1 aims at 50 ballots, invitations within 24 h of the result.
        using var created = await _host.Admin.PostAsJsonAsync("/api/admin/waves", new
        {
            name = "Khảo sát liên tục quý IV/2026",
            questionnaire = "sipas-sms",
            resultsFrom = "2026-10-01",
            resultsTo = "2026-12-31",
            agencies = new[] { new { agencyCode = "A1", target = 50 } },
            mode = "continuous",
            inviteWithinHours = 24,
            seed = 2026,
        }, Cancel);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var wave = (await created.Content.ReadFromJsonAsync<JsonElement>(Cancel)).GetProperty("id").GetInt64();
        using (var started = await _host.Admin.PostAsync($"/api/admin/waves/{wave}/start", null, Cancel))
            Assert.Equal(HttpStatusCode.OK, started.StatusCode);

        // 2. The one-stop-shop system gets a key, and posts the dossier whose result was handed over at 14:00.
        using var keyResponse = await _host.Admin.PostAsJsonAsync("/api/admin/integration-keys", new { name = "Hệ thống một cửa" }, Cancel);
        Assert.Equal(HttpStatusCode.Created, keyResponse.StatusCode);
        var key = (await keyResponse.Content.ReadFromJsonAsync<JsonElement>(Cancel)).GetProperty("key").GetString()!;
        var dossier = new
        {
            MaHoSo = "000.00.01.H26-261010-0001",
            MaTTHC = "P1",
            TenTTHC = "Cấp phiếu lý lịch tư pháp",
            MaDonVi = "A1",
            SoDienThoai = "0912000201",
            ChuHoSo = "Nguyễn Văn An",
            LoaiDoiTuong = 1,
            NgayTiepNhan = "20261010080000",
            NgayHenTra = "20261015170000",
            NgayTra = "20261014140000",
            TrangThaiHoSo = "10",
        };
        using var system = _host.Factory.CreateClient();
        system.DefaultRequestHeaders.Add("X-Api-Key", key);
        using (var posted = await system.PostAsJsonAsync("/api/integrations/dossiers", new[] { dossier }, Cancel))
        {
            Assert.Equal(HttpStatusCode.OK, posted.StatusCode);
            Assert.Equal(1, (await posted.Content.ReadFromJsonAsync<JsonElement>(Cancel)).GetProperty("accepted").GetInt32());
        }

        // The same key reads nothing.
        using (var peek = await system.GetAsync($"/api/admin/waves/{wave}", Cancel))
            Assert.Equal(HttpStatusCode.Forbidden, peek.StatusCode);

        // 3. The minutely pass decides it (no arrival history yet: every eligible dossier is invited) and the send job
        // hands the invitation to Twilio the same afternoon.
        _host.Clock.Advance(TimeSpan.FromMinutes(1));
        var pass = await Job<ContinuousWaveJob>().RunAsync(Cancel);
        Assert.Equal((1, 1), (pass.Decided, pass.Invited));
        _host.Clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, await Job<SendDueJob>().SendAsync(Cancel));
        var invitation = Assert.Single(_twilio.Messages);
        Assert.Equal(Phone, invitation.To);
        Assert.Contains("Cau 1/7", invitation.Body, StringComparison.Ordinal);

        // A repost of the decided dossier changes nothing and is not decided again.
        using (var reposted = await system.PostAsJsonAsync("/api/integrations/dossiers", new[] { dossier with { ChuHoSo = "Nguyễn Văn Ân" } }, Cancel))
            Assert.Equal(HttpStatusCode.OK, reposted.StatusCode);
        _host.Clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(0, (await Job<ContinuousWaveJob>().RunAsync(Cancel)).Decided);

        var pacing = await _host.Admin.GetFromJsonAsync<JsonElement>($"/api/admin/waves/{wave}/pacing", Cancel);
        var agency = Assert.Single(pacing.GetProperty("agencies").EnumerateArray());
        Assert.Equal((1, 1), (agency.GetProperty("arrived").GetInt32(), agency.GetProperty("invited").GetInt32()));
        Assert.Equal(0, pacing.GetProperty("hoursToInvitation").GetProperty("late").GetInt32());

        // 4. The citizen answers the six ratings by SMS, 10 s apart, and skips the comment.
        var last = "";
        foreach (var answer in new[] { "5", "5", "4", "5", "4", "5", "0" })
        {
            _host.Clock.Advance(TimeSpan.FromSeconds(10));
            last = await _sms.ReplyAsync(Phone, answer, Cancel);
        }

        Assert.StartsWith("Cam on Ong/Ba da tham gia khao sat!", last, StringComparison.Ordinal);

        // 5. Published and refreshed, the ballot is in the official figures: sampled, on time.
        using (var published = await _host.Admin.PostAsync($"/api/admin/waves/{wave}/publish", null, Cancel))
            Assert.Equal(HttpStatusCode.OK, published.StatusCode);
        await Job<ScoreRefreshJob>().RunAsync(Cancel);
        using var anonymous = _host.Factory.CreateClient();
        var results = await anonymous.GetFromJsonAsync<JsonElement>($"/api/public/results?wave={wave}", Cancel);
        var line = Assert.Single(results.GetProperty("agencies").EnumerateArray());
        Assert.Equal("A1", line.GetProperty("agencyCode").GetString());
        Assert.Equal(1, line.GetProperty("responses").GetInt32());
        Assert.Equal(100.0, line.GetProperty("index").GetDouble(), 9);
        Assert.Equal(1, line.GetProperty("timeliness").GetProperty("onTime").GetProperty("ballots").GetInt32());
        Assert.Equal(0, line.GetProperty("timeliness").GetProperty("late").GetProperty("ballots").GetInt32());
        var responses = await _host.Admin.GetFromJsonAsync<JsonElement>($"/api/admin/waves/{wave}/responses", Cancel);
        Assert.Contains(responses.EnumerateArray(), r => r.GetProperty("provenance").GetString() == "sampled");
        Assert.DoesNotContain(Phone[3..], results.GetRawText(), StringComparison.Ordinal);
    }

    private T Job<T>()
        where T : notnull => ActivatorUtilities.CreateInstance<T>(_host.Factory.Services);
}
