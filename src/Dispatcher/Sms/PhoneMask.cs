using System.Text;
using System.Text.RegularExpressions;

namespace ChatSurvey.Dispatcher.Sms;

/// <summary>
/// Masks phone numbers for logs, exception messages and admin lists (docs/design.md#personal-data): the country code and the next
/// two digits stay, then stars, then the last two digits — <c>+84912345678</c> becomes <c>+8491*****78</c>.
/// </summary>
public static partial class PhoneMask
{
    // ITU-T E.164 country codes of one and two digits; every other code has three. Codes are prefix-free.
    private static readonly HashSet<string> ShortCountryCodes =
    [
        "1", "7",
        "20", "27", "30", "31", "32", "33", "34", "36", "39", "40", "41", "43", "44", "45", "46", "47", "48", "49",
        "51", "52", "53", "54", "55", "56", "57", "58", "60", "61", "62", "63", "64", "65", "66", "81", "82", "84",
        "86", "90", "91", "92", "93", "94", "95", "98",
    ];

    /// <summary>Masks one phone number. Anything that is not digits (with an optional leading +) keeps only its last two characters.</summary>
    public static string Mask(string? phone)
    {
        if (string.IsNullOrWhiteSpace(phone))
            return string.Empty;
        var value = phone.Trim();
        var international = value.StartsWith('+');
        var digits = international ? value[1..] : value;
        if (digits.Length == 0 || !digits.All(char.IsAsciiDigit))
            return Stars(value.Length - 2) + value[^Math.Min(2, value.Length)..];
        if (!international)
            return Stars(digits.Length - 2) + digits[^Math.Min(2, digits.Length)..];

        var countryCode = CountryCodeLength(digits);
        var builder = new StringBuilder("+", digits.Length + 1);
        // Keep two digits after the country code only when at least three stay hidden.
        var head = digits.Length - countryCode >= 7 ? countryCode + 2 : Math.Min(countryCode, digits.Length);
        var tail = digits.Length - head >= 3 ? 2 : 0;
        builder.Append(digits, 0, head)
            .Append('*', digits.Length - head - tail)
            .Append(digits, digits.Length - tail, tail);
        return builder.ToString();
    }

    /// <summary>Masks every E.164 number (<c>+</c> and 7–15 digits) inside free text, such as a provider's error message.</summary>
    public static string Redact(string? text) =>
        string.IsNullOrEmpty(text) ? string.Empty : E164InText().Replace(text, match => Mask(match.Value));

    private static int CountryCodeLength(string digits)
    {
        for (var length = 1; length <= 2 && length < digits.Length; length++)
        {
            if (ShortCountryCodes.Contains(digits[..length]))
                return length;
        }

        return Math.Min(3, digits.Length);
    }

    private static string Stars(int count) => new('*', Math.Max(0, count));

    [GeneratedRegex(@"(?<![\w+])\+[1-9][0-9]{6,14}(?![0-9])", RegexOptions.CultureInvariant)]
    private static partial Regex E164InText();
}
