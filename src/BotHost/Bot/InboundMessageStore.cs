using System.Collections.Concurrent;
using ChatSurvey.Domain.Statuses;
using Npgsql;
using NpgsqlTypes;

namespace ChatSurvey.BotHost.Bot;

/// <summary>A recorded inbound message that still has to be processed (or whose REST reply still has to be sent).</summary>
public sealed record PendingInbound(long Id, string Channel, string ProviderMessageId, string From, string? To, string Body, int Attempts, string? Reply);

/// <summary>What the log knows of a provider message id: its row, and its replies once processed.</summary>
public sealed record InboundState(long Id, bool Processed, string Reply);

/// <summary>
/// The inbound log, <c>inbound_messages</c> (docs/design.md#inbound-messages), and its only writer. A message is recorded
/// first, in one narrow insert keyed by the provider's message id, before any other work; whoever processes it holds a
/// lease on it; the turn's commit marks it processed with its replies (<see cref="MarkProcessed"/>, in the turn's
/// transaction); a message left pending — the host was saturated, the turn failed, the process died — is claimed by
/// <see cref="InboundWorker"/> once its lease has run out. A sender's messages are processed in the order they arrived.
/// </summary>
public sealed class InboundMessageStore(NpgsqlDataSource dataSource)
{
    /// <summary>The most messages one group insert of <see cref="RecordForWorkerAsync"/> carries.</summary>
    private const int MaxGroup = 256;

    private readonly ConcurrentQueue<GroupedRecord> _group = new();
    private int _recording;

