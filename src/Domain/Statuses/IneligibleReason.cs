namespace ChatSurvey.Domain.Statuses;

/// <summary>
/// <c>wave_decisions.reason</c> of an <see cref="DecisionOutcome.Ineligible"/> decision: the first eligibility rule the
/// dossier failed, in the order the rules are checked (docs/methodology.md, "Who is never sampled" and "Continuous waves").
/// </summary>
public static class IneligibleReason
{
    /// <summary>No Vietnamese mobile number (none, a landline, a foreign number).</summary>
    public const string NoMobile = "no_mobile";

    /// <summary>The phone is on the agency's staff list.</summary>
    public const string Staff = "staff";

    /// <summary>The phone is on more than <c>Integrity:MaxDossiersPerPhone</c> of the agency's dossiers in the period.</summary>
    public const string ManyDossiers = "many_dossiers";

    /// <summary>The phone opted out.</summary>
    public const string OptedOut = "opted_out";

    /// <summary>The phone already has an invitation, a ballot or a decision in this wave (one per phone per wave).</summary>
    public const string InWave = "in_wave";

    /// <summary>The phone had an invitation, in any wave, during the cool-down.</summary>
    public const string Cooldown = "cooldown";

    public static IReadOnlyList<string> All { get; } = [NoMobile, Staff, ManyDossiers, OptedOut, InWave, Cooldown];
}
