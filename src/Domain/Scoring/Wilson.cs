namespace ChatSurvey.Domain.Scoring;

/// <summary>A confidence interval in percent (0–100).</summary>
public readonly record struct PercentInterval(double Low, double High);

/// <summary>
/// The Wilson score interval for a proportion (Wilson 1927), the interval beside every index (docs/methodology.md#intervals).
/// Unlike the normal ("Wald") interval it stays inside 0–100 % and is usable for small counts and for 0 % or 100 %.
/// </summary>
public static class Wilson
{
    /// <summary>The two-sided 95 % normal quantile, as published tables use it.</summary>
    public const double Z95 = 1.96;

    /// <summary>
    /// The 95 % interval for <paramref name="successes"/> out of <paramref name="trials"/>, in percent.
    /// With no trials nothing is known and the interval is the whole range, 0–100.
    /// </summary>
    public static PercentInterval Interval(long successes, long trials)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(trials);
        ArgumentOutOfRangeException.ThrowIfNegative(successes);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(successes, trials);
        return trials == 0 ? new PercentInterval(0, 100) : Interval((double)successes / trials, trials);
    }

    /// <summary>
    /// The 95 % interval for an observed <paramref name="proportion"/> (0–1) over <paramref name="trials"/>, which may be
    /// a non-integer effective count (used for an index that is a mean of element indices).
    /// </summary>
    public static PercentInterval Interval(double proportion, double trials)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(proportion, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(proportion, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(trials);
        if (trials == 0)
            return new PercentInterval(0, 100);

        // centre = (p + z²/2n) / (1 + z²/n);  half = z / (1 + z²/n) · √(p(1−p)/n + z²/4n²)
        const double z2 = Z95 * Z95;
        var denominator = 1 + z2 / trials;
        var centre = (proportion + z2 / (2 * trials)) / denominator;
        var half = Z95 / denominator * Math.Sqrt(proportion * (1 - proportion) / trials + z2 / (4 * trials * trials));
        // At p = 0 (or 1) the bound is exactly 0 (or 1); rounding would otherwise leave 99.99999999999997.
        var low = proportion == 0 ? 0 : Math.Max(0, centre - half);
        var high = proportion == 1 ? 1 : Math.Min(1, centre + half);
        return new PercentInterval(100 * low, 100 * high);
    }
}
