using System.Text.Json.Serialization;
using ChatSurvey.Domain.Statuses;
using Npgsql;
using NpgsqlTypes;

namespace ChatSurvey.Domain.Scoring;

/// <summary>Which responses a score is built from (docs/methodology.md, "Official figures").</summary>
[JsonConverter(typeof(JsonStringEnumConverter<BallotSet>))]
public enum BallotSet
{
    /// <summary>
    /// Valid ballots: completed responses whose provenance is sampled, interviewer or verified, not excluded by an
    /// integrity flag. The only ballots behind an official (published, ranked) figure.
    /// </summary>
    [JsonStringEnumMemberName("official")] Official,

    /// <summary>Completed invitation-free responses that matched no dossier ("chưa xác minh"): shown apart, never ranked.</summary>
    [JsonStringEnumMemberName("open")] Open,
}

/// <summary>The integrity flags that can exclude a ballot, as <see cref="ScoreReport.ExcludedFlags"/> names them (the <c>responses</c> columns).</summary>
public static class BallotFlags
{
    public const string Speeder = "speeder";

    public const string StraightLiner = "straight_liner";
}

/// <summary>
/// The one SQL predicate that decides which responses a figure counts, shared by <see cref="ScoringQuery"/>,
/// <see cref="CommentsQuery"/> and <see cref="BallotChecksum"/> so that they can never disagree. It reads a response
/// aliased <c>r</c> and the parameters <see cref="AddParameters"/> adds.
/// </summary>
internal static class Ballots
{
    public const string Predicate =
        """
        r.status = @ballot_status
        AND ((@open_ballots AND r.provenance = @open_provenance)
             OR (NOT @open_ballots AND r.provenance = ANY (@official_provenances)))
        AND NOT (@exclude_speeders AND r.speeder)
        AND NOT (@exclude_straight_liners AND r.straight_liner)
        AND NOT EXISTS (SELECT 1 FROM back_checks bc WHERE bc.response_id = r.id AND bc.outcome = @back_check_not_confirmed)
        """;

    /// <summary>The filter's wave, agency and period (<c>@wave_id</c>, <c>@agency_code</c>, <c>@period_from</c>, <c>@period_to</c>) and the ballot rule's parameters.</summary>
    public static void AddFilterParameters(NpgsqlParameterCollection parameters, ScoreFilter filter)
    {
        parameters.Add(Parameter("wave_id", NpgsqlDbType.Bigint, filter.WaveId));
        parameters.Add(Parameter("agency_code", NpgsqlDbType.Text, filter.AgencyCode));
        parameters.Add(Parameter("period_from", NpgsqlDbType.TimestampTz, filter.From?.ToUniversalTime()));
        parameters.Add(Parameter("period_to", NpgsqlDbType.TimestampTz, filter.To?.ToUniversalTime()));
        AddParameters(parameters, filter);
    }

    private static NpgsqlParameter Parameter(string name, NpgsqlDbType type, object? value) =>
        new(name, type) { Value = value ?? DBNull.Value };

    public static void AddParameters(NpgsqlParameterCollection parameters, ScoreFilter filter)
    {
        parameters.Add(new NpgsqlParameter("ballot_status", NpgsqlDbType.Text) { Value = ResponseStatus.Completed });
        parameters.Add(new NpgsqlParameter("open_ballots", NpgsqlDbType.Boolean) { Value = filter.Ballots == BallotSet.Open });
        parameters.Add(new NpgsqlParameter("open_provenance", NpgsqlDbType.Text) { Value = Provenance.Open });
        parameters.Add(new NpgsqlParameter("official_provenances", NpgsqlDbType.Array | NpgsqlDbType.Text)
        {
            Value = Provenance.Official.ToArray(),
        });
        parameters.Add(new NpgsqlParameter("exclude_speeders", NpgsqlDbType.Boolean) { Value = filter.ExcludeSpeeders });
        parameters.Add(new NpgsqlParameter("exclude_straight_liners", NpgsqlDbType.Boolean) { Value = filter.ExcludeStraightLiners });
        parameters.Add(new NpgsqlParameter("back_check_not_confirmed", NpgsqlDbType.Text) { Value = BackCheckOutcome.NotConfirmed });
    }

    /// <summary>The flags <paramref name="filter"/> excludes, in a fixed order.</summary>
    public static IReadOnlyList<string> ExcludedFlags(ScoreFilter filter)
    {
        var flags = new List<string>(2);
        if (filter.ExcludeSpeeders)
            flags.Add(BallotFlags.Speeder);
        if (filter.ExcludeStraightLiners)
            flags.Add(BallotFlags.StraightLiner);
        return flags;
    }

    /// <summary>The rule behind <paramref name="filter"/>'s ballots, in words, stated beside every figure.</summary>
    public static string Rule(ScoreFilter filter)
    {
        var flags = ExcludedFlags(filter);
        var excluded = flags.Count == 0
            ? "no integrity flag excludes a ballot"
            : "a ballot flagged " + string.Join(" or ", flags) + " is excluded";
        return filter.Ballots == BallotSet.Open
            ? "open answers = completed invitation-free responses that matched no dossier (provenance 'open', unverified); " +
              $"{excluded}. They are shown apart, never ranked and never part of an official figure."
            : "valid ballot = a completed response whose provenance is 'sampled' (an invitation drawn by a wave), " +
              "'interviewer' (a volunteer's interview or a paper ballot) or 'verified' (invitation-free, matched to a dossier); " +
              $"{excluded}; a ballot a back-check call did not confirm is excluded. Only valid ballots count: partial and " +
              "expired responses and open (unverified) answers are not counted in any official figure.";
    }
}
