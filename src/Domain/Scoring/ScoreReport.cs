using ChatSurvey.Domain.Questionnaires;
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
    /// <summary>The default minimum of valid ballots behind a figure before it is flagged "too few ballots" (docs/methodology.md#indices).</summary>
    public const int DefaultMinimumCount = 30;

    public long? WaveId { get; init; }

    public string? AgencyCode { get; init; }

    /// <summary>
    /// The one questionnaire version behind the figures. Unset: the wave's questionnaire with a wave filter, else the
    /// newest version among the ballots in the filter; the report lists the others (criteria are never pooled across versions).
    /// </summary>
    public long? QuestionnaireId { get; init; }

    /// <summary>Start of the period, inclusive.</summary>
    public DateTimeOffset? From { get; init; }

    /// <summary>End of the period, exclusive.</summary>
    public DateTimeOffset? To { get; init; }

    /// <summary>A figure built from fewer valid ballots (respondents) than this is flagged <c>lowSample</c>.</summary>
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

    /// <summary>Its criteria (combined as the questionnaire's element rule says).</summary>
    [JsonStringEnumMemberName("criteria")] Criteria,

    /// <summary>Its element satisfaction question (the questionnaire asks no criterion for it, e.g. sipas-sms).</summary>
    [JsonStringEnumMemberName("elementQuestion")] ElementQuestion,
}

/// <summary>
/// SIPAS scores for a <see cref="ScoreFilter"/>, all from one questionnaire version (<see cref="Questionnaire"/>).
/// Serialised camelCase it is the public results contract
/// <c>{"agencies":[{"agencyCode","block","responses","index","mean","ciLow","ciHigh","elements":[…]}],"blocks":[{"block","index","ciLow","ciHigh","ballots","agencies"}]}</c>.
/// Indices, interval bounds and shares are percentages (0–100), means are on the 1–5 scale; all are unrounded and
/// <c>null</c> where there is no valid answer. Every count is in valid ballots (people) unless it is named <c>answers</c>.
/// The rules are stated beside the figures (docs/methodology.md#indices): <see cref="Ballots"/> and
/// <see cref="ExcludedFlags"/> say which responses were counted, <see cref="BallotRule"/> in words.
/// </summary>
public sealed record ScoreReport(
    QuestionnaireVersion? Questionnaire,
    IReadOnlyList<QuestionnaireVersion> OtherQuestionnaires,
    IReadOnlyList<AgencyScore> Agencies,
    IReadOnlyList<BlockScore> Blocks,
    OverallScore Overall,
    int MinimumCount,
    string IndexRule,
    string ElementRule,
    string AgencyRule,
    string BlockRule,
    string OverallRule,
    string IntervalRule,
    string LowSampleRule,
    string RankRule,
    string ResponseRateRule,
    string ImprovementRule,
    BallotSet Ballots,
    IReadOnlyList<string>? ExcludedFlags,
    string? BallotRule)
{
    /// <summary>
    /// The same report narrowed to one agency, in memory: its line alone, with its rank in its block as the whole report
    /// ranked it, its block's line as the whole report has it, and an overall line equal to the agency (the mean over one
    /// agency is that agency). An agency absent from the report gets an empty one.
    /// </summary>
    public ScoreReport ForAgency(string agencyCode)
    {
        ArgumentNullException.ThrowIfNull(agencyCode);
        var agency = Agencies.FirstOrDefault(a => string.Equals(a.AgencyCode, agencyCode, StringComparison.Ordinal));
        if (agency is null)
            return this with { Agencies = [], Blocks = [], Overall = OverallScore.Empty(MinimumCount) };

        var overall = new OverallScore(agency.Responses, agency.Index, agency.Mean, agency.CiLow, agency.CiHigh, agency.Count,
            agency.Answers, agency.NotApplicable, agency.LowSample, agency.DeliveredInvitations, agency.ResponseRate,
            agency.Index is null ? 0 : 1, agency.Elements, agency.OverallQuestion, agency.Improvements)
        {
            Timeliness = agency.Timeliness,
        };
        return this with { Agencies = [agency], Blocks = [.. Blocks.Where(b => b.Block == agency.Block)], Overall = overall };
    }

    /// <summary>How the on-time and late figures are made (<see cref="AgencyScore.Timeliness"/>).</summary>
    public string TimelinessRule { get; init; } = ScoringQuery.TimelinessRule;
}

/// <summary>A questionnaire version and the valid ballots in the filter that answered it.</summary>
public sealed record QuestionnaireVersion(long Id, string Code, int Version, string Title, int Ballots);

