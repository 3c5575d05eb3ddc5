namespace ChatSurvey.Domain.Statuses;

/// <summary>
/// <c>waves.mode</c>: a <see cref="Batch"/> wave draws once, at start, from the dossiers already imported (a past
/// period); a <see cref="Continuous"/> wave decides each dossier as it arrives and invites it within hours of its result.
/// </summary>
public static class WaveMode
{
    public const string Batch = "batch";
    public const string Continuous = "continuous";

    public static IReadOnlyList<string> All { get; } = [Batch, Continuous];
}

/// <summary><c>wave_decisions.outcome</c>: what a continuous wave decided for one dossier, once.</summary>
public static class DecisionOutcome
{
    /// <summary>Drawn: an invitation was created.</summary>
    public const string Invited = "invited";
    /// <summary>Eligible, not drawn at the agency's current probability.</summary>
    public const string NotDrawn = "not_drawn";
    /// <summary>The agency had reached its target (completed plus the invitations still open expected to complete).</summary>
    public const string TargetReached = "target_reached";
    /// <summary>Not eligible (the reason says which rule: no mobile number, opted out, cool-down, phone already in the wave, staff, many dossiers …).</summary>
    public const string Ineligible = "ineligible";

    public static IReadOnlyList<string> All { get; } = [Invited, NotDrawn, TargetReached, Ineligible];
}
