using System.Buffers;

namespace ChatSurvey.Domain.Sms;

/// <summary>
/// GSM 7-bit default alphabet checks, segment counting and splitting, as pure functions.
/// Alphabet and extension table: 3GPP TS 23.038 §6.2.1 and §6.2.1.1
/// (https://www.3gpp.org/ftp/Specs/archive/23_series/23.038/). Segment sizes: a concatenated SMS spends
/// 6 octets of its 140 on the user data header (TS 23.040 §9.2.3.24.1), leaving 153 septets or 67 UCS-2 units.
/// </summary>
/// <remarks>
/// Every method NFC-normalises its input first (after replacing unpaired surrogates, U+FFFE and U+FFFF by U+FFFD),
/// so precomposed and decomposed spellings of the same text measure and split the same way.
/// </remarks>
public static class Gsm7
{
    /// <summary>Septets in a single, unsplit GSM-7 message.</summary>
    public const int SingleSegmentSeptets = 160;

    /// <summary>Septets per segment of a concatenated GSM-7 message.</summary>
    public const int MultiSegmentSeptets = 153;

    /// <summary>UTF-16 code units in a single, unsplit UCS-2 message.</summary>
    public const int SingleSegmentUcs2Units = 70;

    /// <summary>UTF-16 code units per segment of a concatenated UCS-2 message.</summary>
    public const int MultiSegmentUcs2Units = 67;

    // TS 23.038 §6.2.1, code points 0x00–0x7F in order; 0x1B (escape to the extension table) is not a character.
    // Greek capitals are escaped so they cannot be confused with Latin look-alikes or the ∆/Ω math symbols.
    internal const string BasicCharacters =
        "@£$¥èéùìòÇ\nØø\rÅå" +
        "\u0394_\u03A6\u0393\u039B\u03A9\u03A0\u03A8\u03A3\u0398\u039EÆæßÉ" +
        " !\"#¤%&'()*+,-./0123456789:;<=>?" +
        "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§" +
        "¿abcdefghijklmnopqrstuvwxyzäöñüà";

    // TS 23.038 §6.2.1.1: each is sent as ESC + code, so costs 2 septets.
    internal const string ExtensionCharacters = "\f^{}\\[~]|€";

    private static readonly SearchValues<char> Extension = SearchValues.Create(ExtensionCharacters);
    private static readonly SearchValues<char> All = SearchValues.Create(BasicCharacters + ExtensionCharacters);

    /// <summary>True when the NFC form of <paramref name="text"/> has only GSM-7 characters; true for "".</summary>
    public static bool IsGsm7(string text) => IsNormalisedGsm7(UnicodeText.Nfc(text));

    /// <summary>True when <paramref name="c"/> is in the GSM-7 basic set or its extension table. No normalisation.</summary>
    public static bool IsGsm7(char c) => All.Contains(c);

    /// <summary>
    /// Encoding, size and segment count of the NFC form of <paramref name="text"/>.
    /// GSM-7 when every character allows it, else UCS-2 for the whole message.
    /// </summary>
    public static SmsMeasure Measure(string text)
    {
        var nfc = UnicodeText.Nfc(text);
        if (IsNormalisedGsm7(nfc))
        {
            var septets = 0;
            foreach (var c in nfc)
            {
                septets += Septets(c);
            }

            return new SmsMeasure(SmsEncoding.Gsm7, septets, SegmentCount(nfc, SmsEncoding.Gsm7, septets));
        }

        return new SmsMeasure(SmsEncoding.Ucs2, nfc.Length, SegmentCount(nfc, SmsEncoding.Ucs2, nfc.Length));
    }

    /// <summary>
    /// The NFC form of <paramref name="text"/> cut into the segments it is sent as.
    /// Invariants: the parts concatenate to the NFC form; their count is <see cref="SmsMeasure.Segments"/>
    /// (empty list for ""); each part fits one segment; no part ends between an extension character's escape pair
    /// (i.e. extension characters are never split) or between the halves of a UTF-16 surrogate pair.
    /// </summary>
    public static IReadOnlyList<string> Split(string text)
    {
        var nfc = UnicodeText.Nfc(text);
        if (nfc.Length == 0)
        {
            return [];
        }

        var measure = Measure(nfc);
        if (measure.Segments == 1)
        {
            return [nfc];
        }

        var parts = new List<string>(measure.Segments);
        foreach (var (start, length) in Cuts(nfc, measure.Encoding))
        {
            parts.Add(nfc.Substring(start, length));
        }

        return parts;
    }

    /// <summary>
    /// The distinct characters of the NFC form of <paramref name="text"/> that are not GSM-7, in order of first
    /// appearance; empty exactly when <see cref="IsGsm7(string)"/> is true. A character outside the BMP yields
    /// both of its surrogates.
    /// </summary>
    public static IEnumerable<char> NonGsm7Chars(string text)
    {
        var nfc = UnicodeText.Nfc(text);
        var seen = new HashSet<char>();
        var result = new List<char>();
        foreach (var c in nfc)
        {
            if (!All.Contains(c) && seen.Add(c))
            {
                result.Add(c);
            }
        }

        return result;
    }

    private static bool IsNormalisedGsm7(string nfc) => !nfc.AsSpan().ContainsAnyExcept(All);

    private static int Septets(char c) => Extension.Contains(c) ? 2 : 1;

    private static int SegmentCount(string nfc, SmsEncoding encoding, int units)
    {
        var single = encoding == SmsEncoding.Gsm7 ? SingleSegmentSeptets : SingleSegmentUcs2Units;
        if (units == 0)
        {
            return 0;
        }

        if (units <= single)
        {
            return 1;
        }

        var count = 0;
        foreach (var _ in Cuts(nfc, encoding))
        {
            count++;
        }

        return count;
    }

    /// <summary>Greedy cuts of a multi-segment message: fill each segment, moving an indivisible pair to the next.</summary>
    private static IEnumerable<(int Start, int Length)> Cuts(string nfc, SmsEncoding encoding)
    {
        var capacity = encoding == SmsEncoding.Gsm7 ? MultiSegmentSeptets : MultiSegmentUcs2Units;
        var start = 0;
        var used = 0;
        var i = 0;
        while (i < nfc.Length)
        {
            int charsTaken, cost;
            if (encoding == SmsEncoding.Gsm7)
            {
                charsTaken = 1;
                cost = Septets(nfc[i]);
            }
            else
            {
                charsTaken = char.IsHighSurrogate(nfc[i]) && i + 1 < nfc.Length && char.IsLowSurrogate(nfc[i + 1]) ? 2 : 1;
                cost = charsTaken;
            }

            if (used + cost > capacity)
            {
                yield return (start, i - start);
                start = i;
                used = 0;
            }

            used += cost;
            i += charsTaken;
        }

        yield return (start, i - start);
    }
}
