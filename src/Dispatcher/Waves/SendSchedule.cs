namespace ChatSurvey.Dispatcher.Waves;

/// <summary>
/// Planned send times (DESIGN.md §4 step 2): one slot every 1/<c>Sms:MessagesPerSecond</c> seconds, inside the daily
/// send window [start, end) in Asia/Ho_Chi_Minh, from <c>now</c> when the window is open or else from its next
/// opening; slots that do not fit before the window closes move to the next day's opening. Pure: same input, same times.
/// </summary>
public static class SendSchedule
{
    public const string TimeZoneId = "Asia/Ho_Chi_Minh";

    public static TimeZoneInfo HaiPhongTime { get; } = FindHaiPhongTime();

    /// <summary><paramref name="count"/> instants (UTC), ascending.</summary>
    public static IReadOnlyList<DateTimeOffset> Spread(
        DateTimeOffset now, TimeOnly windowStart, TimeOnly windowEnd, int messagesPerSecond, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(messagesPerSecond);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (windowStart >= windowEnd)
            throw new ArgumentException($"The send window must start before it ends ({windowStart:HH\\:mm}–{windowEnd:HH\\:mm}).", nameof(windowStart));

        var times = new List<DateTimeOffset>(count);
        var local = TimeZoneInfo.ConvertTime(now, HaiPhongTime);
        var day = DateOnly.FromDateTime(local.DateTime);
        var cursor = local;
        while (times.Count < count)
        {
            var open = Local(day, windowStart);
            var close = Local(day, windowEnd);
            var first = cursor > open ? cursor : open;
            if (first < close)
            {
                // Slot k is first + k/rate seconds, computed from first so that no rounding accumulates.
                var available = ((close - first).Ticks * messagesPerSecond - 1) / TimeSpan.TicksPerSecond + 1;
                for (long k = 0; k < available && times.Count < count; k++)
                    times.Add(first.AddTicks(k * TimeSpan.TicksPerSecond / messagesPerSecond).ToUniversalTime());
            }

            day = day.AddDays(1);
            cursor = Local(day, windowStart);
        }

        return times;
    }

    private static DateTimeOffset Local(DateOnly day, TimeOnly time)
    {
        var wallClock = day.ToDateTime(time);
        return new DateTimeOffset(wallClock, HaiPhongTime.GetUtcOffset(wallClock));
    }

    private static TimeZoneInfo FindHaiPhongTime()
    {
        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(TimeZoneId);
        }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            // Viet Nam has kept UTC+7 without daylight saving since 1975: a fixed offset is the same zone.
            return TimeZoneInfo.CreateCustomTimeZone(TimeZoneId, TimeSpan.FromHours(7), "Indochina Time", "Indochina Time");
        }
    }
}
