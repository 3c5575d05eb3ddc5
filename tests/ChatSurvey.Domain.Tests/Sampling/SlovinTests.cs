using ChatSurvey.Domain.Sampling;

namespace ChatSurvey.Domain.Tests.Sampling;

public sealed class SlovinTests
{
    [Theory]
    [InlineData(1000, 0.05, 286)]   // 1000 / (1 + 1000·0.0025) = 1000 / 3.5 = 285.71 → 286
    [InlineData(400, 0.05, 200)]    // 400 / (1 + 1) = 200 exactly (no floating-point 200.0000001 → 201)
    [InlineData(10000, 0.05, 385)]  // 10000 / 26 = 384.62 → 385
    [InlineData(100, 0.1, 50)]      // 100 / (1 + 1) = 50
    [InlineData(1, 0.05, 1)]        // 1 / 1.0025 = 0.9975 → 1
    [InlineData(0, 0.05, 0)]
    public void SampleSize_Should_RoundUpSlovin_When_PopulationGiven(int population, double e, int expected) =>
        Assert.Equal(expected, Slovin.SampleSize(population, e));

    [Fact]
    public void SampleSize_Should_UseFivePercent_When_MarginOmitted() =>
        Assert.Equal(Slovin.SampleSize(1000, 0.05), Slovin.SampleSize(1000));

    [Theory]
    [InlineData(-1, 0.05)]
    [InlineData(100, 0)]
    [InlineData(100, 1)]
    public void SampleSize_Should_Throw_When_ArgumentsOutOfRange(int population, double e) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => Slovin.SampleSize(population, e));
}
