using System.Text.Json;
using System.Text.Json.Serialization;

namespace ChatSurvey.Domain.Scoring;

/// <summary>How an element index combines its criteria (the questionnaire version's <c>scoring.element</c>).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ElementRule>))]
public enum ElementRule
{
    /// <summary>The mean of its criteria's indices (criteria with a valid answer). The default.</summary>
    [JsonStringEnumMemberName("meanOfCriteria")] MeanOfCriteria,

    /// <summary>The share of all its criteria's valid answers rated 4–5, pooled.</summary>
    [JsonStringEnumMemberName("pooledAnswers")] PooledAnswers,

    /// <summary>The element has no criterion: its element satisfaction question is the index (sipas-sms).</summary>
    [JsonStringEnumMemberName("elementQuestion")] ElementQuestion,
}

/// <summary>How an agency index combines its element indices (the questionnaire version's <c>scoring.agency</c>).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<AgencyRule>))]
public enum AgencyRule
{
    /// <summary>The mean of its element indices (elements with a valid answer). The default.</summary>
    [JsonStringEnumMemberName("meanOfElements")] MeanOfElements,

    /// <summary>The weighted mean of its element indices, the weights in <c>scoring.weights</c>.</summary>
    [JsonStringEnumMemberName("weightedElements")] WeightedElements,
}

/// <summary>
/// A questionnaire version's aggregation rule, read from its definition's optional <c>scoring</c> object
/// (<c>{"element":"meanOfCriteria"|"pooledAnswers","agency":"meanOfElements"|"weightedElements","weights":{"E1":1,…}}</c>);
/// absent parts take the defaults. The questionnaire validator rejects anything else before a definition is stored.
/// </summary>
public sealed record ScoringRules(ElementRule Element, AgencyRule Agency, IReadOnlyDictionary<string, double> Weights)
{
    public static ScoringRules Default { get; } = new(ElementRule.MeanOfCriteria, AgencyRule.MeanOfElements, new Dictionary<string, double>());

    /// <summary>The rule of a definition (its root JSON object).</summary>
    public static ScoringRules From(JsonElement definition)
    {
        if (definition.ValueKind != JsonValueKind.Object
            || !definition.TryGetProperty("scoring", out var scoring) || scoring.ValueKind != JsonValueKind.Object)
            return Default;

        var element = scoring.TryGetProperty("element", out var e) && e.ValueKind == JsonValueKind.String
            ? e.GetString() switch
            {
                "pooledAnswers" => ElementRule.PooledAnswers,
                _ => ElementRule.MeanOfCriteria,
            }
            : ElementRule.MeanOfCriteria;
        var agency = scoring.TryGetProperty("agency", out var a) && a.ValueKind == JsonValueKind.String && a.GetString() == "weightedElements"
            ? AgencyRule.WeightedElements
            : AgencyRule.MeanOfElements;
        var weights = new Dictionary<string, double>(StringComparer.Ordinal);
        if (scoring.TryGetProperty("weights", out var w) && w.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in w.EnumerateObject())
            {
                if (property.Value.ValueKind == JsonValueKind.Number && property.Value.GetDouble() > 0)
                    weights[property.Name] = property.Value.GetDouble();
            }
        }

        return new ScoringRules(element, weights.Count == 0 ? AgencyRule.MeanOfElements : agency, weights);
    }

    /// <summary>The weight of <paramref name="elementCode"/> in the agency index (1 under the mean rule).</summary>
    public double Weight(string elementCode) =>
        Agency == AgencyRule.WeightedElements ? Weights.GetValueOrDefault(elementCode) : 1;
}
