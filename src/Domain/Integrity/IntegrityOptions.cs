using System.ComponentModel.DataAnnotations;

namespace ChatSurvey.Domain.Integrity;

/// <summary>
/// The <c>Integrity</c> section: which ballots are flagged when they complete, which flags keep a ballot out of the
/// official figures, and how many dossiers of one agency a phone may hold before it is taken for an agent's or a staff
/// member's. Both hosts bind it (the bot writes the flags, scoring reads the exclusions).
/// </summary>
public sealed class IntegrityOptions
{
    public const string Section = "Integrity";

    /// <summary>
    /// A completed ballot is a speeder when it took less than this many seconds per answered question
    /// (completed − started &lt; seconds × answered). 0 turns the flag off.
    /// </summary>
    [Range(0.0, 60.0, ErrorMessage = "Integrity:SpeederSecondsPerQuestion must be between 0 (off) and 60 seconds.")]
    public double SpeederSecondsPerQuestion { get; set; } = 2;

    /// <summary>Speeders are left out of official figures (and counted apart).</summary>
    public bool ExcludeSpeeders { get; set; } = true;

    /// <summary>Straight-liners (the same rating over at least 8 rating questions) are left out of official figures.</summary>
    public bool ExcludeStraightLiners { get; set; }

    /// <summary>
    /// A phone on more than this many dossiers of one agency in a wave's period is an agent's or a staff member's: it is
    /// never sampled for that agency, and an invitation-free chat naming one of its dossiers is not verified. 0 turns the
    /// rule off.
    /// </summary>
    [Range(0, 10_000, ErrorMessage = "Integrity:MaxDossiersPerPhone must be between 0 (off) and 10000.")]
    public int MaxDossiersPerPhone { get; set; } = 5;
}
