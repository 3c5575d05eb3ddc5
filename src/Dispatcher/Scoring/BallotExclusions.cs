using ChatSurvey.Domain.Scoring;

namespace ChatSurvey.Dispatcher.Scoring;

/// <summary>
/// Which integrity flags keep a ballot out of the official figures, read from the <c>Integrity</c> section:
/// <c>Integrity:ExcludeSpeeders</c> (default true) and <c>Integrity:ExcludeStraightLiners</c> (default false). Scoring
/// itself binds no configuration: every official <see cref="ScoreFilter"/> goes through <see cref="Apply"/>, so the public
/// page, the API, the admin pages, the exports and the final snapshot all count the same ballots.
/// </summary>
public sealed record BallotExclusions(bool ExcludeSpeeders, bool ExcludeStraightLiners)
{
    public const string Section = "Integrity";

    public static BallotExclusions Default { get; } = new(ExcludeSpeeders: true, ExcludeStraightLiners: false);

    /// <exception cref="InvalidOperationException">A key is set to something other than true or false.</exception>
    public static BallotExclusions From(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return new BallotExclusions(
            Flag(configuration, nameof(ExcludeSpeeders), Default.ExcludeSpeeders),
            Flag(configuration, nameof(ExcludeStraightLiners), Default.ExcludeStraightLiners));
    }

    /// <summary><paramref name="filter"/> with these exclusions.</summary>
    public ScoreFilter Apply(ScoreFilter filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        return filter with { ExcludeSpeeders = ExcludeSpeeders, ExcludeStraightLiners = ExcludeStraightLiners };
    }

    /// <summary>A wave's valid ballots, all agencies.</summary>
    public ScoreFilter ForWave(long waveId) => Apply(ScoreFilter.ForWave(waveId));

    private static bool Flag(IConfiguration configuration, string key, bool fallback)
    {
        var text = configuration[$"{Section}:{key}"];
        if (string.IsNullOrWhiteSpace(text))
            return fallback;
        return bool.TryParse(text.Trim(), out var value)
            ? value
            : throw new InvalidOperationException($"{Section}:{key} must be true or false (was '{text}').");
    }
}
