using System.Text;
using ChatSurvey.Domain.Sms;

namespace ChatSurvey.Domain.Tests.Sms;

/// <summary>"Không dấu" transliteration for SMS (docs/methodology.md#gsm-7-and-text-without-diacritics).</summary>
public sealed class VietnameseTextTests
{
    // The 12 Vietnamese vowels as ASCII base + vowel mark (breve, circumflex, horn).
    private static readonly (char Base, string VowelMark)[] Vowels =
    [
        ('a', ""), ('a', "\u0306"), ('a', "\u0302"), ('e', ""), ('e', "\u0302"), ('i', ""),
        ('o', ""), ('o', "\u0302"), ('o', "\u031B"), ('u', ""), ('u', "\u031B"), ('y', ""),
    ];

    // No tone (ngang), huyền, sắc, hỏi, ngã, nặng.
    private static readonly string[] Tones = ["", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323"];

    /// <summary>Every vowel × tone × case, precomposed and decomposed: 12 × 6 × 2 × 2 rows.</summary>
    public static TheoryData<string, string> EveryVowelWithEveryTone() => new(VowelCases());

    [Fact]
    public void VowelTable_Should_Cover132PrecomposedLetters_When_Generated()
    {
        var precomposed = VowelCases()
            .Select(row => row.Vowel)
            .Where(s => s.Length == 1 && s[0] > 0x7F)
            .ToHashSet();

        // 66 marked vowels per case; with Đ/đ that is Vietnamese's 134 precomposed letters.
        Assert.Equal(132, precomposed.Count);
        Assert.Equal(12 * 6 * 2 * 2, VowelCases().Count());
    }

    [Theory]
    [MemberData(nameof(EveryVowelWithEveryTone))]
    public void ToAscii_Should_ReturnBaseLetter_When_VowelHasAnyMarks(string vowel, string expected)
    {
        Assert.Equal(expected, VietnameseText.ToAscii(vowel));
        Assert.Equal(expected, VietnameseText.ToGsm7(vowel));
    }

    [Theory]
    [InlineData("Rất hài lòng", "Rat hai long")]
    [InlineData("Đăng ký khai sinh", "Dang ky khai sinh")]
    [InlineData("Ủy ban nhân dân thành phố Hải Phòng", "Uy ban nhan dan thanh pho Hai Phong")]
    [InlineData("ĐẠI HỌC QUỐC GIA", "DAI HOC QUOC GIA")]
    [InlineData("đường Trần Hưng Đạo", "duong Tran Hung Dao")]
    [InlineData("Rất không hài lòng · Bình thường", "Rat khong hai long · Binh thuong")]
    [InlineData("Thủ tục hành chính", "Thu tuc hanh chinh")]
    [InlineData("Tiếp nhận, xử lý phản ánh, kiến nghị", "Tiep nhan, xu ly phan anh, kien nghi")]
    [InlineData("Ra\u0302\u0301t ha\u0300i lo\u0300ng", "Rat hai long")] // decomposed input
    [InlineData("Ðăng ký", "Dang ky")] // U+00D0 eth standing in for Đ
    public void ToAscii_Should_Transliterate_When_SentenceIsVietnamese(string text, string expected)
    {
        Assert.Equal(expected, VietnameseText.ToAscii(text));
    }

    [Theory]
    [InlineData("“Rất” ‘tốt’", "\"Rat\" 'tot'")]
    [InlineData("1–5 — xong…", "1-5 - xong...")]
    [InlineData("Hải\u00A0Phòng", "Hai Phong")]
    [InlineData("a\u200Bb\uFEFF", "ab")]
    [InlineData("Ông’s", "Ong's")]
    public void ToAscii_Should_MapTypographicCharacters_When_Present(string text, string expected)
    {
        Assert.Equal(expected, VietnameseText.ToAscii(text));
    }

    [Theory]
    [InlineData("Plain ASCII {ok} 100%")]
    [InlineData("")]
    public void ToAscii_Should_ReturnTextUnchanged_When_AlreadyAscii(string text)
    {
        Assert.Equal(text, VietnameseText.ToAscii(text));
    }

    [Theory]
    [InlineData("Øre ß Æ", "Øre ß Æ")] // no ASCII base letter: kept (ToGsm7 keeps them too, they are GSM-7)
    [InlineData("中文 😀", "中文 😀")]
    [InlineData("Ñandú façade über", "Nandu facade uber")]
    public void ToAscii_Should_KeepUnmappedCharacters_When_NotLatinWithMarks(string text, string expected)
    {
        Assert.Equal(expected, VietnameseText.ToAscii(text));
    }

    [Theory]
    [InlineData("Đăng ký 😀", "Dang ky ?")]
    [InlineData("中文", "??")]
    [InlineData("€10 {x} [y] ~ | ^ \\", "€10 {x} [y] ~ | ^ \\")]
    [InlineData("Øre ß", "Øre ß")]
    [InlineData("a\tb`c", "a?b?c")]
    [InlineData("\u0301", "?")] // lone combining mark
    [InlineData("“Rất” hài lòng…", "\"Rat\" hai long...")]
    public void ToGsm7_Should_ReplaceWhatIsLeftWithQuestionMark_When_NotGsm7AfterToAscii(string text, string expected)
    {
        var result = VietnameseText.ToGsm7(text);

        Assert.Equal(expected, result);
        Assert.True(Gsm7.IsGsm7(result));
    }

    // Not [InlineData]: the test runner passes theory data through UTF-8, which would already replace these.
    [Fact]
    public void ToGsm7_Should_ReplaceWithQuestionMark_When_TextIsNotValidUtf16()
    {
        (string Text, string Expected)[] cases =
        [
            ("x\uD800y", "x?y"),
            ("\uDC00\uD800", "??"),
            ("\uD83D", "?"),
            ("\uFFFE\uFFFF", "??"),
        ];

        Assert.All(cases, c => Assert.Equal(c.Expected, VietnameseText.ToGsm7(c.Text)));
    }

    [Fact]
    public void ToGsm7_Should_ReturnGsm7_When_InputIsAnySingleCodeUnitOrNoncharacter()
    {
        var inputs = Enumerable.Range(0, 0x10000).Select(i => ((char)i).ToString())
            .Concat(Enumerable.Range(1, 16).SelectMany(plane =>
                new[] { char.ConvertFromUtf32((plane << 16) | 0xFFFE), char.ConvertFromUtf32((plane << 16) | 0xFFFF) }));

        foreach (var input in inputs)
        {
            var result = VietnameseText.ToGsm7(input);

            Assert.True(Gsm7.IsGsm7(result), $"not GSM-7 for input {Escape(input)}: {Escape(result)}");
            Assert.Equal(1, Gsm7.Measure(input).Segments);
        }
    }

    [Fact]
    public void ToGsm7_Should_AlwaysReturnGsm7_When_InputIsRandomUnicode()
    {
        var random = new Random(91_2020);
        for (var n = 0; n < 5000; n++)
        {
            var text = new StringBuilder();
            var length = random.Next(0, 40);
            for (var i = 0; i < length; i++)
            {
                switch (random.Next(4))
                {
                    case 0: // any UTF-16 code unit, unpaired surrogates included
                        text.Append((char)random.Next(0, 0x10000));
                        break;
                    case 1: // any supplementary code point
                        text.Append(char.ConvertFromUtf32(random.Next(0x10000, 0x110000)));
                        break;
                    case 2: // Latin, Vietnamese and combining marks, where the transliteration does its work
                        text.Append((char)random.Next(0x0000, 0x0370));
                        break;
                    default:
                        text.Append((char)random.Next(0x1E00, 0x1F00));
                        break;
                }
            }

            var input = text.ToString();
            var result = VietnameseText.ToGsm7(input);

            Assert.True(Gsm7.IsGsm7(result), $"not GSM-7 for input {Escape(input)}: {Escape(result)}");
            Assert.Equal(SmsEncoding.Gsm7, Gsm7.Measure(result).Encoding);
        }
    }

    private static IEnumerable<(string Vowel, string Expected)> VowelCases()
    {
        foreach (var (letter, vowelMark) in Vowels)
        {
            foreach (var tone in Tones)
            {
                foreach (var baseLetter in new[] { letter, char.ToUpperInvariant(letter) })
                {
                    var decomposed = baseLetter + vowelMark + tone;
                    yield return (decomposed.Normalize(NormalizationForm.FormC), baseLetter.ToString());
                    yield return (decomposed, baseLetter.ToString());
                }
            }
        }
    }

    private static string Escape(string s) => string.Concat(s.Select(c => $"\\u{(int)c:X4}"));
}
