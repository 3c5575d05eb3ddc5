using ChatSurvey.Domain.Conversations;
using ChatSurvey.Domain.Questionnaires;
using ChatSurvey.Domain.Sms;

namespace ChatSurvey.Domain.Tests.Conversations;

/// <summary>Whole conversations over the shipped SIPAS questionnaires, by SMS and web chat.</summary>
public sealed class SurveyEngineCatalogueTests
{
    public static TheoryData<string, SurveyChannel> Catalogue()
    {
        var data = new TheoryData<string, SurveyChannel>();
        foreach (var code in new[] { QuestionnaireCatalogue.Full, QuestionnaireCatalogue.Method2017, QuestionnaireCatalogue.Sms })
        {
            data.Add(code, SurveyChannel.Sms);
            data.Add(code, SurveyChannel.Web);
        }

        return data;
    }

    [Fact]
    public void Handle_Should_CompleteShortForm_When_CitizenRepliesBySms()
    {
        var chat = new Chat(QuestionnaireCatalogue.Default(QuestionnaireCatalogue.Sms));

        chat.SendAll("5", "4", "rat hai long", "Hài lòng.", "0", "4");
        var result = chat.Send("Cán bộ tận tình, nhưng chờ hơi lâu");

        Assert.Equal(EngineSignal.Completed, result.Signal);
        Assert.Equal(
            new Dictionary<string, string>
            {
                ["E1.S"] = "rating:5", ["E2.S"] = "rating:4", ["E3.S"] = "rating:5", ["E4.S"] = "rating:4",
                ["E5.S"] = "skipped:", ["OVERALL"] = "rating:4", ["COMMENT"] = "text:Cán bộ tận tình, nhưng chờ hơi lâu",
            },
            chat.Stored.ToDictionary(p => p.Key, p => $"{p.Value.StorageKind}:{p.Value.Rating}{p.Value.Text}"));
    }

    [Theory]
    [InlineData(QuestionnaireCatalogue.Full, "1", 29)]
    [InlineData(QuestionnaireCatalogue.Full, "2", 25)]
    [InlineData(QuestionnaireCatalogue.Method2017, "có", 35)]
    [InlineData(QuestionnaireCatalogue.Method2017, "không", 30)]
    public void Handle_Should_AskFeedbackQuestionsOnlyWhenGateIsYes_When_FullQuestionnaire(string code, string feedback, int answered)
    {
        var questionnaire = QuestionnaireCatalogue.Default(code);
        var chat = new Chat(questionnaire, SurveyChannel.Web);

        while (chat.Progress.Status == SurveyStatus.InProgress)
        {
            chat.Send(chat.Progress.CurrentQuestion == "FEEDBACK" ? feedback : TestSurveys.ValidAnswer(chat.Current));
        }

        Assert.Equal(SurveyStatus.Completed, chat.Progress.Status);
        Assert.Equal(answered, chat.Stored.Count);
        Assert.Equal(feedback is "1" or "có", chat.Stored.Keys.Any(k => k.StartsWith("E5.", StringComparison.Ordinal)));
    }

    [Theory]
    [MemberData(nameof(Catalogue))]
    public void Handle_Should_KeepEverySmsReplyOneGsm7Segment_When_CitizenUsesEveryFeature(string code, SurveyChannel channel)
    {
        // Chat checks every reply on SMS: GSM-7, one segment, no buttons.
        var questionnaire = QuestionnaireCatalogue.Default(code);
        var chat = new Chat(questionnaire, channel);

        while (chat.Progress.Status == SurveyStatus.InProgress)
        {
            var question = chat.Current;
            chat.SendAll("?", "bd", "xyz", "0", "lai");
            if (chat.Progress.Status == SurveyStatus.InProgress && chat.Progress.CurrentQuestion != question.Code)
            {
                chat.Send(TestSurveys.ValidAnswer(chat.Current)); // answer the earlier question again
            }

            if (chat.Progress.Status == SurveyStatus.InProgress)
            {
                chat.Send(TestSurveys.ValidAnswer(chat.Current));
            }
        }

        Assert.Equal(SurveyStatus.Completed, chat.Progress.Status);
        chat.Send("STOP");
        chat.Send("5");
    }

    [Theory]
    [MemberData(nameof(Catalogue))]
    public void Parse_Should_AcceptEveryButtonAndSmsDigit_When_QuestionOffersThem(string code, SurveyChannel channel)
    {
        var questionnaire = QuestionnaireCatalogue.Default(code);
        foreach (var question in questionnaire.Questions)
        {
            var web = QuestionPrompt.Web(questionnaire, question, 1, questionnaire.Questions.Count);
            var offered = channel == SurveyChannel.Web
                ? web.Options.Concat(web.Skip is null ? [] : [web.Skip]).Select(o => (Send: o.Value, o.Value))
                : QuestionPrompt.SmsReplies(question).Select(r => (Send: r.Key, r.Value));
            foreach (var (send, value) in offered)
            {
                var answer = AnswerParser.Parse(question, send).Answer;
                Assert.NotNull(answer);
                var stored = answer.Kind switch
                {
                    AnswerKind.Rating => answer.Rating!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    AnswerKind.Skipped => QuestionPrompt.SkipValue,
                    _ => answer.Choice,
                };
                Assert.Equal(value, stored);
            }
        }
    }

    [Fact]
    public void Handle_Should_AcceptChoiceByItsText_When_CitizenTypesTheOption()
    {
        var questionnaire = QuestionnaireCatalogue.Default(QuestionnaireCatalogue.Full);
        var improve = questionnaire.Questions.Single(q => q.Code == "IMPROVE");

        foreach (var option in improve.Options)
        {
            Assert.Equal(option.Value, AnswerParser.Parse(improve, option.Text).Answer?.Choice);
            Assert.Equal(option.Value, AnswerParser.Parse(improve, VietnameseText.ToAscii(option.Text).ToUpperInvariant()).Answer?.Choice);
        }
    }

    [Fact]
    public void EngineTexts_Should_FitOneGsm7Segment_When_SentBySms()
    {
        var hints = QuestionnaireCatalogue.Defaults.SelectMany(q => q.Questions)
            .Concat(TestSurveys.Small.Questions)
            .SelectMany(q => new[] { AnswerParser.Parse(q, "").Hint, AnswerParser.Parse(q, "xyz").Hint, AnswerParser.Parse(q, "0").Hint })
            .OfType<string>();

        foreach (var text in EngineTexts.All.Concat(hints))
        {
            var measure = Gsm7.Measure(VietnameseText.ToGsm7(text));
            Assert.True(measure.Segments == 1, $"{measure.Units} septets: {text}");
        }
    }
}
