namespace ChatSurvey.Domain.Time;

/// <summary>
/// Vietnam's civil time, the one zone of the product: send windows, "today", result dates and every time shown to an
/// administrator are Hai Phong wall-clock times, while instants are stored in UTC. Nothing reads the machine's own zone
/// (<see cref="TimeZoneInfo.Local"/>): servers and CI run in other zones. Vietnam has kept UTC+07:00 without daylight
/// saving since 1975, so when the machine has no time-zone data the fixed offset is the same zone.
/// </summary>
public static class VietnamTime
{
    /// <summary>The IANA id of the zone (Linux, macOS, browsers).</summary>
    public const string ZoneId = "Asia/Ho_Chi_Minh";

    /// <summary>The Windows id of the zone, for a Windows machine without ICU's IANA mapping.</summary>
    public const string WindowsZoneId = "SE Asia Standard Time";

    /// <summary>UTC+07:00, all year.</summary>
    public static readonly TimeSpan Offset = TimeSpan.FromHours(7);

    public static TimeZoneInfo Zone { get; } = Find(TimeZoneInfo.FindSystemTimeZoneById);

    /// <summary><paramref name="instant"/> as Vietnam's clocks show it (offset +07:00).</summary>
    public static DateTimeOffset ToLocal(DateTimeOffset instant) => TimeZoneInfo.ConvertTime(instant, Zone);

    /// <summary>The date in Vietnam at <paramref name="instant"/>.</summary>
    public static DateOnly DateOf(DateTimeOffset instant) => DateOnly.FromDateTime(ToLocal(instant).DateTime);

    /// <summary>The time of day in Vietnam at <paramref name="instant"/>.</summary>
    public static TimeOnly TimeOfDay(DateTimeOffset instant) => TimeOnly.FromDateTime(ToLocal(instant).DateTime);

    /// <summary>Today's date in Vietnam by <paramref name="clock"/>.</summary>
    public static DateOnly Today(TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(clock);
        return DateOf(clock.GetUtcNow());
    }

    /// <summary>The instant at which Vietnam's clocks show <paramref name="time"/> on <paramref name="day"/>, in UTC.</summary>
    public static DateTimeOffset ToUtc(DateOnly day, TimeOnly time)
    {
        var wallClock = day.ToDateTime(time, DateTimeKind.Unspecified);
        return new DateTimeOffset(wallClock, Zone.GetUtcOffset(wallClock)).ToUniversalTime();
    }

    /// <summary>Vietnam's midnight that starts <paramref name="day"/>, in UTC (17:00 UTC the day before).</summary>
    public static DateTimeOffset StartOfDay(DateOnly day) => ToUtc(day, TimeOnly.MinValue);

    /// <summary>
    /// The zone by its IANA id, else by its Windows id, else the fixed UTC+07:00 zone. <paramref name="lookup"/> is
    /// <see cref="TimeZoneInfo.FindSystemTimeZoneById"/> except in tests of the fallback.
    /// </summary>
    internal static TimeZoneInfo Find(Func<string, TimeZoneInfo> lookup)
    {
        foreach (var id in new[] { ZoneId, WindowsZoneId })
        {
            try
            {
                return lookup(id);
            }
            catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException)
            {
                // Try the next id, then the fixed offset.
            }
        }

        return TimeZoneInfo.CreateCustomTimeZone(ZoneId, Offset, "(UTC+07:00) Vietnam", "Indochina Time");
    }
}
