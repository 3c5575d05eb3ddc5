using ChatSurvey.Domain.Statuses;
using Npgsql;
using NpgsqlTypes;

namespace ChatSurvey.Domain.Sampling;

/// <summary>
/// Who may be invited, the one definition for batch draws (<see cref="SamplingService"/>) and continuous waves
/// (docs/methodology.md, "Sampling", "Who is never sampled", "Continuous waves"). A dossier with a result date in the
/// period is eligible unless, checked in this order (<see cref="IneligibleReason"/>): it has no Vietnamese mobile number;
/// its phone is on the agency's staff list; its phone is on more than <c>Integrity:MaxDossiersPerPhone</c> dossiers of the
/// agency with a result date in the period (0 turns the rule off); the phone opted out (at any time: an opt-out is
/// honoured at once); the phone already has in this wave an invitation created by the draw time, a ballot (a dossier
/// verified at the counter) or an eligible decision; the phone had an invitation in any wave created in the cool-down
/// before the draw time. Invitations created after the draw time are ignored, so a draw can be replayed.
/// </summary>
public static class Eligibility
{
    // Length and prefix rather than the regular expression (several times cheaper per row); the schema's E.164 check
    // (digits only after '+') makes the two the same on stored phones.
    internal static readonly string[] MobilePrefixes = ["+843", "+845", "+847", "+848", "+849"];

    /// <summary>
    /// The CTE (preceded by a comma) that judges the rows of a CTE named <c>scope</c> (columns <c>id</c>, <c>agency_id</c>,
    /// <c>phone</c>, <c>dossier_code</c>: dossiers of the wave's agencies with a result date in the period, but not
    /// necessarily all of them, as a continuous wave's pass sees them): <c>judged</c> (id, agency_id, phone, dossier_code,
    /// reason), where reason is null for an eligible dossier and the many-dossier rule counts the agency's dossiers on
    /// the phone in <c>transactions</c>. Parameters: those <see cref="AddParameters"/> binds.
    /// </summary>
    public static string Ctes() =>
        $"""
        , judged AS (
            SELECT s.id, s.agency_id, s.phone, s.dossier_code, {Reason("s", DossiersInPeriod("s"))} AS reason
            FROM scope s
        )
        """;

    /// <summary>
    /// The reason (an <see cref="IneligibleReason"/>, null when eligible) of the dossier in row <paramref name="row"/>
    /// (columns <c>agency_id</c>, <c>phone</c>), the rules checked in their order; <paramref name="dossiers"/> is the SQL
    /// of the number of the agency's dossiers on that phone with a result date in the period (evaluated only for a mobile
    /// phone off the staff list). The phone checks are correlated EXISTS, so that the planner may hash them for a whole
    /// period's draw or probe the indexes for a pass over a few new dossiers.
    /// </summary>
    internal static string Reason(string row, string dossiers) =>
        $"""
        CASE
            WHEN {row}.phone IS NULL OR length({row}.phone) <> 12 OR left({row}.phone, 4) <> ALL (@mobile_prefixes) THEN '{IneligibleReason.NoMobile}'
            WHEN EXISTS (SELECT 1 FROM staff_phones sp WHERE sp.agency_id = {row}.agency_id AND sp.phone = {row}.phone) THEN '{IneligibleReason.Staff}'
            WHEN @max_dossiers > 0 AND {dossiers} > @max_dossiers THEN '{IneligibleReason.ManyDossiers}'
            WHEN EXISTS (SELECT 1 FROM opt_outs oo WHERE oo.phone = {row}.phone) THEN '{IneligibleReason.OptedOut}'
            WHEN EXISTS (SELECT 1 FROM invitations wi
                         WHERE wi.phone = {row}.phone AND wi.wave_id = @wave_id AND wi.created_at <= @as_of)
              OR EXISTS (SELECT 1 FROM transactions rt JOIN responses r ON r.transaction_id = rt.id
                         WHERE rt.phone = {row}.phone AND r.wave_id = @wave_id)
              OR EXISTS (SELECT 1 FROM transactions dt
                         JOIN wave_decisions d ON d.wave_id = @wave_id AND d.transaction_id = dt.id
                         WHERE dt.phone = {row}.phone AND d.outcome <> '{DecisionOutcome.Ineligible}')
              THEN '{IneligibleReason.InWave}'
            WHEN EXISTS (SELECT 1 FROM invitations ci
                         WHERE ci.phone = {row}.phone AND ci.created_at <= @as_of AND ci.created_at > @cooldown_start)
              THEN '{IneligibleReason.Cooldown}'
        END
        """;

    // The agency's dossiers on the row's phone with a result date in the period, counted in transactions (for a scope
    // that does not hold them all).
    private static string DossiersInPeriod(string row) =>
        $"""
        (SELECT count(*) FROM transactions o
         WHERE o.agency_id = {row}.agency_id AND o.phone = {row}.phone AND o.result_date BETWEEN @results_from AND @results_to)
        """;

    /// <summary>
    /// Binds what <see cref="Ctes"/> reads: the wave (null for a draw outside any wave), the draw time, the cool-down in
    /// days before it, the many-dossier limit and the period.
    /// </summary>
    public static void AddParameters(
        NpgsqlParameterCollection parameters, long? waveId, DateTimeOffset asOf, int cooldownDays, int maxDossiersPerPhone,
        DateOnly resultsFrom, DateOnly resultsTo)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        parameters.Add(new NpgsqlParameter("wave_id", NpgsqlDbType.Bigint) { Value = (object?)waveId ?? DBNull.Value });
        parameters.Add(new NpgsqlParameter("as_of", NpgsqlDbType.TimestampTz) { Value = asOf.ToUniversalTime() });
        parameters.Add(new NpgsqlParameter("cooldown_start", NpgsqlDbType.TimestampTz) { Value = asOf.ToUniversalTime().AddDays(-cooldownDays) });
        parameters.Add(new NpgsqlParameter("max_dossiers", NpgsqlDbType.Integer) { Value = maxDossiersPerPhone });
        parameters.Add(new NpgsqlParameter("mobile_prefixes", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = MobilePrefixes });
        parameters.Add(new NpgsqlParameter("results_from", NpgsqlDbType.Date) { Value = resultsFrom });
        parameters.Add(new NpgsqlParameter("results_to", NpgsqlDbType.Date) { Value = resultsTo });
    }
}
