using System.Text.Json.Serialization;

namespace ChatSurvey.Domain.Scoring;

/// <summary>
/// Which answers a score covers. All parts are optional and combine with AND.
/// Only completed responses count (partial and expired ones never do), and of those only the <see cref="Ballots"/>
/// chosen: valid ballots (the default) or the open, unverified ones. A response falls in the period by its
/// <c>completed_at</c>; an invitation (for the response rate) by its <c>delivered_at</c>, else <c>sent_at</c>, else
/// <c>created_at</c>. The flag exclusions are configuration of the host (section <c>Integrity</c>), passed in here so
/// that scoring binds no options itself.
/// </summary>
public sealed record ScoreFilter
{
    /// <summary>The default minimum behind a figure before it is flagged "too few answers" (docs/methodology.md#indices).</summary>
    public const int DefaultMinimumCount = 30;

    public long? WaveId { get; init; }

    public string? AgencyCode { get; init; }

    /// <summary>Start of the period, inclusive.</summary>
    public DateTimeOffset? From { get; init; }

    /// <summary>End of the period, exclusive.</summary>
    public DateTimeOffset? To { get; init; }

    /// <summary>An index built from fewer valid answers than this is flagged <c>lowSample</c>.</summary>
    public int MinimumCount { get; init; } = DefaultMinimumCount;

    /// <summary>Valid ballots (official figures) or open answers (shown apart).</summary>
    public BallotSet Ballots { get; init; } = BallotSet.Official;

    /// <summary>A response flagged <c>speeder</c> is left out (the <c>Integrity:ExcludeSpeeders</c> default: true).</summary>
    public bool ExcludeSpeeders { get; init; } = true;

    /// <summary>A response flagged <c>straight_liner</c> is left out (the <c>Integrity:ExcludeStraightLiners</c> default: false).</summary>
    public bool ExcludeStraightLiners { get; init; }

    public static ScoreFilter ForWave(long waveId) => new() { WaveId = waveId };
}

/// <summary>Where an element index comes from.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ElementBasis>))]
public enum ElementBasis
{
    /// <summary>No question of the questionnaire(s) scores this element.</summary>
    [JsonStringEnumMemberName("none")] None,

    /// <summary>The answers to its criteria, pooled.</summary>
    [JsonStringEnumMemberName("criteria")] Criteria,

    /// <summary>Its element satisfaction question (the questionnaire asks no criterion for it, e.g. sipas-sms).</summary>
    [JsonStringEnumMemberName("elementQuestion")] ElementQuestion,

    /// <summary>Responses to several questionnaires in the filter: criteria for some, the element question for others.</summary>
    [JsonStringEnumMemberName("mixed")] Mixed,
}

/// <summary>
/// SIPAS scores for a <see cref="ScoreFilter"/>. Serialised camelCase it is the public results contract
/// <c>{"agencies":[{"agencyCode","responses","index","mean","ciLow","ciHigh","elements":[…]}]}</c>.
/// Indices and interval bounds are percentages (0–100), means are on the 1–5 scale; all are unrounded and
/// <c>null</c> where there is no valid answer. The rules are stated beside the figures (docs/methodology.md#indices):
/// <see cref="Ballots"/> and <see cref="ExcludedFlags"/> say which responses were counted, <see cref="BallotRule"/> in words.
/// </summary>
public sealed record ScoreReport(
    IReadOnlyList<AgencyScore> Agencies,
    OverallScore Overall,
    int MinimumCount,
    string IndexRule,
    string OverallRule,
    string IntervalRule,
    string LowSampleRule,
    string ResponseRateRule,
    BallotSet Ballots,
    IReadOnlyList<string>? ExcludedFlags,
    string? BallotRule)
{
    /// <summary>
    /// The same report narrowed to one agency, in memory: its line alone, and an overall line equal to it (one
    /// agency's answers pooled are its own). An agency absent from the report gets an empty one.
    /// </summary>
    public ScoreReport ForAgency(string agencyCode)
    {
        ArgumentNullException.ThrowIfNull(agencyCode);
        var agency = Agencies.FirstOrDefault(a => string.Equals(a.AgencyCode, agencyCode, StringComparison.Ordinal));
        var overall = agency is null
            ? new OverallScore(0, null, null, null, null, 0, MinimumCount > 0, 0, null, [], null)
            : new OverallScore(agency.Responses, agency.Index, agency.Mean, agency.CiLow, agency.CiHigh, agency.Count,
                agency.LowSample, agency.DeliveredInvitations, agency.ResponseRate, agency.Elements, agency.OverallQuestion);
        return this with { Agencies = agency is null ? [] : [agency], Overall = overall };
    }
}

/// <summary>
/// One agency. <see cref="Responses"/> counts its ballots (valid ballots in an official report; partial responses are
/// never counted). <see cref="Index"/> is the mean of the element indices and
/// <see cref="Count"/> the sum of the element counts (see <see cref="ScoreReport.OverallRule"/>).
/// <see cref="ResponseRate"/> is a fraction (0–1), <c>null</c> without delivered invitations.
/// </summary>
public sealed record AgencyScore(
    string AgencyCode,
    string AgencyName,
    int Responses,
    double? Index,
    double? Mean,
    double? CiLow,
    double? CiHigh,
    int Count,
    bool LowSample,
    int DeliveredInvitations,
    double? ResponseRate,
    IReadOnlyList<ElementScore> Elements,
    QuestionScore? OverallQuestion);

/// <summary>All agencies in the filter together: each element's answers are pooled across agencies, then averaged.</summary>
public sealed record OverallScore(
    int Responses,
    double? Index,
    double? Mean,
    double? CiLow,
    double? CiHigh,
    int Count,
    bool LowSample,
    int DeliveredInvitations,
    double? ResponseRate,
    IReadOnlyList<ElementScore> Elements,
    QuestionScore? OverallQuestion);

/// <summary>
/// One element (E1…E5). Every element declared by the questionnaire(s) in the filter is listed, in questionnaire order,
/// with <see cref="Count"/> 0 and null figures when it has no valid answer. <see cref="ElementQuestion"/> is the
/// element satisfaction question's own figure, reported whether or not it makes the index (see <see cref="Basis"/>).
/// </summary>
public sealed record ElementScore(
    string ElementCode,
    string Name,
    ElementBasis Basis,
    double? Index,
    double? Mean,
    double? CiLow,
    double? CiHigh,
    int Count,
    bool LowSample,
    IReadOnlyList<CriterionScore> Criteria,
    QuestionScore? ElementQuestion);

/// <summary>One criterion question; identified by its question code across the questionnaires in the filter.</summary>
public sealed record CriterionScore(
    string CriterionCode,
    string Text,
    double? Index,
    double? Mean,
    double? CiLow,
    double? CiHigh,
    int Count,
    bool LowSample);

/// <summary>A single rating question outside the criteria: an element satisfaction question or the overall question.</summary>
public sealed record QuestionScore(
    string QuestionCode,
    string Text,
    double? Index,
    double? Mean,
    double? CiLow,
    double? CiHigh,
    int Count,
    bool LowSample);
