using System.Text.Json;
using ChatSurvey.Dispatcher.Jobs;
using ChatSurvey.Domain.Scoring;
using Npgsql;

namespace ChatSurvey.BotHost.PublicResults;

/// <summary>A completed wave's frozen figures: the report, when it was frozen, its valid ballots and their checksum.</summary>
public sealed record FinalFigures(ScoreReport Report, DateTimeOffset ComputedAt, int Ballots, string BallotsChecksum);

/// <summary>Reads a wave's final snapshot (written once, when the wave completed), for the admin page and the exports.</summary>
internal static class FinalSnapshot
{
    public static async Task<FinalFigures?> ReadAsync(NpgsqlDataSource dataSource, long waveId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT report::text, computed_at, ballots, ballots_checksum FROM score_snapshots WHERE wave_id = $1 AND final");
        command.Parameters.AddWithValue(waveId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
            return null;
        return new FinalFigures(JsonSerializer.Deserialize<ScoreReport>(reader.GetString(0), ScoreRefreshJob.Json)!,
            reader.GetFieldValue<DateTimeOffset>(1), reader.GetInt32(2), reader.GetString(3));
    }
}
