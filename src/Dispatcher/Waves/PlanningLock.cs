using Npgsql;

namespace ChatSurvey.Dispatcher.Waves;

/// <summary>
/// Whatever creates a wave's invitations (a batch start, a top-up, a continuous wave's pass) takes turns under one
/// transaction-scoped advisory lock, so that each one sees the others' invitations (cool-down, one invitation per phone).
/// </summary>
internal static class PlanningLock
{
    private const long Key = 0x43_68_61_74_53_76_02;

    public static async Task TakeAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT pg_advisory_xact_lock($1)", connection, transaction);
        command.CommandTimeout = 0;
        command.Parameters.AddWithValue(Key);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
