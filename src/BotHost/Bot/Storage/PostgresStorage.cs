using System.Globalization;
using Microsoft.Bot.Builder;
using Npgsql;
using NpgsqlTypes;

namespace ChatSurvey.BotHost.Bot.Storage;

/// <summary>
/// Bot Builder <see cref="IStorage"/> over the <c>bot_state</c> table: one JSON document per key, and the row's
/// <c>etag</c> (a version bumped by every write) as the <see cref="IStoreItem.ETag"/>.
/// </summary>
/// <remarks>
/// ETag rules, as in Bot Builder's Blobs and Cosmos DB stores: a value that is not an <see cref="IStoreItem"/>, or has a
/// null or empty ETag, is inserted or overwritten; <c>"*"</c> overwrites; any other ETag must equal the row's, or the
/// whole call throws <see cref="StorageConcurrencyException"/> and stores nothing. A successful write sets the new
/// ETag on each <see cref="IStoreItem"/> written. Reads create only the types in the <see cref="StorageTypeMap"/>;
/// other documents come back as <see cref="StoreItemDictionary"/> (which is what <c>BotState</c> loads).
/// </remarks>
/// <param name="dataSource">The database holding <c>bot_state</c>.</param>
/// <param name="types">The types reads may create, by stored name.</param>
/// <param name="ambientSession">
/// Optional: returns the current turn's <see cref="BotStateSession"/>, or null. With one, reads are served from the rows
/// it read ahead (no round trip) or run on its connection; writes are queued for its commit batch while it defers them,
/// else run on its connection and transaction (a conflict then rolls back only this call's changes).
/// </param>
public sealed class PostgresStorage(
    NpgsqlDataSource dataSource,
    StorageTypeMap? types = null,
    Func<BotStateSession?>? ambientSession = null) : IStorage
{
    private const string WildcardETag = "*";
    private const string Savepoint = "bot_state_write";

    private readonly NpgsqlDataSource _dataSource = dataSource ?? throw new ArgumentNullException(nameof(dataSource));
    private readonly StorageTypeMap _types = types ?? StorageTypeMap.Empty;

    public async Task<IDictionary<string, object>> ReadAsync(string[] keys, CancellationToken cancellationToken = default)
    {
        RequireKeys(keys);
        var items = new Dictionary<string, object>(keys.Length, StringComparer.Ordinal);
        if (keys.Length == 0)
            return items;

        if (ambientSession?.Invoke() is { } ahead && keys.All(key => ahead.TryGetPrefetched(key, out _)))
        {
            foreach (var key in keys)
            {
                if (ahead.TryGetPrefetched(key, out var row) && row is not null)
                    Add(items, key, row);
            }

            return items;
        }

        await using var session = await OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            $"SELECT key, {ReadColumns} FROM bot_state WHERE key = ANY($1)", session.Connection, session.Transaction);
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = keys });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            Add(items, reader.GetString(0), ReadRow(reader, 1));

        return items;
    }

    /// <summary>
    /// The columns a read takes from a <c>bot_state</c> row (alias <c>bot_state</c>), for a statement that reads the
    /// state ahead of the turn; <see cref="ReadRow"/> reads them back.
    /// </summary>
    public const string ReadColumns =
        "(bot_state.document ->> 'version')::int, bot_state.document ->> 'type', (bot_state.document -> 'value')::text, bot_state.etag";

    /// <summary>The <see cref="ReadColumns"/> at <paramref name="ordinal"/>, or null when the row is absent (a left join).</summary>
    public static PrefetchedState? ReadRow(NpgsqlDataReader reader, int ordinal)
    {
        ArgumentNullException.ThrowIfNull(reader);
        if (reader.IsDBNull(ordinal + 3))
            return null;
        return new PrefetchedState(
            reader.IsDBNull(ordinal) ? 0 : reader.GetInt32(ordinal),
            reader.IsDBNull(ordinal + 1) ? null : reader.GetString(ordinal + 1),
            reader.GetString(ordinal + 2),
            reader.GetInt64(ordinal + 3));
    }

    private void Add(Dictionary<string, object> items, string key, PrefetchedState? row)
    {
        if (row is null)
            return;
        if (row.Version != StateJson.Version)
            throw new InvalidOperationException($"A bot_state document has format version {row.Version}; this build reads version {StateJson.Version}.");
        var item = StateJson.Decode(row.TypeName, row.ValueJson, _types);
        if (item is null)
            return;
        if (item is IStoreItem storeItem)
            storeItem.ETag = row.ETag.ToString(CultureInfo.InvariantCulture);
        items[key] = item;
    }

    public async Task WriteAsync(IDictionary<string, object> changes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(changes);
        if (changes.Count == 0)
            return;

        // Key order makes concurrent multi-key writes lock rows in the same order, so they cannot deadlock.
        var writes = changes.OrderBy(change => change.Key, StringComparer.Ordinal).Select(Prepare).ToList();

        if (ambientSession?.Invoke() is { DeferWrites: true } deferring)
        {
            // The turn's commit runs these in its own batch and reports a stale ETag from there.
            foreach (var write in writes)
            {
                deferring.Defer(write.ToCommand(), write.Key, write.ETag, etag =>
                {
                    if (write.Value is IStoreItem storeItem)
                        storeItem.ETag = etag.ToString(CultureInfo.InvariantCulture);
                });
            }

            return;
        }

        await using var session = await OpenAsync(cancellationToken);
        var ownTransaction = session.Transaction is null;
        var transaction = session.Transaction ?? await session.Connection.BeginTransactionAsync(cancellationToken);
        try
        {
            await using var batch = new NpgsqlBatch(session.Connection, transaction);
            if (!ownTransaction)
                batch.BatchCommands.Add(new NpgsqlBatchCommand($"SAVEPOINT {Savepoint}"));
            foreach (var write in writes)
                batch.BatchCommands.Add(write.ToCommand());

            var conflict = await ExecuteAsync(batch, writes, cancellationToken);
            if (conflict is not null)
            {
                if (!ownTransaction)
                    await transaction.RollbackAsync(Savepoint, cancellationToken);
                throw new StorageConcurrencyException(conflict.Key, conflict.ETag!);
            }

            if (ownTransaction)
                await transaction.CommitAsync(cancellationToken);
        }
        finally
        {
            if (ownTransaction)
                await transaction.DisposeAsync();
        }

        foreach (var write in writes)
        {
            if (write.Value is IStoreItem storeItem)
                storeItem.ETag = write.NewETag.ToString(CultureInfo.InvariantCulture);
        }
    }

    public async Task DeleteAsync(string[] keys, CancellationToken cancellationToken = default)
    {
        RequireKeys(keys);
        if (keys.Length == 0)
            return;

        await using var session = await OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            "DELETE FROM bot_state WHERE key = ANY($1)", session.Connection, session.Transaction);
        command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = keys });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Runs the batch and records each new etag; returns the first write whose ETag no longer matched.</summary>
    private static async Task<Write?> ExecuteAsync(NpgsqlBatch batch, List<Write> writes, CancellationToken cancellationToken)
    {
        // The reader skips statements without a result set (the SAVEPOINT); each write RETURNING etag has one.
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        for (var i = 0; i < writes.Count; i++)
        {
            if (i > 0)
                await reader.NextResultAsync(cancellationToken);
            if (!await reader.ReadAsync(cancellationToken))
                return writes[i];
            writes[i].NewETag = reader.GetInt64(0);
        }

        return null;
    }

    private Write Prepare(KeyValuePair<string, object> change)
    {
        var value = change.Value
            ?? throw new ArgumentException("A bot state value is null; use DeleteAsync to remove an item.", nameof(change));
        var etag = (value as IStoreItem)?.ETag;
        long? expected = null;
        if (!string.IsNullOrEmpty(etag) && etag != WildcardETag)
        {
            // Every ETag this store hands out is a row version; anything else cannot match a row.
            if (!long.TryParse(etag, NumberStyles.None, CultureInfo.InvariantCulture, out var version))
                throw new StorageConcurrencyException(change.Key, etag);
            expected = version;
        }

        return new Write(change.Key, value, etag, expected, StateJson.Encode(value, _types.NameOf(value.GetType())));
    }

    private async ValueTask<Session> OpenAsync(CancellationToken cancellationToken)
    {
        if (ambientSession?.Invoke() is { } turn)
            return new Session(turn.Connection, turn.Transaction, OwnsConnection: false);

        return new Session(await _dataSource.OpenConnectionAsync(cancellationToken), null, OwnsConnection: true);
    }

    private static void RequireKeys(string[] keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        if (Array.IndexOf(keys, null) >= 0)
            throw new ArgumentException("Bot state keys cannot be null.", nameof(keys));
    }

    private sealed record Session(NpgsqlConnection Connection, NpgsqlTransaction? Transaction, bool OwnsConnection) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => OwnsConnection ? Connection.DisposeAsync() : ValueTask.CompletedTask;
    }

    private sealed record Write(string Key, object Value, string? ETag, long? ExpectedVersion, string Document)
    {
        public long NewETag { get; set; }

        public NpgsqlBatchCommand ToCommand()
        {
            var command = new NpgsqlBatchCommand(ExpectedVersion is null
                ? """
                  INSERT INTO bot_state (key, document) VALUES ($1, $2)
                  ON CONFLICT (key) DO UPDATE
                      SET document = excluded.document, etag = bot_state.etag + 1, updated_at = now()
                  RETURNING etag
                  """
                : """
                  UPDATE bot_state SET document = $2, etag = etag + 1, updated_at = now()
                  WHERE key = $1 AND etag = $3
                  RETURNING etag
                  """);
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Key });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Document, NpgsqlDbType = NpgsqlDbType.Jsonb });
            if (ExpectedVersion is { } version)
                command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = version });
            return command;
        }
    }
}
