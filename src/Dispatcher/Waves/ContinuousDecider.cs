using System.Text.Json;
using ChatSurvey.Dispatcher.Invitations;
using ChatSurvey.Dispatcher.Jobs;
using ChatSurvey.Dispatcher.Sms;
using ChatSurvey.Domain.Integrity;
using ChatSurvey.Domain.Sampling;
using ChatSurvey.Domain.Statuses;
using ChatSurvey.Domain.Time;
using Hangfire;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace ChatSurvey.Dispatcher.Waves;

/// <summary>
/// A continuous wave's decisions (docs/methodology.md, "Continuous waves"). A pass decides, once, every dossier of the
/// wave's agencies with a result date in the period (up to today) that the wave has not decided yet: ineligible by
/// <see cref="Eligibility"/>'s rules (one phone per wave: when several undecided dossiers share a phone, the one with the
/// smallest seeded pick key is decided and the others are ineligible), else invited when its seeded draw
/// (<see cref="SeededHash.DecisionDraw"/>) is below the agency's probability (<see cref="ContinuousPacing"/>), or not
/// drawn, or refused because the agency's target is reached. Dossiers are decided in the order of their result time,
/// then agency and dossier code, each one's pacing counting the decisions before it. An invited dossier's invitation is
/// planned now when the send window is open, else at its next opening. Each pass runs in one transaction under the
/// planning lock and the wave's row lock, so two workers never decide one dossier twice; the decisions' primary key is
/// the last guard.
/// </summary>
public sealed class ContinuousDecider(
    NpgsqlDataSource dataSource,
    WaveStore waves,
    WaveQueries queries,
    InvitationStore invitations,
    TimeProvider clock,
    IOptions<SmsOptions> sms,
    IOptions<IntegrityOptions> integrity,
    IBackgroundJobClient jobs)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>
    /// One pass over a running continuous wave, in its own transaction; nothing for a wave that is not (any more) a running
    /// continuous one. Queues the send job when it invited someone.
    /// </summary>
    public async Task<DecisionPass> DecideAsync(long waveId, CancellationToken cancellationToken)
    {
        DecisionPass pass;
        await using (var connection = await dataSource.OpenConnectionAsync(cancellationToken))
        await using (var transaction = await connection.BeginTransactionAsync(cancellationToken))
        {
            await PlanningLock.TakeAsync(connection, transaction, cancellationToken);
            if (await waves.LockForStartAsync(connection, transaction, waveId, cancellationToken) is not { } wave
                || wave.Status != WaveStatus.Running || wave.Mode != WaveMode.Continuous || wave.Manual)
                return DecisionPass.None;
            pass = await DecideInAsync(connection, transaction, waveId, wave, clock.GetUtcNow(), cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }

        if (pass.Invited > 0)
            jobs.Enqueue<SendDueJob>(job => job.DispatchAsync(CancellationToken.None));
        return pass;
    }

    /// <summary>
    /// One pass in the caller's transaction, which holds the planning lock and the wave's row lock (the wave's start runs
    /// its first pass this way). Throws <see cref="InvalidOperationException"/>, so that the caller rolls back, when a
    /// dossier of the pass turns out to be decided already.
    /// </summary>
    internal async Task<DecisionPass> DecideInAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, long waveId, WaveToStart wave, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        var today = VietnamTime.DateOf(now);
        if (today < wave.ResultsFrom)
            return DecisionPass.None;
        var candidates = await ReadCandidatesAsync(connection, transaction, waveId, wave, now, today, cancellationToken);
        if (candidates.Count == 0)
            return DecisionPass.None;

        var needs = await waves.ReadNeedsAsync(connection, transaction, waveId, now, cancellationToken);
        var before = await WaveDecisionStore.CountAsync(connection, transaction, waveId, cancellationToken);
        var (elapsed, remaining) = PeriodDays(wave, now);
        var agencies = needs.ToDictionary(n => n.AgencyId, n =>
        {
            var pending = candidates.Count(c => c.AgencyId == n.AgencyId && c.Reason is null);
            return new AgencyRun(n, (before.TryGetValue(n.AgencyId, out var earlier) ? earlier.Eligible : 0) + pending, pending);
        });

        // Each decision's pacing counts the ones before it: fewer dossiers still to come, one more invitation open.
        var judged = new List<(Candidate Candidate, string Outcome, double? Probability, double? Draw, PacingState? State, Pacing? Pacing)>();
        foreach (var candidate in candidates)
        {
            if (candidate.Reason is not null)
            {
                judged.Add((candidate, DecisionOutcome.Ineligible, null, null, null, null));
                continue;
            }

            var run = agencies[candidate.AgencyId];
            var state = new PacingState(run.Need.Target, run.Need.Completed, run.Open, run.Need.Settled, run.Need.SettledCompleted,
                wave.ExpectedResponseRate, run.Arrived, elapsed, remaining, run.Pending);
            var pacing = ContinuousPacing.Compute(state);
            var draw = SeededHash.DecisionDraw(wave.Seed, candidate.AgencyCode, candidate.DossierCode);
            var outcome = pacing.TargetReached ? DecisionOutcome.TargetReached
                : draw < pacing.Probability ? DecisionOutcome.Invited
                : DecisionOutcome.NotDrawn;
            run.Pending--;
            if (outcome == DecisionOutcome.Invited)
                run.Open++;
            judged.Add((candidate, outcome, pacing.Probability, draw, state, pacing));
        }

        var invited = judged.Where(j => j.Outcome == DecisionOutcome.Invited).ToList();
        var times = SendSchedule.Spread(now, wave.SendWindowStart, wave.SendWindowEnd, sms.Value.MessagesPerSecond, invited.Count);
        var plannedAt = new Dictionary<long, DateTimeOffset>(invited.Count);
        var planned = new List<PlannedInvitation>(invited.Count);
        for (var i = 0; i < invited.Count; i++)
        {
            var c = invited[i].Candidate;
            plannedAt[c.TransactionId] = times[i];
            planned.Add(new PlannedInvitation(c.TransactionId, c.AgencyId, c.Phone!, InvitationCodes.New(), times[i]));
        }

        var invitationIds = planned.Count == 0
            ? new Dictionary<long, long>()
            : await invitations.InsertPlannedAsync(connection, transaction, waveId, planned, cancellationToken, createdAt: now);

        var decisions = judged.Select(j =>
        {
            string? pacing = null;
            if (j.State is not null)
            {
                var resultAt = ResultTime.Of(j.Candidate.ResultDate, j.Candidate.ResultAt);
                var allowedBy = AllowedBy(resultAt, wave);
                var at = plannedAt.TryGetValue(j.Candidate.TransactionId, out var t) ? t : (DateTimeOffset?)null;
                pacing = JsonSerializer.Serialize(
                    new DecisionRecord(j.State, j.Pacing!, resultAt, allowedBy, at, at is not null && now > allowedBy), Json);
            }

            return new WaveDecision(j.Candidate.TransactionId, j.Candidate.AgencyId, now, j.Outcome, j.Candidate.Reason,
                j.Probability, j.Draw, pacing,
                j.Outcome == DecisionOutcome.Invited ? invitationIds[j.Candidate.TransactionId] : null);
        }).ToList();

        var inserted = await WaveDecisionStore.InsertAsync(connection, transaction, waveId, decisions, cancellationToken);
        if (inserted != decisions.Count)
            throw new InvalidOperationException($"Wave {waveId}: {decisions.Count - inserted} dossier(s) of this pass were decided meanwhile; the pass is rolled back.");

        await WaveStore.AddDecidedAsync(connection, transaction, waveId,
            judged.GroupBy(j => j.Candidate.AgencyId).Select(g => new AgencyDecided(
                g.Key,
                g.Count(j => j.Outcome == DecisionOutcome.Invited),
                g.Count(j => j.Outcome != DecisionOutcome.Ineligible),
                g.Count(j => j.Candidate.Reason == IneligibleReason.Staff),
                g.Count(j => j.Candidate.Reason == IneligibleReason.ManyDossiers))).ToList(),
            cancellationToken);

        return new DecisionPass(decisions.Count, invited.Count,
            judged.Count(j => j.Outcome == DecisionOutcome.NotDrawn),
            judged.Count(j => j.Outcome == DecisionOutcome.TargetReached),
            judged.Count(j => j.Outcome == DecisionOutcome.Ineligible));
    }

    /// <summary>
    /// How the wave invites at this moment (<see cref="WavePacing"/>), or null when there is no such wave: the hours from
    /// result to invitation, and per agency of a continuous wave its decisions, the response rate its pacing uses, the
    /// probability a dossier arriving now would be invited with (while the wave runs or is paused) and the completed
    /// responses projected at the period's end.
    /// </summary>
    public async Task<WavePacing?> GetPacingAsync(long waveId, CancellationToken cancellationToken)
    {
        if (await waves.GetSettingsAsync(waveId, cancellationToken) is not { } wave)
            return null;
        var delay = await queries.InvitationDelayAsync(waveId, cancellationToken);
        if (wave.Mode != WaveMode.Continuous)
            return new WavePacing(waveId, wave.Mode, wave.InviteWithinHours, delay, []);

        var now = clock.GetUtcNow();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var needs = await waves.ReadNeedsAsync(connection, null, waveId, now, cancellationToken);
        var decided = await WaveDecisionStore.CountAsync(connection, null, waveId, cancellationToken);
        var (elapsed, remaining) = PeriodDays(wave, now);
        var live = wave.Status is WaveStatus.Running or WaveStatus.Paused;
        var agencies = needs.Select(n =>
        {
            var counts = decided.GetValueOrDefault(n.AgencyId) ?? new AgencyDecisions(n.AgencyId, 0, 0, 0, 0);
            var state = new PacingState(n.Target, n.Completed, n.Open, n.Settled, n.SettledCompleted, wave.ExpectedResponseRate,
                counts.Eligible, elapsed, remaining, Pending: 0);
            var pacing = ContinuousPacing.Compute(state);
            // The probability of one more eligible dossier arriving now.
            var next = ContinuousPacing.Compute(state with { Arrived = counts.Eligible + 1, Pending = 1 });
            return new AgencyPacing(n.AgencyCode, n.AgencyName, n.Target, counts.Decided, counts.Eligible, counts.Invited,
                n.Completed, n.Open, pacing.ResponseRate, live ? next.Probability : null, pacing.Projected, counts.Late);
        }).ToList();
        return new WavePacing(waveId, wave.Mode, wave.InviteWithinHours, delay with { Late = agencies.Sum(a => (long)a.Late) }, agencies);
    }

    /// <summary>
    /// The latest moment a dossier's invitation is on time: <paramref name="resultAt"/> + the wave's invite-within hours, or
    /// the send window's first opening after the result when that is later (a result at night is invited at the next
    /// opening).
    /// </summary>
    public static DateTimeOffset AllowedBy(DateTimeOffset resultAt, WaveToStart wave)
    {
        ArgumentNullException.ThrowIfNull(wave);
        var deadline = resultAt.AddHours(wave.InviteWithinHours);
        var first = SendSchedule.NextSendTime(resultAt, wave.SendWindowStart, wave.SendWindowEnd);
        return first > deadline ? first : deadline;
    }

    // Days of the period gone by and still to come at now, from its first day's midnight to the midnight after its last
    // (Vietnam time).
    private static (double Elapsed, double Remaining) PeriodDays(WaveToStart wave, DateTimeOffset now)
    {
        var start = VietnamTime.StartOfDay(wave.ResultsFrom);
        var end = VietnamTime.StartOfDay(wave.ResultsTo.AddDays(1));
        var elapsed = now <= start ? TimeSpan.Zero : now >= end ? end - start : now - start;
        var remaining = now >= end ? TimeSpan.Zero : now <= start ? end - start : end - now;
        return (elapsed.TotalDays, remaining.TotalDays);
    }

    // The wave's undecided dossiers with a result date in the period up to today (and a result time, when known, not
    // after now), judged by the eligibility rules; rows an import or a repost is changing right now are left to the next
    // pass. Sorted in decision order.
    private async Task<List<Candidate>> ReadCandidatesAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, long waveId, WaveToStart wave, DateTimeOffset now, DateOnly today,
        CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(CandidatesSql, connection, transaction);
        command.CommandTimeout = 0;
        Eligibility.AddParameters(command.Parameters, waveId, now, wave.CooldownDays, integrity.Value.MaxDossiersPerPhone,
            wave.ResultsFrom, wave.ResultsTo);
        command.Parameters.Add(new NpgsqlParameter("decide_to", NpgsqlDbType.Date) { Value = today < wave.ResultsTo ? today : wave.ResultsTo });
        command.Parameters.Add(new NpgsqlParameter("seed", NpgsqlDbType.Text) { Value = wave.Seed.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        var candidates = new List<Candidate>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            candidates.Add(new Candidate(
                reader.GetInt64(0), reader.GetInt64(1), reader.GetString(2), reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetString(4), reader.GetFieldValue<DateOnly>(5),
                reader.IsDBNull(6) ? null : reader.GetFieldValue<DateTimeOffset>(6),
                reader.IsDBNull(7) ? null : reader.GetString(7)));
        }

        candidates.Sort((a, b) =>
        {
            var byTime = ResultTime.Of(a.ResultDate, a.ResultAt).CompareTo(ResultTime.Of(b.ResultDate, b.ResultAt));
            if (byTime != 0)
                return byTime;
            var byAgency = string.CompareOrdinal(a.AgencyCode, b.AgencyCode);
            return byAgency != 0 ? byAgency : string.CompareOrdinal(a.DossierCode, b.DossierCode);
        });
        return candidates;
    }

    private static readonly string CandidatesSql =
        $"""
        WITH scope AS (
            SELECT t.id, t.agency_id, t.phone, t.dossier_code
            FROM transactions t
            JOIN wave_quotas q ON q.wave_id = @wave_id AND q.agency_id = t.agency_id
            WHERE t.result_date BETWEEN @results_from AND @decide_to AND (t.result_at IS NULL OR t.result_at <= @as_of)
              AND NOT EXISTS (SELECT 1 FROM wave_decisions d WHERE d.wave_id = @wave_id AND d.transaction_id = t.id)
            FOR SHARE OF t SKIP LOCKED
        )
        {Eligibility.Ctes()},
        first_of_phone AS (
            SELECT j.id,
                   row_number() OVER (
                       PARTITION BY j.phone ORDER BY {SeededHash.Sql(SeededHash.Pick, "@seed", "a.code", "j.dossier_code")}
                   ) AS phone_rank
            FROM judged j
            JOIN agencies a ON a.id = j.agency_id
            WHERE j.reason IS NULL
        )
        SELECT j.id, j.agency_id, a.code, j.dossier_code, j.phone, t.result_date, t.result_at,
               CASE WHEN j.reason IS NULL AND f.phone_rank > 1 THEN '{IneligibleReason.InWave}' ELSE j.reason END
        FROM judged j
        JOIN transactions t ON t.id = j.id
        JOIN agencies a ON a.id = j.agency_id
        LEFT JOIN first_of_phone f ON f.id = j.id
        """;

    private sealed record Candidate(
        long TransactionId, long AgencyId, string AgencyCode, string DossierCode, string? Phone, DateOnly ResultDate,
        DateTimeOffset? ResultAt, string? Reason);

    private sealed class AgencyRun(AgencyNeed need, int arrived, int pending)
    {
        public AgencyNeed Need { get; } = need;

        public int Arrived { get; } = arrived;

        public int Pending { get; set; } = pending;

        public int Open { get; set; } = need.Open;
    }

    /// <summary>The <c>pacing</c> of a decision: the state and the pacing it was taken in, and its timing.</summary>
    internal sealed record DecisionRecord(
        PacingState State, Pacing Pacing, DateTimeOffset ResultAt, DateTimeOffset AllowedBy, DateTimeOffset? PlannedAt, bool Late);
}
