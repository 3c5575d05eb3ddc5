using ChatSurvey.Domain.Questionnaires;
using ChatSurvey.Domain.Sms;

namespace ChatSurvey.Domain.Tests.Questionnaires;

/// <summary>The three shipped questionnaires, every shipped version, against docs/methodology.md#the-questionnaires.</summary>
public sealed class QuestionnaireCatalogueTests(ITestOutputHelper output)
{
    public static TheoryData<string> FullCodes() => new(QuestionnaireCatalogue.Full, QuestionnaireCatalogue.Method2017);

    /// <summary>Every shipped (code, version): old versions stay shipped, so they keep every rule too.</summary>
    public static TheoryData<string, int> AllVersions() =>
        new(QuestionnaireCatalogue.Defaults.Select(q => (q.Code, q.Version)));

    /// <summary>
    /// SHA-256 of each shipped definition file and of its serialisation (what <see cref="QuestionnaireStore"/> stores):
    /// databases in the field hold these versions and their waves keep them, so they never change; a change ships as a
    /// new version.
    /// </summary>
    private static readonly (string File, string Code, int Version, string FileSha256, string StoredSha256)[] Shipped =
    [
        ("sipas-2017.json", "sipas-2017", 1,
            "77217ca4661fbcf6205b3d0b8cdda71632ec72a834501f10402c2474e844fc78",
            "93b4cd8312fbd9a7122ddf014b35eb607698324a49e6aa1dccea44402b672bd5"),
        ("sipas-full.json", "sipas-full", 1,
            "32542ee972461f8ca37b01565fb59cc850a0a367642f99fa39772f618c3da989",
            "ced87c215d483d8229a8829bc444e4dface375f820ac6f48c41d0e62f260b6c1"),
        ("sipas-sms.json", "sipas-sms", 1,
            "038e187bf438d8b30ac8f0879a1effa389c4674b7bfa6158c85ec17b7aea99b6",
            "3ad7e47a12ff43a3b2612b6713a796c7ac0ba23f0dcfef7bc6c4152922fe9b8e"),
    ];

    [Fact]
    public void Defaults_Should_BeTheThreeSipasQuestionnairesInEveryVersion_When_Loaded()
    {
        var versions = QuestionnaireCatalogue.Defaults.Select(q => (q.Code, q.Version)).ToList();

        Assert.Equal([("sipas-2017", 1), ("sipas-2017", 2), ("sipas-full", 1), ("sipas-full", 2), ("sipas-sms", 1)], versions);
        Assert.All(QuestionnaireCatalogue.Defaults, q => Assert.Empty(QuestionnaireCatalogue.Validate(q)));
        Assert.All(QuestionnaireCatalogue.Defaults, q => Assert.Contains("not verified", q.Source, StringComparison.Ordinal));
    }

    [Fact]
    public void Default_Should_BeTheNewestVersion_When_OnlyTheCodeIsGiven()
    {
        Assert.Equal(2, QuestionnaireCatalogue.Default(QuestionnaireCatalogue.Full).Version);
        Assert.Equal(2, QuestionnaireCatalogue.Default(QuestionnaireCatalogue.Method2017).Version);
        Assert.Equal(1, QuestionnaireCatalogue.Default(QuestionnaireCatalogue.Sms).Version);
        Assert.Equal(1, QuestionnaireCatalogue.Default(QuestionnaireCatalogue.Full, 1).Version);
        Assert.Throws<KeyNotFoundException>(() => QuestionnaireCatalogue.Default(QuestionnaireCatalogue.Sms, 2));
    }

