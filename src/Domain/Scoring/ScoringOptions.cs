using System.ComponentModel.DataAnnotations;

namespace ChatSurvey.Domain.Scoring;

/// <summary>
/// The <c>Scoring</c> section: how many valid ballots (respondents) a published figure needs before it stops being
/// flagged "too few ballots" and is ranked (docs/methodology.md#indices). Both hosts bind it.
/// </summary>
public sealed class ScoringOptions
{
    public const string Section = "Scoring";

    /// <summary>The minimum of valid ballots behind a figure (default 30, SIPAS practice per agency).</summary>
    [Range(1, 100_000, ErrorMessage = "Scoring:MinimumBallots must be between 1 and 100000.")]
    public int MinimumBallots { get; set; } = ScoreFilter.DefaultMinimumCount;
}
