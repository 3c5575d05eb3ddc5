using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ChatSurvey.BotHost.Tests.Admin;
using ChatSurvey.BotHost.Tests.Pages;
using ChatSurvey.BotHost.Tests.Pages.Results;
using ChatSurvey.Dispatcher.Scoring;
using ChatSurvey.Domain.Scoring;
using ChatSurvey.Domain.Volunteers;
using ChatSurvey.TestSupport;

namespace ChatSurvey.BotHost.Tests.Volunteers;

/// <summary>
/// Back-check calls (phúc tra phiếu): each volunteer's sample in a wave is the documented seeded order's first
/// ⌈10 % × n⌉ ballots (at least one), the same for the same seed; a ballot a call did not confirm leaves the official
/// figures, a confirmed one stays.
/// </summary>
public sealed class BackCheckTests : IAsyncLifetime
{
    private TestDatabase _database = null!;
    private BotHostFactory _factory = null!;
    private long _wave;
    private readonly Dictionary<string, List<long>> _ballots = [];

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _database = await (await PostgresServer.GetAsync()).CreateDatabaseAsync();
        _factory = new BotHostFactory(_database.ConnectionString, [new("Dispatcher:Enabled", "false")]);
        _ = _factory.Server;
        var data = _database.DataSource;
        _wave = await VolunteerSeed.WaveAsync(data, 42);
        var other = await VolunteerSeed.WaveAsync(data, 7);
        // 25 ballots → 3 listed; 10 → 1 (10 × 0.1 is exactly 1); 11 → 2; 1 → 1.
        foreach (var (user, count) in new[] { ("tnv.an", 25), ("tnv.binh", 10), ("tnv.chi", 11), ("tnv.dung", 1) })
        {
            var volunteer = await VolunteerSeed.CreateVolunteerAsync(data, user, "TNV " + user[4..], "Đoàn phường Lê Chân");
            _ballots[user] = [];
            for (var i = 0; i < count; i++)
                _ballots[user].Add(await VolunteerSeed.AddBallotAsync(data, _wave, volunteer, DateTimeOffset.UtcNow.AddMinutes(-i), [1 + (i % 5)]));
            // Ballots of another wave never enter this wave's sample.
            await VolunteerSeed.AddBallotAsync(data, other, volunteer, DateTimeOffset.UtcNow, [4]);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _factory.DisposeAsync();
        await _database.DisposeAsync();
    }

    [Fact]
    public async Task Sample_Should_BeTheSeededOrdersFirstTenPercent_AndTheSame_ForTheSameSeed()
    {
        var first = await SampleAsync();
        var second = await SampleAsync();
        Assert.Equal(first, second);
        Assert.Equal(Expected(42), first);
        Assert.Equal([3, 1, 2, 1], _ballots.Keys.Select(k => first[k].Count));

        // Another seed, another (documented) list.
        await ResultsSeed.ExecuteAsync(_database.DataSource, "UPDATE waves SET seed = 43 WHERE id = $1", _wave);
        var reseeded = await SampleAsync();
        Assert.Equal(Expected(43), reseeded);
        Assert.NotEqual(first["tnv.an"], reseeded["tnv.an"]);
    }

