using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;

namespace ChatSurvey.Benchmarks.Load;

/// <summary>
/// The two ways the load generator offers load. Closed loop: a fixed number of workers, each sending its next request
/// as soon as the previous one is answered (throughput at saturation). Open loop: requests scheduled at a fixed rate
/// whatever the server does, each request's latency measured from its scheduled send time, so a server that stalls is
/// charged for the requests it held up too (no coordinated omission).
/// </summary>
public static class LoadDriver
{
    /// <summary>An HTTP client for load: many connections, no cookies, no proxy, Twilio's 15 s webhook deadline.</summary>
    public static HttpClient Client(TimeSpan? timeout = null) => new(new SocketsHttpHandler
    {
        MaxConnectionsPerServer = 8192,
        PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(2),
        ConnectTimeout = TimeSpan.FromSeconds(10),
        UseCookies = false,
        UseProxy = false,
        AutomaticDecompression = DecompressionMethods.None,
    })
    {
        Timeout = timeout ?? TimeSpan.FromSeconds(15),
    };

    /// <summary>
    /// <paramref name="concurrency"/> workers run <paramref name="step"/> back to back until <paramref name="duration"/>
    /// has passed (the step records into the stats); elapsed is until the last worker's last step ends.
    /// </summary>
    public static async Task<LoadStats> ClosedLoopAsync(
        int concurrency, TimeSpan duration, Func<int, LoadStats, CancellationToken, Task> step, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(step);
        var stats = new LoadStats();
        var watch = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, concurrency).Select(worker => Task.Run(async () =>
        {
            while (watch.Elapsed < duration)
            {
                cancellationToken.ThrowIfCancellationRequested();
                await step(worker, stats, cancellationToken);
            }
        }, cancellationToken)).ToList();
        await Task.WhenAll(workers);
        stats.Elapsed = watch.Elapsed;
        return stats;
    }

    /// <summary>
    /// Starts <paramref name="send"/> at <paramref name="rate"/> per second for <paramref name="duration"/>, each call
    /// given its scheduled time (a <see cref="Stopwatch"/> timestamp) to measure its latency from; waits for all to end.
    /// Elapsed is the offered window.
    /// </summary>
    public static async Task<LoadStats> OpenLoopAsync(
        double rate, TimeSpan duration, Func<long, LoadStats, Task> send, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(send);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rate);
        var stats = new LoadStats();
        var total = (long)Math.Round(rate * duration.TotalSeconds);
        var interval = Stopwatch.Frequency / rate;
        var running = new List<Task>((int)Math.Min(total, int.MaxValue));
        var start = Stopwatch.GetTimestamp();
        long next = 0;
        while (next < total)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var now = Stopwatch.GetTimestamp();
            while (next < total && start + (long)(next * interval) <= now)
            {
                running.Add(send(start + (long)(next * interval), stats));
                next++;
            }

            // Timer resolution is about a millisecond: requests due meanwhile go out together, their latency still
            // counted from their own scheduled time.
            if (next < total)
                await Task.Delay(1, cancellationToken);
        }

        await Task.WhenAll(running);
        stats.Elapsed = duration;
        return stats;
    }

    public static double MillisecondsSince(long timestamp) => Stopwatch.GetElapsedTime(timestamp).TotalMilliseconds;
}

/// <summary>
/// Fresh respondents (phones with an invitation, invitation codes, floor conversations) handed out once each. Refills
/// itself in the background below a low-water mark, so a run does not wait on seeding; waits only when empty.
/// </summary>
public sealed class ItemPool<T>(Func<int, Task<IReadOnlyList<T>>> make, int chunk)
{
    private readonly ConcurrentQueue<T> _items = new();
    private readonly SemaphoreSlim _refill = new(1, 1);
    private Task? _refilling;
    private int _taken;

    public int Available => _items.Count;

    public int Taken => Volatile.Read(ref _taken);

    public async Task FillAsync(int count)
    {
        foreach (var item in await make(count))
            _items.Enqueue(item);
    }

    /// <summary>An item; at once while any is left (a refill starts in the background when few are), else after a refill.</summary>
    public async ValueTask<T> TakeAsync()
    {
        while (true)
        {
            if (_items.TryDequeue(out var item))
            {
                Interlocked.Increment(ref _taken);
                if (_items.Count < chunk / 2)
                    _ = StartRefill();
                return item;
            }

            await StartRefill();
        }
    }

    private Task StartRefill()
    {
        lock (_items)
        {
            if (_refilling is { IsCompleted: false })
                return _refilling;
            _refilling = Task.Run(async () =>
            {
                await _refill.WaitAsync();
                try
                {
                    await FillAsync(chunk);
                }
                finally
                {
                    _refill.Release();
                }
            });
            return _refilling;
        }
    }
}
