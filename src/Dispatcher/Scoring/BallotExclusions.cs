using ChatSurvey.Domain.Integrity;
using ChatSurvey.Domain.Scoring;

namespace ChatSurvey.Dispatcher.Scoring;

/// <summary>
/// Which integrity flags keep a ballot out of the official figures, from <see cref="IntegrityOptions"/>:
/// <c>Integrity:ExcludeSpeeders</c> (default true) and <c>Integrity:ExcludeStraightLiners</c> (default false), and the
/// minimum of valid ballots behind a figure, <c>Scoring:MinimumBallots</c> (default 30). Scoring itself binds no
/// configuration: every official <see cref="ScoreFilter"/> goes through <see cref="Apply"/>, so the public page, the API,
/// the admin pages, the exports and the final snapshot all count the same ballots by the same minimum.
/// </summary>
public sealed record BallotExclusions(bool ExcludeSpeeders, bool ExcludeStraightLiners, int MinimumBallots = ScoreFilter.DefaultMinimumCount)
{
    public static BallotExclusions Default { get; } = From(new IntegrityOptions(), new ScoringOptions());

    public static BallotExclusions From(IntegrityOptions options, ScoringOptions scoring)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(scoring);
        return new BallotExclusions(options.ExcludeSpeeders, options.ExcludeStraightLiners, scoring.MinimumBallots);
    }

    /// <summary><paramref name="filter"/> with these exclusions and this minimum.</summary>
    public ScoreFilter Apply(ScoreFilter filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        return filter with
        {
            ExcludeSpeeders = ExcludeSpeeders,
            ExcludeStraightLiners = ExcludeStraightLiners,
            MinimumCount = MinimumBallots,
        };
    }

    /// <summary>A wave's valid ballots, all agencies.</summary>
    public ScoreFilter ForWave(long waveId) => Apply(ScoreFilter.ForWave(waveId));
}
