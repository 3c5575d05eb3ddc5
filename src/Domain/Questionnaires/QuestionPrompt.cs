using System.Globalization;
using ChatSurvey.Domain.Sms;

namespace ChatSurvey.Domain.Questionnaires;

/// <summary>A web chat button: <see cref="Value"/> is what the button sends back, <see cref="Label"/> what it shows.</summary>
public sealed record PromptOption(string Value, string Label);

/// <summary>
/// A question as web chat shows it: <see cref="Text"/> is full Vietnamese with its numbering; <see cref="Options"/>
/// are the answer buttons (none for free text); <see cref="Skip"/> is the extra "Bỏ qua" button of optional questions;
/// <see cref="NotApplicable"/> the extra "Không áp dụng" button of questions that allow it.
/// </summary>
public sealed record WebPrompt(string Text, IReadOnlyList<PromptOption> Options, PromptOption? Skip, PromptOption? NotApplicable = null)
{
    /// <summary>Every button in the order shown: the answers, then "Không áp dụng", then "Bỏ qua".</summary>
    public IReadOnlyList<PromptOption> Buttons
    {
        get
        {
            var buttons = new List<PromptOption>(Options);
            if (NotApplicable is not null)
                buttons.Add(NotApplicable);
            if (Skip is not null)
                buttons.Add(Skip);
            return buttons;
        }
    }
}

/// <summary>
/// A digit an SMS reply may carry for a question: <see cref="Key"/> is what the citizen types ("1"),
/// <see cref="Value"/> what is stored ("yes", "4", an option value), <see cref="Label"/> its ASCII label.
/// </summary>
public sealed record SmsReplyOption(string Key, string Value, string Label);

/// <summary>
/// The text the bot sends for a question, per channel. Pure functions of the questionnaire and the question.
/// </summary>
public static class QuestionPrompt
{
    /// <summary>Stored value of a yes/no "Có" answer (and the value <see cref="AskCondition"/> compares with).</summary>
    public const string Yes = "yes";

    /// <summary>Stored value of a yes/no "Không" answer.</summary>
    public const string No = "no";

    /// <summary>What an optional question's skip answer is, by SMS ("0") and on the web skip button.</summary>
    public const string SkipValue = "0";

    /// <summary>
    /// The web "Không áp dụng" button's label and the text it sends back; the answer parser reads these words as not
    /// applicable on a question that allows it, whether optional or not.
    /// </summary>
    public const string NotApplicableText = "Không áp dụng";

    private const string RatingHint = "Tra loi 1-5 (1 rat khong hai long, 5 rat hai long)";
    private const string SkipHint = "0 de bo qua";

    // "0" means "Không áp dụng" on a required question that allows it; on an optional one "0" keeps skipping, so
    // "Không áp dụng" is the words (or their short form KAD).
    private const string NotApplicableZeroHint = "0 neu khong ap dung";
    private const string NotApplicableWordsHint = "KAD neu khong ap dung";

    /// <summary>
    /// The SMS for <paramref name="question"/>: "Cau {number}/{total}: {SMS text}", then on a new line the answer hint
    /// (rating: the 1-5 scale; yes/no: "1 Co, 2 Khong"; choice: numbered short option labels; text: none), with
    /// ", 0 de bo qua" (or "Tra loi 0 de bo qua" for text) when the question is optional. A question that allows
    /// "Không áp dụng" adds ", 0 neu khong ap dung" when it is required, and ", KAD neu khong ap dung" after the skip
    /// hint when it is optional (there "0" still skips).
    /// Invariant: for a questionnaire accepted by <see cref="QuestionnaireCatalogue.Parse"/> the result is ASCII,
    /// GSM-7 and one segment (160 septets) for every number ≤ total ≤ the question count; the validator checks
    /// exactly this, rendering each question as number = total = question count (the widest numbering).
    /// </summary>
    public static string Sms(Questionnaire questionnaire, Question question, int number, int total)
    {
        ArgumentNullException.ThrowIfNull(questionnaire);
        ArgumentNullException.ThrowIfNull(question);
        CheckNumbering(number, total);

        var hint = question.Kind switch
        {
            QuestionKind.Rating => RatingHint,
            QuestionKind.YesNo => "Tra loi " + string.Join(", ", SmsReplies(question).Select(r => $"{r.Key} {r.Label}")),
            QuestionKind.Choice => "Tra loi " + string.Join(", ", SmsReplies(question).Select(r => $"{r.Key} {r.Label}")),
            _ => null,
        };
        if (question.Optional)
            hint = hint is null ? "Tra loi " + SkipHint : hint + ", " + SkipHint;
        if (question.AllowNotApplicable && hint is not null)
            hint += ", " + (question.Optional ? NotApplicableWordsHint : NotApplicableZeroHint);

        var head = string.Create(CultureInfo.InvariantCulture, $"Cau {number}/{total}: {SmsText(question)}");
        return hint is null ? head : head + "\n" + hint;
    }

