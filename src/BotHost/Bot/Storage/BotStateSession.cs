using Microsoft.Bot.Builder;
using Npgsql;

namespace ChatSurvey.BotHost.Bot.Storage;

/// <summary>A <c>bot_state</c> row read ahead of the turn, in the columns <see cref="PostgresStorage"/> reads.</summary>
public sealed record PrefetchedState(int Version, string? TypeName, string ValueJson, long ETag);

/// <summary>
/// The bot state side of one turn's database session (docs/design.md#inbound-messages): the turn's one connection and,
/// while it commits, its transaction; the state rows read ahead in the turn's first round trip, so that Bot Builder's
/// <c>ConversationState.LoadAsync</c> costs no round trip; and, while <see cref="DeferWrites"/> is set, the state writes
/// queued for the turn's commit batch instead of being run on their own. <see cref="PostgresStorage"/> finds it through
/// <see cref="Current"/> (Bot Builder's <see cref="IStorage"/> has no parameter for it).
/// </summary>
public sealed class BotStateSession(NpgsqlConnection connection)
{
    private static readonly AsyncLocal<BotStateSession?> Ambient = new();
    private readonly Dictionary<string, PrefetchedState?> _prefetched = new(StringComparer.Ordinal);
    private readonly List<DeferredWrite> _deferred = [];

    /// <summary>The session of the turn running on this async flow, or null.</summary>
    public static BotStateSession? Current => Ambient.Value;

    public NpgsqlConnection Connection { get; } = connection ?? throw new ArgumentNullException(nameof(connection));

    /// <summary>The commit's transaction while the turn commits; reads and writes that do run use it.</summary>
    public NpgsqlTransaction? Transaction { get; set; }

    /// <summary>While true, <see cref="IStorage.WriteAsync"/> queues its statements here (see <see cref="TakeDeferred"/>).</summary>
    public bool DeferWrites { get; set; }

    /// <summary>Makes this the session of the current async flow until the scope is disposed.</summary>
    public IDisposable Enlist()
    {
        var previous = Ambient.Value;
        Ambient.Value = this;
        return new Scope(previous);
    }

    /// <summary>Records what the first round trip found for <paramref name="key"/> (null: no row).</summary>
    public void Prefetch(string key, PrefetchedState? state) => _prefetched[key] = state;

    public bool TryGetPrefetched(string key, out PrefetchedState? state) => _prefetched.TryGetValue(key, out state);

    /// <summary>Forgets the rows read ahead: after a concurrency conflict the turn must read the state again.</summary>
    public void ForgetPrefetched() => _prefetched.Clear();

    internal void Defer(NpgsqlBatchCommand command, string key, string? etag, Action<long> written) =>
        _deferred.Add(new DeferredWrite(command, key, etag, written));

    /// <summary>The queued state writes, in order, each a statement returning the row's new etag (none: a stale ETag).</summary>
    public IReadOnlyList<DeferredWrite> TakeDeferred()
    {
        var writes = _deferred.ToList();
        _deferred.Clear();
        return writes;
    }

    private sealed class Scope(BotStateSession? previous) : IDisposable
    {
        public void Dispose() => Ambient.Value = previous;
    }
}

/// <summary>A state write queued for the commit batch: its statement, and what to do with the etag it returns.</summary>
public sealed record DeferredWrite(NpgsqlBatchCommand Command, string Key, string? ETag, Action<long> Written);
