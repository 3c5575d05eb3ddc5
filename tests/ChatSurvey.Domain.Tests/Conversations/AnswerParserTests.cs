using System.Text;
using ChatSurvey.Domain.Conversations;
using ChatSurvey.Domain.Questionnaires;

namespace ChatSurvey.Domain.Tests.Conversations;

/// <summary>Reading replies: commands, ratings, yes/no, choices, text, skips and several answers in one message.</summary>
public sealed class AnswerParserTests
{
    private static Question Q(string code) => TestSurveys.Small.Questions.Single(q => q.Code == code);

    [Theory]
    [InlineData("STOP", InboundCommand.OptOut)]
    [InlineData("stop", InboundCommand.OptOut)]
    [InlineData(" Stop. ", InboundCommand.OptOut)]
    [InlineData("TC", InboundCommand.OptOut)]
    [InlineData("tc", InboundCommand.OptOut)]
    [InlineData("TU CHOI", InboundCommand.OptOut)]
    [InlineData("tu choi", InboundCommand.OptOut)]
    [InlineData("TỪ CHỐI", InboundCommand.OptOut)]
    [InlineData("từ chối", InboundCommand.OptOut)]
    [InlineData("Tu chối", InboundCommand.OptOut)]
    [InlineData("HUY", InboundCommand.OptOut)]
    [InlineData("HỦY", InboundCommand.OptOut)]
    [InlineData("huỷ", InboundCommand.OptOut)]
    [InlineData("DUNG", InboundCommand.OptOut)]
    [InlineData("DỪNG!", InboundCommand.OptOut)]
    [InlineData("dừng", InboundCommand.OptOut)]
    [InlineData("START", InboundCommand.OptIn)]
    [InlineData("start", InboundCommand.OptIn)]
    [InlineData("BD", InboundCommand.OptIn)]
    [InlineData("bd.", InboundCommand.OptIn)]
    [InlineData("HELP", InboundCommand.Help)]
    [InlineData("hd", InboundCommand.Help)]
    [InlineData("HD", InboundCommand.Help)]
    [InlineData("?", InboundCommand.Help)]
    [InlineData(" ?? ", InboundCommand.Help)]
    [InlineData("huong dan", InboundCommand.Help)]
    [InlineData("Hướng dẫn", InboundCommand.Help)]
    [InlineData("lai", InboundCommand.Back)]
    [InlineData("LẠI", InboundCommand.Back)]
    [InlineData("quay lai", InboundCommand.Back)]
    [InlineData("Quay lại", InboundCommand.Back)]
    [InlineData("QUAY LẠI!", InboundCommand.Back)]
    [InlineData("trở lại", InboundCommand.Back)]
    [InlineData("đúng", InboundCommand.None)] // "right", not "dừng"
    [InlineData("dũng", InboundCommand.None)]
    [InlineData("stop it", InboundCommand.None)]
    [InlineData("stopp", InboundCommand.None)]
    [InlineData("tu", InboundCommand.None)]
    [InlineData("4", InboundCommand.None)]
    [InlineData("0", InboundCommand.None)]
    [InlineData("hài lòng", InboundCommand.None)]
    [InlineData("", InboundCommand.None)]
    [InlineData("   ", InboundCommand.None)]
    public void ParseCommand_Should_RecogniseWholeMessageKeyword_When_AnyCaseWithOrWithoutDiacritics(string text, InboundCommand expected)
    {
        Assert.Equal(expected, AnswerParser.ParseCommand(text));
    }

    [Fact]
    public void ParseCommand_Should_RecogniseKeyword_When_DiacriticsAreCombiningMarks()
    {
        Assert.Equal(InboundCommand.OptOut, AnswerParser.ParseCommand("TỪ CHỐI".Normalize(NormalizationForm.FormD)));
        Assert.Equal(InboundCommand.Back, AnswerParser.ParseCommand("quay lại".Normalize(NormalizationForm.FormD)));
    }

