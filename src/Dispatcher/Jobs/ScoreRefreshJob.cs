using System.Text.Json;
using ChatSurvey.Dispatcher.Scoring;
using ChatSurvey.Domain.Scoring;
using ChatSurvey.Domain.Statuses;
using Hangfire;
using Npgsql;
using NpgsqlTypes;

namespace ChatSurvey.Dispatcher.Jobs;

/// <summary>
/// Recurring: recomputes the interim figures (valid ballots only, as <see cref="BallotExclusions"/> says) of every
/// running or paused wave, and of waves that ended within a day, into <c>score_snapshots</c>. The public results API
/// serves a fresh snapshot instead of running the scoring query. A final snapshot (a completed wave's frozen figures,
/// written by <see cref="WaveCompletionJob"/>) is never recomputed nor overwritten.
/// </summary>
public sealed class ScoreRefreshJob(NpgsqlDataSource dataSource, BallotExclusions exclusions, ILogger<ScoreRefreshJob> logger)
{
    /// <summary>The JSON shape of the public results contract (camelCase, as the API writes it).</summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    [Queue(JobQueues.Default)]
    [AutomaticRetry(Attempts = 0)]
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var waves = new List<long>();
        await using (var list = dataSource.CreateCommand(
            """
            SELECT w.id FROM waves w
            WHERE (w.status = ANY ($1) OR w.finished_at > now() - interval '1 day')
              AND NOT EXISTS (SELECT 1 FROM score_snapshots s WHERE s.wave_id = w.id AND s.final)
            """))
        {
            list.Parameters.AddWithValue(new[] { WaveStatus.Running, WaveStatus.Paused });
            await using var reader = await list.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
                waves.Add(reader.GetInt64(0));
        }

        foreach (var waveId in waves)
        {
            // A snapshot is as of the moment its query started, and only a later one replaces it: a slow run that
            // overlaps a newer one (two workers, a manual trigger) must not put older figures back. A final snapshot
            // written meanwhile (the wave completed) is never replaced.
            await using var started = dataSource.CreateCommand("SELECT clock_timestamp()");
            var asOf = (DateTime)(await started.ExecuteScalarAsync(cancellationToken))!;
            var report = await ScoringQuery.RunAsync(dataSource, exclusions.ForWave(waveId), cancellationToken);
            await using var upsert = dataSource.CreateCommand(
                """
                INSERT INTO score_snapshots (wave_id, report, computed_at) VALUES ($1, $2, $3)
                ON CONFLICT (wave_id) DO UPDATE SET report = EXCLUDED.report, computed_at = EXCLUDED.computed_at
                WHERE score_snapshots.computed_at < EXCLUDED.computed_at AND NOT score_snapshots.final
                """);
            upsert.Parameters.AddWithValue(waveId);
            upsert.Parameters.Add(new NpgsqlParameter { Value = JsonSerializer.Serialize(report, Json), NpgsqlDbType = NpgsqlDbType.Jsonb });
            upsert.Parameters.AddWithValue(asOf);
            await upsert.ExecuteNonQueryAsync(cancellationToken);
        }

        if (waves.Count > 0)
            logger.LogInformation("Refreshed the public scores of {Count} wave(s)", waves.Count);
        return waves.Count;
    }
}
