using ChatSurvey.Domain.Time;

namespace ChatSurvey.Dispatcher.Sending;

/// <summary>
/// Send windows are wall-clock times in Vietnam (<c>waves.send_window_start/end</c>, docs/methodology.md#send-window);
/// instants are stored in UTC. A wave's window is [start, end) of the local day.
/// </summary>
public static class SendWindow
{
    /// <summary>The time of day in Vietnam at <paramref name="instant"/>, compared with the window's bounds.</summary>
    public static TimeOnly LocalTimeOfDay(DateTimeOffset instant) => VietnamTime.TimeOfDay(instant);
}
