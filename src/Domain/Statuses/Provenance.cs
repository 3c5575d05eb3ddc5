namespace ChatSurvey.Domain.Statuses;

/// <summary>
/// <c>responses.provenance</c>: who a response is from, always set by the system, never by the respondent.
/// Official figures count <see cref="Sampled"/>, <see cref="Interviewer"/> and <see cref="Verified"/> ballots only.
/// </summary>
public static class Provenance
{
    /// <summary>An invitation drawn by a wave: its SMS replies and its <c>/s/{code}</c> link.</summary>
    public const string Sampled = "sampled";
    /// <summary>A volunteer's face-to-face interview or a keyed-in paper ballot.</summary>
    public const string Interviewer = "interviewer";
    /// <summary>An invitation-free chat whose respondent gave a matching dossier code and phone digits.</summary>
    public const string Verified = "verified";
    /// <summary>An invitation-free chat without a matching dossier: shown apart, never in official figures.</summary>
    public const string Open = "open";

    public static IReadOnlyList<string> All { get; } = [Sampled, Interviewer, Verified, Open];

    /// <summary>The provenances whose completed, unflagged ballots are official.</summary>
    public static IReadOnlyList<string> Official { get; } = [Sampled, Interviewer, Verified];
}
