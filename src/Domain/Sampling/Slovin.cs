namespace ChatSurvey.Domain.Sampling;

/// <summary>
/// Slovin's formula n = N / (1 + N·e²), the only sample size the 2013 SIPAS guidance gave (docs/methodology.md#sampling).
/// Provinces set fixed quotas instead; the wave form may offer this as a suggestion.
/// </summary>
public static class Slovin
{
    /// <summary>
    /// The sample size for a population of <paramref name="population"/> transactions and a margin of error
    /// <paramref name="e"/> (default 5 %), rounded up. 0 for an empty population; never more than the population.
    /// </summary>
    public static int SampleSize(int population, double e = 0.05)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(population);
        if (!(e > 0 && e < 1))
            throw new ArgumentOutOfRangeException(nameof(e), e, "The margin of error must be between 0 and 1 (exclusive).");

        // Decimal keeps exact quotients exact: 400 / (1 + 400 · 0.05²) is 200, not 200.00000000000003.
        var margin = (decimal)e;
        var n = population / (1 + population * margin * margin);
        return (int)Math.Ceiling(n);
    }
}
