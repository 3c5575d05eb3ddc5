using System.Text.Json;
using ChatSurvey.Dispatcher.Jobs;
using ChatSurvey.Dispatcher.Tests.Sending;
using ChatSurvey.Dispatcher.Waves;
using ChatSurvey.Domain.Sampling;
using ChatSurvey.Domain.Statuses;
using ChatSurvey.Domain.Time;
using Microsoft.Extensions.DependencyInjection;
using static ChatSurvey.Dispatcher.Tests.Waves.ContinuousScene;

namespace ChatSurvey.Dispatcher.Tests.Waves;

/// <summary>
/// Continuous waves while dossiers arrive (docs/methodology.md, "Continuous waves"): the recurring job's passes on a manual
/// clock over simulated days, invitations sent through the Twilio fake, completed responses written as the bot stores
/// them. Each test has a database of its own.
/// </summary>
public sealed class ContinuousWaveTests(TwilioFakeFixture fixture) : IClassFixture<TwilioFakeFixture>
{
    private static readonly DateOnly March1 = new(2026, 3, 1);
    private static readonly DateOnly March31 = new(2026, 3, 31);
    private static int s_phones;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static string NewPhone() => $"+8491{Interlocked.Increment(ref s_phones):D7}";

    [Fact]
    public async Task Dossier_Should_BeInvitedTheSameAfternoon_When_SettledAt14_And_AtEightNextMorning_When_SettledAt23()
    {
        await using var scene = await StartAsync(fixture.Fake, HaiPhong(2026, 3, 10, 13, 0));
        var wave = await scene.CreateWaveAsync(March1, March31, [("A1", 50)]);
        Assert.Equal(0, (await scene.StartWaveAsync(wave)).Change!.Planned);

        // Settled at 14:00; the minutely job runs at 14:01 and the SMS goes at once.
        var afternoon = NewPhone();
        await scene.ArriveAsync("A1", "HS-14", afternoon, null, HaiPhong(2026, 3, 10, 14, 0));
        scene.SetClock(HaiPhong(2026, 3, 10, 14, 1));
        Assert.Equal(1, (await scene.RunJobAsync()).Invited);
        Assert.Equal(HaiPhong(2026, 3, 10, 14, 1), await PlannedAtAsync(scene, "HS-14"));
        Assert.Equal(1, await scene.SendAsync());
        Assert.Single(fixture.Fake.MessagesTo(afternoon));

        // Settled at 23:00, outside the 08:00–20:00 window: planned for the next opening, sent at 08:00, not before.
        var night = NewPhone();
        await scene.ArriveAsync("A1", "HS-23", night, null, HaiPhong(2026, 3, 10, 23, 0));
        scene.SetClock(HaiPhong(2026, 3, 10, 23, 1));
        Assert.Equal(1, (await scene.RunJobAsync()).Invited);
        Assert.Equal(HaiPhong(2026, 3, 11, 8, 0), await PlannedAtAsync(scene, "HS-23"));
        Assert.Equal(0, await scene.SendAsync());
        scene.SetClock(HaiPhong(2026, 3, 11, 7, 59));
        Assert.Equal(0, await scene.SendAsync());
        Assert.Empty(fixture.Fake.MessagesTo(night));
        scene.SetClock(HaiPhong(2026, 3, 11, 8, 0));
        Assert.Equal(1, await scene.SendAsync());
        Assert.Single(fixture.Fake.MessagesTo(night));

        // A dossier whose result is two days old when it arrives is still invited, and reported late.
        await scene.ArriveAsync("A1", "HS-OLD", NewPhone(), null, HaiPhong(2026, 3, 9, 10, 0));
        scene.SetClock(HaiPhong(2026, 3, 11, 12, 0));
        Assert.Equal(1, (await scene.RunJobAsync()).Invited);

        var decisions = (await scene.DecisionsAsync(wave)).ToDictionary(d => d.DossierCode);
        Assert.All(decisions.Values, d => Assert.Equal(DecisionOutcome.Invited, d.Outcome));
        Assert.False(Timing(decisions["HS-14"]).Late);
        Assert.False(Timing(decisions["HS-23"]).Late);
        Assert.Equal(HaiPhong(2026, 3, 11, 23, 0), Timing(decisions["HS-23"]).AllowedBy);
        Assert.True(Timing(decisions["HS-OLD"]).Late);

        var pacing = (await scene.Decider.GetPacingAsync(wave, Cancel))!;
        Assert.Equal(WaveMode.Continuous, pacing.Mode);
        Assert.Equal(1, Assert.Single(pacing.Agencies).Late);
        Assert.Equal(1, pacing.HoursToInvitation.Late);
        // Sent so far: 1 minute and 9 hours after their results.
        Assert.Equal(2, pacing.HoursToInvitation.Invitations);
        Assert.Equal((1 / 60.0 + 9) / 2, pacing.HoursToInvitation.MedianHours!.Value, 6);
        Assert.Equal(1 / 60.0 + 0.9 * (9 - 1 / 60.0), pacing.HoursToInvitation.P90Hours!.Value, 6);
    }

