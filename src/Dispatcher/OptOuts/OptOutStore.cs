using ChatSurvey.Domain.Statuses;
using Npgsql;

namespace ChatSurvey.Dispatcher.OptOuts;

/// <summary>
/// The <c>opt_outs</c> table, one row per phone that must not be sent anything: the only code that writes it. A second
/// opt-out of a phone keeps the first (its source and time). Writes that belong to a larger change (a bot turn, a status
/// callback) are handed out as batch commands, so they commit in the caller's transaction.
/// </summary>
public sealed class OptOutStore(NpgsqlDataSource dataSource)
{
    /// <summary>Records that <paramref name="phone"/> opted out (<see cref="OptOutSource"/>); nothing when it already has.</summary>
    public async Task RecordAsync(string phone, string source, CancellationToken cancellationToken)
    {
        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(Record(phone, source));
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Which of <paramref name="phones"/> have opted out (one round trip for a whole group of sends).</summary>
    public async Task<IReadOnlySet<string>> OptedOutAsync(IReadOnlyCollection<string> phones, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(phones);
        var optedOut = new HashSet<string>(StringComparer.Ordinal);
        if (phones.Count == 0)
            return optedOut;
        await using var command = dataSource.CreateCommand("SELECT phone FROM opt_outs WHERE phone = ANY($1)");
        command.Parameters.AddWithValue(phones.ToArray());
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            optedOut.Add(reader.GetString(0));
        return optedOut;
    }

    /// <summary>The statement of <see cref="RecordAsync"/>, for the caller's batch.</summary>
    public static NpgsqlBatchCommand Record(string phone, string source)
    {
        RequireKnown(source);
        var command = new NpgsqlBatchCommand("INSERT INTO opt_outs (phone, source) VALUES ($1, $2) ON CONFLICT (phone) DO NOTHING");
        command.Parameters.Add(new NpgsqlParameter { Value = phone });
        command.Parameters.Add(new NpgsqlParameter { Value = source });
        return command;
    }

    /// <summary>Records an opt-out of the phone the provider's message <paramref name="providerMessageId"/> went to, if any.</summary>
    public static NpgsqlBatchCommand RecordForMessage(string providerMessageId, string source)
    {
        RequireKnown(source);
        var command = new NpgsqlBatchCommand(
            """
            INSERT INTO opt_outs (phone, source)
            SELECT phone, $2 FROM invitations WHERE provider_message_id = $1
            ON CONFLICT (phone) DO NOTHING
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = providerMessageId });
        command.Parameters.Add(new NpgsqlParameter { Value = source });
        return command;
    }

    /// <summary>The phone opted in again (START): it may be invited from now on.</summary>
    public static NpgsqlBatchCommand Withdraw(string phone)
    {
        var command = new NpgsqlBatchCommand("DELETE FROM opt_outs WHERE phone = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = phone });
        return command;
    }

    private static void RequireKnown(string source)
    {
        if (!OptOutSource.All.Contains(source))
            throw new ArgumentOutOfRangeException(nameof(source), source, "Not an opt-out source (OptOutSource).");
    }
}
