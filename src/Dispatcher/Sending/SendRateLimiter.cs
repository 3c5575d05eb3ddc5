using System.Runtime.CompilerServices;
using ChatSurvey.Dispatcher.Sms;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ChatSurvey.Dispatcher.Sending;

/// <summary>
/// Spaces provider calls to <c>Sms:MessagesPerSecond</c> across every worker of the deployment. The one
/// <c>send_rate</c> row holds the next free slot on the database's clock; <see cref="ReserveAsync"/> takes n slots
/// under its row lock, so concurrent workers get disjoint slots, and each caller waits for its own. Slots are real time
/// (the database clock), not the injected scheduling clock: they pace throughput, they do not decide what is due.
/// A reservation that is not used (a crash, an early stop) only leaves a gap: the rate is a ceiling.
/// </summary>
public sealed class SendRateLimiter(NpgsqlDataSource dataSource, IOptions<SmsOptions> options)
{
    /// <summary>A batch claims no more than the rate sends in this long, so that at a low rate claims are not held waiting.</summary>
    public static readonly TimeSpan BatchHorizon = TimeSpan.FromSeconds(2);

    public TimeSpan Interval => TimeSpan.FromTicks(TimeSpan.TicksPerSecond / Math.Max(1, options.Value.MessagesPerSecond));

    /// <summary>
    /// How many a batch of at most <paramref name="batchSize"/> should claim: no more than <see cref="BatchHorizon"/> of
    /// the rate's slots (at 10 messages per second, 20), at least one.
    /// </summary>
    public int BatchLimit(int batchSize) =>
        (int)Math.Clamp(BatchHorizon.Ticks / Math.Max(1, Interval.Ticks), 1, Math.Max(1, batchSize));

    /// <summary>Reserves <paramref name="count"/> consecutive slots; the returned schedule says when each may be used.</summary>
    public async Task<SendSlots> ReserveAsync(int count, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        var interval = Interval;
        await using var command = dataSource.CreateCommand(
            """
            UPDATE send_rate
            SET next_slot = greatest(next_slot, clock_timestamp()) + $1 * $2
            WHERE id = 1
            RETURNING next_slot - $1 * $2, clock_timestamp()
            """);
        command.Parameters.AddWithValue(count);
        command.Parameters.AddWithValue(interval);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
            throw new InvalidOperationException("The send_rate row is missing (migration 0005).");
        var first = reader.GetFieldValue<DateTime>(0);
        var databaseNow = reader.GetFieldValue<DateTime>(1);
        // Translate the database's slot times into this process's monotonic clock.
        return new SendSlots(TimeProvider.System.GetTimestamp(), first - databaseNow, interval);
    }
}

/// <summary>Consecutive send slots: slot i starts <c>FirstOffset + i × Interval</c> after the reservation.</summary>
public sealed class SendSlots(long reservedAt, TimeSpan firstOffset, TimeSpan interval)
{
    /// <summary>Waits (in real time) until slot <paramref name="index"/> starts.</summary>
    public async Task WaitForAsync(int index, CancellationToken cancellationToken)
    {
        var wait = Start(index) - TimeProvider.System.GetElapsedTime(reservedAt);
        if (wait > TimeSpan.Zero)
            await Task.Delay(wait, cancellationToken);
    }

    /// <summary>
    /// The slots 0 … <paramref name="count"/> − 1 in consecutive groups of at most <paramref name="maxGroup"/>, each
    /// handed out once its first slot has started and holding only slots that have started by then: a group may be sent
    /// at once, all together. At a low rate a group is one slot; at a high one, <paramref name="maxGroup"/>.
    /// </summary>
    public async IAsyncEnumerable<Range> GroupsAsync(int count, int maxGroup, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxGroup);
        for (var first = 0; first < count;)
        {
            await WaitForAsync(first, cancellationToken);
            var size = Math.Min(Math.Min(maxGroup, count - first), StartedBy(TimeProvider.System.GetElapsedTime(reservedAt)) - first);
            size = Math.Max(size, 1);
            yield return new Range(first, first + size);
            first += size;
        }
    }

    private TimeSpan Start(int index) => firstOffset + (interval * index);

    /// <summary>How many slots have started <paramref name="elapsed"/> after the reservation.</summary>
    private int StartedBy(TimeSpan elapsed)
    {
        if (elapsed < firstOffset)
            return 0;
        if (interval <= TimeSpan.Zero)
            return int.MaxValue;
        return (int)Math.Min(int.MaxValue, ((elapsed - firstOffset).Ticks / interval.Ticks) + 1);
    }
}