    [Fact]
    public async Task Dossier_Should_BeDecidedOnce_When_Reposted_And_NeverInvited_When_OutsidePeriodOrWithoutResult()
    {
        await using var scene = await StartAsync(fixture.Fake, HaiPhong(2026, 3, 10, 9, 0));
        var wave = await scene.CreateWaveAsync(March1, March31, [("A1", 50)]);
        var invited = await scene.ArriveAsync("A1", "HS-1", NewPhone(), new DateOnly(2026, 3, 9));
        await scene.ArriveAsync("A1", "HS-FEB", NewPhone(), new DateOnly(2026, 2, 28));
        await scene.ArriveAsync("A1", "HS-APR", NewPhone(), new DateOnly(2026, 4, 1));
        var pending = await scene.ArriveAsync("A1", "HS-NO-RESULT", NewPhone(), null);
        // A result announced for this afternoon is not decided before it is given.
        await scene.ArriveAsync("A1", "HS-LATER", NewPhone(), null, HaiPhong(2026, 3, 10, 15, 0));
        await scene.StartWaveAsync(wave);
        Assert.Equal(["HS-1"], (await scene.DecisionsAsync(wave)).Select(d => d.DossierCode));

        // A repost changes the dossier's row (updated_at), never its decision: the next pass decides nothing.
        await scene.ExecuteAsync("UPDATE transactions SET updated_at = $2, dossier_status = 'reposted' WHERE id = $1", invited, scene.Clock.GetUtcNow());
        scene.SetClock(HaiPhong(2026, 3, 10, 9, 1));
        Assert.Equal(0, (await scene.RunJobAsync()).Decided);
        Assert.Equal(1L, await scene.ScalarAsync<long>("SELECT count(*) FROM wave_decisions WHERE transaction_id = $1", invited));
        Assert.Equal(1L, await scene.ScalarAsync<long>("SELECT count(*) FROM invitations WHERE transaction_id = $1", invited));

        // Days later the afternoon's result has been decided, and still nothing for the dossiers outside the period or without a result.
        scene.SetClock(HaiPhong(2026, 4, 2, 9, 0));
        Assert.Equal(1, (await scene.RunJobAsync()).Decided);
        Assert.Equal(["HS-1", "HS-LATER"], (await scene.DecisionsAsync(wave)).Select(d => d.DossierCode).Order(StringComparer.Ordinal));
        Assert.Equal(0, (await scene.RunJobAsync()).Decided);
        Assert.Equal(0L, await scene.ScalarAsync<long>(
            "SELECT count(*) FROM invitations i JOIN transactions t ON t.id = i.transaction_id WHERE t.dossier_code IN ('HS-FEB', 'HS-APR', 'HS-NO-RESULT')"));

        // The result arrives by a repost (NgayTra, inside the period): the dossier is decided at the next pass.
        await scene.ExecuteAsync("UPDATE transactions SET result_date = DATE '2026-03-30', updated_at = $2 WHERE id = $1", pending, scene.Clock.GetUtcNow());
        Assert.Equal(1, (await scene.RunJobAsync()).Decided);
        Assert.Equal(["HS-1", "HS-LATER", "HS-NO-RESULT"], (await scene.DecisionsAsync(wave)).Select(d => d.DossierCode).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Agency_Should_GetNoMoreInvitations_When_ItsTargetIsReached()
    {
        // The period is over (the dossiers of its last day still arrive): nothing more is expected, so each dossier is
        // invited while invitations are still needed. Target 2 at a 100 % expected rate: two invitations suffice.
        await using var scene = await StartAsync(fixture.Fake, HaiPhong(2026, 4, 1, 9, 0));
        var wave = await scene.CreateWaveAsync(March1, March31, [("A1", 2), ("A2", 5)], rate: 1.0m);
        await scene.StartWaveAsync(wave);
        foreach (var dossier in new[] { "HS-1", "HS-2", "HS-3" })
        {
            await scene.ArriveAsync("A1", dossier, NewPhone(), March31);
            await scene.RunJobAsync();
        }

        // Two invitations are open and expected to complete: the third dossier is refused.
        var outcomes = (await scene.DecisionsAsync(wave)).ToDictionary(d => d.DossierCode, d => d.Outcome);
        Assert.Equal(DecisionOutcome.Invited, outcomes["HS-1"]);
        Assert.Equal(DecisionOutcome.Invited, outcomes["HS-2"]);
        Assert.Equal(DecisionOutcome.TargetReached, outcomes["HS-3"]);

        // Both complete: the agency has its target and gets no more invitations; the other agency still does.
        await scene.SendAsync();
        foreach (var id in await InvitationIdsAsync(scene, wave))
            await scene.CompleteAsync(id);
        await scene.ArriveAsync("A1", "HS-4", NewPhone(), March31);
        await scene.ArriveAsync("A2", "HS-5", NewPhone(), March31);
        scene.SetClock(HaiPhong(2026, 4, 1, 10, 0));
        await scene.RunJobAsync();
        outcomes = (await scene.DecisionsAsync(wave)).ToDictionary(d => d.DossierCode, d => d.Outcome);
        Assert.Equal(DecisionOutcome.TargetReached, outcomes["HS-4"]);
        Assert.Equal(DecisionOutcome.Invited, outcomes["HS-5"]);
        Assert.Equal(2L, await scene.ScalarAsync<long>(
            "SELECT count(*) FROM invitations i JOIN agencies a ON a.id = i.agency_id WHERE i.wave_id = $1 AND a.code = 'A1'", wave));
        var a1 = (await scene.Decider.GetPacingAsync(wave, Cancel))!.Agencies.Single(a => a.AgencyCode == "A1");
        Assert.Equal((4, 4, 2, 2, 0.0), (a1.Arrived, a1.Eligible, a1.Invited, a1.Completed, a1.Probability!.Value));
        Assert.Equal(2, a1.Projected, 6);
    }

    [Fact]
    public async Task Decisions_Should_ApplyTheBatchEligibilityRules_When_DossiersArrive()
    {
        await using var scene = await StartAsync(fixture.Fake, HaiPhong(2026, 3, 20, 10, 0));
        var wave = await scene.CreateWaveAsync(March1, March31, [("A1", 1000), ("A2", 1000)]);
        var a1 = await scene.AgencyAsync("A1");
        var (opted, staff, cooled, twin, many) = (NewPhone(), NewPhone(), NewPhone(), NewPhone(), NewPhone());
        await scene.ExecuteAsync("INSERT INTO opt_outs (phone, source) VALUES ($1, 'keyword')", opted);
        await scene.ExecuteAsync("INSERT INTO staff_phones (agency_id, phone) VALUES ($1, $2)", a1, staff);
        // Invited 10 days ago in another wave: inside the 90-day cool-down.
        var other = await scene.CreateWaveAsync(March1, March31, [("A2", 1)], mode: WaveMode.Batch);
        var otherDossier = await scene.ArriveAsync("A2", "OTHER-1", cooled, new DateOnly(2026, 1, 5));
        await scene.ExecuteAsync(
            """
            INSERT INTO invitations (wave_id, transaction_id, agency_id, phone, code, status, planned_at, created_at)
            VALUES ($1, $2, (SELECT agency_id FROM transactions WHERE id = $2), $3, 'COOLCODE01', 'expired', $4, $4)
            """, other, otherDossier, cooled, scene.Clock.GetUtcNow().AddDays(-10));

        var day = new DateOnly(2026, 3, 19);
        await scene.ArriveAsync("A1", "landline", "+842253123456", day);
        await scene.ArriveAsync("A1", "no-phone", null, day);
        await scene.ArriveAsync("A1", "opted", opted, day);
        await scene.ArriveAsync("A1", "staff", staff, day);
        await scene.ArriveAsync("A1", "cooled", cooled, day);
        await scene.ArriveAsync("A1", "twin-1", twin, day);
        await scene.ArriveAsync("A1", "twin-2", twin, day);
        for (var i = 1; i <= 6; i++)
            await scene.ArriveAsync("A1", $"many-{i}", many, day);
        var ok = NewPhone();
        await scene.ArriveAsync("A1", "ok", ok, day);

        // Starting decides the dossiers already in the period.
        var started = await scene.StartWaveAsync(wave);
        var decisions = (await scene.DecisionsAsync(wave)).ToDictionary(d => d.DossierCode);
        Assert.Equal(IneligibleReason.NoMobile, decisions["landline"].Reason);
        Assert.Equal(IneligibleReason.NoMobile, decisions["no-phone"].Reason);
        Assert.Equal(IneligibleReason.OptedOut, decisions["opted"].Reason);
        Assert.Equal(IneligibleReason.Staff, decisions["staff"].Reason);
        Assert.Equal(IneligibleReason.Cooldown, decisions["cooled"].Reason);
        Assert.All(Enumerable.Range(1, 6), i => Assert.Equal(IneligibleReason.ManyDossiers, decisions[$"many-{i}"].Reason));
        // One phone per wave: of the two dossiers sharing a phone one is decided, the other is not eligible.
        var twins = new[] { decisions["twin-1"], decisions["twin-2"] };
        Assert.Single(twins, d => d.Outcome == DecisionOutcome.Invited);
        Assert.Single(twins, d => d.Reason == IneligibleReason.InWave);
        Assert.Equal(DecisionOutcome.Invited, decisions["ok"].Outcome);
        Assert.All(decisions.Values.Where(d => d.Outcome == DecisionOutcome.Ineligible),
            d => Assert.True(d.Probability is null && d.Draw is null && d.InvitationId is null));
        Assert.Equal(2, started.Change!.Planned);

        // A later dossier of a phone already decided in the wave, at another agency: not eligible either.
        await scene.ArriveAsync("A2", "ok-again", ok, day);
        scene.SetClock(HaiPhong(2026, 3, 20, 10, 1));
        await scene.RunJobAsync();
        Assert.Equal(IneligibleReason.InWave, (await scene.DecisionsAsync(wave)).Single(d => d.DossierCode == "ok-again").Reason);

        // The quota rows count what the passes decided.
        Assert.Equal("2 2 1 6", await scene.ScalarAsync<string>(
            "SELECT concat_ws(' ', planned, eligible, excluded_staff, excluded_many_dossiers) FROM wave_quotas WHERE wave_id = $1 AND agency_id = $2",
            wave, a1));
    }

    [Fact]
    public async Task Pacing_Should_EndWithinTenPercentOfTheTarget_When_ThirtyDaysAtThirtyPercent()
    {
        await using var scene = await StartAsync(fixture.Fake, HaiPhong(2026, 3, 1, 0, 0));
        var wave = await scene.CreateWaveAsync(March1, March31, [("A1", 100)], rate: 0.3m, seed: 2026);
        await scene.StartWaveAsync(wave);

        // 40 dossiers a day for 31 days, 30 % of the invited completing, then four more days for the last answers.
        await SimulateAsync(scene, wave, March1, days: 31, after: 4, [("A1", 40)]);

        Assert.Equal(0L, await scene.ScalarAsync<long>(
            "SELECT count(*) FROM invitations i WHERE i.wave_id = $1 AND i.status NOT IN ('expired', 'sent', 'delivered')", wave));
        var completed = await scene.ScalarAsync<long>(
            "SELECT count(*) FROM responses WHERE wave_id = $1 AND status = 'completed'", wave);
        Assert.InRange(completed, 90, 110);
        var decisions = await scene.DecisionsAsync(wave);
        Assert.Equal(31 * 40, decisions.Count);
        var invited = decisions.Count(d => d.Outcome == DecisionOutcome.Invited);
        Assert.InRange(invited, 280, 400);
        // The first dossiers of the period are all invited (no arrival history), later ones at the paced probability.
        Assert.All(decisions.Take(4), d => Assert.Equal(1.0, d.Probability));
        Assert.InRange(decisions.Where(d => d.DecidedAt > HaiPhong(2026, 3, 10, 0, 0) && d.DecidedAt < HaiPhong(2026, 3, 20, 0, 0))
            .Average(d => d.Probability!.Value), 0.15, 0.45);

        // The wave completes once its period is over and every invitation is final.
        Assert.Contains(wave, await scene.Host.Services.GetRequiredService<WaveCompletionJob>().RunAsync(Cancel));
    }

    [Fact]
    public async Task Decisions_Should_BeTheSame_When_SameSeedAndArrivals_And_RecomputableFromTheirPacing()
    {
        var first = await RunEightDaysAsync(seed: 11);
        var again = await RunEightDaysAsync(seed: 11);
        var otherSeed = await RunEightDaysAsync(seed: 12);

        Assert.True(first.Count > 100);
        Assert.Equal(first, again);
        Assert.NotEqual(first.Select(d => d.Outcome), otherSeed.Select(d => d.Outcome));

        // Every decision follows from the seed, the dossier and the pacing state recorded with it.
        foreach (var d in first.Where(d => d.Outcome != DecisionOutcome.Ineligible))
        {
            Assert.Equal(SeededHash.DecisionDraw(11, d.AgencyCode, d.DossierCode), d.Draw);
            using var json = JsonDocument.Parse(d.Pacing!);
            var state = json.RootElement.GetProperty("state").Deserialize<PacingState>(JsonOptions)!;
            var probability = ContinuousPacing.Compute(state).Probability;
            Assert.Equal(probability, d.Probability);
            var expected = probability == 0 ? DecisionOutcome.TargetReached
                : d.Draw < probability ? DecisionOutcome.Invited : DecisionOutcome.NotDrawn;
            Assert.Equal(expected, d.Outcome);
        }
    }

    [Fact]
    public async Task Passes_Should_DecideEachDossierOnce_When_TwoWorkersRunAtOnce()
    {
        await using var scene = await StartAsync(fixture.Fake, HaiPhong(2026, 3, 20, 10, 0));
        var wave = await scene.CreateWaveAsync(March1, March31, [("A1", 60)]);
        await scene.StartWaveAsync(wave);
        for (var i = 0; i < 200; i++)
            await scene.ArriveAsync("A1", $"HS-{i}", NewPhone(), new DateOnly(2026, 3, 1 + (i % 19)));

        var passes = await Task.WhenAll(scene.Decider.DecideAsync(wave, Cancel), scene.Decider.DecideAsync(wave, Cancel));

        Assert.Equal(200, passes.Sum(p => p.Decided));
        Assert.Contains(passes, p => p.Decided == 0);
        Assert.Equal(200L, await scene.ScalarAsync<long>("SELECT count(DISTINCT transaction_id) FROM wave_decisions WHERE wave_id = $1", wave));
        Assert.Equal(passes.Sum(p => (long)p.Invited), await scene.ScalarAsync<long>("SELECT count(*) FROM invitations WHERE wave_id = $1", wave));
        Assert.Equal(passes.Sum(p => (long)p.Invited), await scene.ScalarAsync<long>("SELECT planned::bigint FROM wave_quotas WHERE wave_id = $1", wave));
        Assert.Equal(0L, await scene.ScalarAsync<long>(
            "SELECT count(*) FROM wave_decisions d LEFT JOIN invitations i ON i.id = d.invitation_id WHERE d.wave_id = $1 AND (d.outcome = 'invited') <> (i.id IS NOT NULL)", wave));
    }

    [Fact]
    public async Task Wave_Should_CompleteOnlyAfterItsPeriod_When_EveryDossierDecidedAndInvitationFinal_And_RefuseATopUp()
    {
        await using var scene = await StartAsync(fixture.Fake, HaiPhong(2026, 3, 5, 10, 0));
        var wave = await scene.CreateWaveAsync(March1, new DateOnly(2026, 3, 5), [("A1", 5)]);
        await scene.ArriveAsync("A1", "HS-1", NewPhone(), new DateOnly(2026, 3, 5));
        await scene.StartWaveAsync(wave);
        Assert.Equal(1, await scene.SendAsync());
        Assert.Equal(TopUpOutcome.Continuous, (await scene.Planner.TopUpAsync(wave, null, Cancel)).Outcome);
        var completion = scene.Host.Services.GetRequiredService<WaveCompletionJob>();

        // The period is over and the invitation has expired, but a dossier of its last day is not decided yet.
        await scene.ArriveAsync("A1", "HS-2", NewPhone(), new DateOnly(2026, 3, 5));
        scene.SetClock(HaiPhong(2026, 3, 8, 11, 0));
        await scene.ExpireAsync();
        Assert.DoesNotContain(wave, await completion.RunAsync(Cancel));

        // Decided (and invited: invitations are still needed and no more dossiers are expected), then final.
        Assert.Equal(1, (await scene.RunJobAsync()).Invited);
        Assert.DoesNotContain(wave, await completion.RunAsync(Cancel));
        await scene.SendAsync();
        scene.SetClock(HaiPhong(2026, 3, 11, 12, 0));
        await scene.ExpireAsync();
        Assert.Contains(wave, await completion.RunAsync(Cancel));
        Assert.Equal(WaveStatus.Completed, await scene.ScalarAsync<string>("SELECT status FROM waves WHERE id = $1", wave));
        Assert.Equal(0, (await scene.RunJobAsync()).Decided);
    }

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);

    private async Task<List<StoredDecision>> RunEightDaysAsync(int seed)
    {
        await using var scene = await StartAsync(fixture.Fake, HaiPhong(2026, 3, 1, 0, 0));
        var wave = await scene.CreateWaveAsync(March1, new DateOnly(2026, 3, 8), [("A1", 30), ("A2", 12)], seed: seed);
        await scene.StartWaveAsync(wave);
        await SimulateAsync(scene, wave, March1, days: 8, after: 0, [("A1", 30), ("A2", 10)], phonePrefix: "+8498");
        // Invitation ids are the database's own; everything else must be the same.
        return (await scene.DecisionsAsync(wave)).Select(d => d with { InvitationId = null }).ToList();
    }

    /// <summary>
    /// Simulated days: every hour from 08:05 to 19:05 (Hai Phong time), each agency's dossiers settled in the hour before
    /// arrive (results in office hours 08:00–18:00, spread evenly), the job runs, due invitations are sent, the invitations
    /// sent 3 or more hours ago whose dossier answers (a fixed 30 % of dossiers, by a hash of the code) complete, and
    /// expired ones expire.
    /// </summary>
    private static async Task SimulateAsync(
        ContinuousScene scene, long wave, DateOnly from, int days, int after, IReadOnlyList<(string Agency, int PerDay)> arrivals,
        string phonePrefix = "+8497")
    {
        var serial = 0;
        for (var day = 0; day < days + after; day++)
        {
            var date = from.AddDays(day);
            for (var hour = 8; hour < 20; hour++)
            {
                var now = VietnamTime.ToUtc(date, new TimeOnly(hour, 5));
                scene.SetClock(now);
                var settled = hour - 1;
                if (day < days && settled is >= 8 and < 18)
                {
                    foreach (var (agency, perDay) in arrivals)
                    {
                        // The dossiers settled in that hour: k = perDay·(settled−8)/10 … perDay·(settled−7)/10, evenly over the hour.
                        for (var k = perDay * (settled - 8) / 10; k < perDay * (settled - 7) / 10; k++)
                        {
                            serial++;
                            await scene.ArriveAsync(agency, $"{agency}-{date:MMdd}-{k:D3}", $"{phonePrefix}{serial:D7}", null,
                                VietnamTime.ToUtc(date, new TimeOnly(settled, k * 600 / perDay % 60)));
                        }
                    }
                }

                await scene.RunJobAsync();
                await scene.SendAsync();
                foreach (var (invitation, dossier) in await AnswerableAsync(scene, wave, now.AddHours(-3)))
                {
                    if (Answers(dossier))
                        await scene.CompleteAsync(invitation);
                }

                await scene.ExpireAsync();
            }
        }
    }

    private static bool Answers(string dossier) => SeededHash.Uniform(SeededHash.Key("answers", 0, dossier)) < 0.3;

    private static async Task<List<(long Invitation, string Dossier)>> AnswerableAsync(ContinuousScene scene, long wave, DateTimeOffset sentBy)
    {
        await using var command = scene.Db.CreateCommand(
            """
            SELECT i.id, t.dossier_code
            FROM invitations i JOIN transactions t ON t.id = i.transaction_id
            WHERE i.wave_id = $1 AND i.status IN ('sent', 'delivered') AND i.sent_at <= $2
              AND NOT EXISTS (SELECT 1 FROM responses r WHERE r.invitation_id = i.id)
            ORDER BY i.id
            """);
        command.Parameters.AddWithValue(wave);
        command.Parameters.AddWithValue(sentBy);
        var rows = new List<(long, string)>();
        await using var reader = await command.ExecuteReaderAsync(Cancel);
        while (await reader.ReadAsync(Cancel))
            rows.Add((reader.GetInt64(0), reader.GetString(1)));
        return rows;
    }

    private static async Task<List<long>> InvitationIdsAsync(ContinuousScene scene, long wave)
    {
        await using var command = scene.Db.CreateCommand("SELECT id FROM invitations WHERE wave_id = $1 ORDER BY id");
        command.Parameters.AddWithValue(wave);
        var ids = new List<long>();
        await using var reader = await command.ExecuteReaderAsync(Cancel);
        while (await reader.ReadAsync(Cancel))
            ids.Add(reader.GetInt64(0));
        return ids;
    }

    private static async Task<DateTimeOffset> PlannedAtAsync(ContinuousScene scene, string dossier)
    {
        var plannedAt = await scene.ScalarAsync<DateTime>(
            "SELECT i.planned_at FROM invitations i JOIN transactions t ON t.id = i.transaction_id WHERE t.dossier_code = $1", dossier);
        return new DateTimeOffset(DateTime.SpecifyKind(plannedAt, DateTimeKind.Utc));
    }

    private static (DateTimeOffset AllowedBy, bool Late) Timing(StoredDecision decision)
    {
        using var json = JsonDocument.Parse(decision.Pacing!);
        return (json.RootElement.GetProperty("allowedBy").GetDateTimeOffset(), json.RootElement.GetProperty("late").GetBoolean());
    }
}
