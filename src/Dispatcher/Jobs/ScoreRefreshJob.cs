using ChatSurvey.Dispatcher.Scores;
using ChatSurvey.Dispatcher.Scoring;
using ChatSurvey.Domain.Scoring;
using Hangfire;
using Npgsql;

namespace ChatSurvey.Dispatcher.Jobs;

/// <summary>
/// Recurring: recomputes the interim figures (valid ballots only, as <see cref="BallotExclusions"/> says) of every
/// running or paused wave, and of waves that ended within a day, into <c>score_snapshots</c>. The public results API
/// serves a fresh snapshot instead of running the scoring query. A final snapshot (a completed wave's frozen figures,
/// written by <see cref="WaveCompletionJob"/>) is never recomputed nor overwritten.
/// </summary>
public sealed class ScoreRefreshJob(NpgsqlDataSource dataSource, BallotExclusions exclusions, ILogger<ScoreRefreshJob> logger)
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
            var report = await ScoringQuery.RunAsync(dataSource, exclusions.ForWave(waveId), cancellationToken);
            await snapshots.SaveAsync(waveId, report, asOf, cancellationToken);
        }

        if (waves.Count > 0)
            logger.LogInformation("Refreshed the public scores of {Count} wave(s)", waves.Count);
        return waves.Count;
    }
}
