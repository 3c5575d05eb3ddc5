using ChatSurvey.Domain.Statuses;
using ChatSurvey.Dispatcher.Jobs;
using ChatSurvey.Dispatcher.Sending;
using Hangfire;
using ChatSurvey.Dispatcher.Sms;
using ChatSurvey.Domain.Sampling;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace ChatSurvey.Dispatcher.Waves;

/// <summary>
/// Starts a draft wave (docs/design.md#data-flow, step 2): draws the sample with <see cref="SamplingService"/> (eligibility and the
/// reproducible per-agency draw), creates one invitation per drawn transaction with its code, planned send time,
/// reminder and expiry, records each agency's planned count, and sets the wave running, all in one transaction.
/// Agencies take turns in the send order, so each one's invitations are spread over the whole schedule.
/// Once committed it queues the send-due job, so sending starts now rather than at the next minutely run.
/// </summary>
public sealed class WavePlanner(NpgsqlDataSource dataSource, TimeProvider clock, IOptions<SmsOptions> sms, IBackgroundJobClient jobs)
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

        TimeOnly windowStart, windowEnd;
        await using (var wave = new NpgsqlCommand(
            "SELECT status, send_window_start, send_window_end FROM waves WHERE id = $1 FOR UPDATE", connection, transaction))
        {
            wave.Parameters.AddWithValue(waveId);
            await using var reader = await wave.ExecuteReaderAsync(cancellationToken);
            if (!await reader.ReadAsync(cancellationToken))
                return WaveChangeResult.NotFound;
            var status = reader.GetString(0);
            if (status != WaveStatus.Draft)
                return WaveChangeResult.Conflict(status);
            windowStart = reader.GetFieldValue<TimeOnly>(1);
            windowEnd = reader.GetFieldValue<TimeOnly>(2);
        }

        var now = clock.GetUtcNow();
        var sample = await SamplingService.DrawAsync(dataSource, SampleRequest.ForWave(waveId, now), cancellationToken);
        var order = RoundRobin(sample.Agencies);
        var times = SendSchedule.Spread(now, windowStart, windowEnd, sms.Value.MessagesPerSecond, order.Count);

        await using (var insert = new NpgsqlCommand(
            """
            INSERT INTO invitations (wave_id, transaction_id, agency_id, phone, code, planned_at, reminder_due_at, expires_at)
            SELECT w.id, x.transaction_id, x.agency_id, x.phone, x.code, x.planned_at,
                   CASE WHEN w.reminder_after_hours > 0 AND w.reminder_after_hours < w.expire_after_days * 24
                        THEN x.planned_at + make_interval(hours => w.reminder_after_hours) END,
                   x.planned_at + make_interval(days => w.expire_after_days)
            FROM waves w,
                 unnest($2::bigint[], $3::bigint[], $4::text[], $5::text[], $6::timestamptz[])
                     AS x(transaction_id, agency_id, phone, code, planned_at)
            WHERE w.id = $1
            """, connection, transaction))
        {
            insert.CommandTimeout = 0;
            insert.Parameters.AddWithValue(waveId);
            insert.Parameters.AddWithValue(order.Select(o => o.Transaction.TransactionId).ToArray());
            insert.Parameters.AddWithValue(order.Select(o => o.AgencyId).ToArray());
            insert.Parameters.AddWithValue(order.Select(o => o.Transaction.Phone).ToArray());
            insert.Parameters.AddWithValue(order.Select(_ => InvitationCodes.New()).ToArray());
            insert.Parameters.Add(new NpgsqlParameter
            {
                NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz,
                Value = times.Select(t => t.UtcDateTime).ToArray(),
            });
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var quotas = new NpgsqlCommand(
            """
            UPDATE wave_quotas q SET planned = x.planned
            FROM unnest($2::bigint[], $3::integer[]) AS x(agency_id, planned)
            WHERE q.wave_id = $1 AND q.agency_id = x.agency_id
            """, connection, transaction))
        {
            quotas.Parameters.AddWithValue(waveId);
            quotas.Parameters.AddWithValue(sample.Agencies.Select(a => a.AgencyId).ToArray());
            quotas.Parameters.AddWithValue(sample.Agencies.Select(a => a.Transactions.Count).ToArray());
            await quotas.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var running = new NpgsqlCommand(
            "UPDATE waves SET status = 'running', started_at = $2 WHERE id = $1", connection, transaction))
        {
            running.Parameters.AddWithValue(waveId);
            running.Parameters.AddWithValue(now);
            await running.ExecuteNonQueryAsync(cancellationToken);
        }

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
