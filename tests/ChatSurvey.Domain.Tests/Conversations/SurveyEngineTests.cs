using ChatSurvey.Domain.Conversations;
using ChatSurvey.Domain.Questionnaires;

namespace ChatSurvey.Domain.Tests.Conversations;

/// <summary>The conversation flow on the small test questionnaire: answers, several answers, skip, back, gates, re-asks, completion.</summary>
public sealed class SurveyEngineTests
{
    private static readonly Questionnaire Small = TestSurveys.Small;

    /// <summary>The first two questions of the small questionnaire as SMS (GSM-7, no diacritics), written out.</summary>
    private const string Q1Sms = "Cau 1/11: Ong/Ba hai long the nao ve cho ngoi cho?\nTra loi 1-5 (1 rat khong hai long, 5 rat hai long)";

    private const string Q2Sms = "Cau 2/11: Ong/Ba hai long the nao ve trang thiet bi?\nTra loi 1-5 (1 rat khong hai long, 5 rat hai long)";

    [Fact]
    public void Start_Should_SendIntroAndFirstQuestion_When_Sms()
    {
        var result = SurveyEngine.Start(Small, SurveyChannel.Sms, TestSurveys.T0);

        Assert.Equal(SurveyStatus.InProgress, result.Progress.Status);
        Assert.Equal("A1", result.Progress.CurrentQuestion);
        Assert.Equal(TestSurveys.T0, result.Progress.StartedAt);
        Assert.Equal(TestSurveys.T0, result.Progress.LastActivityAt);
        Assert.Equal(EngineSignal.None, result.Signal);
        Assert.Empty(result.Answers);
        Assert.Equal(["Xin chao Ong/Ba! Day la khao sat thu.", Q1Sms],
            result.Replies.Select(r => r.Text));
        TestSurveys.AssertSmsReplies(result);
    }

    [Fact]
    public void Start_Should_SendVietnameseWithButtons_When_Web()
    {
        var result = SurveyEngine.Start(Small, SurveyChannel.Web, TestSurveys.T0);

        Assert.Equal("Xin chào Ông/Bà! Đây là khảo sát thử.", result.Replies[0].Text);
        Assert.Equal("Câu 1/11 · Tiếp cận dịch vụ hành chính công\nÔng/Bà hài lòng thế nào về chỗ ngồi chờ?", result.Replies[1].Text);
        Assert.Equal(["1", "2", "3", "4", "5"], result.Replies[1].Options.Select(o => o.Value));
        Assert.Equal("5 · Rất hài lòng", result.Replies[1].Options[4].Label);
    }

    [Fact]
    public void Handle_Should_RecordAnswerAndAskNext_When_RatingIsValid()
    {
        var chat = new Chat(Small);

        var result = chat.Send("Rất hài lòng!!");

        Assert.Equal([RecordedAnswer.ForRating("A1", 5)], result.Answers);
        Assert.Equal("A2", result.Progress.CurrentQuestion);
        Assert.Equal(["A1"], result.Progress.History);
        Assert.Equal(0, result.Progress.InvalidAttempts);
        Assert.Equal(chat.Clock.GetUtcNow(), result.Progress.LastActivityAt);
        Assert.Equal([Q2Sms], result.Replies.Select(r => r.Text));
    }

    [Theory]
    [InlineData("4 5 4")]
    [InlineData("4,5,4")]
    [InlineData("4. 5. 4.")]
    [InlineData("hài lòng, rất hài lòng, hài lòng")]
    [InlineData("hai long rat hai long hai long")]
    public void Handle_Should_FillFollowingRatings_When_MessageHoldsSeveralAnswers(string text)
    {
        var chat = new Chat(Small);

        var result = chat.Send(text);

        Assert.Equal(
            [RecordedAnswer.ForRating("A1", 4), RecordedAnswer.ForRating("A2", 5), RecordedAnswer.ForRating("A3", 4)],
            result.Answers);
        Assert.Equal("GATE", result.Progress.CurrentQuestion);
        Assert.Equal(["A1", "A2", "A3"], result.Progress.History);
    }

