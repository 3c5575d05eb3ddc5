namespace ChatSurvey.Domain.Statuses;

/// <summary><c>opt_outs.source</c>: a STOP keyword from the citizen, the provider's "unsubscribed" error, or an administrator.</summary>
public static class OptOutSource
{
    public const string Keyword = "keyword";
    public const string Provider = "provider";
    public const string Admin = "admin";

    public static IReadOnlyList<string> All { get; } = [Keyword, Provider, Admin];
}
