using System.Text.Json.Serialization;

namespace ChatSurvey.Dispatcher.Waves;

/// <summary>The questionnaires a wave may name (docs/methodology.md#the-questionnaires).</summary>
public static class WaveQuestionnaires
{
    public static IReadOnlyList<string> Codes { get; } = ["sipas-sms", "sipas-full", "sipas-2017"];
}

/// <summary>
/// A wave that passed the checks that need no database: values parsed, defaults applied. <see cref="Mode"/> is a
/// <see cref="ChatSurvey.Domain.Statuses.WaveMode"/>; <see cref="InviteWithinHours"/> is how soon after its result a
/// continuous wave's invitation goes out (docs/methodology.md, "Continuous waves").
/// </summary>
public sealed record WaveDraft(
    string Name,
    string Questionnaire,
    DateOnly ResultsFrom,
    DateOnly ResultsTo,
    IReadOnlyList<WaveAgencyTarget> Agencies,
    decimal ExpectedResponseRate,
    TimeOnly SendWindowStart,
    TimeOnly SendWindowEnd,
    int ReminderAfterHours,
    int ExpireAfterDays,
    int CooldownDays,
    int Seed,
    string Mode = ChatSurvey.Domain.Statuses.WaveMode.Batch,
    int InviteWithinHours = WaveDraft.DefaultInviteWithinHours)
{
    public const int DefaultInviteWithinHours = 24;

    public const int MaxInviteWithinHours = 720;
}

public sealed record WaveAgencyTarget(string AgencyCode, int Target);

/// <summary>
/// <c>GET /api/admin/waves/{id}</c>. Counts are of the wave's invitations: <see cref="Planned"/> all of them (the
/// plan), <see cref="Sent"/> handed to the provider, <see cref="Delivered"/> with a delivery receipt,
/// <see cref="Failed"/> failed, <see cref="Responded"/> with a response (partial or completed), <see cref="Completed"/>
/// with a completed response, <see cref="OptedOut"/> refused or whose phone opted out after it was created,
/// <see cref="Expired"/> expired unanswered.
/// </summary>
public sealed record WaveProgress(
    long Id, string Status, long Planned, long Sent, long Delivered, long Failed, long Responded, long Completed, long OptedOut, long Expired)
{
    /// <summary>The public sees the wave (see <see cref="WavePublication"/>).</summary>
    public bool Published { get; init; }

    /// <summary>The wave's figures are frozen in its final snapshot.</summary>
    public bool Final { get; init; }
}

/// <summary>
/// <c>POST /api/admin/waves/{id}/publish</c> and <c>/unpublish</c>: whether the public sees the wave
/// (<see cref="Published"/> since <see cref="PublishedAt"/>), whether it is the standing manual-invitation wave, and
/// whether its figures are frozen (<see cref="Final"/>: the final snapshot, computed at <see cref="FinalAt"/> over
/// <see cref="Ballots"/> valid ballots whose SHA-256 is <see cref="BallotsChecksum"/>).
/// </summary>
public sealed record WavePublication(
    long Id,
    string Status,
    bool Published,
    DateTimeOffset? PublishedAt,
    bool Manual,
    bool Final,
    DateTimeOffset? FinalAt,
    int? Ballots,
    string? BallotsChecksum);

/// <summary>A publication change's outcome; on <see cref="WaveChangeOutcome.Conflict"/>, <see cref="CurrentStatus"/> says why.</summary>
public sealed record WavePublicationResult(WaveChangeOutcome Outcome, string? CurrentStatus, WavePublication? Publication);

/// <summary>
/// One agency's part of a started wave's plan. <see cref="ExcludedStaff"/> and <see cref="ExcludedManyDossiers"/> count
/// the phones left out because they are on the agency's staff list or on too many of its dossiers in the period.
/// </summary>
public sealed record PlannedAgency(string AgencyCode, int Target, int Eligible, int Required, int Planned, int Shortfall)
{
    public int ExcludedStaff { get; init; }

    public int ExcludedManyDossiers { get; init; }
}

/// <summary>
/// <c>POST /api/admin/waves/{id}/top-up</c>: the draw number (null when nobody was drawn), how many invitations it
/// added, and per agency how many were asked, drawn, and how many eligible people remain in reserve.
/// </summary>
public sealed record TopUp(long WaveId, short? Draw, int Drawn, IReadOnlyList<TopUpAgency> Agencies);

public sealed record TopUpAgency(string AgencyCode, int Requested, int Drawn, int ReserveLeft);

public enum TopUpOutcome
{
    Drawn,
    NotFound,
    Conflict,
    UnknownAgencies,

    /// <summary>A continuous wave decides each dossier as it arrives: it has nothing to top up.</summary>
    Continuous,
}

