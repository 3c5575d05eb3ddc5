using System.Data;
using ChatSurvey.Dispatcher.Scores;
using ChatSurvey.Dispatcher.Scoring;
using ChatSurvey.Dispatcher.Waves;
using ChatSurvey.Domain.Scoring;
using ChatSurvey.Domain.Time;
using Hangfire;
using Npgsql;

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
    NpgsqlDataSource dataSource, WaveStore waves, BallotExclusions exclusions, TimeProvider clock, ILogger<WaveCompletionJob> logger)
{
    /// <summary>Completes every wave that is due and returns their ids.</summary>
    [Queue(JobQueues.Default)]
    [AutomaticRetry(Attempts = 3, OnlyOn = [typeof(NpgsqlException), typeof(TimeoutException)])]
    public async Task<IReadOnlyList<long>> RunAsync(CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var today = VietnamTime.DateOf(now);
        var completed = new List<long>();
        foreach (var waveId in await waves.DueForCompletionAsync(today, cancellationToken))
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
            if (!await WaveStore.CompleteIfDueAsync(connection, transaction, waveId, today, now, cancellationToken))
                return null;
            var filter = exclusions.ForWave(waveId);
            var report = await ScoringQuery.RunAsync(connection, filter, cancellationToken);
            var seal = await BallotChecksum.ComputeAsync(connection, filter, cancellationToken);
            await ScoreSnapshotStore.SaveFinalAsync(connection, transaction, waveId, report, now, seal, cancellationToken);
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
}
