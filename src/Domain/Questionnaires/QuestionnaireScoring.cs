using System.Text.Json.Serialization;

namespace ChatSurvey.Domain.Questionnaires;

/// <summary>How an element's index is made from its answers (docs/methodology.md#indices).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ElementRule>))]
public enum ElementRule
{
    /// <summary>The mean of the element's criterion indices, each over its own rating answers. The default.</summary>
    [JsonStringEnumMemberName("meanOfCriteria")] MeanOfCriteria,

    /// <summary>One index over all the element's criterion rating answers pooled together.</summary>
    [JsonStringEnumMemberName("pooledAnswers")] PooledAnswers,
}

/// <summary>How an agency's index is made from its element indices (docs/methodology.md#indices).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<AgencyRule>))]
public enum AgencyRule
{
    /// <summary>The plain mean of the element indices. The default.</summary>
    [JsonStringEnumMemberName("meanOfElements")] MeanOfElements,

    /// <summary>The mean of the element indices weighted by <see cref="QuestionnaireScoring.Weights"/>.</summary>
    [JsonStringEnumMemberName("weightedElements")] WeightedElements,
}

/// <summary>
/// The scoring rules a questionnaire states (JSON <c>"scoring": {"element": "meanOfCriteria" | "pooledAnswers",
/// "agency": "meanOfElements" | "weightedElements", "weights": {"E1": 1, …}}</c>). Invariants, checked when a
/// definition is read (<see cref="QuestionnaireCatalogue.Validate"/>): both rules are known values; <see cref="Weights"/>
/// is present exactly when <see cref="Agency"/> is <see cref="AgencyRule.WeightedElements"/>, and then names every
/// declared element, and only those, each with a positive finite weight.
/// </summary>
/// <param name="Element">How an element's index is made; <see cref="ElementRule.MeanOfCriteria"/> when absent.</param>
/// <param name="Agency">How the agency's index is made; <see cref="AgencyRule.MeanOfElements"/> when absent.</param>
/// <param name="Weights">Element code → weight, for <see cref="AgencyRule.WeightedElements"/> only.</param>
public sealed record QuestionnaireScoring(
    ElementRule Element = ElementRule.MeanOfCriteria,
    AgencyRule Agency = AgencyRule.MeanOfElements,
    IReadOnlyDictionary<string, double>? Weights = null)
{
    /// <summary>The rules of a questionnaire that states none: mean of criteria, mean of elements, no weights.</summary>
    public static QuestionnaireScoring Default { get; } = new();

    /// <summary>The weight of <paramref name="elementCode"/> in the agency index: 1 under the mean rule.</summary>
    public double Weight(string elementCode) =>
        Agency == AgencyRule.WeightedElements ? Weights?.GetValueOrDefault(elementCode) ?? 0 : 1;
}