public sealed record TopUpResult(TopUpOutcome Outcome, TopUp? TopUp, string? CurrentStatus, IReadOnlyList<string> Unknown)
{
    public static TopUpResult NotFound { get; } = new(TopUpOutcome.NotFound, null, null, []);

    public static TopUpResult Conflict(string status) => new(TopUpOutcome.Conflict, null, status, []);

    public static TopUpResult UnknownAgencies(IReadOnlyList<string> codes) => new(TopUpOutcome.UnknownAgencies, null, null, codes);

    public static TopUpResult Continuous { get; } = new(TopUpOutcome.Continuous, null, null, []);

    public static TopUpResult Drawn(TopUp topUp) => new(TopUpOutcome.Drawn, topUp, null, []);
}

/// <summary>The answer of a status change: the wave's new status (and, on start, its plan).</summary>
public sealed record WaveStatusChange(
    long Id,
    string Status,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] long? Planned = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<PlannedAgency>? Agencies = null);

public enum WaveChangeOutcome
{
    Changed,
    NotFound,
    Conflict,
}

/// <summary>A status change's outcome; on <see cref="WaveChangeOutcome.Conflict"/>, <see cref="CurrentStatus"/> says why.</summary>
public sealed record WaveChangeResult(WaveChangeOutcome Outcome, string? CurrentStatus, WaveStatusChange? Change)
{
    public static WaveChangeResult NotFound { get; } = new(WaveChangeOutcome.NotFound, null, null);

    public static WaveChangeResult Conflict(string current) => new(WaveChangeOutcome.Conflict, current, null);
}

/// <summary>
/// <c>GET /api/admin/waves/{id}/responses</c>: one response, its phone masked; <see cref="Provenance"/> says who it is
/// from (sampled, interviewer, verified, open), <see cref="Interviewer"/> names the volunteer who recorded an interview
/// or paper ballot (administrators only: this API is theirs), and <see cref="Flags"/> lists its integrity flags
/// (speeder, straight_liner).
/// </summary>
public sealed record WaveResponse(
    long? InvitationId, string Channel, string Status, string Provenance, string? Interviewer, IReadOnlyList<string> Flags,
    string? Phone, IReadOnlyList<WaveAnswer> Answers);

/// <summary>One answer; <see cref="Value"/> is the rating, choice or text, null when skipped or missing.</summary>
public sealed record WaveAnswer(string Question, string? Value);

/// <summary>The outcome of creating a wave: its id, or the problems (fields by their API names).</summary>
public sealed record WaveCreateResult(long? Id, IReadOnlyList<ChatSurvey.Domain.Problems.Problem> Problems)
{
    public static WaveCreateResult Invalid(IReadOnlyList<ChatSurvey.Domain.Problems.Problem> problems) => new(null, problems);

    public static WaveCreateResult Created(long id) => new(id, []);
}

/// <summary>
/// <c>GET /api/admin/waves/{id}/pacing</c>: how a wave invites. <see cref="HoursToInvitation"/> is for every wave; the
/// agencies are a continuous wave's (empty for a batch wave).
/// </summary>
public sealed record WavePacing(
    long Id, string Mode, int InviteWithinHours, InvitationDelay HoursToInvitation, IReadOnlyList<AgencyPacing> Agencies);

/// <summary>
/// Hours from a dossier's result to its invitation's send, over the wave's sent invitations (<see cref="Invitations"/>):
/// median and 90th percentile (null before anything is sent). The result time is the dossier's when known, else noon of its
/// result date (<see cref="ResultTime"/>). <see cref="Late"/> counts a continuous wave's invitations decided after
/// their deadline (result + invite-within hours, or the send window's first opening after the result when later).
/// </summary>
public sealed record InvitationDelay(long Invitations, double? MedianHours, double? P90Hours)
{
    public long Late { get; init; }
}

/// <summary>
/// One agency of a continuous wave: dossiers <see cref="Arrived"/> (decided, eligible or not), <see cref="Eligible"/>,
/// <see cref="Invited"/>, <see cref="Completed"/> and <see cref="Open"/> invitations, the <see cref="Target"/>, the
/// response rate the pacing uses, the probability a dossier arriving now would be invited with (null unless the wave is
/// running or paused), the completed responses projected at the period's end, and the invitations decided late.
/// </summary>
public sealed record AgencyPacing(
    string AgencyCode,
    string AgencyName,
    int Target,
    int Arrived,
    int Eligible,
    int Invited,
    int Completed,
    int Open,
    double ResponseRate,
    double? Probability,
    double Projected,
    int Late);

/// <summary>What one pass of a continuous wave decided.</summary>
public sealed record DecisionPass(int Decided, int Invited, int NotDrawn, int TargetReached, int Ineligible)
{
    public static DecisionPass None { get; } = new(0, 0, 0, 0, 0);
}
