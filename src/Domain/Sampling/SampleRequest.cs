namespace ChatSurvey.Domain.Sampling;

/// <summary>The target number of completed responses for one agency.</summary>
public sealed record AgencyQuota(long AgencyId, int Target);

/// <summary>
/// What to draw. Either a <see cref="WaveId"/> (period, quotas, response rate, cool-down and seed are read from the
/// wave and its quotas; any value set here overrides the wave's) or explicit values (<see cref="Explicit"/>).
/// <see cref="AsOf"/> is the draw time: the cool-down counts back from it, and invitations created after it are ignored,
/// so a draw can be replayed. Same request and same data give the same sample.
/// </summary>
public sealed record SampleRequest
{
    /// <summary>Default cool-down: no second invitation to a phone within 90 days (docs/methodology.md#sampling).</summary>
    public const int DefaultCooldownDays = 90;

    /// <summary>Default expected response rate (docs/methodology.md#sampling).</summary>
    public const double DefaultExpectedResponseRate = 0.3;

    public long? WaveId { get; init; }

    /// <summary>First result date of the period (inclusive).</summary>
    public DateOnly? ResultsFrom { get; init; }

    /// <summary>Last result date of the period (inclusive).</summary>
    public DateOnly? ResultsTo { get; init; }

    public IReadOnlyList<AgencyQuota>? Quotas { get; init; }

    /// <summary>Expected share of invitations that end in a completed response, in (0, 1].</summary>
    public double? ExpectedResponseRate { get; init; }

    public int? CooldownDays { get; init; }

    public int? Seed { get; init; }

    public required DateTimeOffset AsOf { get; init; }

    /// <summary>
    /// A phone on more than this many dossiers of one agency in the period is not sampled for that agency (an agent or a
    /// staff member files for many people); 0 turns the rule off.
    /// </summary>
    public int MaxDossiersPerPhone { get; init; }

    /// <summary>
    /// When set, how many invitations to draw per agency id (a top-up: agencies missing here get none) instead of
    /// ⌈target / expected response rate⌉.
    /// </summary>
    public IReadOnlyDictionary<long, int>? Invitations { get; init; }

    public static SampleRequest ForWave(long waveId, DateTimeOffset asOf) => new() { WaveId = waveId, AsOf = asOf };

    public static SampleRequest Explicit(
        DateOnly resultsFrom,
        DateOnly resultsTo,
        IReadOnlyList<AgencyQuota> quotas,
        int seed,
        DateTimeOffset asOf,
        double expectedResponseRate = DefaultExpectedResponseRate,
        int cooldownDays = DefaultCooldownDays) => new()
    {
        ResultsFrom = resultsFrom,
        ResultsTo = resultsTo,
        Quotas = quotas,
        Seed = seed,
        AsOf = asOf,
        ExpectedResponseRate = expectedResponseRate,
        CooldownDays = cooldownDays,
    };
}

/// <summary>
/// The draw. <see cref="Agencies"/> follows the quotas, ordered by agency code. The parameters actually used (from the
/// wave or the request) are echoed so the plan can be recorded and replayed.
/// </summary>
public sealed record SampleResult(
    long? WaveId,
    DateOnly ResultsFrom,
    DateOnly ResultsTo,
    double ExpectedResponseRate,
    int CooldownDays,
    int Seed,
    DateTimeOffset AsOf,
    IReadOnlyList<AgencySample> Agencies);

/// <summary>
/// One agency's draw. <see cref="Required"/> = ⌈target / expected response rate⌉; <see cref="Needed"/> is that capped by
/// <see cref="Eligible"/>: the number drawn. <see cref="Transactions"/> holds those rows in draw order when the draw was
/// read back; it is empty when they were left in the database (<see cref="SamplingService.DrawIntoTableAsync"/>).
/// </summary>
public sealed record AgencySample(
    long AgencyId,
    string AgencyCode,
    int Target,
    int Eligible,
    int Required,
    int Needed,
    IReadOnlyList<SampledTransaction> Transactions)
{
    /// <summary>Phones with transactions in the period left out because they are on the agency's staff list.</summary>
    public int ExcludedStaff { get; init; }

    /// <summary>Phones left out because they are on more than the allowed number of the agency's dossiers in the period.</summary>
    public int ExcludedManyDossiers { get; init; }

    /// <summary>Invitations the plan asked for but no eligible transaction could supply.</summary>
    public int Shortfall => Required - Needed;
}

/// <summary>A transaction drawn for an invitation; <see cref="Phone"/> is its E.164 Vietnamese mobile number.</summary>
public sealed record SampledTransaction(long TransactionId, string Phone, string DossierCode, DateOnly ResultDate);
