using System.Text.Json.Serialization;

namespace ChatSurvey.Domain.Questionnaires;

/// <summary>What a question asks for, and so how its answer is parsed and stored.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<QuestionKind>))]
public enum QuestionKind
{
    /// <summary>The SIPAS 5-level scale, 1 Rất không hài lòng … 5 Rất hài lòng.</summary>
    [JsonStringEnumMemberName("rating")] Rating,

    /// <summary>Có / Không; typically a gate for later questions.</summary>
    [JsonStringEnumMemberName("yes_no")] YesNo,

    /// <summary>One of <see cref="Question.Options"/>.</summary>
    [JsonStringEnumMemberName("choice")] Choice,

    /// <summary>Free text (comments).</summary>
    [JsonStringEnumMemberName("text")] Text,
}

/// <summary>What a question means for scoring (docs/methodology.md#indices).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<QuestionRole>))]
public enum QuestionRole
{
    /// <summary>One criterion of an element; criteria answers make the element index.</summary>
    [JsonStringEnumMemberName("criterion")] Criterion,

    /// <summary>Satisfaction with a whole element; the element index where no criterion was asked.</summary>
    [JsonStringEnumMemberName("element")] Element,

    /// <summary>Overall satisfaction.</summary>
    [JsonStringEnumMemberName("overall")] Overall,

    /// <summary>A yes/no gate (e.g. "did you give feedback", which opens E5).</summary>
    [JsonStringEnumMemberName("gate")] Gate,

    /// <summary>What most needs improving (one element).</summary>
    [JsonStringEnumMemberName("improve")] Improve,

    /// <summary>Free-text comment routed to the agency.</summary>
    [JsonStringEnumMemberName("comment")] Comment,

    /// <summary>Optional respondent profile (type, age group, gender, how the dossier was submitted).</summary>
    [JsonStringEnumMemberName("profile")] Profile,
}

/// <summary>A choice option. <see cref="Value"/> is what is stored; <see cref="Sms"/> overrides the derived SMS label.</summary>
public sealed record QuestionOption(string Value, string Text, string? Sms = null);

/// <summary>Ask a question only when an earlier one was answered with <see cref="EqualsValue"/> ("yes", "no" or an option value).</summary>
public sealed record AskCondition(string Question, [property: JsonPropertyName("equals")] string EqualsValue);

/// <summary>
/// One question. <see cref="Text"/> is Vietnamese with diacritics (web chat); the SMS text is
/// <see cref="Sms"/> when given, otherwise derived from <see cref="Text"/> by transliteration.
/// Criterion and element questions name their <see cref="Element"/>.
/// </summary>
public sealed record Question
{
    public required string Code { get; init; }

    public required QuestionKind Kind { get; init; }

    public required QuestionRole Role { get; init; }

    /// <summary>Element code (E1…E5) for criterion and element questions.</summary>
    public string? Element { get; init; }

    public required string Text { get; init; }

    /// <summary>SMS override: ASCII, GSM-7, one segment with the answer hint.</summary>
    public string? Sms { get; init; }

    /// <summary>The citizen may skip it ("0", "bo qua").</summary>
    public bool Optional { get; init; }

    /// <summary>
    /// The citizen may answer "Không áp dụng" (the criterion does not apply to them: no fee was due, the dossier went in
    /// online). Rating questions only. Such an answer is stored as not applicable, leaves the index's denominator and is
    /// counted apart (docs/methodology.md#not-applicable). Written only when true, so definitions without it serialise
    /// exactly as before it existed.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool AllowNotApplicable { get; init; }

    public AskCondition? AskIf { get; init; }

    public IReadOnlyList<QuestionOption> Options { get; init; } = [];
}

/// <summary>A SIPAS element (E1…E5).</summary>
public sealed record SurveyElement(string Code, string Name, string? Sms = null);

/// <summary>Web and SMS variants of a fixed message (intro, thanks …). SMS is derived from Web when absent.</summary>
public sealed record LocalizedText(string Web, string? Sms = null);

/// <summary>
/// A versioned questionnaire definition, stored as JSON (embedded defaults under Questionnaires/Definitions, administrators'
/// versions in the <c>questionnaires</c> table). Invariants (checked on load): codes unique; every criterion/element question
/// names a declared element; conditions refer to an earlier gate or choice question; choice questions have options
/// (the full list is <see cref="QuestionnaireCatalogue.Validate"/>).
/// </summary>
public sealed record Questionnaire
{
    public required string Code { get; init; }

    public required int Version { get; init; }

    public required string Title { get; init; }

    /// <summary>The method it follows, e.g. "QĐ 1001/QĐ-BNV (2023)".</summary>
    public required string Method { get; init; }

    /// <summary>Where the wording comes from and how far it was verified (the official appendices could not be checked: docs/methodology.md#the-questionnaires).</summary>
    public string? Source { get; init; }

    public required LocalizedText Intro { get; init; }

    public required LocalizedText Thanks { get; init; }

    public required IReadOnlyList<SurveyElement> Elements { get; init; }

    public required IReadOnlyList<Question> Questions { get; init; }

    /// <summary>
    /// How the indices are computed, as written in the definition (JSON <c>scoring</c>); null when the definition does not
    /// say. Read <see cref="ScoringRules"/>, which applies the defaults.
    /// </summary>
    public QuestionnaireScoring? Scoring { get; init; }

    /// <summary><see cref="Scoring"/>, or <see cref="QuestionnaireScoring.Default"/> when the definition does not say.</summary>
    [JsonIgnore]
    public QuestionnaireScoring ScoringRules => Scoring ?? QuestionnaireScoring.Default;
}
