using System.Text;
using ChatSurvey.Domain.Sms;

namespace ChatSurvey.Domain.Tests.Sms;

/// <summary>GSM-7 membership, measuring and splitting (3GPP TS 23.038; 153/67 per concatenated segment).</summary>
public sealed class Gsm7Tests
{
    private const string Euro = "€";
    private const string Emoji = "\U0001F600"; // 😀, a surrogate pair

    [Theory]
    [InlineData("", 0, SmsEncoding.Gsm7, 0, 0)]
    [InlineData("a", 1, SmsEncoding.Gsm7, 1, 1)]
    [InlineData("a", 160, SmsEncoding.Gsm7, 160, 1)]
    [InlineData("a", 161, SmsEncoding.Gsm7, 161, 2)]
    [InlineData("a", 306, SmsEncoding.Gsm7, 306, 2)]
    [InlineData("a", 307, SmsEncoding.Gsm7, 307, 3)]
    [InlineData("é", 160, SmsEncoding.Gsm7, 160, 1)]
    [InlineData("ă", 70, SmsEncoding.Ucs2, 70, 1)]
    [InlineData("ă", 71, SmsEncoding.Ucs2, 71, 2)]
    [InlineData("ă", 134, SmsEncoding.Ucs2, 134, 2)]
    [InlineData("ă", 135, SmsEncoding.Ucs2, 135, 3)]
    [InlineData(Euro, 80, SmsEncoding.Gsm7, 160, 1)]
    [InlineData(Euro, 81, SmsEncoding.Gsm7, 162, 2)]
    [InlineData(Emoji, 35, SmsEncoding.Ucs2, 70, 1)]
    [InlineData(Emoji, 36, SmsEncoding.Ucs2, 72, 2)]
    public void Measure_Should_CountUnitsAndSegments_When_TextIsAtASegmentBoundary(
        string unit, int repeat, SmsEncoding encoding, int units, int segments)
    {
        var text = string.Concat(Enumerable.Repeat(unit, repeat));

        Assert.Equal(new SmsMeasure(encoding, units, segments), Gsm7.Measure(text));
        Assert.Equal(segments, Gsm7.Split(text).Count);
    }

    [Fact]
    public void Measure_Should_SwitchWholeMessageToUcs2_When_OneCharacterIsOutsideGsm7()
    {
        var text = new string('a', 69) + "ơ";

        Assert.Equal(new SmsMeasure(SmsEncoding.Ucs2, 70, 1), Gsm7.Measure(text));
        Assert.Equal(new SmsMeasure(SmsEncoding.Ucs2, 71, 2), Gsm7.Measure(text + "a"));
    }

    [Theory]
    [InlineData('\f')]
    [InlineData('^')]
    [InlineData('{')]
    [InlineData('}')]
    [InlineData('\\')]
    [InlineData('[')]
    [InlineData('~')]
    [InlineData(']')]
    [InlineData('|')]
    [InlineData('€')]
    public void Measure_Should_CountTwoSeptets_When_CharacterIsInExtensionTable(char c)
    {
        Assert.True(Gsm7.IsGsm7(c));
        Assert.Equal(new SmsMeasure(SmsEncoding.Gsm7, 2, 1), Gsm7.Measure(c.ToString()));
        Assert.Equal(new SmsMeasure(SmsEncoding.Gsm7, 160, 1), Gsm7.Measure(new string('a', 158) + c));
        Assert.Equal(new SmsMeasure(SmsEncoding.Gsm7, 161, 2), Gsm7.Measure(new string('a', 159) + c));
    }

