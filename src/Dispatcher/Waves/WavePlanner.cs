using ChatSurvey.Dispatcher.Invitations;
using ChatSurvey.Dispatcher.Jobs;
using ChatSurvey.Dispatcher.Sms;
using ChatSurvey.Domain.Sampling;
using ChatSurvey.Domain.Statuses;
using Hangfire;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ChatSurvey.Dispatcher.Waves;

/// <summary>
/// Starts a draft wave (DESIGN.md §4 step 2): draws the sample with <see cref="SamplingService"/> (eligibility and the
/// reproducible per-agency draw), creates one invitation per drawn transaction with its code, planned send time,
/// reminder and expiry (<see cref="InvitationStore"/>), records each agency's planned count and sets the wave running
/// (<see cref="WaveStore"/>), all in one transaction.
/// Agencies take turns in the send order, so each one's invitations are spread over the whole schedule.
/// Once committed it queues the send-due job, so sending starts now rather than at the next minutely run.
/// </summary>
public sealed class WavePlanner(
    NpgsqlDataSource dataSource,
    WaveStore waves,
    InvitationStore invitations,
    TimeProvider clock,
    IOptions<SmsOptions> sms,
    IBackgroundJobClient jobs)
{
    // Planners take turns, so that a second wave's draw sees the first one's invitations (cool-down, one per phone).
    private const long PlanningLockKey = 0x43_68_61_74_53_76_02;

    public async Task<WaveChangeResult> StartAsync(long waveId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var planningLock = new NpgsqlCommand("SELECT pg_advisory_xact_lock($1)", connection, transaction))
        {
            planningLock.CommandTimeout = 0;
            planningLock.Parameters.AddWithValue(PlanningLockKey);
            await planningLock.ExecuteNonQueryAsync(cancellationToken);
        }

        if (await waves.LockForStartAsync(connection, transaction, waveId, cancellationToken) is not { } wave)
            return WaveChangeResult.NotFound;
        if (wave.Status != WaveStatus.Draft)
            return WaveChangeResult.Conflict(wave.Status);

        var now = clock.GetUtcNow();
        var sample = await SamplingService.DrawAsync(dataSource, SampleRequest.ForWave(waveId, now), cancellationToken);
        var order = RoundRobin(sample.Agencies);
        var times = SendSchedule.Spread(now, wave.SendWindowStart, wave.SendWindowEnd, sms.Value.MessagesPerSecond, order.Count);
        var plan = order
            .Select((o, i) => new PlannedInvitation(o.Transaction.TransactionId, o.AgencyId, o.Transaction.Phone, InvitationCodes.New(), times[i]))
            .ToList();
        await invitations.InsertPlannedAsync(connection, transaction, waveId, plan, cancellationToken);
        await waves.MarkStartedAsync(
            connection, transaction, waveId, sample.Agencies.Select(a => (a.AgencyId, a.Transactions.Count)).ToList(), now, cancellationToken);

        await transaction.CommitAsync(cancellationToken);
        if (order.Count > 0)
            jobs.Enqueue<SendDueJob>(job => job.DispatchAsync(CancellationToken.None));
        var agencies = sample.Agencies
            .Select(a => new PlannedAgency(a.AgencyCode, a.Target, a.Eligible, a.Required, a.Transactions.Count, a.Shortfall))
            .ToList();
        var change = new WaveStatusChange(waveId, WaveStatus.Running, order.Count, agencies);
        return new WaveChangeResult(WaveChangeOutcome.Changed, WaveStatus.Running, change);
    }

    private static List<(long AgencyId, SampledTransaction Transaction)> RoundRobin(IReadOnlyList<AgencySample> agencies)
    {
        var order = new List<(long, SampledTransaction)>(agencies.Sum(a => a.Transactions.Count));
        var longest = agencies.Count == 0 ? 0 : agencies.Max(a => a.Transactions.Count);
        for (var k = 0; k < longest; k++)
        {
            foreach (var agency in agencies)
            {
                if (k < agency.Transactions.Count)
                    order.Add((agency.AgencyId, agency.Transactions[k]));
            }
        }

        return order;
    }
}
