using ChatSurvey.Domain.Statuses;
using ChatSurvey.Domain.Integrity;
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
public sealed class WavePlanner(
    NpgsqlDataSource dataSource, TimeProvider clock, IOptions<SmsOptions> sms, IOptions<IntegrityOptions> integrity, IBackgroundJobClient jobs)
{
    // Planners take turns, so that a second wave's draw sees the first one's invitations (cool-down, one per phone).
    private const long PlanningLockKey = 0x43_68_61_74_53_76_02;

    public async Task<WaveChangeResult> StartAsync(long waveId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await TakePlanningLockAsync(connection, transaction, cancellationToken);
        var wave = await LockWaveAsync(connection, transaction, waveId, cancellationToken);
        if (wave is null)
            return WaveChangeResult.NotFound;
        if (wave.Status != WaveStatus.Draft)
            return WaveChangeResult.Conflict(wave.Status);

        var now = clock.GetUtcNow();
        var request = SampleRequest.ForWave(waveId, now) with { MaxDossiersPerPhone = integrity.Value.MaxDossiersPerPhone };
        var sample = await SamplingService.DrawAsync(dataSource, request, cancellationToken);
        var order = RoundRobin(sample.Agencies);
        await InsertInvitationsAsync(connection, transaction, waveId, wave, order, draw: 0, now, cancellationToken);

        await using (var quotas = new NpgsqlCommand(
            """
            UPDATE wave_quotas q
            SET planned = x.planned, eligible = x.eligible, excluded_staff = x.staff, excluded_many_dossiers = x.many
            FROM unnest($2::bigint[], $3::integer[], $4::integer[], $5::integer[], $6::integer[])
                AS x(agency_id, planned, eligible, staff, many)
            WHERE q.wave_id = $1 AND q.agency_id = x.agency_id
            """, connection, transaction))
        {
            quotas.Parameters.AddWithValue(waveId);
            quotas.Parameters.AddWithValue(sample.Agencies.Select(a => a.AgencyId).ToArray());
            quotas.Parameters.AddWithValue(sample.Agencies.Select(a => a.Transactions.Count).ToArray());
            quotas.Parameters.AddWithValue(sample.Agencies.Select(a => a.Eligible).ToArray());
            quotas.Parameters.AddWithValue(sample.Agencies.Select(a => a.ExcludedStaff).ToArray());
            quotas.Parameters.AddWithValue(sample.Agencies.Select(a => a.ExcludedManyDossiers).ToArray());
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
            .Select(a => new PlannedAgency(a.AgencyCode, a.Target, a.Eligible, a.Required, a.Transactions.Count, a.Shortfall)
            {
                ExcludedStaff = a.ExcludedStaff,
                ExcludedManyDossiers = a.ExcludedManyDossiers,
            })
            .ToList();
        var change = new WaveStatusChange(waveId, WaveStatus.Running, order.Count, agencies);
        return new WaveChangeResult(WaveChangeOutcome.Changed, WaveStatus.Running, change);
    }

    /// <summary>
    /// Draws more invitations for a running or paused wave from the same seeded order: the next ranks after everyone the
    /// wave already invited (who are never invited again). <paramref name="counts"/> names how many per agency code;
    /// without it each agency gets what it still needs, ⌈(target − completed) / expected rate⌉ less its invitations still
    /// open, when that is positive. Returns null when the wave does not exist.
    /// </summary>
    public async Task<TopUpResult> TopUpAsync(long waveId, IReadOnlyDictionary<string, int>? counts, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await TakePlanningLockAsync(connection, transaction, cancellationToken);
        var wave = await LockWaveAsync(connection, transaction, waveId, cancellationToken);
        if (wave is null)
            return TopUpResult.NotFound;
        if (wave.Status is not (WaveStatus.Running or WaveStatus.Paused))
            return TopUpResult.Conflict(wave.Status);

        var needs = await ReadNeedsAsync(connection, transaction, waveId, cancellationToken);
        var unknown = counts?.Keys.Where(code => needs.All(n => n.AgencyCode != code)).ToList() ?? [];
        if (unknown.Count > 0)
            return TopUpResult.UnknownAgencies(unknown);

        var wanted = needs.ToDictionary(
            n => n.AgencyId,
            n => counts is null
                ? Math.Max(0, (n.Target > n.Completed ? SamplingService.InvitationsNeeded(n.Target - n.Completed, wave.Rate) : 0) - n.Open)
                : counts.GetValueOrDefault(n.AgencyCode));
        var now = clock.GetUtcNow();
        var request = SampleRequest.ForWave(waveId, now) with
        {
            MaxDossiersPerPhone = integrity.Value.MaxDossiersPerPhone,
            Invitations = wanted,
        };
        var sample = await SamplingService.DrawAsync(dataSource, request, cancellationToken);
        var order = RoundRobin(sample.Agencies);
        var draw = (short)(needs.Count == 0 ? 1 : needs.Max(n => n.LastDraw) + 1);
        await InsertInvitationsAsync(connection, transaction, waveId, wave, order, draw, now, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        if (order.Count > 0 && wave.Status == WaveStatus.Running)
            jobs.Enqueue<SendDueJob>(job => job.DispatchAsync(CancellationToken.None));

        var agencies = sample.Agencies
            .Select(a => new TopUpAgency(a.AgencyCode, a.Required, a.Transactions.Count, a.Eligible - a.Transactions.Count))
            .ToList();
        return TopUpResult.Drawn(new TopUp(waveId, order.Count == 0 ? null : draw, order.Count, agencies));
    }

    private sealed record LockedWave(string Status, TimeOnly WindowStart, TimeOnly WindowEnd, double Rate);

    private sealed record AgencyNeed(long AgencyId, string AgencyCode, int Target, int Completed, int Open, int LastDraw);

    private static async Task TakePlanningLockAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        await using var planningLock = new NpgsqlCommand("SELECT pg_advisory_xact_lock($1)", connection, transaction);
        planningLock.CommandTimeout = 0;
        planningLock.Parameters.AddWithValue(PlanningLockKey);
        await planningLock.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task<LockedWave?> LockWaveAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, long waveId, CancellationToken cancellationToken)
    {
        await using var wave = new NpgsqlCommand(
            "SELECT status, send_window_start, send_window_end, expected_response_rate FROM waves WHERE id = $1 FOR UPDATE",
            connection, transaction);
        wave.Parameters.AddWithValue(waveId);
        await using var reader = await wave.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
            return null;
        return new LockedWave(reader.GetString(0), reader.GetFieldValue<TimeOnly>(1), reader.GetFieldValue<TimeOnly>(2),
            (double)reader.GetDecimal(3));
    }

    // Per agency of the wave: its target, completed ballots, invitations not yet final (no completed response and still
    // planned, claimed, sent or delivered), and the latest draw that gave it invitations.
    private static async Task<List<AgencyNeed>> ReadNeedsAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, long waveId, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            $"""
            SELECT q.agency_id, a.code, q.target,
                   count(*) FILTER (WHERE r.status = '{ResponseStatus.Completed}')::integer AS completed,
                   count(*) FILTER (WHERE i.status IN ('{InvitationStatus.Planned}', '{InvitationStatus.Claimed}',
                                                       '{InvitationStatus.Sent}', '{InvitationStatus.Delivered}')
                                    AND r.status IS DISTINCT FROM '{ResponseStatus.Completed}')::integer AS open,
                   coalesce(max(i.draw), 0)::integer AS last_draw
            FROM wave_quotas q
            JOIN agencies a ON a.id = q.agency_id
            LEFT JOIN invitations i ON i.wave_id = q.wave_id AND i.agency_id = q.agency_id
            LEFT JOIN responses r ON r.invitation_id = i.id
            WHERE q.wave_id = $1
            GROUP BY q.agency_id, a.code, q.target
            ORDER BY a.code
            """, connection, transaction);
        command.Parameters.AddWithValue(waveId);
        var needs = new List<AgencyNeed>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            needs.Add(new AgencyNeed(reader.GetInt64(0), reader.GetString(1), reader.GetInt32(2), reader.GetInt32(3),
                reader.GetInt32(4), reader.GetInt32(5)));
        }

        return needs;
    }

    private async Task InsertInvitationsAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, long waveId, LockedWave wave,
        List<(long AgencyId, SampledTransaction Transaction)> order, short draw, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var times = SendSchedule.Spread(now, wave.WindowStart, wave.WindowEnd, sms.Value.MessagesPerSecond, order.Count);
        await using (var insert = new NpgsqlCommand(
            """
            INSERT INTO invitations (wave_id, transaction_id, agency_id, phone, code, planned_at, reminder_due_at, expires_at, draw)
            SELECT w.id, x.transaction_id, x.agency_id, x.phone, x.code, x.planned_at,
                   CASE WHEN w.reminder_after_hours > 0 AND w.reminder_after_hours < w.expire_after_days * 24
                        THEN x.planned_at + make_interval(hours => w.reminder_after_hours) END,
                   x.planned_at + make_interval(days => w.expire_after_days), $7
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
            insert.Parameters.AddWithValue(draw);
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }

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
