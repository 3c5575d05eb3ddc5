using ChatSurvey.Domain.Questionnaires;

namespace ChatSurvey.Domain.Tests.Questionnaires;

/// <summary>Each rule of <see cref="QuestionnaireCatalogue.Validate"/>, broken once in a small document.</summary>
public sealed class QuestionnaireValidationTests
{
    private const string ElementQ = """{"code": "E1.S", "kind": "rating", "role": "element", "element": "E1", "text": "Ông/Bà hài lòng về thủ tục?"}""";
    private const string Gate = """{"code": "FEEDBACK", "kind": "yes_no", "role": "gate", "text": "Ông/Bà có phản ánh không?"}""";
    private const string Choice = """{"code": "PROFILE.TYPE", "kind": "choice", "role": "profile", "text": "Tư cách?", "options": [{"value": "citizen", "text": "Cá nhân"}, {"value": "organization", "text": "Tổ chức"}]}""";

    public static TheoryData<string, string, string, string> BrokenDocuments() => new()
    {
        { "duplicate question code", Doc(ElementQ, ElementQ), "E1.S", "code is used twice (questions 1 and 2)" },
        { "malformed question code", Doc(ElementQ, """{"code": "câu 1", "kind": "text", "role": "comment", "text": "Ý kiến?"}"""), "câu 1", "must be 1-64 letters" },
        { "undeclared element", Doc(ElementQ, """{"code": "E9.C1", "kind": "rating", "role": "criterion", "element": "E9", "text": "Tiêu chí?"}"""), "E9.C1", "element 'E9' is not declared" },
        { "criterion without element", Doc(ElementQ, """{"code": "E1.C1", "kind": "rating", "role": "criterion", "text": "Tiêu chí?"}"""), "E1.C1", "must name its element" },
        { "element on an overall question", Doc(ElementQ, """{"code": "OVERALL", "kind": "rating", "role": "overall", "element": "E1", "text": "Nói chung?"}"""), "OVERALL", "only criterion and element questions name an element" },
        { "role and kind disagree", Doc(ElementQ, """{"code": "FEEDBACK", "kind": "rating", "role": "gate", "text": "Có phản ánh?"}"""), "FEEDBACK", "a gate question must be of kind yes_no, not rating" },
        { "element declared twice", DocWith(ElementQ, elements: """[{"code": "E1", "name": "Thủ tục"}, {"code": "E1", "name": "Thủ tục"}]"""), "element E1", "is declared twice" },
        { "element never asked", DocWith(ElementQ, elements: """[{"code": "E1", "name": "Thủ tục"}, {"code": "E2", "name": "Công chức"}]"""), "element E2", "has no criterion or element question" },
        { "two element questions", Doc(ElementQ, ElementQ.Replace("E1.S", "E1.S2", StringComparison.Ordinal)), "element E1", "has 2 element questions" },
        { "askIf to a later question", Doc("""{"code": "E1.S", "kind": "rating", "role": "element", "element": "E1", "text": "Hài lòng?", "askIf": {"question": "FEEDBACK", "equals": "yes"}}""", Gate), "E1.S", "'FEEDBACK', which does not come before" },
        { "askIf to itself", Doc("""{"code": "FEEDBACK", "kind": "yes_no", "role": "gate", "text": "Có phản ánh?", "askIf": {"question": "FEEDBACK", "equals": "yes"}}""", ElementQ), "FEEDBACK", "does not come before" },
        { "askIf to an unknown question", Doc(ElementQ, """{"code": "E1.C1", "kind": "rating", "role": "criterion", "element": "E1", "text": "Tiêu chí?", "askIf": {"question": "NOPE", "equals": "yes"}}"""), "E1.C1", "'NOPE', which is not a question" },
        { "askIf to a rating question", Doc(ElementQ, """{"code": "OVERALL", "kind": "rating", "role": "overall", "text": "Nói chung?", "askIf": {"question": "E1.S", "equals": "5"}}"""), "OVERALL", "only yes/no (gate) and choice questions can be conditions" },
        { "askIf value not yes/no", Doc(Gate, """{"code": "E1.S", "kind": "rating", "role": "element", "element": "E1", "text": "Hài lòng?", "askIf": {"question": "FEEDBACK", "equals": "co"}}"""), "E1.S", "askIf value 'co' is not an answer of yes/no question 'FEEDBACK'" },
        { "askIf value not an option", Doc(Choice, """{"code": "E1.S", "kind": "rating", "role": "element", "element": "E1", "text": "Hài lòng?", "askIf": {"question": "PROFILE.TYPE", "equals": "company"}}"""), "E1.S", "askIf value 'company' is not an option of 'PROFILE.TYPE' (citizen, organization)" },
        { "choice with one option", Doc(ElementQ, """{"code": "PROFILE.TYPE", "kind": "choice", "role": "profile", "text": "Tư cách?", "options": [{"value": "citizen", "text": "Cá nhân"}]}"""), "PROFILE.TYPE", "at least 2 options, it has 1" },
        { "choice with no options", Doc(ElementQ, """{"code": "IMPROVE", "kind": "choice", "role": "improve", "text": "Cải thiện gì?"}"""), "IMPROVE", "at least 2 options, it has 0" },
        { "choice with a repeated value", Doc(ElementQ, """{"code": "PROFILE.TYPE", "kind": "choice", "role": "profile", "text": "Tư cách?", "options": [{"value": "a", "text": "Cá nhân"}, {"value": "a", "text": "Tổ chức"}]}"""), "PROFILE.TYPE", "option value 'a' is used twice" },
        { "choice option valued as skip", Doc(ElementQ, """{"code": "PROFILE.TYPE", "kind": "choice", "role": "profile", "text": "Tư cách?", "options": [{"value": "0", "text": "Cá nhân"}, {"value": "1", "text": "Tổ chức"}]}"""), "PROFILE.TYPE", "reserved for skipping" },
        { "improve option not an element", Doc(ElementQ, """{"code": "IMPROVE", "kind": "choice", "role": "improve", "text": "Cải thiện gì?", "options": [{"value": "E1", "text": "Thủ tục"}, {"value": "X", "text": "Khác"}]}"""), "IMPROVE", "declared element code, not 'X'" },
        { "rating with options", Doc("""{"code": "E1.S", "kind": "rating", "role": "element", "element": "E1", "text": "Hài lòng?", "options": [{"value": "a", "text": "A"}, {"value": "b", "text": "B"}]}"""), "E1.S", "a rating question takes no options, it has 2" },
        { "SMS override with diacritics", Doc("""{"code": "E1.S", "kind": "rating", "role": "element", "element": "E1", "text": "Hài lòng?", "sms": "Hài lòng?"}"""), "E1.S", "SMS text must be ASCII GSM-7 without diacritics; it has 'à' (U+00E0)" },
        { "derived SMS text not GSM-7", Doc("""{"code": "E1.S", "kind": "rating", "role": "element", "element": "E1", "text": "Hài lòng 😀?"}"""), "E1.S", "after transliteration; add an sms text" },
        { "SMS option label not GSM-7", Doc(ElementQ, """{"code": "PROFILE.TYPE", "kind": "choice", "role": "profile", "text": "Tư cách?", "options": [{"value": "a", "text": "Cá nhân", "sms": "Cá nhân"}, {"value": "b", "text": "Tổ chức"}]}"""), "PROFILE.TYPE", "option 'a' SMS label must be ASCII GSM-7" },
        { "SMS prompt over one segment", Doc("""{"code": "E1.S", "kind": "rating", "role": "element", "element": "E1", "text": "Ông/Bà hài lòng thế nào về việc công chức hướng dẫn hồ sơ dễ hiểu, đầy đủ, để hồ sơ được hoàn thiện sau một lần hướng dẫn?"}"""), "E1.S", "over the 160 of one segment" },
        { "choice options overflow the SMS", Doc(ElementQ, """{"code": "PROFILE.AGE", "kind": "choice", "role": "profile", "text": "Nhóm tuổi?", "options": [{"value": "a", "text": "Từ mười tám đến hai mươi bốn tuổi"}, {"value": "b", "text": "Từ hai mươi lăm đến ba mươi bốn tuổi"}, {"value": "c", "text": "Từ ba mươi lăm đến bốn mươi bốn tuổi"}, {"value": "d", "text": "Từ bốn mươi lăm tuổi trở lên"}]}"""), "PROFILE.AGE", "shorten its sms text (or option sms labels)" },
        { "intro SMS over one segment", DocWith(ElementQ, intro: """{"web": "Xin chào Ông/Bà! Sở Nội vụ thành phố Hải Phòng khảo sát mức độ hài lòng của người dân, tổ chức đối với sự phục vụ của cơ quan hành chính nhà nước khi Ông/Bà giải quyết thủ tục hành chính."}"""), "intro", "more than one segment (160); add a shorter sms text" },
        { "version not positive", Doc(ElementQ).Replace("\"version\": 1", "\"version\": 0", StringComparison.Ordinal), "questionnaire", "version must be a positive integer, not 0" },
        { "unknown kind", Doc("""{"code": "E1.S", "kind": "stars", "role": "element", "element": "E1", "text": "Hài lòng?"}"""), "json", "$.questions[0].kind" },
        { "misspelt property", Doc("""{"code": "E1.S", "kind": "rating", "role": "element", "element": "E1", "text": "Hài lòng?", "askif": {"question": "X", "equals": "yes"}}"""), "json", "askif" },
        { "missing text", Doc("""{"code": "E1.S", "kind": "rating", "role": "element", "element": "E1"}"""), "json", "text" },
        { "malformed JSON", "{\"code\": \"t\", ", "json", "" },
        { "not applicable on a yes/no question", Doc(ElementQ, """{"code": "FEEDBACK", "kind": "yes_no", "role": "gate", "text": "Có phản ánh?", "allowNotApplicable": true}"""), "FEEDBACK", "only rating questions may allow \"Không áp dụng\" (allowNotApplicable); this is a yes_no question" },
        { "not applicable on a text question", Doc(ElementQ, """{"code": "COMMENT", "kind": "text", "role": "comment", "text": "Ý kiến?", "optional": true, "allowNotApplicable": true}"""), "COMMENT", "this is a text question, remove allowNotApplicable" },
        { "not applicable on a choice question", Doc(ElementQ, Choice.Replace("\"text\": \"Tư cách?\"", "\"text\": \"Tư cách?\", \"allowNotApplicable\": true", StringComparison.Ordinal)), "PROFILE.TYPE", "this is a choice question" },
        { "unknown element rule", DocScoring("""{"element": "medianOfCriteria"}"""), "json", "$.scoring.element" },
        { "element rule out of range", DocScoring("""{"element": 7}"""), "scoring", "element rule 7 is unknown (meanOfCriteria or pooledAnswers)" },
        { "unknown agency rule", DocScoring("""{"agency": "weighted"}"""), "json", "$.scoring.agency" },
        { "agency rule out of range", DocScoring("""{"agency": 9}"""), "scoring", "agency rule 9 is unknown (meanOfElements or weightedElements)" },
        { "unknown scoring property", DocScoring("""{"element": "meanOfCriteria", "method": "x"}"""), "json", "method" },
        { "weighted without weights", DocScoring("""{"agency": "weightedElements"}"""), "scoring", "agency \"weightedElements\" needs weights, a positive number for every element (E1, E2)" },
        { "weights missing an element", DocScoring("""{"agency": "weightedElements", "weights": {"E1": 2}}"""), "scoring", "weights give no weight to element E2" },
        { "weight zero", DocScoring("""{"agency": "weightedElements", "weights": {"E1": 1, "E2": 0}}"""), "scoring", "the weight of element E2 must be a positive number, not 0" },
        { "weight negative", DocScoring("""{"agency": "weightedElements", "weights": {"E1": -0.5, "E2": 1}}"""), "scoring", "the weight of element E1 must be a positive number, not -0.5" },
        { "weight not a number", DocScoring("""{"agency": "weightedElements", "weights": {"E1": "1", "E2": 1}}"""), "json", "$.scoring.weights" },
        { "weight for an undeclared element", DocScoring("""{"agency": "weightedElements", "weights": {"E1": 1, "E2": 1, "E9": 1}}"""), "scoring", "weights name 'E9', which is not a declared element (declared: E1, E2)" },
        { "weights without weighted agency", DocScoring("""{"agency": "meanOfElements", "weights": {"E1": 1, "E2": 1}}"""), "scoring", "weights are used only with agency \"weightedElements\"" },
        { "weights when agency is left to its default", DocScoring("""{"weights": {"E1": 1, "E2": 1}}"""), "scoring", "weights are used only with agency \"weightedElements\"" },
    };