    /// <summary>
    /// The web chat prompt: "Câu {number}/{total}" (with the element name for a criterion), a new line, the question
    /// text; buttons "1 · Rất không hài lòng" … "5 · Rất hài lòng" (values "1"…"5") for ratings, "Có"/"Không"
    /// (values "yes"/"no") for yes/no, the options for a choice, none for text; a "Không áp dụng" button (value
    /// <see cref="NotApplicableText"/>) when the question allows it; and a "Bỏ qua" skip button (value
    /// <see cref="SkipValue"/>) when the question is optional.
    /// </summary>
    public static WebPrompt Web(Questionnaire questionnaire, Question question, int number, int total)
    {
        ArgumentNullException.ThrowIfNull(questionnaire);
        ArgumentNullException.ThrowIfNull(question);
        CheckNumbering(number, total);

        var heading = string.Create(CultureInfo.InvariantCulture, $"Câu {number}/{total}");
        if (question.Role == QuestionRole.Criterion
            && questionnaire.Elements.FirstOrDefault(e => e.Code == question.Element) is { } element)
        {
            heading += " · " + element.Name;
        }

        IReadOnlyList<PromptOption> options = question.Kind switch
        {
            QuestionKind.Rating => [.. RatingScale.Levels.Select(l =>
                new PromptOption(l.Value.ToString(CultureInfo.InvariantCulture), RatingScale.WebOptionLabel(l.Value)))],
            QuestionKind.YesNo => [new PromptOption(Yes, "Có"), new PromptOption(No, "Không")],
            QuestionKind.Choice => [.. question.Options.Select(o => new PromptOption(o.Value, o.Text))],
            _ => [],
        };
        var skip = question.Optional ? new PromptOption(SkipValue, "Bỏ qua") : null;
        var notApplicable = question.AllowNotApplicable ? new PromptOption(NotApplicableText, NotApplicableText) : null;
        return new WebPrompt(heading + "\n" + question.Text, options, skip, notApplicable);
    }

    /// <summary>The question's SMS text without numbering or hint: its <see cref="Question.Sms"/> override, else the transliterated text.</summary>
    public static string SmsText(Question question)
    {
        ArgumentNullException.ThrowIfNull(question);
        return question.Sms ?? VietnameseText.ToAscii(question.Text);
    }

    /// <summary>An option's SMS label: its <see cref="QuestionOption.Sms"/> override, else the transliterated text.</summary>
    public static string SmsLabel(QuestionOption option)
    {
        ArgumentNullException.ThrowIfNull(option);
        return option.Sms ?? VietnameseText.ToAscii(option.Text);
    }

    /// <summary>
    /// The digits an SMS reply may carry and what each stores: rating "1"…"5" → "1"…"5"; yes/no "1" → "yes",
    /// "2" → "no"; choice "1"…"n" → the n options in order; text: none. The key <see cref="SkipValue"/> is not
    /// listed: it skips an optional question, and answers "Không áp dụng" on a required one that allows it.
    /// </summary>
    public static IReadOnlyList<SmsReplyOption> SmsReplies(Question question)
    {
        ArgumentNullException.ThrowIfNull(question);
        return question.Kind switch
        {
            QuestionKind.Rating => [.. RatingScale.Levels.Select(l =>
            {
                var digit = l.Value.ToString(CultureInfo.InvariantCulture);
                return new SmsReplyOption(digit, digit, l.Sms);
            })],
            QuestionKind.YesNo => [new SmsReplyOption("1", Yes, "Co"), new SmsReplyOption("2", No, "Khong")],
            QuestionKind.Choice => [.. question.Options.Select((o, i) =>
                new SmsReplyOption((i + 1).ToString(CultureInfo.InvariantCulture), o.Value, SmsLabel(o)))],
            _ => [],
        };
    }

    private static void CheckNumbering(int number, int total)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(number, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(total, number);
    }
}