/// <summary>
/// One agency. <see cref="Responses"/> counts its valid ballots; <see cref="Count"/> those with a valid answer behind the
/// index, <see cref="Answers"/> the valid answers and <see cref="NotApplicable"/> the "không áp dụng" answers behind it.
/// <see cref="Index"/> combines the element indices as <see cref="Rule"/> says. <see cref="BlockRank"/> is its rank within
/// its <see cref="Block"/> (1 = best; ties share a rank), <c>null</c> when it is not ranked (<see cref="ScoreReport.RankRule"/>).
/// <see cref="ResponseRate"/> is a fraction (0–1), <c>null</c> without delivered invitations.
/// </summary>
public sealed record AgencyScore(
    string AgencyCode,
    string AgencyName,
    string Block,
    int? BlockRank,
    int Responses,
    double? Index,
    double? Mean,
    double? CiLow,
    double? CiHigh,
    int Count,
    int Answers,
    int NotApplicable,
    bool LowSample,
    int DeliveredInvitations,
    double? ResponseRate,
    AgencyRule Rule,
    IReadOnlyList<ElementScore> Elements,
    QuestionScore? OverallQuestion,
    IReadOnlyList<ImprovementShare> Improvements)
{
    /// <summary>The agency's index over the ballots whose result came on time and over those whose result came late.</summary>
    public Timeliness? Timeliness { get; init; }
}

/// <summary>
/// One reporting block (<see cref="Statuses.AgencyBlock"/>): the mean of its agencies' indices. <see cref="Ballots"/>
/// sums the agencies' ballots behind their indices, <see cref="Agencies"/> counts the agencies with an index and
/// <see cref="Ranked"/> those ranked.
/// </summary>
public sealed record BlockScore(
    string Block,
    string Name,
    double? Index,
    double? Mean,
    double? CiLow,
    double? CiHigh,
    int Ballots,
    int Agencies,
    int Ranked);

/// <summary>All agencies in the filter together: every figure is the unweighted mean of the agencies' figures.</summary>
public sealed record OverallScore(
    int Responses,
    double? Index,
    double? Mean,
    double? CiLow,
    double? CiHigh,
    int Count,
    int Answers,
    int NotApplicable,
    bool LowSample,
    int DeliveredInvitations,
    double? ResponseRate,
    int Agencies,
    IReadOnlyList<ElementScore> Elements,
    QuestionScore? OverallQuestion,
    IReadOnlyList<ImprovementShare> Improvements)
{
    /// <summary>On time vs late over all agencies: each group's index the mean of the agencies' indices for that group.</summary>
    public Timeliness? Timeliness { get; init; }

    /// <summary>The overall line of a filter without ballots.</summary>
    public static OverallScore Empty(int minimumCount) =>
        new(0, null, null, null, null, 0, 0, 0, minimumCount > 0, 0, null, 0, [], null, []);
}

/// <summary>
/// One element (E1…E5). Every element declared by the questionnaire is listed, in questionnaire order, with
/// <see cref="Count"/> 0 and null figures when it has no valid answer. <see cref="ElementQuestion"/> is the element
/// satisfaction question's own figure, reported whether or not it makes the index (see <see cref="Basis"/>).
/// </summary>
public sealed record ElementScore(
    string ElementCode,
    string Name,
    ElementBasis Basis,
    ElementRule Rule,
    double? Index,
    double? Mean,
    double? CiLow,
    double? CiHigh,
    int Count,
    int Answers,
    int NotApplicable,
    bool LowSample,
    IReadOnlyList<CriterionScore> Criteria,
    QuestionScore? ElementQuestion);

/// <summary>One criterion question of the questionnaire. <see cref="Count"/> is its valid answers, one per ballot.</summary>
public sealed record CriterionScore(
    string CriterionCode,
    string Text,
    double? Index,
    double? Mean,
    double? CiLow,
    double? CiHigh,
    int Count,
    int NotApplicable,
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
    int NotApplicable,
    bool LowSample);

/// <summary>
/// One option of the "most needs improving" question (role <c>improve</c>): the ballots that chose it and their share
/// (percent) of the ballots that answered the question.
/// </summary>
public sealed record ImprovementShare(string Value, string Label, int Ballots, double Share);

/// <summary>
/// What lateness costs in satisfaction: the index (same rules as the agency index) over the ballots whose dossier's
/// result came by its appointment date (<see cref="OnTime"/>) and over those whose result came after it
/// (<see cref="Late"/>); <see cref="Unknown"/> ballots have no appointment date (or no dossier).
/// </summary>
public sealed record Timeliness(TimelinessGroup OnTime, TimelinessGroup Late, int Unknown)
{
    /// <summary>How the scoring statement marks a ballot whose result came by the appointment date.</summary>
    public const string OnTimeValue = "on_time";

    /// <summary>How the scoring statement marks a ballot whose result came after the appointment date.</summary>
    public const string LateValue = "late";
}

/// <summary>One group of <see cref="Timeliness"/>: its valid ballots and their index, mean and interval.</summary>
public sealed record TimelinessGroup(int Ballots, double? Index, double? Mean, double? CiLow, double? CiHigh);
