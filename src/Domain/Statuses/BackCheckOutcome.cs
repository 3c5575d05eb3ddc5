namespace ChatSurvey.Domain.Statuses;

/// <summary>
/// <c>back_checks.outcome</c>: what a back-check call (phúc tra phiếu) to the respondent of a volunteer's ballot found.
/// A <see cref="NotConfirmed"/> ballot leaves the official figures.
/// </summary>
public static class BackCheckOutcome
{
    public const string Confirmed = "confirmed";
    public const string NotConfirmed = "not_confirmed";

    public static IReadOnlyList<string> All { get; } = [Confirmed, NotConfirmed];
}
