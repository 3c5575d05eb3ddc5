using ChatSurvey.Domain.Sampling;

namespace ChatSurvey.Domain.Tests.Sampling;

public sealed class SamplingRulesTests
{
    [Theory]
    [InlineData(30, 0.3, 100)]   // 30 / 0.3 = 100 exactly, not 101
    [InlineData(10, 0.3, 34)]    // 33.33 → 34
    [InlineData(9, 0.3, 30)]
    [InlineData(7, 1.0, 7)]
    [InlineData(100, 0.25, 400)]
    public void InvitationsNeeded_Should_RoundUpTargetOverRate_When_Called(int target, double rate, int expected) =>
        Assert.Equal(expected, SamplingService.InvitationsNeeded(target, rate));

    [Theory]
    [InlineData("+84912345678", true)]
    [InlineData("+84312345678", true)]
    [InlineData("+84512345678", true)]
    [InlineData("+84712345678", true)]
    [InlineData("+84812345678", true)]
    [InlineData("+842253123456", false)] // Hai Phong landline
    [InlineData("+84212345678", false)]
    [InlineData("+8491234567", false)]
    [InlineData("+849123456789", false)]
    [InlineData("+14155550100", false)]
    [InlineData("0912345678", false)]
    [InlineData("+84912345678\n", false)]
    [InlineData(null, false)]
    public void IsVietnameseMobile_Should_AcceptOnlyMobiles_When_Checked(string? phone, bool expected) =>
        Assert.Equal(expected, SamplingService.IsVietnameseMobile(phone));
}
