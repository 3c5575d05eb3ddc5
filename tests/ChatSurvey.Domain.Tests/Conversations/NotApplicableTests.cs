using ChatSurvey.Domain.Conversations;
using ChatSurvey.Domain.Questionnaires;

namespace ChatSurvey.Domain.Tests.Conversations;

/// <summary>
/// "Không áp dụng" (docs/methodology.md#not-applicable): only where a question allows it; "0" means it on a required
/// question and keeps skipping on an optional one; the words work everywhere it is allowed.
/// </summary>
public sealed class NotApplicableTests
{
    private static readonly Questionnaire Survey = TestSurveys.NotApplicable;

    private const string FeeSms =
        "Cau 1/5: Ong/Ba hai long the nao ve phi, le phi?\nTra loi 1-5 (1 rat khong hai long, 5 rat hai long), 0 neu khong ap dung";

    private const string SeatsSms =
        "Cau 2/5: Ong/Ba hai long the nao ve cho ngoi cho?\nTra loi 1-5 (1 rat khong hai long, 5 rat hai long)";

    private const string SignsSms =
        "Cau 3/5: Ong/Ba hai long the nao ve bien hieu?\n"
        + "Tra loi 1-5 (1 rat khong hai long, 5 rat hai long), 0 de bo qua, KAD neu khong ap dung";

    private static Question Q(string code) => Survey.Questions.Single(q => q.Code == code);

    [Fact]
    public void TestQuestionnaire_Should_BeValid_When_Checked()
    {
        Assert.Empty(QuestionnaireCatalogue.Validate(Survey));
    }

    [Theory]
    [InlineData("0")]
    [InlineData(" 0. ")]
    [InlineData("khong ap dung")]
    [InlineData("KHONG AP DUNG")]
    [InlineData("Không Áp Dụng")]
    [InlineData("không áp dụng")]
    [InlineData("  không   áp dụng! ")]
    [InlineData("khong áp dung")]
    [InlineData("ko ap dung")]
    [InlineData("kad")]
    [InlineData("KAD")]
    [InlineData(QuestionPrompt.NotApplicableText)]
    public void Parse_Should_ReadNotApplicable_When_RequiredQuestionAllowsIt(string text)
    {
        var parsed = AnswerParser.Parse(Q("FEE"), text);

        Assert.Equal(RecordedAnswer.NotApplicable("FEE"), parsed.Answer);
        Assert.Equal("not_applicable", parsed.Answer!.StorageKind);
    }

    [Fact]
    public void Parse_Should_ReadNotApplicable_When_WordsAreDecomposed()
    {
        var decomposed = "Không áp dụng".Normalize(System.Text.NormalizationForm.FormD);

        Assert.Equal(AnswerKind.NotApplicable, AnswerParser.Parse(Q("FEE"), decomposed).Answer?.Kind);
    }

    [Theory]
    [InlineData("0", AnswerKind.Skipped)]
    [InlineData("bỏ qua", AnswerKind.Skipped)]
    [InlineData("khong ap dung", AnswerKind.NotApplicable)]
    [InlineData("Không Áp Dụng", AnswerKind.NotApplicable)]
    [InlineData("kad", AnswerKind.NotApplicable)]
    public void Parse_Should_KeepZeroForSkipping_When_OptionalQuestionAllowsNotApplicable(string text, AnswerKind kind)
    {
        Assert.Equal(kind, AnswerParser.Parse(Q("SIGNS"), text).Answer?.Kind);
    }