    [Theory]
    [InlineData("1", 1)]
    [InlineData("5", 5)]
    [InlineData("4.", 4)]
    [InlineData(" 5!", 5)]
    [InlineData("(3)", 3)]
    [InlineData("  2  ", 2)]
    [InlineData("Rất hài lòng!!", 5)]
    [InlineData("rất hài lòng", 5)]
    [InlineData("rat hai long", 5)]
    [InlineData("RAT HAI LONG", 5)]
    [InlineData("Hài lòng", 4)]
    [InlineData("hai long", 4)]
    [InlineData("hài lòng ạ", 4)]
    [InlineData("Bình thường", 3)]
    [InlineData("binh thuong", 3)]
    [InlineData("không hài lòng", 2)]
    [InlineData("khong hai long", 2)]
    [InlineData("chưa hài lòng", 2)]
    [InlineData("Rất không hài lòng", 1)]
    [InlineData("rat khong hai long", 1)]
    [InlineData("RẤT KHÔNG HÀI LÒNG.", 1)]
    [InlineData("5 - Rất hài lòng", 5)]
    [InlineData("1. rat khong hai long", 1)]
    public void Parse_Should_ReadRating_When_DigitOrScaleWords(string text, int expected)
    {
        var parsed = AnswerParser.Parse(Q("A1"), text);

        Assert.True(parsed.IsValid, parsed.Hint);
        Assert.Equal(RecordedAnswer.ForRating("A1", expected), parsed.Answer);
    }

    [Fact]
    public void Parse_Should_ReadRating_When_TextIsDecomposed()
    {
        var parsed = AnswerParser.Parse(Q("A1"), "Rất không hài lòng".Normalize(NormalizationForm.FormD));

        Assert.Equal(1, parsed.Answer?.Rating);
    }

