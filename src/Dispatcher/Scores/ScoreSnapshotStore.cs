using System.Text.Json;
using ChatSurvey.Domain.Scoring;
using ChatSurvey.Domain.Statuses;
using Npgsql;
using NpgsqlTypes;

namespace ChatSurvey.Dispatcher.Scores;

/// <summary>A wave's public figures as the score-refresh job computed them, and when (the start of its query).</summary>
public sealed record ScoreSnapshot(ScoreReport Report, DateTimeOffset ComputedAt);

/// <summary>
/// The <c>score_snapshots</c> table, the score-refresh job's output (one row per wave): the only code that writes it, and
/// the reads of the public results.
/// </summary>
public sealed class ScoreSnapshotStore(NpgsqlDataSource dataSource)
{
    /// <summary>The JSON shape of the public results contract (camelCase, as the API writes it).</summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The waves whose snapshot is kept fresh: running or paused, or ended within a day.</summary>
    public async Task<IReadOnlyList<long>> WavesToRefreshAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            $"""
            SELECT id FROM waves
            WHERE status IN ('{WaveStatus.Running}', '{WaveStatus.Paused}') OR finished_at > now() - interval '1 day'
            """);
        var waves = new List<long>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            waves.Add(reader.GetInt64(0));
        return waves;
    }

    /// <summary>The database's clock now: a snapshot is as of the moment its query started (pass it to <see cref="SaveAsync"/>).</summary>
    public async Task<DateTime> NowAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT clock_timestamp()");
        return (DateTime)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>
    /// Stores a wave's figures as of <paramref name="asOf"/>. Only a later snapshot replaces one: a slow run that overlaps
    /// a newer one (two workers, a manual trigger) must not put older figures back.
    /// </summary>
    public async Task SaveAsync(long waveId, ScoreReport report, DateTime asOf, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            INSERT INTO score_snapshots (wave_id, report, computed_at) VALUES ($1, $2, $3)
            ON CONFLICT (wave_id) DO UPDATE SET report = EXCLUDED.report, computed_at = EXCLUDED.computed_at
            WHERE score_snapshots.computed_at < EXCLUDED.computed_at
            """);
        command.Parameters.AddWithValue(waveId);
        command.Parameters.Add(new NpgsqlParameter { Value = JsonSerializer.Serialize(report, Json), NpgsqlDbType = NpgsqlDbType.Jsonb });
        command.Parameters.AddWithValue(asOf);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The wave's snapshot when it is younger than <paramref name="maxAge"/> on the database's clock, else null.</summary>
    public async Task<ScoreSnapshot?> GetFreshAsync(long waveId, TimeSpan maxAge, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT report::text, computed_at FROM score_snapshots WHERE wave_id = $1 AND computed_at > now() - $2::interval");
        command.Parameters.AddWithValue(waveId);
        command.Parameters.AddWithValue(maxAge);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
            return null;
        var report = JsonSerializer.Deserialize<ScoreReport>(reader.GetString(0), Json)!;
        return new ScoreSnapshot(report, reader.GetFieldValue<DateTimeOffset>(1));
    }
}
