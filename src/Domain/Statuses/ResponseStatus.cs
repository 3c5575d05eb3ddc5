namespace ChatSurvey.Domain.Statuses;

/// <summary><c>responses.status</c>: partial until the last question, then completed; expired when the session ran out.</summary>
public static class ResponseStatus
{
    public const string Partial = "partial";
    public const string Completed = "completed";
    public const string Expired = "expired";

    public static IReadOnlyList<string> All { get; } = [Partial, Completed, Expired];
}