    [Theory]
    [InlineData("6", AnswerError.NotARating)]
    [InlineData("45", AnswerError.NotARating)]
    [InlineData("10", AnswerError.NotARating)]
    [InlineData("1.5", AnswerError.NotARating)]
    [InlineData("abc", AnswerError.NotARating)]
    [InlineData("không", AnswerError.NotARating)]
    [InlineData("rất", AnswerError.NotARating)]
    [InlineData("5 hài lòng", AnswerError.NotARating)] // digit and words disagree
    [InlineData("", AnswerError.NotARating)]
    [InlineData("!!", AnswerError.NotARating)]
    [InlineData("0", AnswerError.SkipNotAllowed)]
    [InlineData("bỏ qua", AnswerError.SkipNotAllowed)]
    [InlineData("bo qua", AnswerError.SkipNotAllowed)]
    public void Parse_Should_RefuseWithHint_When_NotARating(string text, AnswerError expected)
    {
        var parsed = AnswerParser.Parse(Q("A1"), text);

        Assert.False(parsed.IsValid);
        Assert.Equal(expected, parsed.Error);
        Assert.Contains("1 (rất không hài lòng) đến 5 (rất hài lòng)", parsed.Hint, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1", true)]
    [InlineData("có", true)]
    [InlineData("Có", true)]
    [InlineData("co", true)]
    [InlineData("CO!", true)]
    [InlineData("có ạ", true)]
    [InlineData("yes", true)]
    [InlineData("Yes!", true)]
    [InlineData("2", false)]
    [InlineData("không", false)]
    [InlineData("KHÔNG", false)]
    [InlineData("khong", false)]
    [InlineData("ko", false)]
    [InlineData("no", false)]
    [InlineData("No.", false)]
    public void Parse_Should_ReadYesNo_When_DigitOrWord(string text, bool yes)
    {
        var parsed = AnswerParser.Parse(Q("GATE"), text);

        Assert.Equal(RecordedAnswer.ForYesNo("GATE", yes), parsed.Answer);
        Assert.Equal(yes ? "yes" : "no", parsed.Answer?.Choice);
    }

    [Theory]
    [InlineData("3")]
    [InlineData("hài lòng")]
    [InlineData("có không")]
    [InlineData("0")]
    public void Parse_Should_RefuseWithHint_When_NotYesNo(string text)
    {
        var parsed = AnswerParser.Parse(Q("GATE"), text);

        Assert.False(parsed.IsValid);
        Assert.Contains("1 (Có) hoặc 2 (Không)", parsed.Hint, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1", "E1")]
    [InlineData("2.", "E2")]
    [InlineData("3", "E3")]
    [InlineData("Thủ tục hành chính", "E2")]
    [InlineData("thu tuc hanh chinh", "E2")]
    [InlineData("THỦ TỤC HÀNH CHÍNH!", "E2")]
    [InlineData("cong chuc", "E3")] // the SMS label
    [InlineData("E1", "E1")] // the button value
    [InlineData("e3", "E3")]
    public void Parse_Should_ReadChoice_When_NumberTextLabelOrValue(string text, string expected)
    {
        Assert.Equal(RecordedAnswer.ForChoice("IMPROVE", expected), AnswerParser.Parse(Q("IMPROVE"), text).Answer);
    }

    [Theory]
    [InlineData("4", AnswerError.NotAnOption)]
    [InlineData("thủ tục", AnswerError.NotAnOption)]
    [InlineData("", AnswerError.NotAnOption)]
    [InlineData("0", AnswerError.SkipNotAllowed)]
    public void Parse_Should_RefuseWithHint_When_NotAnOption(string text, AnswerError expected)
    {
        var parsed = AnswerParser.Parse(Q("IMPROVE"), text);

        Assert.Equal(expected, parsed.Error);
        Assert.Contains("từ 1 đến 3", parsed.Hint, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("TYPE", "0")]
    [InlineData("TYPE", "bỏ qua")]
    [InlineData("TYPE", "Bo qua.")]
    [InlineData("TYPE", "skip")]
    [InlineData("NOTE", "0")]
    [InlineData("NOTE", "bo qua")]
    [InlineData("COMMENT", "0")]
    [InlineData("COMMENT", "Bỏ qua")]
    public void Parse_Should_Skip_When_QuestionIsOptional(string code, string text)
    {
        Assert.Equal(RecordedAnswer.Skipped(code), AnswerParser.Parse(Q(code), text).Answer);
    }

    [Fact]
    public void Parse_Should_MentionSkip_When_OptionalQuestionGetsGarbage()
    {
        var parsed = AnswerParser.Parse(Q("NOTE"), "xyz");

        Assert.Equal(AnswerError.NotARating, parsed.Error);
        Assert.EndsWith("Nhắn 0 để bỏ qua.", parsed.Hint, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("  Cán bộ rất nhiệt tình!  ", "Cán bộ rất nhiệt tình!")]
    [InlineData("khong co gi", "khong co gi")]
    [InlineData("5", "5")]
    [InlineData("Tốt 👍", "Tốt 👍")]
    public void Parse_Should_KeepTextAsTyped_When_QuestionIsText(string text, string expected)
    {
        Assert.Equal(RecordedAnswer.ForText("COMMENT", expected), AnswerParser.Parse(Q("COMMENT"), text).Answer);
    }

    [Fact]
    public void Parse_Should_StoreNfc_When_TextIsDecomposed()
    {
        var parsed = AnswerParser.Parse(Q("COMMENT"), "Cán bộ nhiệt tình".Normalize(NormalizationForm.FormD));

        Assert.Equal("Cán bộ nhiệt tình".Normalize(NormalizationForm.FormC), parsed.Answer?.Text);
    }

    [Fact]
    public void Parse_Should_CutTextAtLimit_When_TextIsTooLong()
    {
        var parsed = AnswerParser.Parse(Q("COMMENT"), new string('x', 999) + "😀" + new string('y', 500));

        Assert.Equal(new string('x', 999), parsed.Answer?.Text); // never half a surrogate pair
        Assert.Equal(1000, AnswerParser.Parse(Q("COMMENT"), new string('z', 1500)).Answer?.Text?.Length);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void Parse_Should_Refuse_When_TextIsEmpty(string text)
    {
        Assert.Equal(AnswerError.Empty, AnswerParser.Parse(Q("COMMENT"), text).Error);
    }

    [Theory]
    [InlineData("4", new[] { "4" })]
    [InlineData("4 5 4", new[] { "4", "5", "4" })]
    [InlineData("4,5,4", new[] { "4", "5", "4" })]
    [InlineData("4;5. 4!", new[] { "4", "5", "4" })]
    [InlineData("Rất hài lòng", new[] { "rat hai long" })]
    [InlineData("rất hài lòng, hài lòng", new[] { "rat hai long", "hai long" })]
    [InlineData("rat khong hai long hai long", new[] { "rat khong hai long", "hai long" })]
    [InlineData("khong hai long binh thuong", new[] { "khong hai long", "binh thuong" })]
    [InlineData("5 rất hài lòng", new[] { "5 rat hai long" })]
    [InlineData("5 rat hai long, 4", new[] { "5 rat hai long", "4" })]
    [InlineData("4 bỏ qua 3", new[] { "4", "bo qua", "3" })]
    [InlineData("", new string[0])]
    public void SplitAnswers_Should_CutLongestScaleWordsFirst_When_MessageHoldsSeveralAnswers(string text, string[] expected)
    {
        Assert.Equal(expected, AnswerParser.SplitAnswers(text));
    }
}