    [Theory]
    [InlineData("4 x 5", new[] { 4 }, "A2")]
    [InlineData("4 5 6", new[] { 4, 5 }, "A3")]
    [InlineData("3 0 5", new[] { 3 }, "A2")] // A2 may not be skipped
    [InlineData("5 4 3 1 1", new[] { 5, 4, 3 }, "GATE")] // never spills into the yes/no question
    public void Handle_Should_StopFillingAtFirstMisfit_When_SeveralAnswersDoNotAllFit(string text, int[] ratings, string next)
    {
        var chat = new Chat(Small);

        var result = chat.Send(text);

        Assert.Equal(ratings, result.Answers.Select(a => a.Rating!.Value));
        Assert.Equal(next, result.Progress.CurrentQuestion);
        Assert.False(result.Progress.Answers.ContainsKey("GATE"));
    }

    [Fact]
    public void Handle_Should_TreatDigitAndItsLabelAsOneAnswer_When_CitizenEchoesTheScale()
    {
        var chat = new Chat(Small);

        var result = chat.Send("5 - Rất hài lòng");

        Assert.Equal([RecordedAnswer.ForRating("A1", 5)], result.Answers);
        Assert.Equal("A2", result.Progress.CurrentQuestion);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("bo qua")]
    [InlineData("Bỏ qua")]
    public void Handle_Should_ReaskWithHint_When_SkippingRequiredQuestion(string text)
    {
        var chat = new Chat(Small);

        var result = chat.Send(text);

        Assert.Empty(result.Answers);
        Assert.Equal("A1", result.Progress.CurrentQuestion);
        Assert.Equal(1, result.Progress.InvalidAttempts);
        Assert.StartsWith("Cau nay khong the bo qua.", result.Replies[0].Text, StringComparison.Ordinal);
        Assert.Contains(Q1Sms, result.Replies[^1].Text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("bỏ qua")]
    [InlineData("Bo qua!")]
    public void Handle_Should_RecordSkipped_When_QuestionIsOptional(string text)
    {
        var chat = new Chat(Small);
        chat.SendAll("4 4 4", "2", "4", "1");
        Assert.Equal("TYPE", chat.Progress.CurrentQuestion);

        var result = chat.Send(text);

        Assert.Equal([RecordedAnswer.Skipped("TYPE")], result.Answers);
        Assert.Equal("NOTE", result.Progress.CurrentQuestion);
    }

    [Fact]
    public void Handle_Should_ReturnToPreviousQuestionAndReplaceItsAnswer_When_Back()
    {
        var chat = new Chat(Small);
        chat.SendAll("4", "5");

        var back = chat.Send("quay lại");

        Assert.Empty(back.Answers);
        Assert.Equal("A2", back.Progress.CurrentQuestion);
        Assert.Equal(["A1"], back.Progress.History);
        Assert.Equal(5, back.Progress.Answers["A2"].Rating); // kept until replaced
        Assert.Equal([Q2Sms], back.Replies.Select(r => r.Text));

        var replaced = chat.Send("2");

        Assert.Equal([RecordedAnswer.ForRating("A2", 2)], replaced.Answers);
        Assert.Equal("A3", replaced.Progress.CurrentQuestion);
        Assert.Equal(4, chat.Stored["A1"].Rating);
        Assert.Equal(2, chat.Stored["A2"].Rating);
    }

    [Theory]
    [InlineData("lai")]
    [InlineData("LẠI")]
    [InlineData("quay lai")]
    public void Handle_Should_WalkBackThroughHistory_When_BackIsRepeated(string back)
    {
        var chat = new Chat(Small);
        chat.SendAll("4 4 4", "1");
        Assert.Equal("C1", chat.Progress.CurrentQuestion);

        chat.SendAll(back, back);
        Assert.Equal("A3", chat.Progress.CurrentQuestion);
        chat.SendAll(back, back, back);

        Assert.Equal("A1", chat.Progress.CurrentQuestion);
        Assert.Empty(chat.Progress.History);
        Assert.Equal(4, chat.Progress.Answers.Count);
        Assert.StartsWith("Day la cau hoi dau tien.", chat.Last!.Replies[0].Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Handle_Should_KeepEarlierAnswer_When_ReaskLimitIsReachedAfterBack()
    {
        var chat = new Chat(Small);
        chat.SendAll("4", "lai");

        chat.SendAll("x", "y");
        var result = chat.Send("z");

        Assert.Empty(result.Answers);
        Assert.Equal(4, chat.Progress.Answers["A1"].Rating);
        Assert.Equal("A2", chat.Progress.CurrentQuestion);
    }

    [Fact]
    public void Handle_Should_RepeatQuestionWithoutMoving_When_Help()
    {
        var chat = new Chat(Small, SurveyChannel.Web);
        chat.SendAll("4", "x");

        var result = chat.Send("hd");

        Assert.Equal(EngineSignal.Help, result.Signal);
        Assert.Empty(result.Answers);
        Assert.Equal("A2", result.Progress.CurrentQuestion);
        Assert.Equal(1, result.Progress.InvalidAttempts); // help is not an unusable answer
        Assert.StartsWith("Hướng dẫn:", result.Replies.Single().Text, StringComparison.Ordinal);
        Assert.Contains("Câu 2/11", result.Replies.Single().Text, StringComparison.Ordinal);
        Assert.Equal(5, result.Replies.Single().Options.Count);
    }

    [Fact]
    public void Handle_Should_AskConditionalQuestions_When_GateIsYes()
    {
        var chat = new Chat(Small);
        chat.SendAll("4 4 4");

        var result = chat.Send("có");

        Assert.Equal([RecordedAnswer.ForYesNo("GATE", true)], result.Answers);
        Assert.Equal("C1", result.Progress.CurrentQuestion);
        Assert.StartsWith("Cau 5/11:", result.Replies.Single().Text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("2")]
    [InlineData("không")]
    [InlineData("khong")]
    public void Handle_Should_SkipConditionalQuestions_When_GateIsNo(string no)
    {
        var chat = new Chat(Small);
        chat.SendAll("4 4 4");

        var result = chat.Send(no);

        Assert.Equal("OVERALL", result.Progress.CurrentQuestion);
        Assert.StartsWith("Cau 5/9:", result.Replies.Single().Text, StringComparison.Ordinal);
        Assert.DoesNotContain("C1", result.Progress.Answers.Keys);
    }

    [Fact]
    public void Handle_Should_KeepConditionalAnswers_When_GateIsChangedAfterBack()
    {
        var chat = new Chat(Small);
        chat.SendAll("4 4 4", "1", "5");
        Assert.Equal("C2", chat.Progress.CurrentQuestion);

        chat.SendAll("lai", "lai", "2");

        Assert.Equal("OVERALL", chat.Progress.CurrentQuestion);
        Assert.Equal("no", chat.Progress.Answers["GATE"].Choice);
        Assert.Equal(5, chat.Progress.Answers["C1"].Rating); // never lost; scoring applies askIf
    }

    [Fact]
    public void Handle_Should_ReaskTwiceThenRecordMissing_When_InputStaysInvalid()
    {
        var chat = new Chat(Small);

        var first = chat.Send("abc");
        var second = chat.Send("6");
        Assert.Equal((1, 2), (first.Progress.InvalidAttempts, second.Progress.InvalidAttempts));
        Assert.All([first, second], r => Assert.Empty(r.Answers));
        Assert.All([first, second], r => Assert.Equal("A1", r.Progress.CurrentQuestion));
        Assert.StartsWith("Chua ro cau tra loi.", first.Replies[0].Text, StringComparison.Ordinal);

        var third = chat.Send("???!!");

        Assert.Equal([RecordedAnswer.Missing("A1")], third.Answers);
        Assert.Equal("A2", third.Progress.CurrentQuestion);
        Assert.Equal(0, third.Progress.InvalidAttempts);
        Assert.Equal(["A1"], third.Progress.History);
    }

    [Fact]
    public void Handle_Should_RecordMissingAtOnce_When_NoReasksAreAllowed()
    {
        var chat = new Chat(Small, options: new EngineOptions { MaxReasks = 0 });

        var result = chat.Send("abc");

        Assert.Equal([RecordedAnswer.Missing("A1")], result.Answers);
    }

    [Fact]
    public void Handle_Should_ResetInvalidCounter_When_QuestionIsAnswered()
    {
        var chat = new Chat(Small);
        chat.SendAll("abc", "abc", "4", "x", "y");

        Assert.Equal("A2", chat.Progress.CurrentQuestion);
        Assert.Equal(2, chat.Progress.InvalidAttempts);
        Assert.Equal(AnswerKind.Rating, chat.Progress.Answers["A1"].Kind);
    }

    [Fact]
    public void Handle_Should_ShowHintAndButtons_When_WebInputIsInvalid()
    {
        var chat = new Chat(Small, SurveyChannel.Web);
        chat.SendAll("4 4 4", "1", "5", "5", "5");

        var result = chat.Send("cải cách");

        var reply = result.Replies.Single();
        Assert.StartsWith("Chưa rõ câu trả lời. Vui lòng nhắn một số từ 1 đến 3.\n\nCâu 8/11", reply.Text, StringComparison.Ordinal);
        Assert.Equal(["E1", "E2", "E3"], reply.Options.Select(o => o.Value));
    }

    [Fact]
    public void Handle_Should_OfferSkipButton_When_WebQuestionIsOptional()
    {
        var chat = new Chat(Small, SurveyChannel.Web);
        chat.SendAll("4 4 4", "2", "4");

        var result = chat.Send("Thủ tục hành chính");

        Assert.Equal([RecordedAnswer.ForChoice("IMPROVE", "E2")], result.Answers);
        Assert.Equal(["citizen", "organization", "0"], result.Replies.Single().Options.Select(o => o.Value));
    }

    [Fact]
    public void Handle_Should_CompleteWithThanks_When_LastQuestionIsAnswered()
    {
        var chat = new Chat(Small);
        chat.SendAll("4 4 4", "2", "4", "1", "2", "bỏ qua");

        var result = chat.Send("  Cán bộ rất nhiệt tình, cảm ơn!  ");

        Assert.Equal(EngineSignal.Completed, result.Signal);
        Assert.Equal(SurveyStatus.Completed, result.Progress.Status);
        Assert.Null(result.Progress.CurrentQuestion);
        Assert.Equal(chat.Clock.GetUtcNow(), result.Progress.CompletedAt);
        Assert.Equal([RecordedAnswer.ForText("COMMENT", "Cán bộ rất nhiệt tình, cảm ơn!")], result.Answers);
        Assert.Equal(["Cam on Ong/Ba da tham gia khao sat!"], result.Replies.Select(r => r.Text));
        Assert.Equal(
            ["A1", "A2", "A3", "GATE", "OVERALL", "IMPROVE", "TYPE", "NOTE", "COMMENT"],
            Small.Questions.Select(q => q.Code).Where(chat.Stored.ContainsKey));
    }

    [Theory]
    [InlineData("5")]
    [InlineData("lai")]
    [InlineData("xin chào")]
    public void Handle_Should_ReplyAlreadyCompleted_When_MessageComesAfterCompletion(string text)
    {
        var chat = new Chat(Small);
        chat.SendAll("4 4 4", "2", "4", "1", "2", "0", "0");
        var completed = chat.Progress;

        var result = chat.Send(text);

        Assert.Same(completed, result.Progress);
        Assert.Empty(result.Answers);
        Assert.Equal(EngineSignal.None, result.Signal);
        Assert.Equal(["Ong/Ba da hoan thanh khao sat nay. Xin cam on Ong/Ba da dong gop y kien!"], result.Replies.Select(r => r.Text));
    }

    [Fact]
    public void Handle_Should_StartWithoutRecording_When_ProgressIsNotStarted()
    {
        var chat = new Chat(Small, SurveyChannel.Web, start: false);

        var result = chat.Send("5");

        Assert.Empty(result.Answers);
        Assert.Equal(SurveyStatus.InProgress, result.Progress.Status);
        Assert.Equal("A1", result.Progress.CurrentQuestion);
        Assert.Equal(chat.Clock.GetUtcNow(), result.Progress.StartedAt);
        Assert.Equal(2, result.Replies.Count);
    }

    [Fact]
    public void Handle_Should_Throw_When_ProgressIsForAnotherVersion()
    {
        var progress = SurveyEngine.Start(Small, SurveyChannel.Sms, TestSurveys.T0).Progress;

        Assert.Throws<ArgumentException>(() =>
            SurveyEngine.Handle(Small with { Version = 4 }, progress, "4", SurveyChannel.Sms, TestSurveys.T0));
    }

    [Fact]
    public void Handle_Should_Throw_When_OptionsAreInvalid()
    {
        var progress = SurveyEngine.Start(Small, SurveyChannel.Sms, TestSurveys.T0).Progress;

        Assert.Throws<ArgumentOutOfRangeException>(() => SurveyEngine.Handle(
            Small, progress, "4", SurveyChannel.Sms, TestSurveys.T0, new EngineOptions { Expiry = TimeSpan.Zero }));
    }

    [Fact]
    public void Start_Should_CompleteAtOnce_When_NoQuestionApplies()
    {
        var gated = Small with { Questions = [Small.Questions.Single(q => q.Code == "C1")] };

        var result = SurveyEngine.Start(gated, SurveyChannel.Sms, TestSurveys.T0);

        Assert.Equal(SurveyStatus.Completed, result.Progress.Status);
        Assert.Equal(EngineSignal.Completed, result.Signal);
    }
}
