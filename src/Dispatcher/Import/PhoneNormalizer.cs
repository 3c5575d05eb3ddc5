using PhoneNumbers;

namespace ChatSurvey.Dispatcher.Import;

/// <summary>
/// Turns a phone number as people write it into E.164 with libphonenumber, reading numbers without a country code as
/// Vietnamese: "0912 345 678", "84912345678" and "+84 91 234 5678" all become "+84912345678".
/// </summary>
public static class PhoneNormalizer
{
    public const string DefaultRegion = "VN";

    /// <summary>Longer input is not a phone number; the limit keeps the parser's work bounded.</summary>
    public const int MaxInputLength = 32;

    private static readonly PhoneNumberUtil Util = PhoneNumberUtil.GetInstance();

    /// <summary>
    /// Whether <paramref name="input"/> is a valid number (libphonenumber's <c>IsValidNumber</c>: a real number range of
    /// its country, fixed line or mobile); <paramref name="e164"/> is then its E.164 form.
    /// </summary>
    public static bool TryNormalize(string? input, out string e164)
    {
        e164 = "";
        if (string.IsNullOrWhiteSpace(input) || input.Length > MaxInputLength)
            return false;
        PhoneNumber number;
        try
        {
            number = Util.Parse(input, DefaultRegion);
        }
        catch (NumberParseException)
        {
            return false;
        }

        if (!Util.IsValidNumber(number))
            return false;
        e164 = Util.Format(number, PhoneNumberFormat.E164);
        return true;
    }
}
