namespace ChatSurvey.Domain.Scoring;

/// <summary>
/// An index (a proportion, 0–1) with the variance of its estimate and the effective number of independent answers
/// behind it: the Kish effective sample size <c>p(1−p) / variance</c>, the count at which a simple binomial proportion
/// would be as precise. The 95 % interval is Wilson's at that count (docs/methodology.md#intervals). <see cref="Variance"/>
/// is what a mean of independent estimates (a block, the overall line) adds up.
/// </summary>
internal readonly record struct Estimate(double Proportion, double Variance, double EffectiveCount)
{
    public PercentInterval Interval => Wilson.Interval(Math.Clamp(Proportion, 0, 1), EffectiveCount);

    /// <summary>A single question: <paramref name="satisfied"/> of <paramref name="valid"/> answers, one per ballot, Wilson exactly.</summary>
    public static Estimate Binomial(long satisfied, long valid)
    {
        var p = (double)satisfied / valid;
        var variance = p * (1 - p) / valid;
        return new Estimate(p, variance > 1e-15 ? variance : AgrestiCoull(p, valid), valid);
    }

    /// <summary>
    /// A figure built from several answers per ballot, linearised over ballots: <paramref name="influences"/> holds each
    /// ballot's influence <c>d_i</c> (its answers' deviations from the figure, weighted as the figure combines them; they
    /// sum to 0), and the with-replacement variance of the figure is <c>n/(n−1) · Σ d_i²</c>. The effective count is bounded
    /// above by the valid answers (never narrower than treating every answer as independent); with no spread to measure
    /// (one ballot, or every answer on the same side) it is the number of ballots.
    /// </summary>
    public static Estimate Linearised(double proportion, IReadOnlyCollection<double> influences, int answers)
    {
        var ballots = influences.Count;
        var sumOfSquares = 0.0;
        foreach (var d in influences)
            sumOfSquares += d * d;
        var variance = ballots > 1 ? ballots / (ballots - 1.0) * sumOfSquares : 0;
        return FromVariance(proportion, variance, ballots, answers);
    }

    /// <summary>
    /// The mean of independent estimates (agencies are sampled separately): variance Σ vᵢ / k², effective count from it,
    /// bounded by the answers, and the ballots when there is no spread.
    /// </summary>
    public static Estimate MeanOf(IReadOnlyList<Estimate> parts, int ballots, int answers)
    {
        var k = parts.Count;
        var proportion = parts.Average(p => p.Proportion);
        var variance = parts.Sum(p => p.Variance) / ((double)k * k);
        return FromVariance(proportion, variance, ballots, answers);
    }

    private static Estimate FromVariance(double proportion, double variance, int ballots, int answers)
    {
        var spread = proportion * (1 - proportion);
        if (variance <= 1e-15 || spread <= 1e-15)
            return new Estimate(proportion, AgrestiCoull(proportion, ballots), ballots);

        var effective = Math.Clamp(spread / variance, 1, Math.Max(1, answers));
        return new Estimate(proportion, spread / effective, effective);
    }

    /// <summary>
    /// Where the sample shows no spread (one ballot, or every answer on the same side) its own variance is 0, which would
    /// make a block or overall line that includes it look surer than it is. Combining uses instead the Agresti–Coull
    /// variance p̃(1−p̃)/n, p̃ = (np + 2)/(n + 4): two satisfied and two unsatisfied answers added.
    /// </summary>
    private static double AgrestiCoull(double proportion, double count)
    {
        if (count <= 0)
            return 0.25;
        var adjusted = (proportion * count + 2) / (count + 4);
        return adjusted * (1 - adjusted) / count;
    }
}
