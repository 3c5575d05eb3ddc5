using System.Text.Json;
using ChatSurvey.Domain.Scoring;
using Hangfire;
using Npgsql;
using NpgsqlTypes;

namespace ChatSurvey.Dispatcher.Jobs;

/// <summary>
/// Recurring: recomputes the public results of every running or paused wave (and of waves that ended within a day)
/// into <c>score_snapshots</c>. The public results API serves a fresh snapshot instead of running the scoring query.
/// </summary>
public sealed class ScoreRefreshJob(NpgsqlDataSource dataSource, ILogger<ScoreRefreshJob> logger)
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
            SELECT id FROM waves
            WHERE status IN ('running', 'paused') OR finished_at > now() - interval '1 day'
            """))
        await using (var reader = await list.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
                waves.Add(reader.GetInt64(0));
        }

        foreach (var waveId in waves)
        {
            // A snapshot is as of the moment its query started, and only a later one replaces it: a slow run that
            // overlaps a newer one (two workers, a manual trigger) must not put older figures back.
            await using var started = dataSource.CreateCommand("SELECT clock_timestamp()");
            var asOf = (DateTime)(await started.ExecuteScalarAsync(cancellationToken))!;
            var report = await ScoringQuery.RunAsync(dataSource, ScoreFilter.ForWave(waveId), cancellationToken);
            await using var upsert = dataSource.CreateCommand(
                """
                INSERT INTO score_snapshots (wave_id, report, computed_at) VALUES ($1, $2, $3)
                ON CONFLICT (wave_id) DO UPDATE SET report = EXCLUDED.report, computed_at = EXCLUDED.computed_at
                WHERE score_snapshots.computed_at < EXCLUDED.computed_at
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
