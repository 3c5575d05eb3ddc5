using ChatSurvey.Domain.Questionnaires;
using ChatSurvey.Domain.Sms;

namespace ChatSurvey.Domain.Tests.Questionnaires;

/// <summary>The three shipped questionnaires, against docs/methodology.md#the-questionnaires.</summary>
public sealed class QuestionnaireCatalogueTests(ITestOutputHelper output)
{
    public static TheoryData<string> AllCodes() =>
        new(QuestionnaireCatalogue.Full, QuestionnaireCatalogue.Method2017, QuestionnaireCatalogue.Sms);

    public static TheoryData<string> FullCodes() => new(QuestionnaireCatalogue.Full, QuestionnaireCatalogue.Method2017);

    [Fact]
    public void Defaults_Should_BeTheThreeSipasQuestionnaires_When_Loaded()
    {
        var codes = QuestionnaireCatalogue.Defaults.Select(q => (q.Code, q.Version)).Order().ToList();

        Assert.Equal([("sipas-2017", 1), ("sipas-full", 1), ("sipas-sms", 1)], codes);
        Assert.All(QuestionnaireCatalogue.Defaults, q => Assert.Empty(QuestionnaireCatalogue.Validate(q)));
        Assert.All(QuestionnaireCatalogue.Defaults, q => Assert.Contains("not verified", q.Source, StringComparison.Ordinal));
    }

    [Fact]
    public void FullQuestionnaire_Should_Have16CriteriaInFiveElements_When_Method2023()
    {
        var q = QuestionnaireCatalogue.Default(QuestionnaireCatalogue.Full);

        Assert.Equal(["E1", "E2", "E3", "E4", "E5"], q.Elements.Select(e => e.Code));
        Assert.Equal(16, q.Questions.Count(x => x.Role == QuestionRole.Criterion));
        Assert.Equal([3, 4, 3, 3, 3], CriteriaPerElement(q));
        Assert.Equal("Tiếp nhận, xử lý phản ánh, kiến nghị", q.Elements[4].Name);
    }

    [Fact]
    public void Questionnaire2017_Should_Have22CriteriaInFiveElements_When_Method2017()
    {
        var q = QuestionnaireCatalogue.Default(QuestionnaireCatalogue.Method2017);

        Assert.Equal(["E1", "E2", "E3", "E4", "E5"], q.Elements.Select(e => e.Code));
        Assert.Equal(22, q.Questions.Count(x => x.Role == QuestionRole.Criterion));
        Assert.Equal([4, 5, 6, 3, 4], CriteriaPerElement(q));
        Assert.Equal("Tiếp nhận, giải quyết góp ý, phản ánh, kiến nghị", q.Elements[4].Name);
    }

    [Fact]
    public void SmsQuestionnaire_Should_AskSixRatingsAndAnOptionalComment_When_ShortForm()
    {
        var q = QuestionnaireCatalogue.Default(QuestionnaireCatalogue.Sms);

        Assert.Equal(5, q.Elements.Count);
        Assert.Equal(7, q.Questions.Count);
        Assert.Equal(6, q.Questions.Count(x => x.Kind == QuestionKind.Rating));
        Assert.Equal(["E1", "E2", "E3", "E4", "E5"], q.Questions.Where(x => x.Role == QuestionRole.Element).Select(x => x.Element));
        Assert.Single(q.Questions, x => x.Role == QuestionRole.Overall);
        var comment = Assert.Single(q.Questions, x => x.Kind == QuestionKind.Text);
        Assert.Equal(QuestionRole.Comment, comment.Role);
        Assert.True(comment.Optional);
        Assert.DoesNotContain(q.Questions, x => x.Role == QuestionRole.Criterion);
    }

    [Theory]
    [MemberData(nameof(FullCodes))]
    public void FullQuestionnaires_Should_FollowTheSipasStructure_When_Loaded(string code)
    {
        var q = QuestionnaireCatalogue.Default(code);
        var index = q.Questions.Select((x, i) => (x.Code, i)).ToDictionary(p => p.Code, p => p.i);

        // One satisfaction question per element, after that element's criteria.
        foreach (var element in q.Elements)
        {
            var elementQuestion = Assert.Single(q.Questions, x => x.Role == QuestionRole.Element && x.Element == element.Code);
            Assert.Equal($"{element.Code}.S", elementQuestion.Code);
            Assert.All(q.Questions.Where(x => x.Role == QuestionRole.Criterion && x.Element == element.Code),
                c => Assert.True(index[c.Code] < index[elementQuestion.Code]));
        }

        // The feedback gate opens E5 and only E5.
        var gate = Assert.Single(q.Questions, x => x.Role == QuestionRole.Gate);
        Assert.Equal(("FEEDBACK", QuestionKind.YesNo), (gate.Code, gate.Kind));
        Assert.Contains("phản ánh, kiến nghị", gate.Text, StringComparison.Ordinal);
        foreach (var question in q.Questions)
        {
            if (question.Element == "E5")
            {
                Assert.Equal(new AskCondition("FEEDBACK", "yes"), question.AskIf);
                Assert.True(index[question.Code] > index[gate.Code]);
            }
            else
            {
                Assert.Null(question.AskIf);
            }
        }

        var overall = Assert.Single(q.Questions, x => x.Role == QuestionRole.Overall);
        Assert.Equal(("OVERALL", QuestionKind.Rating), (overall.Code, overall.Kind));

        var improve = Assert.Single(q.Questions, x => x.Role == QuestionRole.Improve);
        Assert.Equal(("IMPROVE", QuestionKind.Choice), (improve.Code, improve.Kind));
        Assert.Equal(q.Elements.Select(e => e.Code), improve.Options.Select(o => o.Value));

        var comment = Assert.Single(q.Questions, x => x.Role == QuestionRole.Comment);
        Assert.Equal(("COMMENT", QuestionKind.Text, true), (comment.Code, comment.Kind, comment.Optional));

        var profile = q.Questions.Where(x => x.Role == QuestionRole.Profile).ToList();
        Assert.Equal(["PROFILE.TYPE", "PROFILE.AGE", "PROFILE.GENDER", "PROFILE.SUBMIT"], profile.Select(x => x.Code));
        Assert.All(profile, p => Assert.Equal((QuestionKind.Choice, true), (p.Kind, p.Optional)));
        Assert.Equal(["citizen", "organization"], profile[0].Options.Select(o => o.Value));
        Assert.Equal(["in-person", "online", "post"], profile[3].Options.Select(o => o.Value));

        Assert.All(q.Questions.Where(x => x.Role is QuestionRole.Criterion or QuestionRole.Element or QuestionRole.Overall),
            r => Assert.False(r.Optional));
    }