    /// <summary>
    /// The narrow insert, for a batch: returns the new row's id, or no row when this provider message id is already
    /// recorded (a redelivery). <paramref name="leaseSeconds"/> null leaves it to the worker at once.
    /// </summary>
    public static NpgsqlBatchCommand Record(string channel, InboundMessage inbound, double? leaseSeconds)
    {
        ArgumentNullException.ThrowIfNull(inbound);
        var command = new NpgsqlBatchCommand(
            """
            INSERT INTO inbound_messages (channel, provider_message_id, from_address, to_address, body, lease_until)
            VALUES ($1, $2, $3, $4, $5, now() + make_interval(secs => $6))
            ON CONFLICT ON CONSTRAINT inbound_messages_provider_message_key DO NOTHING
            RETURNING id
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = channel });
        command.Parameters.Add(new NpgsqlParameter { Value = inbound.ProviderMessageId });
        command.Parameters.Add(new NpgsqlParameter { Value = inbound.From });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)inbound.To ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = inbound.Body });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)leaseSeconds ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Double });
        return command;
    }

    /// <summary>
    /// Records the message on its own; returns its new id (null when it was already recorded) and whether an earlier
    /// message of the same sender is still pending (then this one waits its turn with the worker, whatever slot frees).
    /// </summary>
    public async Task<(long? Id, bool EarlierPending)> RecordAsync(string channel, InboundMessage inbound, double? leaseSeconds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(inbound);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var earlier = new NpgsqlBatchCommand(
            """
            SELECT EXISTS (SELECT 1 FROM inbound_messages e
                           WHERE e.channel = $1 AND e.from_address = $2 AND e.processed_at IS NULL
                             AND e.id < (SELECT id FROM inbound_messages WHERE channel = $1 AND provider_message_id = $3))
            """);
        earlier.Parameters.Add(new NpgsqlParameter { Value = channel });
        earlier.Parameters.Add(new NpgsqlParameter { Value = inbound.From });
        earlier.Parameters.Add(new NpgsqlParameter { Value = inbound.ProviderMessageId });
        await using var batch = new NpgsqlBatch(connection) { BatchCommands = { Record(channel, inbound, leaseSeconds), earlier } };
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        long? id = await reader.ReadAsync(cancellationToken) ? reader.GetInt64(0) : null;
        await reader.NextResultAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return (id, reader.GetBoolean(0));
    }

    /// <summary>
    /// Records a message the worker processes (no lease: it is pending at once), for a host too busy to run the turn
    /// now; false when this provider message id is already recorded. Under overload many webhooks record at once:
    /// their messages go into the database together, one insert and one commit for all that arrived while the previous
    /// insert ran (each caller still waits for its own row), so recording stays cheap when the host is saturated.
    /// </summary>
    public Task<bool> RecordForWorkerAsync(string channel, InboundMessage inbound, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(inbound);
        var record = new GroupedRecord(channel, inbound);
        _group.Enqueue(record);
        if (Interlocked.CompareExchange(ref _recording, 1, 0) == 0)
            _ = Task.Run(RecordGroupsAsync, CancellationToken.None);
        return record.Recorded.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Inserts what is queued, group after group, until the queue is empty; one runs at a time.</summary>
    private async Task RecordGroupsAsync()
    {
        while (true)
        {
            var group = new List<GroupedRecord>(MaxGroup);
            while (group.Count < MaxGroup && _group.TryDequeue(out var next))
                group.Add(next);
            if (group.Count > 0)
            {
                await InsertGroupAsync(group);
                continue;
            }

            Volatile.Write(ref _recording, 0);
            // A record queued after the queue looked empty and before the flag dropped would wait for nobody.
            if (_group.IsEmpty || Interlocked.CompareExchange(ref _recording, 1, 0) != 0)
                return;
        }
    }

    private async Task InsertGroupAsync(List<GroupedRecord> group)
    {
        try
        {
            await using var command = dataSource.CreateCommand(
                """
                INSERT INTO inbound_messages (channel, provider_message_id, from_address, to_address, body)
                SELECT m.channel, m.provider_message_id, m.from_address, m.to_address, m.body
                FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) WITH ORDINALITY
                    AS m(channel, provider_message_id, from_address, to_address, body, ord)
                ORDER BY m.ord
                ON CONFLICT ON CONSTRAINT inbound_messages_provider_message_key DO NOTHING
                RETURNING channel, provider_message_id
                """);
            command.Parameters.Add(Texts(group.Select(r => r.Channel)));
            command.Parameters.Add(Texts(group.Select(r => r.Inbound.ProviderMessageId)));
            command.Parameters.Add(Texts(group.Select(r => r.Inbound.From)));
            command.Parameters.Add(Texts(group.Select(r => r.Inbound.To)));
            command.Parameters.Add(Texts(group.Select(r => r.Inbound.Body)));
            var created = new HashSet<(string, string)>();
            await using (var reader = await command.ExecuteReaderAsync(CancellationToken.None))
            {
                while (await reader.ReadAsync(CancellationToken.None))
                    created.Add((reader.GetString(0), reader.GetString(1)));
            }

            // The same id twice in one group: the first is the new row, the second a redelivery.
            foreach (var record in group)
                record.Recorded.TrySetResult(created.Remove((record.Channel, record.Inbound.ProviderMessageId)));
        }
        catch (Exception e)
        {
            foreach (var record in group)
                record.Recorded.TrySetException(e);
        }
    }

    private static NpgsqlParameter Texts(IEnumerable<string?> values) =>
        new() { Value = values.ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text };

    private sealed record GroupedRecord(string Channel, InboundMessage Inbound)
    {
        public TaskCompletionSource<bool> Recorded { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>What the log holds for this provider message id, or null.</summary>
    public async Task<InboundState?> FindAsync(string channel, string providerMessageId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT id, processed_at IS NOT NULL, coalesce(reply, '') FROM inbound_messages WHERE channel = $1 AND provider_message_id = $2");
        command.Parameters.AddWithValue(channel);
        command.Parameters.AddWithValue(providerMessageId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new InboundState(reader.GetInt64(0), reader.GetBoolean(1), reader.GetString(2))
            : null;
    }

    /// <summary>
    /// For the turn's commit batch: the message is processed, with these replies, sent this way. Affects no row when
    /// someone else processed it first (the commit then rolls back). A REST reply stays leased to the processor that
    /// sends it right after the commit.
    /// </summary>
    public static NpgsqlBatchCommand MarkProcessed(long id, string? conversationId, string reply, string replyVia, double leaseSeconds)
    {
        var command = new NpgsqlBatchCommand(
            $"""
            UPDATE inbound_messages
            SET processed_at = now(), reply = $2, reply_via = $3, conversation_id = $4,
                lease_until = CASE WHEN $3 = '{ReplyRoute.Rest}' THEN now() + make_interval(secs => $5) END
            WHERE id = $1 AND processed_at IS NULL
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        command.Parameters.Add(new NpgsqlParameter { Value = reply });
        command.Parameters.Add(new NpgsqlParameter { Value = replyVia });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)conversationId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = leaseSeconds });
        return command;
    }

    /// <summary>Gives a pending message back to the worker now (the webhook will not process it itself).</summary>
    public async Task ReleaseAsync(long id, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "UPDATE inbound_messages SET lease_until = NULL WHERE id = $1 AND processed_at IS NULL");
        command.Parameters.AddWithValue(id);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// Claims up to <paramref name="max"/> pending messages whose lease has run out, each the oldest pending message of
    /// its sender (so a sender's messages are processed in order), for <paramref name="leaseSeconds"/>. Each sender's
    /// first message is found by walking the pending index in its own order; a row another worker leased meanwhile is
    /// left to it (the update checks the lease again on the row it locked).
    /// </summary>
    public async Task<IReadOnlyList<PendingInbound>> ClaimPendingAsync(int max, double leaseSeconds, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            UPDATE inbound_messages m
            SET lease_until = now() + make_interval(secs => $2), attempts = m.attempts + 1
            WHERE m.id IN (
                SELECT firsts.id FROM (
                    SELECT DISTINCT ON (channel, from_address) id, lease_until
                    FROM inbound_messages
                    WHERE processed_at IS NULL
                    ORDER BY channel, from_address, id) firsts
                WHERE firsts.lease_until IS NULL OR firsts.lease_until < now()
                ORDER BY firsts.id
                LIMIT $1)
              AND m.processed_at IS NULL AND (m.lease_until IS NULL OR m.lease_until < now())
            RETURNING m.id, m.channel, m.provider_message_id, m.from_address, m.to_address, m.body, m.attempts, m.reply
            """);
        command.Parameters.AddWithValue(max);
        command.Parameters.AddWithValue(leaseSeconds);
        return await ReadPendingAsync(command, cancellationToken);
    }

    /// <summary>Claims up to <paramref name="max"/> processed messages whose REST reply is not sent and not leased.</summary>
    public async Task<IReadOnlyList<PendingInbound>> ClaimUnsentRepliesAsync(int max, double leaseSeconds, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            $"""
            UPDATE inbound_messages m
            SET lease_until = now() + make_interval(secs => $2)
            WHERE m.id IN (
                SELECT p.id FROM inbound_messages p
                WHERE p.reply_via = '{ReplyRoute.Rest}' AND p.reply_sent_at IS NULL
                  AND (p.lease_until IS NULL OR p.lease_until < now())
                ORDER BY p.id
                LIMIT $1
                FOR UPDATE SKIP LOCKED)
            RETURNING m.id, m.channel, m.provider_message_id, m.from_address, m.to_address, m.body, m.attempts, m.reply
            """);
        command.Parameters.AddWithValue(max);
        command.Parameters.AddWithValue(leaseSeconds);
        return await ReadPendingAsync(command, cancellationToken);
    }

    /// <summary>The REST reply of this message was handed to the provider (or refused by it for good).</summary>
    public async Task MarkReplySentAsync(long id, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "UPDATE inbound_messages SET reply_sent_at = now(), lease_until = NULL WHERE id = $1 AND reply_sent_at IS NULL");
        command.Parameters.AddWithValue(id);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// A message whose turn failed every attempt: recorded as processed with <paramref name="reply"/> (an apology), sent
    /// <paramref name="replyVia"/>, so the citizen hears something and the log keeps what they sent.
    /// </summary>
    public async Task GiveUpAsync(long id, string reply, string replyVia, double leaseSeconds, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection) { BatchCommands = { MarkProcessed(id, null, reply, replyVia, leaseSeconds) } };
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task<IReadOnlyList<PendingInbound>> ReadPendingAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var claimed = new List<PendingInbound>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            claimed.Add(new PendingInbound(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetString(4), reader.GetString(5), reader.GetInt32(6),
                reader.IsDBNull(7) ? null : reader.GetString(7)));
        }

        claimed.Sort((a, b) => a.Id.CompareTo(b.Id));
        return claimed;
    }
}