    [Theory]
    [InlineData("khong ap dung", AnswerError.NotARating)]
    [InlineData("Không Áp Dụng", AnswerError.NotARating)]
    [InlineData("kad", AnswerError.NotARating)]
    [InlineData("0", AnswerError.SkipNotAllowed)]
    public void Parse_Should_Refuse_When_QuestionDoesNotAllowNotApplicable(string text, AnswerError error)
    {
        var parsed = AnswerParser.Parse(Q("SEATS"), text);

        Assert.Null(parsed.Answer);
        Assert.Equal(error, parsed.Error);
        Assert.DoesNotContain("áp dụng", parsed.Hint, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("bỏ qua", AnswerError.SkipNotAllowed)]
    [InlineData("không", AnswerError.NotARating)]
    [InlineData("khong ap", AnswerError.NotARating)]
    [InlineData("00", AnswerError.NotARating)]
    public void Parse_Should_SayZeroMeansNotApplicable_When_RequiredQuestionGetsSomethingElse(string text, AnswerError error)
    {
        var parsed = AnswerParser.Parse(Q("FEE"), text);

        Assert.Equal(error, parsed.Error);
        Assert.EndsWith("Vui lòng nhắn một số từ 1 (rất không hài lòng) đến 5 (rất hài lòng). Nhắn 0 nếu không áp dụng.", parsed.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_Should_KeepTheWordsAsText_When_TextQuestion()
    {
        Assert.Equal(RecordedAnswer.ForText("COMMENT", "không áp dụng"), AnswerParser.Parse(Q("COMMENT"), "không áp dụng").Answer);
    }

    [Fact]
    public void SplitAnswers_Should_KeepTheWordsTogether_When_MessageHoldsSeveralAnswers()
    {
        Assert.Equal(["4", "khong ap dung", "5"], AnswerParser.SplitAnswers("4, không áp dụng, 5"));
        Assert.Equal(["kad", "0", "rat hai long"], AnswerParser.SplitAnswers("KAD 0 rất hài lòng"));
    }

    [Fact]
    public void Start_Should_SayZeroMeansNotApplicable_When_SmsAndRequired()
    {
        var chat = new Chat(Survey);

        Assert.Equal(FeeSms, chat.Last!.Replies[^1].Text);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("khong ap dung")]
    [InlineData("Không Áp Dụng")]
    public void Handle_Should_RecordNotApplicableAndMoveOn_When_AllowedOnSms(string text)
    {
        var chat = new Chat(Survey);

        var result = chat.Send(text);

        Assert.Equal([RecordedAnswer.NotApplicable("FEE")], result.Answers);
        Assert.Equal("SEATS", result.Progress.CurrentQuestion);
        Assert.Equal([SeatsSms], result.Replies.Select(r => r.Text));
    }

    [Fact]
    public void Handle_Should_AskAgainAsUnclear_When_WordsOnAQuestionThatDoesNotAllowThem()
    {
        var chat = new Chat(Survey);
        chat.Send("4");

        var words = chat.Send("khong ap dung");
        var zero = chat.Send("0");

        Assert.Empty(words.Answers);
        Assert.Equal(["Chua ro cau tra loi. " + SeatsSms], words.Replies.Select(r => r.Text));
        Assert.Equal(1, words.Progress.InvalidAttempts);
        Assert.Empty(zero.Answers);
        Assert.Equal(["Cau nay khong the bo qua. " + SeatsSms], zero.Replies.Select(r => r.Text));
        Assert.Equal("SEATS", zero.Progress.CurrentQuestion);
    }

    [Fact]
    public void Handle_Should_SkipWithZeroAndTakeTheWords_When_OptionalQuestionAllowsNotApplicable()
    {
        var chat = new Chat(Survey);
        chat.SendAll("4", "3");
        Assert.Equal(SignsSms, chat.Last!.Replies[^1].Text);

        var skipped = chat.Send("0");
        chat.Send("lai");
        var notApplicable = chat.Send("kad");

        Assert.Equal([RecordedAnswer.Skipped("SIGNS")], skipped.Answers);
        Assert.Equal([RecordedAnswer.NotApplicable("SIGNS")], notApplicable.Answers);
        Assert.Equal(AnswerKind.NotApplicable, chat.Stored["SIGNS"].Kind);
        Assert.Equal("EQUIPMENT", chat.Progress.CurrentQuestion);
    }

    [Fact]
    public void Handle_Should_FillSeveralQuestions_When_MessageMixesRatingsAndNotApplicable()
    {
        var chat = new Chat(Survey);

        var result = chat.Send("0 4 khong ap dung 5");

        Assert.Equal(
            [
                RecordedAnswer.NotApplicable("FEE"), RecordedAnswer.ForRating("SEATS", 4),
                RecordedAnswer.NotApplicable("SIGNS"), RecordedAnswer.ForRating("EQUIPMENT", 5),
            ],
            result.Answers);
        Assert.Equal("COMMENT", result.Progress.CurrentQuestion);
    }

    [Fact]
    public void Handle_Should_StopFillingAtSeats_When_NotApplicableMeetsAQuestionThatDoesNotAllowIt()
    {
        var chat = new Chat(Survey);

        var result = chat.Send("5 kad 4");

        Assert.Equal([RecordedAnswer.ForRating("FEE", 5)], result.Answers);
        Assert.Equal("SEATS", result.Progress.CurrentQuestion);
    }

    [Fact]
    public void Handle_Should_ReplaceNotApplicable_When_CitizenGoesBackAndRates()
    {
        var chat = new Chat(Survey);
        chat.SendAll("0", "lai");

        var result = chat.Send("2");

        Assert.Equal([RecordedAnswer.ForRating("FEE", 2)], result.Answers);
        Assert.Equal(RecordedAnswer.ForRating("FEE", 2), chat.Stored["FEE"]);
    }

    [Fact]
    public void Web_Should_OfferTheNotApplicableButton_When_QuestionAllowsIt()
    {
        var chat = new Chat(Survey, SurveyChannel.Web);
        var fee = chat.Last!.Replies[^1];

        Assert.Equal(["1", "2", "3", "4", "5", "Không áp dụng"], fee.Options.Select(o => o.Value));
        Assert.Equal(new PromptOption("Không áp dụng", "Không áp dụng"), fee.Options[^1]);

        var pressed = chat.Send(fee.Options[^1].Value);
        Assert.Equal([RecordedAnswer.NotApplicable("FEE")], pressed.Answers);
        Assert.Equal(["1", "2", "3", "4", "5"], pressed.Replies[^1].Options.Select(o => o.Value));

        var signs = chat.Send("4").Replies[^1];
        Assert.Equal(
            ["1 · Rất không hài lòng", "2 · Không hài lòng", "3 · Bình thường", "4 · Hài lòng", "5 · Rất hài lòng", "Không áp dụng", "Bỏ qua"],
            signs.Options.Select(o => o.Label));
        Assert.Equal([RecordedAnswer.Skipped("SIGNS")], chat.Send(signs.Options[^1].Value).Answers);
    }

    [Fact]
    public void Progress_Should_KeepNotApplicable_When_StoredAsJson()
    {
        var chat = new Chat(Survey);
        chat.Send("0");

        var json = chat.Progress.ToJson();

        Assert.Contains("\"kind\":\"not_applicable\"", json, StringComparison.Ordinal);
        Assert.Equal(RecordedAnswer.NotApplicable("FEE"), SurveyProgress.FromJson(json).Answers["FEE"]);
    }
}
