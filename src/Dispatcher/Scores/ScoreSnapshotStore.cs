using System.Text.Json;
using ChatSurvey.Domain.Scoring;
using ChatSurvey.Domain.Statuses;
using Npgsql;
using NpgsqlTypes;

namespace ChatSurvey.Dispatcher.Scores;

/// <summary>A wave's public figures as the score-refresh job computed them, and when (the start of its query).</summary>
/// <see cref="Final"/>: a completed wave's frozen figures.
public sealed record ScoreSnapshot(ScoreReport Report, DateTimeOffset ComputedAt, bool Final = false);

/// <summary>A completed wave's frozen figures: the report, when it was frozen, its valid ballots and their checksum.</summary>
public sealed record FinalFigures(ScoreReport Report, DateTimeOffset ComputedAt, int Ballots, string BallotsChecksum);

/// <summary>
/// The <c>score_snapshots</c> table, the score-refresh job's output (one row per wave): the only code that writes it, and
/// the reads of the public results.
/// </summary>
public sealed class ScoreSnapshotStore(NpgsqlDataSource dataSource)
{
    /// <summary>The JSON shape of the public results contract (camelCase, as the API writes it).</summary>
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The waves whose snapshot is kept fresh: running or paused, or ended within a day; never a final one.</summary>
    public async Task<IReadOnlyList<long>> WavesToRefreshAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            $"""
            SELECT w.id FROM waves w
            WHERE (w.status IN ('{WaveStatus.Running}', '{WaveStatus.Paused}') OR w.finished_at > now() - interval '1 day')
              AND NOT EXISTS (SELECT 1 FROM score_snapshots s WHERE s.wave_id = w.id AND s.final)
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
    /// a newer one (two workers, a manual trigger) must not put older figures back, and a final snapshot is never replaced.
    /// </summary>
    public async Task SaveAsync(long waveId, ScoreReport report, DateTime asOf, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            INSERT INTO score_snapshots (wave_id, report, computed_at) VALUES ($1, $2, $3)
            ON CONFLICT (wave_id) DO UPDATE SET report = EXCLUDED.report, computed_at = EXCLUDED.computed_at
            WHERE score_snapshots.computed_at < EXCLUDED.computed_at AND NOT score_snapshots.final
            """);
        command.Parameters.AddWithValue(waveId);
        command.Parameters.Add(new NpgsqlParameter { Value = JsonSerializer.Serialize(report, Json), NpgsqlDbType = NpgsqlDbType.Jsonb });
        command.Parameters.AddWithValue(asOf);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// The wave's final snapshot, or its snapshot when it is younger than <paramref name="maxAge"/> on the database's clock;
    /// else null.
    /// </summary>
    public async Task<ScoreSnapshot?> GetFinalOrFreshAsync(long waveId, TimeSpan maxAge, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT report::text, computed_at, final FROM score_snapshots
            WHERE wave_id = $1 AND (final OR computed_at > now() - $2::interval)
            """);
        command.Parameters.AddWithValue(waveId);
        command.Parameters.AddWithValue(maxAge);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
            return null;
        if (Read(reader.GetString(0)) is not { } report)
            return null;
        return new ScoreSnapshot(report, reader.GetFieldValue<DateTimeOffset>(1), reader.GetBoolean(2));
    }

    /// <summary>A wave's final snapshot (written once, when it completed), or null.</summary>
    public async Task<FinalFigures?> GetFinalAsync(long waveId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT report::text, computed_at, ballots, ballots_checksum FROM score_snapshots WHERE wave_id = $1 AND final");
        command.Parameters.AddWithValue(waveId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
            return null;
        return Read(reader.GetString(0)) is { } report
            ? new FinalFigures(report, reader.GetFieldValue<DateTimeOffset>(1), reader.GetInt32(2), reader.GetString(3))
            : null;
    }

    /// <summary>
    /// A stored report, or null for one in the shape written before the published-statistics rules (no blocks, counts in
    /// answers): callers then compute the figures afresh instead of showing figures under rules no longer stated.
    /// </summary>
    private static ScoreReport? Read(string json)
    {
        var report = JsonSerializer.Deserialize<ScoreReport>(json, Json);
        return report is { Blocks: not null, OtherQuestionnaires: not null } ? report : null;
    }

    /// <summary>
    /// Freezes a completed wave's figures in the caller's transaction (the one that completes the wave): its report as
    /// computed at <paramref name="computedAt"/>, the number of valid ballots and their checksum. A final snapshot stays.
    /// </summary>
    public static async Task SaveFinalAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, long waveId, ScoreReport report, DateTimeOffset computedAt,
        BallotSeal seal, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(seal);
        await using var command = new NpgsqlCommand(
            """
            INSERT INTO score_snapshots (wave_id, report, computed_at, final, ballots, ballots_checksum)
            VALUES ($1, $2, $3, true, $4, $5)
            ON CONFLICT (wave_id) DO UPDATE
            SET report = EXCLUDED.report, computed_at = EXCLUDED.computed_at, final = true,
                ballots = EXCLUDED.ballots, ballots_checksum = EXCLUDED.ballots_checksum
            WHERE NOT score_snapshots.final
            """, connection, transaction);
        command.Parameters.AddWithValue(waveId);
        command.Parameters.Add(new NpgsqlParameter { Value = JsonSerializer.Serialize(report, Json), NpgsqlDbType = NpgsqlDbType.Jsonb });
        command.Parameters.AddWithValue(computedAt);
        command.Parameters.AddWithValue(seal.Ballots);
        command.Parameters.AddWithValue(seal.Sha256);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
