using ChatSurvey.Dispatcher.Import;

namespace ChatSurvey.Dispatcher.Tests.Import;

public sealed class PhoneNormalizerTests
{
    [Theory]
    [InlineData("0912 345 678", "+84912345678")]
    [InlineData("84912345678", "+84912345678")]
    [InlineData("+84 91 234 5678", "+84912345678")]
    [InlineData("0912345678", "+84912345678")]
    [InlineData("912345678", "+84912345678")] // an XLSX number cell that lost its leading 0
    [InlineData("0912-345-678", "+84912345678")]
    [InlineData("0912.345.678", "+84912345678")]
    [InlineData("(+84) 912 345 678", "+84912345678")]
    [InlineData("0084 912 345 678", "+84912345678")]
    [InlineData(" 0383 456 789 ", "+84383456789")]
    [InlineData("0225 3842 123", "+842253842123")] // Hai Phong fixed line
    [InlineData("+1 650 253 0000", "+16502530000")]
    public void TryNormalize_Should_ReturnE164_When_NumberIsValid(string input, string expected)
    {
        Assert.True(PhoneNormalizer.TryNormalize(input, out var e164));
        Assert.Equal(expected, e164);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("12345")]
    [InlineData("0000")]
    [InlineData("091234567")] // one digit short
    [InlineData("09123456789")] // one digit too many
    [InlineData("không có")]
    [InlineData("+84 91 234 5678 91 234 5678 91 234 5678")]
    public void TryNormalize_Should_Fail_When_NumberIsNotValid(string? input)
    {
        Assert.False(PhoneNormalizer.TryNormalize(input, out var e164));
        Assert.Equal("", e164);
    }
}
