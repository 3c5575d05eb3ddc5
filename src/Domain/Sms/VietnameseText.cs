using System.Globalization;
using System.Text;

namespace ChatSurvey.Domain.Sms;

/// <summary>
/// Vietnamese text for SMS: "không dấu" transliteration, because any diacritic outside GSM-7 turns the whole
/// message into UCS-2 and costs 2–3 times the segments (docs/methodology.md#gsm-7-and-text-without-diacritics).
/// </summary>
public static class VietnameseText
{
    // Typographic characters that word processors and phone keyboards insert in place of plain ASCII.
    private static readonly Dictionary<char, string> Typographic = new()
    {
        ['\u201C'] = "\"", // “
        ['\u201D'] = "\"", // ”
        ['\u201E'] = "\"", // „
        ['\u00AB'] = "\"", // «
        ['\u00BB'] = "\"", // »
        ['\u2018'] = "'",  // ‘
        ['\u2019'] = "'",  // ’
        ['\u201A'] = "'",  // ‚
        ['\u2032'] = "'",  // ′
        ['\u2010'] = "-",  // hyphen
        ['\u2011'] = "-",  // non-breaking hyphen
        ['\u2012'] = "-",  // figure dash
        ['\u2013'] = "-",  // –
        ['\u2014'] = "-",  // —
        ['\u2212'] = "-",  // minus sign
        ['\u2026'] = "...", // …
        ['\u00A0'] = " ",  // no-break space
        ['\u2007'] = " ",  // figure space
        ['\u2009'] = " ",  // thin space
        ['\u202F'] = " ",  // narrow no-break space
        ['\u200B'] = "",   // zero-width space
        ['\uFEFF'] = "",   // byte order mark / zero-width no-break space
        ['\u0110'] = "D",  // Đ
        ['\u0111'] = "d",  // đ
        ['\u00D0'] = "D",  // Ð (Icelandic eth), a common mis-decoding of Đ from Windows-1258
    };

    /// <summary>
    /// Transliterates Vietnamese to plain ASCII ("không dấu").
    /// Invariants: the input is NFC-normalised first (unpaired surrogates, U+FFFE and U+FFFF become U+FFFD).
    /// Every letter whose canonical decomposition starts with an ASCII letter loses its combining marks, so all
    /// Vietnamese vowels with vowel marks (ă â ê ô ơ ư) and tone marks (huyền, sắc, hỏi, ngã, nặng) become their
    /// base ASCII letter in the same case, precomposed or combining; other accented Latin letters (ñ, ç, ü) do too.
    /// đ→d, Đ→D (and Ð U+00D0); “ ” „ « » → ", ‘ ’ ‚ ′ → ', dashes and minus → -, … → ..., no-break and thin
    /// spaces → space; zero-width space and BOM are dropped. Characters with no mapping (other scripts, emoji,
    /// Ø, ß…) are kept, so the result is ASCII only for Vietnamese and Latin input; use <see cref="ToGsm7"/> for a
    /// guaranteed GSM-7 result. ASCII input is returned unchanged. The result is NFC.
    /// </summary>
    public static string ToAscii(string text)
    {
        var nfc = UnicodeText.Nfc(text);
        if (Ascii.IsValid(nfc))
        {
            return nfc;
        }

        var mapped = new StringBuilder(nfc.Length);
        foreach (var c in nfc)
        {
            if (Typographic.TryGetValue(c, out var replacement))
            {
                mapped.Append(replacement);
            }
            else
            {
                mapped.Append(c);
            }
        }

        // NFD splits each letter into its base and its marks, e.g. ệ = e + U+0323 (nặng) + U+0302 (circumflex).
        var decomposed = mapped.ToString().Normalize(NormalizationForm.FormD);
        var stripped = new StringBuilder(decomposed.Length);
        var baseIsAsciiLetter = false;
        foreach (var c in decomposed)
        {
            if (CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.NonSpacingMark)
            {
                if (!baseIsAsciiLetter)
                {
                    stripped.Append(c);
                }

                continue;
            }

            baseIsAsciiLetter = char.IsAsciiLetter(c);
            stripped.Append(c);
        }

        return stripped.ToString().Normalize(NormalizationForm.FormC);
    }

    /// <summary>
    /// <see cref="ToAscii"/>, then every character still outside GSM-7 becomes '?' (one '?' per code point, so an
    /// emoji becomes a single '?'). Invariant: <c>Gsm7.IsGsm7(ToGsm7(x))</c> is true for every string x.
    /// GSM-7 characters that are not ASCII (é, £, €, Ø…) are kept except where <see cref="ToAscii"/> strips them.
    /// </summary>
    public static string ToGsm7(string text)
    {
        var ascii = ToAscii(text);
        if (Gsm7.IsGsm7(ascii))
        {
            return ascii;
        }

        var result = new StringBuilder(ascii.Length);
        for (var i = 0; i < ascii.Length; i++)
        {
            var c = ascii[i];
            if (Gsm7.IsGsm7(c))
            {
                result.Append(c);
                continue;
            }

            if (char.IsHighSurrogate(c) && i + 1 < ascii.Length && char.IsLowSurrogate(ascii[i + 1]))
            {
                i++;
            }

            result.Append('?');
        }

        return result.ToString();
    }

    /// <summary>
    /// A name as file headers and typed keywords are compared: without diacritics ("đ" is "d"), letters and digits only,
    /// lower case ("Mã hồ sơ", "ma_ho_so" and "MaHoSo" are all "mahoso").
    /// </summary>
    public static string MatchKey(string? name) =>
        name is null ? "" : string.Concat(ToAscii(name).Where(char.IsAsciiLetterOrDigit)).ToLowerInvariant();
}
