using ChatSurvey.Domain.Scoring;

namespace ChatSurvey.Domain.Tests.Scoring;

public sealed class WilsonTests
{
    private const double Tolerance = 0.005; // percent points

    // Reference values: Wilson score interval, z = 1.96 (e.g. Newcombe 1998, table I; any statistics package).
    // 8/10: p = .8, z²/n = .38416, centre = (.8 + .19208) / 1.38416 = .71674,
    //       half = 1.96 / 1.38416 · √(.8·.2/10 + 3.8416/400) = 1.41602 · .16001 = .22658 → 49.02 % – 94.33 %
    [Theory]
    [InlineData(8, 10, 49.016, 94.332)]
    [InlineData(0, 10, 0.0, 27.754)]
    [InlineData(10, 10, 72.246, 100.0)]
    [InlineData(50, 100, 40.383, 59.617)]
    [InlineData(1, 1, 20.654, 100.0)]
    [InlineData(3, 5, 23.072, 88.238)]
    public void Interval_Should_MatchPublishedValues_When_CountsGiven(long successes, long trials, double low, double high)
    {
        var interval = Wilson.Interval(successes, trials);

        Assert.Equal(low, interval.Low, Tolerance);
        Assert.Equal(high, interval.High, Tolerance);
    }

    [Fact]
    public void Interval_Should_SpanWholeRange_When_NoTrials()
    {
        Assert.Equal(new PercentInterval(0, 100), Wilson.Interval(0, 0));
        Assert.Equal(new PercentInterval(0, 100), Wilson.Interval(0.5, 0.0));
    }

    [Fact]
    public void Interval_Should_StayInsideZeroToHundred_When_ProportionIsExtreme()
    {
        var none = Wilson.Interval(0, 1_000_000);
        var all = Wilson.Interval(1_000_000, 1_000_000);

        Assert.Equal(0, none.Low);
        Assert.True(none.High is > 0 and < 0.001);
        Assert.Equal(100, all.High);
        Assert.True(all.Low is < 100 and > 99.999);
    }

    [Fact]
    public void Interval_Should_AcceptEffectiveCount_When_ProportionGiven()
    {
        // Same as the integer form when the count is whole.
        Assert.Equal(Wilson.Interval(8, 10), Wilson.Interval(0.8, 10.0));
        // Effective count 5⅓ at p = .75 (see ScoringQueryTests, agency B): 34.62 % – 94.44 %.
        var interval = Wilson.Interval(0.75, 16 / 3.0);
        Assert.Equal(34.622, interval.Low, Tolerance);
        Assert.Equal(94.443, interval.High, Tolerance);
    }

    [Theory]
    [InlineData(-1, 10)]
    [InlineData(11, 10)]
    [InlineData(0, -1)]
    public void Interval_Should_Throw_When_CountsImpossible(long successes, long trials) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => Wilson.Interval(successes, trials));
}
