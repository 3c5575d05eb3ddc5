using ChatSurvey.Dispatcher.Sms;
using ChatSurvey.Dispatcher.Tests.Sending;
using ChatSurvey.Dispatcher.Waves;
using ChatSurvey.Domain.Integrity;
using ChatSurvey.Domain.Statuses;
using ChatSurvey.Domain.Tests.Sampling;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ChatSurvey.Dispatcher.Tests.Waves;

/// <summary>
/// A batch wave's start and top-up create the invitations of <see cref="SampleReference"/>'s draw (the rules in plain
/// C#), agencies taking turns in ordinal code order in the send schedule, each with its reminder and expiry.
/// </summary>
public sealed class WavePlannerDrawTests(TwilioFakeFixture fixture) : IClassFixture<TwilioFakeFixture>
{
    private static readonly DateOnly From = new(2026, 10, 1);
    private static readonly DateOnly To = new(2026, 10, 31);
    private const int Seed = 77;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task StartAsync_And_TopUpAsync_Should_InviteTheReferenceDraw_InTurns_When_WaveIsBatch()
    {
        // The database stamps invitations with its own clock, so the scene's clock starts at the real time.
        var now = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        await using var scene = await ContinuousScene.StartAsync(fixture.Fake, now);
        string[] codes = ["b-2", "B-1", "a.3"];
        var agencies = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var code in codes)
            agencies[code] = await scene.AgencyAsync(code);

        // Phones shared by dossiers at one agency and at several, a staff phone, an opt-out, one in the cool-down.
        var random = new Random(16);
        var phones = Enumerable.Range(0, 70).Select(i => $"+8497{i:D7}").ToList();
        var dossiers = new List<(string Agency, long Id, string Phone)>();
        for (var n = 0; n < 150; n++)
        {
            var agency = codes[random.Next(codes.Length)];
            var phone = phones[random.Next(phones.Count)];
            dossiers.Add((agency, await scene.ArriveAsync(agency, $"HS-{n}", phone, From.AddDays(n % 31)), phone));
        }

        await scene.ExecuteAsync("INSERT INTO staff_phones (agency_id, phone) VALUES ($1, $2)", agencies["B-1"], dossiers.First(d => d.Agency == "B-1").Phone);
        await scene.ExecuteAsync("INSERT INTO opt_outs (phone, source) VALUES ($1, 'keyword')", dossiers[5].Phone);
        var earlier = await scene.CreateWaveAsync(new DateOnly(2026, 6, 1), new DateOnly(2026, 6, 30), [("b-2", 1)], mode: WaveMode.Batch);
        await scene.ExecuteAsync(
            "INSERT INTO invitations (wave_id, transaction_id, agency_id, phone, code, status, planned_at, created_at) VALUES ($1, $2, $3, $4, 'EARLIER', 'expired', $5, $5)",
            earlier, dossiers[9].Id, agencies[dossiers[9].Agency], dossiers[9].Phone, now.AddDays(-10));

        var created = await scene.Host.Services.GetRequiredService<WaveStore>().CreateAsync(new WaveDraft(
            "Đợt thử", "sipas-sms", From, To, [new("b-2", 6), new("B-1", 4), new("a.3", 9)], 0.5m, new TimeOnly(8, 0), new TimeOnly(20, 0),
            ReminderAfterHours: 48, ExpireAfterDays: 3, CooldownDays: 90, Seed: Seed), Cancel);
        var wave = created.Id!.Value;
        var rate = scene.Host.Services.GetRequiredService<IOptions<SmsOptions>>().Value.MessagesPerSecond;
        var maxDossiers = scene.Host.Services.GetRequiredService<IOptions<IntegrityOptions>>().Value.MaxDossiersPerPhone;

        // The start: ⌈target / 0.5⌉ per agency, or what the pool has.
        var expected = await SampleReference.DrawAsync(scene.Db, new SampleReference.Request(
            wave, From, To, Seed, now, 90, maxDossiers,
            new Dictionary<long, int> { [agencies["b-2"]] = 12, [agencies["B-1"]] = 8, [agencies["a.3"]] = 18 }, TopUp: false), Cancel);
        var started = await scene.Planner.StartAsync(wave, Cancel);

