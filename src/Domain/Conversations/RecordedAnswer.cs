using System.Text.Json.Serialization;
using ChatSurvey.Domain.Questionnaires;

namespace ChatSurvey.Domain.Conversations;

/// <summary>What was recorded for one question; the names match <c>answers.kind</c> in the schema.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<AnswerKind>))]
public enum AnswerKind
{
    /// <summary>1…5 on the SIPAS scale, in <see cref="RecordedAnswer.Rating"/>.</summary>
    [JsonStringEnumMemberName("rating")] Rating,

    /// <summary><see cref="RecordedAnswer.Choice"/> is <c>"yes"</c> or <c>"no"</c> (the values <c>AskIf</c> compares with).</summary>
    [JsonStringEnumMemberName("yes_no")] YesNo,

    /// <summary><see cref="RecordedAnswer.Choice"/> is the chosen option's value.</summary>
    [JsonStringEnumMemberName("choice")] Choice,

    /// <summary><see cref="RecordedAnswer.Text"/> is the citizen's text as typed (NFC, trimmed, at most 1000 characters).</summary>
    [JsonStringEnumMemberName("text")] Text,

    /// <summary>The citizen skipped an optional question ("0", "bỏ qua"). Not a valid answer for scoring.</summary>
    [JsonStringEnumMemberName("skipped")] Skipped,

    /// <summary>No usable answer after the re-ask limit. Not a valid answer for scoring.</summary>
    [JsonStringEnumMemberName("missing")] Missing,

    /// <summary>
    /// "Không áp dụng": the criterion does not apply to this citizen (no fee, submitted online). Only where the question
    /// allows it; not a valid answer for scoring, counted apart.
    /// </summary>
    [JsonStringEnumMemberName("not_applicable")] NotApplicable,
}

/// <summary>
/// One answer as stored (one row of <c>answers</c>). Invariants, kept by the factory methods: <see cref="Rating"/> is
/// 1…5 exactly when <see cref="Kind"/> is <see cref="AnswerKind.Rating"/>; <see cref="Choice"/> is set exactly for
/// <see cref="AnswerKind.YesNo"/> ("yes"/"no") and <see cref="AnswerKind.Choice"/>; <see cref="Text"/> exactly for
/// <see cref="AnswerKind.Text"/>.
/// </summary>
public sealed record RecordedAnswer(string QuestionCode, AnswerKind Kind, int? Rating, string? Choice, string? Text)
{
    public const string Yes = QuestionPrompt.Yes;
    public const string No = QuestionPrompt.No;

    public static RecordedAnswer ForRating(string questionCode, int rating)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rating, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(rating, 5);
        return new(questionCode, AnswerKind.Rating, rating, null, null);
    }

    public static RecordedAnswer ForYesNo(string questionCode, bool yes) =>
        new(questionCode, AnswerKind.YesNo, null, yes ? Yes : No, null);

    public static RecordedAnswer ForChoice(string questionCode, string value) =>
        new(questionCode, AnswerKind.Choice, null, value, null);

    public static RecordedAnswer ForText(string questionCode, string text) =>
        new(questionCode, AnswerKind.Text, null, null, text);

    public static RecordedAnswer Skipped(string questionCode) => new(questionCode, AnswerKind.Skipped, null, null, null);

    public static RecordedAnswer Missing(string questionCode) => new(questionCode, AnswerKind.Missing, null, null, null);

    public static RecordedAnswer NotApplicable(string questionCode) => new(questionCode, AnswerKind.NotApplicable, null, null, null);

    /// <summary>Every value of <c>answers.kind</c>, as the schema's CHECK lists them.</summary>
    public static IReadOnlyList<string> StorageKinds { get; } =
        [.. Enum.GetValues<AnswerKind>().Select(StorageName)];

    /// <summary>The value of <c>answers.kind</c>: rating, yes_no, choice, text, skipped, missing or not_applicable.</summary>
    [JsonIgnore]
    public string StorageKind => StorageName(Kind);

    /// <summary>The value of <c>answers.kind</c> for <paramref name="kind"/>.</summary>
    public static string StorageName(AnswerKind kind) => kind switch
    {
        AnswerKind.Rating => "rating",
        AnswerKind.YesNo => "yes_no",
        AnswerKind.Choice => "choice",
        AnswerKind.Text => "text",
        AnswerKind.Skipped => "skipped",
        AnswerKind.Missing => "missing",
        AnswerKind.NotApplicable => "not_applicable",
        _ => throw new InvalidOperationException($"Unknown answer kind {kind}."),
    };
}
