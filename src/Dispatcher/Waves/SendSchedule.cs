using ChatSurvey.Domain.Time;

namespace ChatSurvey.Dispatcher.Waves;

/// <summary>
/// Planned send times (docs/design.md#data-flow, step 2): one slot every 1/<c>Sms:MessagesPerSecond</c> seconds, inside the daily
/// send window [start, end) in Vietnam time, from <c>now</c> when the window is open or else from its next
/// opening; slots that do not fit before the window closes move to the next day's opening. Pure: same input, same times.
/// </summary>
public static class SendSchedule
{
    /// <summary><paramref name="count"/> instants (UTC), ascending.</summary>
    public static IReadOnlyList<DateTimeOffset> Spread(
        DateTimeOffset now, TimeOnly windowStart, TimeOnly windowEnd, int messagesPerSecond, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(messagesPerSecond);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (windowStart >= windowEnd)
            throw new ArgumentException($"The send window must start before it ends ({windowStart:HH\\:mm}–{windowEnd:HH\\:mm}).", nameof(windowStart));

        var times = new List<DateTimeOffset>(count);
        var day = VietnamTime.DateOf(now);
        var cursor = now;
        while (times.Count < count)
        {
            var open = VietnamTime.ToUtc(day, windowStart);
            var close = VietnamTime.ToUtc(day, windowEnd);
            var first = cursor > open ? cursor : open;
            if (first < close)
            {
                // Slot k is first + k/rate seconds, computed from first so that no rounding accumulates.
                var available = ((close - first).Ticks * messagesPerSecond - 1) / TimeSpan.TicksPerSecond + 1;
                for (long k = 0; k < available && times.Count < count; k++)
                    times.Add(first.AddTicks(k * TimeSpan.TicksPerSecond / messagesPerSecond).ToUniversalTime());
            }

            day = day.AddDays(1);
            cursor = VietnamTime.ToUtc(day, windowStart);
        }

        return times;
    }

    /// <summary>The first instant at or after <paramref name="at"/> inside the daily send window (UTC): <paramref name="at"/> itself when the window is open.</summary>
    public static DateTimeOffset NextSendTime(DateTimeOffset at, TimeOnly windowStart, TimeOnly windowEnd) =>
        Spread(at, windowStart, windowEnd, 1, 1)[0];
}