    [Fact]
    public void Parse_Should_DefaultTheScoringRules_When_ScoringAbsent()
    {
        var q = QuestionnaireCatalogue.Parse(Doc(ElementQ));

        Assert.Null(q.Scoring);
        Assert.Equal(new QuestionnaireScoring(ElementRule.MeanOfCriteria, AgencyRule.MeanOfElements, null), q.ScoringRules);
        Assert.Same(QuestionnaireScoring.Default, q.ScoringRules);
        Assert.DoesNotContain("scoring", QuestionnaireCatalogue.Serialize(q), StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_Should_DefaultEachRule_When_ScoringGivesOnlyOne()
    {
        var q = QuestionnaireCatalogue.Parse(DocScoring("""{"element": "pooledAnswers"}"""));

        Assert.Equal((ElementRule.PooledAnswers, AgencyRule.MeanOfElements, null), (q.ScoringRules.Element, q.ScoringRules.Agency, q.ScoringRules.Weights));
    }

    [Fact]
    public void Parse_Should_ReadTheWeights_When_AgencyWeightsElements()
    {
        var q = QuestionnaireCatalogue.Parse(DocScoring("""{"element": "meanOfCriteria", "agency": "weightedElements", "weights": {"E1": 2, "E2": 0.5}}"""));

        Assert.Equal(AgencyRule.WeightedElements, q.ScoringRules.Agency);
        Assert.Equal([("E1", 2.0), ("E2", 0.5)], q.ScoringRules.Weights!.OrderBy(w => w.Key).Select(w => (w.Key, w.Value)));
        var json = QuestionnaireCatalogue.Serialize(q);
        Assert.Contains("\"agency\": \"weightedElements\"", json, StringComparison.Ordinal);
        Assert.Contains("\"element\": \"meanOfCriteria\"", json, StringComparison.Ordinal);
        Assert.Equal([("E1", 2.0), ("E2", 0.5)],
            QuestionnaireCatalogue.Parse(json).ScoringRules.Weights!.OrderBy(w => w.Key).Select(w => (w.Key, w.Value)));
    }

    [Fact]
    public void Parse_Should_AcceptNotApplicable_When_RatingQuestionAllowsIt()
    {
        var q = QuestionnaireCatalogue.Parse(Doc(
            """{"code": "E1.C1", "kind": "rating", "role": "criterion", "element": "E1", "text": "Phí, lệ phí?", "allowNotApplicable": true}""",
            ElementQ));

        Assert.Equal([true, false], q.Questions.Select(x => x.AllowNotApplicable));
        var json = QuestionnaireCatalogue.Serialize(q);
        // Written only where true, so definitions without it serialise exactly as before the option existed.
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(json, "allowNotApplicable"));
        Assert.Contains("\"allowNotApplicable\": true", json, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_Should_Accept_When_SmallDocumentIsValid()
    {
        var q = QuestionnaireCatalogue.Parse(Doc(Gate, """{"code": "E1.S", "kind": "rating", "role": "element", "element": "E1", "text": "Hài lòng?", "askIf": {"question": "FEEDBACK", "equals": "yes"}}""", Choice));

        Assert.Equal(3, q.Questions.Count);
        Assert.Equal(new AskCondition("FEEDBACK", "yes"), q.Questions[1].AskIf);
    }

    [Theory]
    [MemberData(nameof(BrokenDocuments))]
    public void Parse_Should_NameTheQuestionAndRule_When_RuleBroken(string rule, string json, string subject, string fragment)
    {
        var error = Assert.Throws<QuestionnaireValidationException>(() => QuestionnaireCatalogue.Parse(json));

        Assert.True(error.Problems.Any(p => p.Subject == subject && p.Message.Contains(fragment, StringComparison.Ordinal)),
            $"{rule}: expected '{subject}: …{fragment}…', got:{Environment.NewLine}{error.Message}");
        Assert.Contains(subject, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_Should_ListEveryProblem_When_SeveralRulesBroken()
    {
        var json = Doc(
            ElementQ,
            ElementQ,
            """{"code": "E9.C1", "kind": "rating", "role": "criterion", "element": "E9", "text": "Tiêu chí?"}""",
            """{"code": "IMPROVE", "kind": "choice", "role": "improve", "text": "Cải thiện gì?", "options": [{"value": "E1", "text": "Thủ tục"}]}""",
            """{"code": "E1.C2", "kind": "rating", "role": "criterion", "element": "E1", "text": "Tiêu chí?", "askIf": {"question": "OVERALL", "equals": "yes"}}""");

        var error = Assert.Throws<QuestionnaireValidationException>(() => QuestionnaireCatalogue.Parse(json));

        Assert.Equal(["E1.S", "E9.C1", "IMPROVE", "E1.C2", "element E1"], error.Problems.Select(p => p.Subject));
        Assert.All(error.Problems, p => Assert.Contains(p.ToString(), error.Message, StringComparison.Ordinal));
    }

    private static string Doc(params string[] questions) => Build(questions, null, null);

    private static string DocWith(string question, string? elements = null, string? intro = null) => Build([question], elements, intro);

    /// <summary>Two elements (E1, E2), one element question each, and this <c>scoring</c> object.</summary>
    private static string DocScoring(string scoring) => Build(
        [ElementQ, ElementQ.Replace("E1", "E2", StringComparison.Ordinal)],
        """[{"code": "E1", "name": "Tiếp cận dịch vụ"}, {"code": "E2", "name": "Thủ tục hành chính"}]""",
        null,
        scoring);

    private static string Build(string[] questions, string? elements, string? intro, string? scoring = null) =>
        $$"""
        {
          "code": "test", "version": 1, "title": "Thử", "method": "QĐ 1001/QĐ-BNV (2023)",{{(scoring is null ? "" : "\n  \"scoring\": " + scoring + ",")}}
          "intro": {{intro ?? """{"web": "Xin chào Ông/Bà."}"""}},
          "thanks": {"web": "Cảm ơn Ông/Bà.", "sms": "Cam on Ong/Ba."},
          "elements": {{elements ?? """[{"code": "E1", "name": "Thủ tục hành chính"}]"""}},
          "questions": [{{string.Join(",\n", questions)}}]
        }
        """;
}