    [Fact]
    public void ShippedVersions_Should_StayByteForByte_When_NewVersionsShip()
    {
        var assembly = typeof(QuestionnaireCatalogue).Assembly;
        foreach (var (file, code, version, fileSha256, storedSha256) in Shipped)
        {
            using var stream = assembly.GetManifestResourceStream("ChatSurvey.Domain.Questionnaires.Definitions." + file);
            Assert.True(stream is not null, $"{file} shipped but is no longer embedded; restore it.");
            Assert.True(Sha256(stream) == fileSha256, $"{file} ({code} v{version}) was edited after it shipped; revert it and ship the change as a new version.");
            var stored = QuestionnaireCatalogue.Serialize(QuestionnaireCatalogue.Default(code, version));
            using var serialised = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(stored));
            Assert.True(Sha256(serialised) == storedSha256, $"{code} v{version} now serialises differently from what databases hold: {stored}");
        }
    }

    [Fact]
    public void Version2_Should_AllowNotApplicableOnTheCounterAndFeeCriteria_When_Shipped()
    {
        static string[] NotApplicable(Questionnaire q) => [.. q.Questions.Where(x => x.AllowNotApplicable).Select(x => x.Code)];

        Assert.Equal(["E1.C1", "E1.C2", "E1.C3", "E1.S", "E2.C3"], NotApplicable(QuestionnaireCatalogue.Default(QuestionnaireCatalogue.Full, 2)));
        Assert.Equal(["E1.C1", "E1.C2", "E1.C3", "E1.C4", "E1.S", "E2.C4"], NotApplicable(QuestionnaireCatalogue.Default(QuestionnaireCatalogue.Method2017, 2)));
        Assert.Contains("phí, lệ phí", QuestionnaireCatalogue.Default(QuestionnaireCatalogue.Full, 2).Questions.Single(x => x.Code == "E2.C3").Text, StringComparison.Ordinal);
        Assert.Contains("phí, lệ phí", QuestionnaireCatalogue.Default(QuestionnaireCatalogue.Method2017, 2).Questions.Single(x => x.Code == "E2.C4").Text, StringComparison.Ordinal);
        Assert.All(QuestionnaireCatalogue.Defaults.Where(q => q.Version == 1), q => Assert.Empty(NotApplicable(q)));
        Assert.All(QuestionnaireCatalogue.Defaults.Where(q => q.Version == 1), q => Assert.Null(q.Scoring));
    }

    [Theory]
    [MemberData(nameof(FullCodes))]
    public void Version2_Should_StateTheDefaultScoringRules_When_Shipped(string code)
    {
        var scoring = QuestionnaireCatalogue.Default(code, 2).Scoring;

        Assert.Equal(new QuestionnaireScoring(ElementRule.MeanOfCriteria, AgencyRule.MeanOfElements, null), scoring);
    }

    [Theory]
    [MemberData(nameof(FullCodes))]
    public void Version2_Should_DifferFromVersion1_OnlyInNotApplicableAndItsSmsTexts_When_Shipped(string code)
    {
        var v1 = QuestionnaireCatalogue.Default(code, 1);
        var v2 = QuestionnaireCatalogue.Default(code, 2);

        Assert.Equal((v1.Title, v1.Method, v1.Intro, v1.Thanks), (v2.Title, v2.Method, v2.Intro, v2.Thanks));
        Assert.Equal(v1.Elements, v2.Elements);
        Assert.Equal(v1.Questions.Count, v2.Questions.Count);
        foreach (var (old, now) in v1.Questions.Zip(v2.Questions))
        {
            Assert.Equal(old with { Sms = null, Options = [] }, now with { Sms = null, Options = [], AllowNotApplicable = false });
            Assert.Equal(old.Options, now.Options);
            if (!now.AllowNotApplicable)
                Assert.Equal(old.Sms, now.Sms);
        }
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
    [MemberData(nameof(AllVersions))]
    public void WebTexts_Should_BeVietnameseWithDiacritics_When_Shown(string code, int version)
    {
        var q = QuestionnaireCatalogue.Default(code, version);
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
    [MemberData(nameof(AllVersions))]
    public void SmsPrompts_Should_FitOneGsm7Segment_When_RenderedForEveryQuestion(string code, int version)
    {
        var q = QuestionnaireCatalogue.Default(code, version);
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
    [MemberData(nameof(AllVersions))]
    public void SmsTexts_Should_HaveOnlyGsm7Characters_When_AnyTextIsSent(string code, int version)
    {
        var q = QuestionnaireCatalogue.Default(code, version);
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
    [MemberData(nameof(AllVersions))]
    public void Serialize_Should_RoundTripThroughParse_When_Default(string code, int version)
    {
        var original = QuestionnaireCatalogue.Default(code, version);

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

    private static string Sha256(Stream stream) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(stream));

    private static int[] CriteriaPerElement(Questionnaire q) =>
        [.. q.Elements.Select(e => q.Questions.Count(x => x.Role == QuestionRole.Criterion && x.Element == e.Code))];
}
