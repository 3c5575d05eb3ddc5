using System.ComponentModel.DataAnnotations;

namespace ChatSurvey.Domain.Volunteers;

/// <summary>
/// The <c>Volunteers</c> section (docs/methodology.md, "Interviews"): when a volunteer's share of identical ballots is
/// flagged, and the share of each volunteer's ballots listed for back-check calls.
/// </summary>
public sealed class VolunteerOptions
{
    public const string Section = "Volunteers";

    /// <summary>
    /// A volunteer is flagged when more than this share of their completed ballots are identical (straight-lined, or with
    /// the same ratings as another ballot of theirs).
    /// </summary>
    [Range(0.0, 1.0, ErrorMessage = "Volunteers:IdenticalShareThreshold must be a share between 0 and 1.")]
    public double IdenticalShareThreshold { get; set; } = 0.3;

    /// <summary>The share is judged only from this many completed ballots of the volunteer on.</summary>
    [Range(1, 100_000, ErrorMessage = "Volunteers:IdenticalMinimumBallots must be between 1 and 100000.")]
    public int IdenticalMinimumBallots { get; set; } = 10;

    /// <summary>The share of each volunteer's completed ballots in a wave listed for back-check calls (at least one ballot).</summary>
    [Range(0.01, 1.0, ErrorMessage = "Volunteers:BackCheckShare must be a share between 0.01 and 1.")]
    public double BackCheckShare { get; set; } = 0.1;
}
