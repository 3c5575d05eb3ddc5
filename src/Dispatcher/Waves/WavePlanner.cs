using ChatSurvey.Dispatcher.Invitations;
using ChatSurvey.Dispatcher.Jobs;
using ChatSurvey.Dispatcher.Sms;
using ChatSurvey.Domain.Integrity;
using ChatSurvey.Domain.Sampling;
using ChatSurvey.Domain.Statuses;
using Hangfire;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ChatSurvey.Dispatcher.Waves;

/// <summary>
/// Starts a draft wave (docs/design.md#data-flow, step 2): draws the sample with <see cref="SamplingService"/> (eligibility and the
/// reproducible per-agency draw), creates one invitation per drawn transaction with its code, planned send time,
/// reminder and expiry (<see cref="InvitationStore"/>), records each agency's plan and sets the wave running
/// (<see cref="WaveStore"/>), all in one transaction. Top-ups draw more later from the same seeded order.
/// Agencies take turns in the send order, so each one's invitations are spread over the whole schedule.
/// A continuous wave draws nothing at start: it is set running and its first pass (<see cref="ContinuousDecider"/>) decides
/// the dossiers already in the period, in the same transaction; it has no top-up.
/// Once committed it queues the send-due job, so sending starts now rather than at the next minutely run.
/// </summary>
public sealed class WavePlanner(
    NpgsqlDataSource dataSource,
    WaveStore waves,
    InvitationStore invitations,
    TimeProvider clock,
    IOptions<SmsOptions> sms,
    IOptions<IntegrityOptions> integrity,
    IBackgroundJobClient jobs,
    ContinuousDecider continuous)
{
    public async Task<WaveChangeResult> StartAsync(long waveId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await PlanningLock.TakeAsync(connection, transaction, cancellationToken);
        if (await waves.LockForStartAsync(connection, transaction, waveId, cancellationToken) is not { } wave)
            return WaveChangeResult.NotFound;
        if (wave.Status != WaveStatus.Draft)
            return WaveChangeResult.Conflict(wave.Status);

        var now = clock.GetUtcNow();
        if (wave.Mode == WaveMode.Continuous)
            return await StartContinuousAsync(connection, transaction, waveId, wave, now, cancellationToken);
        var request = SampleRequest.ForWave(waveId, now) with { MaxDossiersPerPhone = integrity.Value.MaxDossiersPerPhone };
        var sample = await SamplingService.DrawIntoTableAsync(connection, transaction, request, cancellationToken);
        var count = await InsertAsync(connection, transaction, waveId, wave, sample, draw: 0, now, cancellationToken);
        await waves.MarkStartedAsync(
            connection, transaction, waveId,
            sample.Agencies.Select(a => new AgencyPlan(a.AgencyId, a.Needed, a.Eligible, a.ExcludedStaff, a.ExcludedManyDossiers)).ToList(),
            now, cancellationToken);

        await transaction.CommitAsync(cancellationToken);
        if (count > 0)
            jobs.Enqueue<SendDueJob>(job => job.DispatchAsync(CancellationToken.None));
        var agencies = sample.Agencies
            .Select(a => new PlannedAgency(a.AgencyCode, a.Target, a.Eligible, a.Required, a.Needed, a.Shortfall)
            {
                ExcludedStaff = a.ExcludedStaff,
                ExcludedManyDossiers = a.ExcludedManyDossiers,
            })
            .ToList();
        var change = new WaveStatusChange(waveId, WaveStatus.Running, count, agencies);
        return new WaveChangeResult(WaveChangeOutcome.Changed, WaveStatus.Running, change);
    }

    /// <summary>
    /// Draws more invitations for a running or paused wave from the same seeded order: the next ranks after everyone the
    /// wave already invited (who are never invited again). <paramref name="counts"/> names how many per agency code;
    /// without it each agency gets what it still needs, ⌈(target − completed) / expected rate⌉ less its invitations still
    /// open, when that is positive.
    /// </summary>
    public async Task<TopUpResult> TopUpAsync(long waveId, IReadOnlyDictionary<string, int>? counts, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await PlanningLock.TakeAsync(connection, transaction, cancellationToken);
        if (await waves.LockForStartAsync(connection, transaction, waveId, cancellationToken) is not { } wave)
            return TopUpResult.NotFound;
        if (wave.Mode == WaveMode.Continuous)
            return TopUpResult.Continuous;
        if (wave.Status is not (WaveStatus.Running or WaveStatus.Paused))
            return TopUpResult.Conflict(wave.Status);

        var needs = await waves.ReadNeedsAsync(connection, transaction, waveId, clock.GetUtcNow(), cancellationToken);
        var unknown = counts?.Keys.Where(code => needs.All(n => n.AgencyCode != code)).ToList() ?? [];
        if (unknown.Count > 0)
            return TopUpResult.UnknownAgencies(unknown);

        var wanted = needs.ToDictionary(
            n => n.AgencyId,
            n => counts is null
                ? Math.Max(0, (n.Target > n.Completed ? SamplingService.InvitationsNeeded(n.Target - n.Completed, wave.ExpectedResponseRate) : 0) - n.Open)
                : counts.GetValueOrDefault(n.AgencyCode));
        var now = clock.GetUtcNow();
        var request = SampleRequest.ForWave(waveId, now) with
        {
            MaxDossiersPerPhone = integrity.Value.MaxDossiersPerPhone,
            Invitations = wanted,
        };
        var sample = await SamplingService.DrawIntoTableAsync(connection, transaction, request, cancellationToken);
        var draw = (short)(needs.Count == 0 ? 1 : needs.Max(n => n.LastDraw) + 1);
        var count = await InsertAsync(connection, transaction, waveId, wave, sample, draw, now, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        if (count > 0 && wave.Status == WaveStatus.Running)
            jobs.Enqueue<SendDueJob>(job => job.DispatchAsync(CancellationToken.None));

        var agencies = sample.Agencies
            .Select(a => new TopUpAgency(a.AgencyCode, a.Required, a.Needed, a.Eligible - a.Needed))
            .ToList();
        return TopUpResult.Drawn(new TopUp(waveId, count == 0 ? null : draw, count, agencies));
    }

    // Running at once, with an empty plan on every quota; the first pass decides the dossiers already in the period and
    // adds them to the quotas.
    private async Task<WaveChangeResult> StartContinuousAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, long waveId, WaveToStart wave, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        var quotas = await waves.ReadNeedsAsync(connection, transaction, waveId, now, cancellationToken);
        await waves.MarkStartedAsync(connection, transaction, waveId,
            quotas.Select(q => new AgencyPlan(q.AgencyId, 0, 0, 0, 0)).ToList(), now, cancellationToken);
        var pass = await continuous.DecideInAsync(connection, transaction, waveId, wave with { Status = WaveStatus.Running }, now,
            cancellationToken);
        var decided = await WaveDecisionStore.CountAsync(connection, transaction, waveId, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        if (pass.Invited > 0)
            jobs.Enqueue<SendDueJob>(job => job.DispatchAsync(CancellationToken.None));

        var agencies = quotas.Select(q =>
        {
            var counts = decided.GetValueOrDefault(q.AgencyId);
            var invited = counts?.Invited ?? 0;
            return new PlannedAgency(q.AgencyCode, q.Target, counts?.Eligible ?? 0, invited, invited, 0);
        }).ToList();
        return new WaveChangeResult(WaveChangeOutcome.Changed, WaveStatus.Running,
            new WaveStatusChange(waveId, WaveStatus.Running, pass.Invited, agencies));
    }

    // The drawn dossiers as invitations, created where the draw left them (SamplingService.DrawnTable), agencies taking
    // turns in the send order, spread over the send window from now.
    private async Task<int> InsertAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, long waveId, WaveToStart wave, SampleResult sample, short draw,
        DateTimeOffset now, CancellationToken cancellationToken)
    {
        var count = sample.Agencies.Sum(a => a.Needed);
        if (count == 0)
            return 0;
        var times = SendSchedule.Spread(now, wave.SendWindowStart, wave.SendWindowEnd, sms.Value.MessagesPerSecond, count);
        var codes = new string[count];
        for (var i = 0; i < count; i++)
            codes[i] = InvitationCodes.New();
        var inserted = await invitations.InsertPlannedFromAsync(
            connection, transaction, waveId, SamplingService.DrawnTable, TakingTurns, codes, times, draw, cancellationToken);
        return inserted == count
            ? count
            : throw new InvalidOperationException($"Wave {waveId}: {inserted} invitations created for {count} drawn.");
    }

    // Agencies take turns: each one's first-ranked dossier, agencies in code order (ordinal, as the sample lists them),
    // then each one's second, and so on; an agency whose dossiers are all placed drops out of the turns.
    private const string TakingTurns = "draw_rank, agency_code COLLATE \"C\"";
}
