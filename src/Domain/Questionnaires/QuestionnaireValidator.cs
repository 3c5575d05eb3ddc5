using System.Text;
using System.Text.RegularExpressions;
using ChatSurvey.Domain.Sms;

namespace ChatSurvey.Domain.Questionnaires;

/// <summary>The rules a questionnaire definition must keep; see <see cref="QuestionnaireCatalogue.Validate"/>.</summary>
internal static partial class QuestionnaireValidator
{
    private static readonly Dictionary<QuestionRole, QuestionKind[]> KindsByRole = new()
    {
        [QuestionRole.Criterion] = [QuestionKind.Rating],
        [QuestionRole.Element] = [QuestionKind.Rating],
        [QuestionRole.Overall] = [QuestionKind.Rating],
        [QuestionRole.Gate] = [QuestionKind.YesNo],
        [QuestionRole.Improve] = [QuestionKind.Choice],
        [QuestionRole.Comment] = [QuestionKind.Text],
        [QuestionRole.Profile] = [QuestionKind.Choice, QuestionKind.YesNo, QuestionKind.Text],
    };

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
    private static partial Regex CodeFormat();

    public static List<QuestionnaireProblem> Validate(Questionnaire questionnaire)
    {
        ArgumentNullException.ThrowIfNull(questionnaire);
        var problems = new List<QuestionnaireProblem>();
        void Add(string subject, string message) => problems.Add(new QuestionnaireProblem(subject, message));

        const string Whole = "questionnaire";
        if (questionnaire.Code is null || !CodeFormat().IsMatch(questionnaire.Code))
            Add(Whole, $"code '{questionnaire.Code}' must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit");
        if (questionnaire.Version <= 0)
            Add(Whole, $"version must be a positive integer, not {questionnaire.Version}");
        if (string.IsNullOrWhiteSpace(questionnaire.Title))
            Add(Whole, "title is empty");
        if (string.IsNullOrWhiteSpace(questionnaire.Method))
            Add(Whole, "method is empty");
        CheckFixedText(questionnaire.Intro, "intro", Add);
        CheckFixedText(questionnaire.Thanks, "thanks", Add);

        var elements = CheckElements(questionnaire.Elements ?? [], Add);
        var questions = questionnaire.Questions ?? [];
        if (questions.Count == 0)
            Add(Whole, "has no questions");

        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < questions.Count; i++)
        {
            var question = questions[i];
            if (question is null)
            {
                Add($"questions[{i}]", "is null");
                continue;
            }

            var subject = string.IsNullOrWhiteSpace(question.Code) ? $"questions[{i}]" : question.Code;
            if (question.Code is null || !CodeFormat().IsMatch(question.Code))
                Add(subject, $"code '{question.Code}' must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit");
            else if (!seen.TryAdd(question.Code, i))
                Add(subject, $"code is used twice (questions {seen[question.Code] + 1} and {i + 1})");

            CheckQuestion(questionnaire, question, i, subject, elements, Add);
        }

