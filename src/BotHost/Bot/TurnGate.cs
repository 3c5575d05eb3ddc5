using Microsoft.Extensions.Options;

namespace ChatSurvey.BotHost.Bot;

/// <summary>
/// The bound on turns in flight (<see cref="InboundOptions.MaxConcurrentTurns"/>), in front of every SMS and web chat
/// turn, webhook and worker alike: under overload a webhook waits a little, then leaves its message to the worker, so
/// saturation becomes a queue in the database instead of a pile of connections and timeouts.
/// </summary>
public sealed class TurnGate(IOptions<InboundOptions> options) : IDisposable
{
    private readonly SemaphoreSlim _slots = new(options.Value.MaxConcurrentTurns, options.Value.MaxConcurrentTurns);
    private readonly int _maxWaiting = options.Value.MaxConcurrentTurns;
    private int _waiting;

    /// <summary>A slot now, or null.</summary>
    public IDisposable? TryEnter() => _slots.Wait(0) ? new Slot(_slots) : null;

    /// <summary>
    /// Whether a webhook may still wait for a slot: at most as many wait as there are slots, so that under overload the
    /// rest answer at once (their messages left to the worker) instead of holding requests that cannot be served soon.
    /// </summary>
    public bool CanWait => Volatile.Read(ref _waiting) < _maxWaiting;

    /// <summary>A slot within <paramref name="wait"/>, or null.</summary>
    public async Task<IDisposable?> EnterAsync(TimeSpan wait, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _waiting);
        try
        {
            return await _slots.WaitAsync(wait, cancellationToken) ? new Slot(_slots) : null;
        }
        finally
        {
            Interlocked.Decrement(ref _waiting);
        }
    }

    /// <summary>A slot, waiting as long as it takes (the worker).</summary>
    public async Task<IDisposable> EnterAsync(CancellationToken cancellationToken)
    {
        await _slots.WaitAsync(cancellationToken);
        return new Slot(_slots);
    }

    public void Dispose() => _slots.Dispose();

    private sealed class Slot(SemaphoreSlim slots) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
                slots.Release();
        }
    }
}

/// <summary>Wakes <see cref="InboundWorker"/> when a webhook leaves a message to it.</summary>
public sealed class InboundSignal : IDisposable
{
    private readonly SemaphoreSlim _signal = new(0, 1);

    public void Notify()
    {
        try
        {
            if (_signal.CurrentCount == 0)
                _signal.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already signalled.
        }
    }

    /// <summary>Waits for a signal or <paramref name="timeout"/>.</summary>
    public Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => _signal.WaitAsync(timeout, cancellationToken);

    public void Dispose() => _signal.Dispose();
}
