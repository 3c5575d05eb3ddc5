using System.Text;

namespace ChatSurvey.Domain.Sms;

internal static class UnicodeText
{
    /// <summary>
    /// NFC of <paramref name="text"/>. Unpaired surrogates and the noncharacters U+FFFE and U+FFFF, which
    /// <see cref="string.Normalize(NormalizationForm)"/> rejects with an exception, are first replaced by U+FFFD.
    /// </summary>
    public static string Nfc(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var valid = ReplaceInvalid(text);
        return valid.IsNormalized(NormalizationForm.FormC) ? valid : valid.Normalize(NormalizationForm.FormC);
    }

    private static string ReplaceInvalid(string text)
    {
        var firstBad = FindInvalid(text, 0);
        if (firstBad < 0)
        {
            return text;
        }

        var chars = text.ToCharArray();
        for (var i = firstBad; i >= 0; i = FindInvalid(text, i + 1))
        {
            chars[i] = '\uFFFD';
        }

        return new string(chars);
    }

    private static int FindInvalid(string text, int start)
    {
        for (var i = start; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(c) || c is '\uFFFE' or '\uFFFF')
            {
                return i;
            }
        }

        return -1;
    }
}
