namespace ChatSurvey.Dispatcher.Sending;

/// <summary>
/// Send windows are wall-clock times in Asia/Ho_Chi_Minh (<c>waves.send_window_start/end</c>, DESIGN.md §3); instants
/// are stored in UTC. A wave's window is [start, end) of the local day.
/// </summary>
public static class SendWindow
{
    public const string TimeZoneId = "Asia/Ho_Chi_Minh";

    public static TimeZoneInfo TimeZone { get; } = TimeZoneInfo.FindSystemTimeZoneById(TimeZoneId);

    /// <summary>The local time of day in Hai Phong at <paramref name="instant"/>.</summary>
    public static TimeOnly LocalTimeOfDay(DateTimeOffset instant) =>
        TimeOnly.FromDateTime(TimeZoneInfo.ConvertTime(instant, TimeZone).DateTime);
}