    [Fact]
    public async Task Page_Should_ListTheSampleWithTheDossierAndPhone_And_RecordTheOutcome()
    {
        using var admin = await _factory.SignedInClientAsync();
        var page = await admin.GetPageAsync($"/admin/backchecks?wave={_wave}");
        var listed = page.All("tr[data-response]").Select(r => long.Parse(r.Attribute("data-response"), System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(Expected(42).Values.SelectMany(v => v).Order(), listed.Order());
        var ballot = Expected(42)["tnv.an"][0];
        var row = page.One($"tr#ballot-{ballot}");
        var (dossier, phone) = await DossierAsync(ballot);
        Assert.Contains(dossier, row.Text(), StringComparison.Ordinal);
        Assert.Equal($"tel:{phone}", row.One("a[href^='tel:']").Attribute("href"));
        Assert.Equal("42", page.One("#seed").Text());

        var before = await ValidBallotsAsync();
        using (var recorded = await admin.SubmitFormAsync($"/admin/backchecks?handler=Record&wave={_wave}&responseId={ballot}", page,
                   ("outcome", "not_confirmed"), ("note", "Người dân không nhớ đã được phỏng vấn")))
        {
            Assert.Equal(HttpStatusCode.Redirect, recorded.StatusCode);
        }

        Assert.Equal(before - 1, await ValidBallotsAsync());
        Assert.Equal("not_confirmed|admin", await ResultsSeed.ScalarAsync<string>(_database.DataSource,
            "SELECT bc.outcome || '|' || a.user_name FROM back_checks bc JOIN accounts a ON a.id = bc.checked_by WHERE bc.response_id = $1", ballot));
        // The public figures, computed afresh, count one ballot less.
        var results = await _factory.CreateClient().GetFromJsonAsync<JsonElement>($"/api/public/results?wave={_wave}", Cancel);
        Assert.Equal(before - 1, results.GetProperty("agencies").EnumerateArray().Sum(a => a.GetProperty("responses").GetInt32()));

        var after = await admin.GetPageAsync($"/admin/backchecks?wave={_wave}");
        Assert.Equal("not_confirmed", after.One($"tr#ballot-{ballot}").Attribute("data-outcome"));
        Assert.Contains("Không xác nhận", after.One($"tr#ballot-{ballot}").Text(), StringComparison.Ordinal);

        // Confirmed stays in the figures; correcting not confirmed to confirmed brings the ballot back.
        var confirmed = Expected(42)["tnv.binh"][0];
        await RecordAsync(admin, after, confirmed, ("outcome", "confirmed"));

        Assert.Equal(before - 1, await ValidBallotsAsync());
        await RecordAsync(admin, after, ballot, ("outcome", "confirmed"));

        Assert.Equal(before, await ValidBallotsAsync());
        Assert.Equal(2L, await ResultsSeed.ScalarAsync<long>(_database.DataSource, "SELECT count(*) FROM back_checks WHERE outcome = 'confirmed'"));
    }

    [Fact]
    public async Task Record_Should_RefuseAnUnknownOutcome_OrABallotThatIsNoInterview_And_KeepACheckedBallotListed()
    {
        using var admin = await _factory.SignedInClientAsync();
        var page = await admin.GetPageAsync($"/admin/backchecks?wave={_wave}");
        var ballot = Expected(42)["tnv.an"][0];
        await RecordAsync(admin, page, ballot, ("outcome", "maybe"));

        Assert.Equal("Chọn kết quả phúc tra: xác nhận hoặc không xác nhận.", (await admin.GetPageAsync($"/admin/backchecks?wave={_wave}")).One("#error").Text());
        await RecordAsync(admin, page, 999999, ("outcome", "confirmed"));

        Assert.Equal("Không có phiếu hoàn thành nào của tình nguyện viên mang số này.",
            (await admin.GetPageAsync($"/admin/backchecks?wave={_wave}")).One("#error").Text());
        Assert.Equal(0L, await ResultsSeed.ScalarAsync<long>(_database.DataSource, "SELECT count(*) FROM back_checks"));

        // A ballot checked outside the sample (a call made on suspicion) stays listed, marked so.
        var outside = Ranked(42, _ballots["tnv.an"])[10];
        await RecordAsync(admin, page, outside, ("outcome", "confirmed"));

        var groups = await BackCheckSample.ListAsync(_database.DataSource, _wave, 0.1, Cancel);
        var an = groups.Single(g => g.Items.Any(i => i.ResponseId == outside));
        Assert.Equal((25, 3, 4), (an.Ballots, an.SampleSize, an.Items.Count));
        Assert.False(an.Items.Single(i => i.ResponseId == outside).InSample);
        Assert.Equal("false", (await admin.GetPageAsync($"/admin/backchecks?wave={_wave}")).One($"tr#ballot-{outside}").Attribute("data-in-sample"));
    }

    /// <summary>Posts the page's outcome form for <paramref name="response"/>; the page answers with a redirect whatever the outcome.</summary>
    private async Task RecordAsync(HttpClient client, HtmlPage page, long response, params (string Name, string Value)[] fields)
    {
        using var posted = await client.SubmitFormAsync($"/admin/backchecks?handler=Record&wave={_wave}&responseId={response}", page, fields);
        Assert.Equal(HttpStatusCode.Redirect, posted.StatusCode);
    }

    /// <summary>Each volunteer's listed ballots, by user name, in rank order.</summary>
    private async Task<Dictionary<string, List<long>>> SampleAsync()
    {
        var groups = await BackCheckSample.ListAsync(_database.DataSource, _wave, 0.1, Cancel);
        return _ballots.ToDictionary(b => b.Key,
            b => groups.Single(g => g.Items.Any(i => b.Value.Contains(i.ResponseId))).Items.Select(i => i.ResponseId).ToList());
    }

    /// <summary>The recipe of docs/methodology.md, "Interviews", recomputed here: the first ⌈10 % × n⌉ (at least 1) by SHA-256 of "back-check|seed|id".</summary>
    private Dictionary<string, List<long>> Expected(int seed) => _ballots.ToDictionary(b => b.Key,
        b => Ranked(seed, b.Value).Take(Math.Max(1, (int)Math.Ceiling(b.Value.Count * 0.1m))).ToList());

    private static List<long> Ranked(int seed, IEnumerable<long> ids) =>
    [
        .. ids.OrderBy(id => SHA256.HashData(Encoding.UTF8.GetBytes($"back-check|{seed}|{id}")),
                Comparer<byte[]>.Create((a, b) => a.AsSpan().SequenceCompareTo(b)))
            .ThenBy(id => id),
    ];

    private async Task<int> ValidBallotsAsync() =>
        (await ScoringQuery.RunAsync(_database.DataSource, BallotExclusions.Default.ForWave(_wave), Cancel)).Overall.Responses;

    private async Task<(string Dossier, string Phone)> DossierAsync(long response)
    {
        var both = await ResultsSeed.ScalarAsync<string>(_database.DataSource,
            "SELECT t.dossier_code || '|' || t.phone FROM responses r JOIN transactions t ON t.id = r.transaction_id WHERE r.id = $1", response);
        var parts = both.Split('|');
        return (parts[0], parts[1]);
    }
}
