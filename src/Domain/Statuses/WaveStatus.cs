namespace ChatSurvey.Domain.Statuses;

/// <summary>
/// <c>waves.status</c>. Draft → running ⇄ paused → completed (by itself, once the period has ended and every invitation
/// is final); draft, running or paused → cancelled. Kept in step with the <c>waves_status_known</c> CHECK by a test.
/// </summary>
public static class WaveStatus
{
    public const string Draft = "draft";
    public const string Running = "running";
    public const string Paused = "paused";
    public const string Completed = "completed";
    public const string Cancelled = "cancelled";

    public static IReadOnlyList<string> All { get; } = [Draft, Running, Paused, Completed, Cancelled];
}
