using ChatSurvey.Domain.Integrity;
using ChatSurvey.Domain.Scoring;

namespace ChatSurvey.Dispatcher.Scoring;

/// <summary>
/// Which integrity flags keep a ballot out of the official figures, from <see cref="IntegrityOptions"/>:
/// <c>Integrity:ExcludeSpeeders</c> (default true) and <c>Integrity:ExcludeStraightLiners</c> (default false). Scoring
/// itself binds no configuration: every official <see cref="ScoreFilter"/> goes through <see cref="Apply"/>, so the public
/// page, the API, the admin pages, the exports and the final snapshot all count the same ballots.
/// </summary>
public sealed record BallotExclusions(bool ExcludeSpeeders, bool ExcludeStraightLiners)
{
    public static BallotExclusions Default { get; } = From(new IntegrityOptions());

    public static BallotExclusions From(IntegrityOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new BallotExclusions(options.ExcludeSpeeders, options.ExcludeStraightLiners);
    }

    /// <summary><paramref name="filter"/> with these exclusions.</summary>
    public ScoreFilter Apply(ScoreFilter filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        return filter with { ExcludeSpeeders = ExcludeSpeeders, ExcludeStraightLiners = ExcludeStraightLiners };
    }

    /// <summary>A wave's valid ballots, all agencies.</summary>
    public ScoreFilter ForWave(long waveId) => Apply(ScoreFilter.ForWave(waveId));
}