    [Theory]
    [MemberData(nameof(AllCodes))]
    public void WebTexts_Should_BeVietnameseWithDiacritics_When_Shown(string code)
    {
        var q = QuestionnaireCatalogue.Default(code);
        static bool HasDiacritics(string text) => VietnameseText.ToAscii(text) != text;

        Assert.All(q.Questions, x => Assert.True(HasDiacritics(x.Text), $"{x.Code}: {x.Text}"));
        Assert.All(q.Elements, e => Assert.True(HasDiacritics(e.Name), e.Code));
        Assert.True(HasDiacritics(q.Intro.Web));
        Assert.True(HasDiacritics(q.Thanks.Web));
        Assert.True(HasDiacritics(q.Title));
        // Every option with a Vietnamese word carries its marks ("Nam" is Vietnamese without any).
        Assert.All(q.Questions.SelectMany(x => x.Options).Where(o => o.Text.Any(char.IsLetter) && o.Text != "Nam"),
            o => Assert.True(HasDiacritics(o.Text), o.Text));
    }

    [Theory]
    [MemberData(nameof(AllCodes))]
    public void SmsPrompts_Should_FitOneGsm7Segment_When_RenderedForEveryQuestion(string code)
    {
        var q = QuestionnaireCatalogue.Default(code);
        var total = q.Questions.Count;

        for (var i = 0; i < total; i++)
        {
            var question = q.Questions[i];
            foreach (var (number, of) in new[] { (i + 1, total), (total, total) })
            {
                var prompt = QuestionPrompt.Sms(q, question, number, of);
                var measure = Gsm7.Measure(prompt);
                Assert.True(measure.Encoding == SmsEncoding.Gsm7, $"{question.Code}: not GSM-7: {prompt}");
                Assert.True(measure.Segments == 1 && measure.Units <= Gsm7.SingleSegmentSeptets,
                    $"{question.Code}: {measure.Units} septets: {prompt}");
                Assert.True(System.Text.Ascii.IsValid(prompt), $"{question.Code}: not ASCII: {prompt}");
            }

            output.WriteLine($"{question.Code,-15} {Gsm7.Measure(QuestionPrompt.Sms(q, question, total, total)).Units,3} septets");
        }
    }

    [Theory]
    [MemberData(nameof(AllCodes))]
    public void SmsTexts_Should_HaveOnlyGsm7Characters_When_AnyTextIsSent(string code)
    {
        var q = QuestionnaireCatalogue.Default(code);
        var texts = new List<(string Where, string Text)>
        {
            ("intro", q.Intro.Sms ?? VietnameseText.ToAscii(q.Intro.Web)),
            ("thanks", q.Thanks.Sms ?? VietnameseText.ToAscii(q.Thanks.Web)),
        };
        texts.AddRange(q.Elements.Select(e => ($"element {e.Code}", e.Sms ?? VietnameseText.ToAscii(e.Name))));
        texts.AddRange(q.Questions.Select(x => (x.Code, QuestionPrompt.SmsText(x))));
        texts.AddRange(q.Questions.SelectMany(x => x.Options.Select(o => ($"{x.Code}/{o.Value}", QuestionPrompt.SmsLabel(o)))));

        Assert.All(texts, t =>
        {
            Assert.True(Gsm7.IsGsm7(t.Text), $"{t.Where}: non-GSM-7 {string.Join(' ', Gsm7.NonGsm7Chars(t.Text))} in '{t.Text}'");
            Assert.True(System.Text.Ascii.IsValid(t.Text), $"{t.Where}: not ASCII: '{t.Text}'");
        });
        Assert.Equal(1, Gsm7.Measure(texts[0].Text).Segments);
        Assert.Equal(1, Gsm7.Measure(texts[1].Text).Segments);
    }

    [Theory]
    [MemberData(nameof(AllCodes))]
    public void Serialize_Should_RoundTripThroughParse_When_Default(string code)
    {
        var original = QuestionnaireCatalogue.Default(code);

        var json = QuestionnaireCatalogue.Serialize(original);
        var copy = QuestionnaireCatalogue.Parse(json);

        Assert.Equal(json, QuestionnaireCatalogue.Serialize(copy));
        Assert.Equal(original.Questions.Count, copy.Questions.Count);
        Assert.Contains("\"kind\": \"rating\"", json, StringComparison.Ordinal);
        Assert.DoesNotContain("\\u", json, StringComparison.Ordinal);
    }

    [Fact]
    public void Default_Should_Throw_When_CodeUnknown()
    {
        Assert.Throws<KeyNotFoundException>(() => QuestionnaireCatalogue.Default("nope"));
    }

    private static int[] CriteriaPerElement(Questionnaire q) =>
        [.. q.Elements.Select(e => q.Questions.Count(x => x.Role == QuestionRole.Criterion && x.Element == e.Code))];
}
