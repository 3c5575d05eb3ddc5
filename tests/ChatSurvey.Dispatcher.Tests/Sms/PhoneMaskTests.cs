using ChatSurvey.Dispatcher.Sms;

namespace ChatSurvey.Dispatcher.Tests.Sms;

public sealed class PhoneMaskTests
{
    [Theory]
    [InlineData("+84912345678", "+8491*****78")]
    [InlineData("+12025550123", "+120******23")]
    [InlineData("+442071838750", "+4420******50")]
    [InlineData("+8562012345678", "+85620******78")]
    [InlineData(" +84912345678 ", "+8491*****78")]
    [InlineData("0912345678", "********78")]
    [InlineData("+8412", "+84**")]
    [InlineData("ChatSurvey", "********ey")]
    [InlineData("", "")]
    [InlineData(null, "")]
    public void Mask_Should_KeepCountryCodeTwoDigitsAndLastTwo_When_GivenAPhone(string? phone, string expected) =>
        Assert.Equal(expected, PhoneMask.Mask(phone));

    [Fact]
    public void Redact_Should_MaskEveryNumber_When_TextQuotesPhones()
    {
        var text = "The 'To' number +84912345678 is not a valid phone number (code 21211); also +12025550123.";

        Assert.Equal("The 'To' number +8491*****78 is not a valid phone number (code 21211); also +120******23.", PhoneMask.Redact(text));
    }
}
