using System.Data;
using System.Text.Json;
using ChatSurvey.Dispatcher.Scoring;
using ChatSurvey.Dispatcher.Waves;
using ChatSurvey.Domain.Scoring;
using ChatSurvey.Domain.Statuses;
using Hangfire;
using Npgsql;
using NpgsqlTypes;

namespace ChatSurvey.Dispatcher.Jobs;

/// <summary>
/// Recurring: a running wave completes by itself once its period has ended (its <c>results_to</c> is before today in
/// Hai Phong) and every invitation is final — answered by a completed response, or expired, failed, cancelled or
/// opted out. The standing manual-invitation wave never completes, and a paused wave waits until it is resumed.
/// Completing freezes the wave's figures in its final snapshot, in the same transaction and from the same database
/// snapshot: the report of its valid ballots, their number and their checksum (<see cref="BallotChecksum"/>), which the
/// score-refresh job never overwrites and the public side serves from then on (docs/methodology.md, "Official figures").
/// </summary>
public sealed class WaveCompletionJob(
    NpgsqlDataSource dataSource, BallotExclusions exclusions, TimeProvider clock, ILogger<WaveCompletionJob> logger)
{
    /// <summary>Invitation statuses that are final without a response.</summary>
    public static IReadOnlyList<string> FinalInvitationStatuses { get; } =
        [InvitationStatus.Expired, InvitationStatus.Failed, InvitationStatus.Cancelled, InvitationStatus.OptedOut];

    // A wave (aliased w) that is due to complete on @today; shared by the look-up and the re-check under the lock.
    private const string Due =
        """
        w.status = @running AND NOT w.manual AND w.results_to < @today
        AND NOT EXISTS (
            SELECT 1 FROM invitations i
            WHERE i.wave_id = w.id
              AND i.status <> ALL (@final_statuses)
              AND NOT EXISTS (SELECT 1 FROM responses r WHERE r.invitation_id = i.id AND r.status = @completed))
        """;

    /// <summary>Completes every wave that is due and returns their ids.</summary>
    [Queue(JobQueues.Default)]
    [AutomaticRetry(Attempts = 3, OnlyOn = [typeof(NpgsqlException), typeof(TimeoutException)])]
    public async Task<IReadOnlyList<long>> RunAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, SendSchedule.HaiPhongTime).DateTime);

        var due = new List<long>();
        await using (var list = dataSource.CreateCommand($"SELECT w.id FROM waves w WHERE {Due} ORDER BY w.id"))
        {
            AddDueParameters(list.Parameters, today);
            await using var reader = await list.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
                due.Add(reader.GetInt64(0));
        }

        var completed = new List<long>();
        foreach (var waveId in due)
        {
            if (await CompleteAsync(waveId, today, now, cancellationToken) is { } seal)
            {
                completed.Add(waveId);
                logger.LogInformation("Wave {WaveId} completed: final figures frozen over {Ballots} valid ballot(s), checksum {Checksum}",
                    waveId, seal.Ballots, seal.Sha256);
            }
        }

        return completed;
    }

    // One repeatable-read transaction: the wave row is locked first (a concurrent pause or cancel makes this run skip
    // it), then the figures and the checksum read the same snapshot of the ballots, so they always agree.
    private async Task<BallotSeal?> CompleteAsync(long waveId, DateOnly today, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken);
        try
        {
            await using (var lockWave = new NpgsqlCommand($"SELECT w.id FROM waves w WHERE w.id = @wave AND {Due} FOR UPDATE", connection, transaction))
            {
                lockWave.Parameters.AddWithValue("wave", waveId);
                AddDueParameters(lockWave.Parameters, today);
                if (await lockWave.ExecuteScalarAsync(cancellationToken) is null)
                    return null;
            }

            var filter = exclusions.ForWave(waveId);
            var report = await ScoringQuery.RunAsync(connection, filter, cancellationToken);
            var seal = await BallotChecksum.ComputeAsync(connection, filter, cancellationToken);

            await using (var complete = new NpgsqlCommand(
                "UPDATE waves SET status = @completed_wave, finished_at = @now WHERE id = @wave", connection, transaction))
            {
                complete.Parameters.AddWithValue("completed_wave", WaveStatus.Completed);
                complete.Parameters.AddWithValue("now", now);
                complete.Parameters.AddWithValue("wave", waveId);
                await complete.ExecuteNonQueryAsync(cancellationToken);
            }

            await using (var freeze = new NpgsqlCommand(
                """
                INSERT INTO score_snapshots (wave_id, report, computed_at, final, ballots, ballots_checksum)
                VALUES (@wave, @report, @now, true, @ballots, @checksum)
                ON CONFLICT (wave_id) DO UPDATE
                SET report = EXCLUDED.report, computed_at = EXCLUDED.computed_at, final = true,
                    ballots = EXCLUDED.ballots, ballots_checksum = EXCLUDED.ballots_checksum
                WHERE NOT score_snapshots.final
                """, connection, transaction))
            {
                freeze.Parameters.AddWithValue("wave", waveId);
                freeze.Parameters.Add(new NpgsqlParameter("report", NpgsqlDbType.Jsonb)
                {
                    Value = JsonSerializer.Serialize(report, ScoreRefreshJob.Json),
                });
                freeze.Parameters.AddWithValue("now", now);
                freeze.Parameters.AddWithValue("ballots", seal.Ballots);
                freeze.Parameters.AddWithValue("checksum", seal.Sha256);
                await freeze.ExecuteNonQueryAsync(cancellationToken);
            }

            await transaction.CommitAsync(cancellationToken);
            return seal;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.SerializationFailure)
        {
            // The wave changed (paused, cancelled, completed by another worker) after this transaction's snapshot.
            logger.LogInformation("Wave {WaveId} changed while completing; it is looked at again on the next run", waveId);
            return null;
        }
    }

    private static void AddDueParameters(NpgsqlParameterCollection parameters, DateOnly today)
    {
        parameters.AddWithValue("running", WaveStatus.Running);
        parameters.AddWithValue("today", today);
        parameters.Add(new NpgsqlParameter("final_statuses", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = FinalInvitationStatuses.ToArray() });
        parameters.AddWithValue("completed", ResponseStatus.Completed);
    }
}