        CheckElementCoverage(questions, elements, Add);
        CheckScoring(questionnaire.Scoring, questionnaire.Elements ?? [], Add);
        return problems;
    }

    private static HashSet<string> CheckElements(IReadOnlyList<SurveyElement> elements, Action<string, string> add)
    {
        var codes = new HashSet<string>(StringComparer.Ordinal);
        if (elements.Count == 0)
            add("questionnaire", "declares no elements");
        for (var i = 0; i < elements.Count; i++)
        {
            var element = elements[i];
            if (element is null)
            {
                add($"elements[{i}]", "is null");
                continue;
            }

            var subject = $"element {element.Code}";
            if (element.Code is null || !CodeFormat().IsMatch(element.Code))
                add($"elements[{i}]", $"code '{element.Code}' must be 1-64 letters, digits, '.', '_' or '-'");
            else if (!codes.Add(element.Code))
                add(subject, "is declared twice");
            if (string.IsNullOrWhiteSpace(element.Name))
                add(subject, "name is empty");
            else
                CheckSmsText(element.Sms ?? VietnameseText.ToAscii(element.Name), element.Sms is null, subject, "SMS name", add);
        }

        return codes;
    }

    private static void CheckQuestion(
        Questionnaire questionnaire, Question question, int index, string subject, HashSet<string> elements,
        Action<string, string> add)
    {
        var kindKnown = Enum.IsDefined(question.Kind);
        var roleKnown = Enum.IsDefined(question.Role);
        if (!kindKnown)
            add(subject, $"kind {(int)question.Kind} is unknown (rating, yes_no, choice or text)");
        if (!roleKnown)
            add(subject, $"role {(int)question.Role} is unknown");
        if (kindKnown && roleKnown && !KindsByRole[question.Role].Contains(question.Kind))
        {
            add(subject, $"a {Name(question.Role)} question must be of kind "
                + string.Join(" or ", KindsByRole[question.Role].Select(Name)) + $", not {Name(question.Kind)}");
        }

        if (string.IsNullOrWhiteSpace(question.Text))
            add(subject, "text is empty");

        if (question.AllowNotApplicable && kindKnown && question.Kind != QuestionKind.Rating)
        {
            add(subject, $"only rating questions may allow \"Không áp dụng\" (allowNotApplicable); this is a {Name(question.Kind)} question, "
                + "remove allowNotApplicable");
        }

        // Element
        if (question.Role is QuestionRole.Criterion or QuestionRole.Element)
        {
            if (string.IsNullOrWhiteSpace(question.Element))
                add(subject, $"a {Name(question.Role)} question must name its element");
            else if (!elements.Contains(question.Element))
                add(subject, $"element '{question.Element}' is not declared (declared: {string.Join(", ", elements)})");
        }
        else if (question.Element is not null)
        {
            add(subject, $"only criterion and element questions name an element; remove element '{question.Element}'");
        }

        // Options
        var options = question.Options ?? [];
        if (question.Kind == QuestionKind.Choice)
        {
            if (options.Count < 2)
                add(subject, $"a choice question needs at least 2 options, it has {options.Count}");
            CheckOptions(question, options, subject, elements, add);
        }
        else if (options.Count > 0 && kindKnown)
        {
            add(subject, $"a {Name(question.Kind)} question takes no options, it has {options.Count}");
        }

        // Condition
        if (question.AskIf is { } condition)
            CheckCondition(questionnaire.Questions, condition, index, subject, add);

        // SMS: the text, then the whole prompt as sent.
        var hasText = !string.IsNullOrWhiteSpace(question.Text);
        var smsOk = (hasText || question.Sms is not null)
            && CheckSmsText(QuestionPrompt.SmsText(question), question.Sms is null, subject, "SMS text", add);
        if (smsOk && hasText && kindKnown && options.All(o => o is not null))
        {
            var total = Math.Max(questionnaire.Questions.Count, 1);
            var prompt = QuestionPrompt.Sms(questionnaire, question, total, total);
            var measure = Gsm7.Measure(prompt);
            if (measure.Encoding == SmsEncoding.Gsm7 && measure.Units > Gsm7.SingleSegmentSeptets)
            {
                add(subject, $"the SMS prompt is {measure.Units} septets, over the {Gsm7.SingleSegmentSeptets} of one segment "
                    + $"by {measure.Units - Gsm7.SingleSegmentSeptets}; shorten its sms text (or option sms labels): \"{prompt}\"");
            }
        }
    }

    private static void CheckOptions(
        Question question, IReadOnlyList<QuestionOption> options, string subject, HashSet<string> elements,
        Action<string, string> add)
    {
        var values = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < options.Count; i++)
        {
            var option = options[i];
            if (option is null)
            {
                add(subject, $"option {i + 1} is null");
                continue;
            }

            if (string.IsNullOrWhiteSpace(option.Value) || option.Value.Trim() != option.Value)
                add(subject, $"option {i + 1} value '{option.Value}' must be non-empty, without surrounding spaces");
            else if (option.Value == QuestionPrompt.SkipValue)
                add(subject, $"option {i + 1} value '{QuestionPrompt.SkipValue}' is reserved for skipping");
            else if (!values.Add(option.Value))
                add(subject, $"option value '{option.Value}' is used twice");

            if (string.IsNullOrWhiteSpace(option.Text))
                add(subject, $"option {i + 1} ('{option.Value}') text is empty");
            else
                CheckSmsText(QuestionPrompt.SmsLabel(option), option.Sms is null, subject, $"option '{option.Value}' SMS label", add);

            if (question.Role == QuestionRole.Improve && option.Value is not null && !elements.Contains(option.Value))
                add(subject, $"an improve option's value must be a declared element code, not '{option.Value}'");
        }
    }

    private static void CheckCondition(
        IReadOnlyList<Question> questions, AskCondition condition, int index, string subject, Action<string, string> add)
    {
        if (string.IsNullOrWhiteSpace(condition.Question))
        {
            add(subject, "askIf names no question");
            return;
        }

        var target = -1;
        for (var i = 0; i < questions.Count; i++)
        {
            if (questions[i]?.Code == condition.Question)
            {
                target = i;
                break;
            }
        }

        if (target < 0)
        {
            add(subject, $"askIf refers to '{condition.Question}', which is not a question of this questionnaire");
            return;
        }

        if (target >= index)
        {
            add(subject, $"askIf refers to '{condition.Question}', which does not come before this question");
            return;
        }

        var gate = questions[target];
        switch (gate.Kind)
        {
            case QuestionKind.YesNo when condition.EqualsValue is not (QuestionPrompt.Yes or QuestionPrompt.No):
                add(subject, $"askIf value '{condition.EqualsValue}' is not an answer of yes/no question '{gate.Code}' (yes or no)");
                break;
            case QuestionKind.Choice when !(gate.Options ?? []).Any(o => o?.Value == condition.EqualsValue):
                add(subject, $"askIf value '{condition.EqualsValue}' is not an option of '{gate.Code}' ("
                    + string.Join(", ", (gate.Options ?? []).Where(o => o is not null).Select(o => o.Value)) + ")");
                break;
            case QuestionKind.YesNo or QuestionKind.Choice:
                break;
            default:
                add(subject, $"askIf refers to '{gate.Code}', a {Name(gate.Kind)} question; only yes/no (gate) and choice questions can be conditions");
                break;
        }
    }

    private static void CheckElementCoverage(IReadOnlyList<Question> questions, HashSet<string> elements, Action<string, string> add)
    {
        foreach (var code in elements)
        {
            var asked = questions.Where(q => q is not null && q.Element == code
                && q.Role is QuestionRole.Criterion or QuestionRole.Element).ToList();
            if (asked.Count == 0)
                add($"element {code}", "has no criterion or element question");
            var elementQuestions = asked.Count(q => q.Role == QuestionRole.Element);
            if (elementQuestions > 1)
                add($"element {code}", $"has {elementQuestions} element questions; at most one is allowed");
        }
    }

    private static void CheckScoring(QuestionnaireScoring? scoring, IReadOnlyList<SurveyElement> elements, Action<string, string> add)
    {
        if (scoring is null)
            return;

        const string Subject = "scoring";
        if (!Enum.IsDefined(scoring.Element))
            add(Subject, $"element rule {(int)scoring.Element} is unknown (meanOfCriteria or pooledAnswers)");
        if (!Enum.IsDefined(scoring.Agency))
            add(Subject, $"agency rule {(int)scoring.Agency} is unknown (meanOfElements or weightedElements)");

        var declared = elements.Where(e => e?.Code is not null).Select(e => e.Code).Distinct(StringComparer.Ordinal).ToList();
        if (scoring.Agency != AgencyRule.WeightedElements)
        {
            if (scoring.Weights is not null)
                add(Subject, "weights are used only with agency \"weightedElements\"; remove weights or set agency to \"weightedElements\"");
            return;
        }

        if (scoring.Weights is not { } weights)
        {
            add(Subject, $"agency \"weightedElements\" needs weights, a positive number for every element ({string.Join(", ", declared)})");
            return;
        }

        foreach (var code in declared.Where(c => !weights.ContainsKey(c)))
            add(Subject, $"weights give no weight to element {code}; every element needs a positive weight");
        foreach (var (code, weight) in weights.OrderBy(w => w.Key, StringComparer.Ordinal))
        {
            if (!declared.Contains(code, StringComparer.Ordinal))
                add(Subject, $"weights name '{code}', which is not a declared element (declared: {string.Join(", ", declared)})");
            else if (!double.IsFinite(weight) || weight <= 0)
                add(Subject, $"the weight of element {code} must be a positive number, not {weight.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
        }
    }

    private static void CheckFixedText(LocalizedText? text, string subject, Action<string, string> add)
    {
        if (text is null || string.IsNullOrWhiteSpace(text.Web))
        {
            add(subject, "web text is empty");
            return;
        }

        var sms = text.Sms ?? VietnameseText.ToAscii(text.Web);
        if (CheckSmsText(sms, text.Sms is null, subject, "SMS text", add))
        {
            var measure = Gsm7.Measure(sms);
            if (measure.Segments > 1)
            {
                add(subject, $"SMS text is {measure.Units} septets, more than one segment ({Gsm7.SingleSegmentSeptets})"
                    + (text.Sms is null ? "; add a shorter sms text" : ""));
            }
        }
    }

    /// <summary>SMS text must be non-empty printable ASCII (plus line breaks) and GSM-7; true when it is.</summary>
    private static bool CheckSmsText(string sms, bool derived, string subject, string what, Action<string, string> add)
    {
        if (string.IsNullOrWhiteSpace(sms))
        {
            add(subject, $"{what} is empty");
            return false;
        }

        var bad = new List<Rune>();
        foreach (var rune in sms.EnumerateRunes())
        {
            var ok = rune.Value == '\n' || (rune.Value is >= ' ' and <= '~' && Gsm7.IsGsm7((char)rune.Value));
            if (!ok && !bad.Contains(rune))
                bad.Add(rune);
        }

        if (bad.Count == 0)
            return true;

        var shown = string.Join(" ", bad.Select(r => Rune.IsControl(r) ? $"U+{r.Value:X4}" : $"'{r}' (U+{r.Value:X4})"));
        add(subject, $"{what} must be ASCII GSM-7 without diacritics; it has {shown}"
            + (derived ? " after transliteration; add an sms text" : ""));
        return false;
    }

    private static string Name(QuestionKind kind) => kind switch
    {
        QuestionKind.Rating => "rating",
        QuestionKind.YesNo => "yes_no",
        QuestionKind.Choice => "choice",
        QuestionKind.Text => "text",
        _ => ((int)kind).ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    private static string Name(QuestionRole role) => role.ToString().ToLowerInvariant();
}
