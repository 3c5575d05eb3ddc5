using ChatSurvey.Dispatcher.Scores;
using ChatSurvey.Domain.Scoring;
using Hangfire;
using Npgsql;

namespace ChatSurvey.Dispatcher.Jobs;

/// <summary>
/// Recurring: recomputes the public results of every running or paused wave (and of waves that ended within a day)
/// into <c>score_snapshots</c> (<see cref="ScoreSnapshotStore"/>). The public results API serves a fresh snapshot
/// instead of running the scoring query.
/// </summary>
public sealed class ScoreRefreshJob(NpgsqlDataSource dataSource, ILogger<ScoreRefreshJob> logger)
{
    [Queue(JobQueues.Default)]
    [AutomaticRetry(Attempts = 0)]
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var snapshots = new ScoreSnapshotStore(dataSource);
        var waves = await snapshots.WavesToRefreshAsync(cancellationToken);
        foreach (var waveId in waves)
        {
            var asOf = await snapshots.NowAsync(cancellationToken);
            var report = await ScoringQuery.RunAsync(dataSource, ScoreFilter.ForWave(waveId), cancellationToken);
            await snapshots.SaveAsync(waveId, report, asOf, cancellationToken);
        }

        if (waves.Count > 0)
            logger.LogInformation("Refreshed the public scores of {Count} wave(s)", waves.Count);
        return waves.Count;
    }
}