    [Theory]
    [InlineData(152, 10, new[] { 152, 12 })]
    [InlineData(151, 10, new[] { 153, 10 })]
    [InlineData(152, 152, new[] { 152, 153, 1 })] // 306 septets, yet 3 segments: the pair cannot straddle
    public void Split_Should_MoveExtensionCharacterToNextSegment_When_ItWouldStraddleTheBoundary(
        int before, int after, int[] expectedSeptets)
    {
        var text = new string('a', before) + Euro + new string('a', after);

        var parts = Gsm7.Split(text);

        Assert.Equal(expectedSeptets, parts.Select(p => Gsm7.Measure(p).Units));
        Assert.Equal(expectedSeptets.Length, Gsm7.Measure(text).Segments);
        Assert.Equal(text, string.Concat(parts));
        Assert.Single(parts, p => p.Contains(Euro, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(66, 5, new[] { 66, 7 })]
    [InlineData(65, 5, new[] { 67, 5 })]
    [InlineData(133, 1, new[] { 67, 66, 3 })] // 136 units, 3 segments: the pair cannot straddle
    public void Split_Should_KeepSurrogatePairTogether_When_ItWouldStraddleTheBoundary(
        int before, int after, int[] expectedUnits)
    {
        var text = new string('ă', before) + Emoji + new string('ă', after);

        var parts = Gsm7.Split(text);

        Assert.Equal(expectedUnits, parts.Select(p => p.Length));
        Assert.Equal(expectedUnits.Length, Gsm7.Measure(text).Segments);
        Assert.Equal(text, string.Concat(parts));
        Assert.All(parts, p => Assert.False(char.IsHighSurrogate(p[^1])));
    }

    [Theory]
    [InlineData("e\u0301", "é", SmsEncoding.Gsm7, 1)]
    [InlineData("Ve\u0301", "Vé", SmsEncoding.Gsm7, 2)]
    [InlineData("a\u0302\u0301", "ấ", SmsEncoding.Ucs2, 1)]
    [InlineData("\u2126", "\u03A9", SmsEncoding.Gsm7, 1)] // Ohm sign is canonically Greek Omega, which GSM-7 has
    public void Measure_Should_NormaliseToNfc_When_InputIsDecomposed(
        string input, string nfc, SmsEncoding encoding, int units)
    {
        Assert.Equal(new SmsMeasure(encoding, units, 1), Gsm7.Measure(input));
        Assert.Equal(encoding == SmsEncoding.Gsm7, Gsm7.IsGsm7(input));
        Assert.Equal([nfc], Gsm7.Split(input));
    }

    [Fact]
    public void IsGsm7_Should_RejectCombiningMark_When_CheckedAsLoneChar()
    {
        Assert.False(Gsm7.IsGsm7('\u0301'));
        Assert.True(Gsm7.IsGsm7('é'));
    }

    [Fact]
    public void IsGsm7_Should_AcceptExactlyTheSpecTable_When_CheckingEveryBmpChar()
    {
        var basic = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
            "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
        var extension = "\f^{}\\[~]|€";
        var expected = (basic + extension).ToHashSet();

        var accepted = Enumerable.Range(0, 0x10000).Select(i => (char)i).Where(Gsm7.IsGsm7).ToHashSet();

        Assert.Equal(127, basic.Length);
        Assert.Equal(137, expected.Count);
        Assert.Equal(expected.OrderBy(c => c), accepted.OrderBy(c => c));
    }

    [Theory]
    [InlineData("", true)]
    [InlineData("Cam on Ong/Ba! Tra loi 1-5 [STOP de tu choi] {x} ~ | \\ ^ € @ $ _", true)]
    [InlineData("Rất hài lòng", false)]
    [InlineData("hài", true)] // à is in the basic set; ToAscii still strips it
    [InlineData("`", false)]
    [InlineData("\t", false)]
    [InlineData("\u001B", false)] // the escape code is not a character
    [InlineData("\u00A0", false)]
    public void IsGsm7_Should_ClassifyText_When_Given(string text, bool expected)
    {
        Assert.Equal(expected, Gsm7.IsGsm7(text));
        Assert.Equal(expected, !Gsm7.NonGsm7Chars(text).Any());
    }

    [Theory]
    [InlineData("Rất hài lòng", "ấ")]
    [InlineData("Đăng ký khai sinh", "Đăý")]
    [InlineData("ư ư ư Ư", "ưƯ")]
    [InlineData("to\u0302i", "ô")] // reported after NFC
    [InlineData("ok 😀", "\uD83D\uDE00")]
    public void NonGsm7Chars_Should_ListDistinctOffendersInOrder_When_TextHasThem(string text, string expected)
    {
        Assert.Equal(expected, string.Concat(Gsm7.NonGsm7Chars(text)));
    }

    // Not [InlineData]: the test runner passes theory data through UTF-8, which would already replace these.
    [Fact]
    public void Measure_Should_TreatInvalidUtf16AsReplacementCharacter_When_SurrogateIsUnpaired()
    {
        Assert.False(Gsm7.IsGsm7("a\uD800"));
        Assert.Equal(new SmsMeasure(SmsEncoding.Ucs2, 2, 1), Gsm7.Measure("a\uD800"));
        Assert.Equal(["a\uFFFD"], Gsm7.Split("a\uD800"));
        Assert.Equal("\uFFFD", string.Concat(Gsm7.NonGsm7Chars("\uDC00\uFFFE")));
    }

    [Fact]
    public void Split_Should_ReturnNoSegments_When_TextIsEmpty()
    {
        Assert.Empty(Gsm7.Split(""));
    }

    [Fact]
    public void Split_Should_JoinBackAndFitOneSegmentEach_When_TextIsRandom()
    {
        var random = new Random(23038);
        string[] alphabet =
        [
            "a", "Z", "0", " ", "\n", "é", "Ø", "Δ", "€", "{", "}", "^", "\\", "[", "~", "]", "|", "\f",
            "ă", "ơ", "ư", "đ", "ệ", "e\u0301", "\u0301", "中", Emoji, "\U0001F1FB\U0001F1F3",
        ];

        for (var n = 0; n < 3000; n++)
        {
            // Mostly GSM-7 strings so both encodings and both single and multi-segment cases are exercised.
            var gsmOnly = random.Next(2) == 0;
            var text = new StringBuilder();
            var length = random.Next(0, 500);
            for (var i = 0; i < length; i++)
            {
                text.Append(alphabet[random.Next(gsmOnly ? 18 : alphabet.Length)]);
            }

            var input = text.ToString();
            var nfc = input.Normalize(NormalizationForm.FormC);

            var measure = Gsm7.Measure(input);
            var parts = Gsm7.Split(input);

            Assert.Equal(nfc, string.Concat(parts));
            Assert.Equal(measure.Segments, parts.Count);
            Assert.All(parts, p => Assert.Equal(1, Gsm7.Measure(p).Segments));
            Assert.All(parts, p => Assert.False(char.IsHighSurrogate(p[^1])));
            if (parts.Count > 1)
            {
                var perSegment = measure.Encoding == SmsEncoding.Gsm7 ? Gsm7.MultiSegmentSeptets : Gsm7.MultiSegmentUcs2Units;
                Assert.All(parts, p => Assert.InRange(Units(p, measure.Encoding), 1, perSegment));
            }

            Assert.Equal(measure.Units, parts.Sum(p => Units(p, measure.Encoding)));
        }
    }

    // A part of a UCS-2 message may itself be GSM-7 only, so count it in the message's encoding.
    private static int Units(string part, SmsEncoding encoding) =>
        encoding == SmsEncoding.Ucs2 ? part.Length : Gsm7.Measure(part).Units;
}