        var first = await InvitationsAsync(scene, wave, draw: 0);
        Assert.Equal(Turns(expected, agencies), first.Select(i => (i.Agency, i.Transaction)));
        Assert.Equal(first.Count, started.Change!.Planned);
        Assert.Contains(expected.Values, e => e.TransactionIds.Count < e.Eligible);
        Assert.Equal(SendSchedule.Spread(now, new TimeOnly(8, 0), new TimeOnly(20, 0), rate, first.Count), first.Select(i => i.PlannedAt));
        Assert.All(first, i => Assert.Equal((i.PlannedAt.AddHours(48), i.PlannedAt.AddDays(3), InvitationStatus.Planned), (i.Reminder!.Value, i.Expires, i.Status)));
        Assert.Equal(first.Count, first.Select(i => i.Code).Distinct().Count());
        Assert.All(first, i => Assert.Matches("^[2-9A-HJKMNP-Z]{10}$", i.Code));
        foreach (var planned in started.Change.Agencies!)
        {
            var e = expected[agencies[planned.AgencyCode]];
            Assert.Equal((e.TransactionIds.Count, e.Eligible, e.ExcludedStaff), (planned.Planned, planned.Eligible, planned.ExcludedStaff));
        }

        Assert.Equal(1, started.Change.Agencies!.Single(a => a.AgencyCode == "B-1").ExcludedStaff);

        // A top-up a day later: the next ranks of the same order, for the agencies named.
        var later = now.AddDays(1);
        scene.SetClock(later);
        var top = new Dictionary<string, int>(StringComparer.Ordinal) { ["b-2"] = 3, ["a.3"] = 2 };
        var expectedTop = await SampleReference.DrawAsync(scene.Db, new SampleReference.Request(
            wave, From, To, Seed, later, 90, maxDossiers,
            agencies.ToDictionary(a => a.Value, a => top.GetValueOrDefault(a.Key)), TopUp: true), Cancel);
        var topUp = await scene.Planner.TopUpAsync(wave, top, Cancel);

        var second = await InvitationsAsync(scene, wave, draw: 1);
        Assert.Equal(TopUpOutcome.Drawn, topUp.Outcome);
        Assert.Equal((short?)1, topUp.TopUp!.Draw);
        Assert.Equal(Turns(expectedTop, agencies), second.Select(i => (i.Agency, i.Transaction)));
        Assert.Equal(5, second.Count);
        Assert.Empty(second.Select(i => i.Transaction).Intersect(first.Select(i => i.Transaction)));
        Assert.Equal(SendSchedule.Spread(later, new TimeOnly(8, 0), new TimeOnly(20, 0), rate, second.Count), second.Select(i => i.PlannedAt));
    }

    // Agencies take turns in ordinal code order: each one's first drawn dossier, then each one's second, …
    private static List<(long, long)> Turns(IReadOnlyDictionary<long, SampleReference.Agency> expected, Dictionary<string, long> agencies)
    {
        var order = agencies.OrderBy(a => a.Key, StringComparer.Ordinal).Select(a => expected[a.Value]).ToList();
        var turns = new List<(long, long)>();
        for (var k = 0; k < order.Max(a => a.TransactionIds.Count); k++)
            turns.AddRange(order.Where(a => k < a.TransactionIds.Count).Select(a => (a.AgencyId, a.TransactionIds[k])));
        return turns;
    }

    private sealed record Invitation(
        long Agency, long Transaction, string Code, DateTimeOffset PlannedAt, DateTimeOffset? Reminder, DateTimeOffset Expires, string Status);

    private static async Task<List<Invitation>> InvitationsAsync(ContinuousScene scene, long wave, short draw)
    {
        await using var command = scene.Db.CreateCommand(
            """
            SELECT agency_id, transaction_id, code, planned_at, reminder_due_at, expires_at, status
            FROM invitations WHERE wave_id = $1 AND draw = $2 ORDER BY planned_at, id
            """);
        command.Parameters.AddWithValue(wave);
        command.Parameters.AddWithValue(draw);
        var list = new List<Invitation>();
        await using var reader = await command.ExecuteReaderAsync(Cancel);
        while (await reader.ReadAsync(Cancel))
        {
            list.Add(new Invitation(reader.GetInt64(0), reader.GetInt64(1), reader.GetString(2), reader.GetFieldValue<DateTimeOffset>(3),
                reader.IsDBNull(4) ? null : reader.GetFieldValue<DateTimeOffset>(4), reader.GetFieldValue<DateTimeOffset>(5), reader.GetString(6)));
        }

        return list;
    }
}
