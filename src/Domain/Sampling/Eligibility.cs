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
    /// CTEs (each preceded by a comma) that judge the rows of a CTE named <c>scope</c> (columns <c>id</c>, <c>agency_id</c>,
    /// <c>phone</c>, <c>dossier_code</c>: dossiers of the wave's agencies with a result date in the period):
    /// <c>phone_at_agency</c> (agency_id, phone, dossiers, staff) for each mobile phone of the scope, and <c>judged</c>
    /// (id, agency_id, phone, dossier_code, reason), where reason is null for an eligible dossier. When
    /// <paramref name="scopeIsWholePeriod"/> the scope holds every dossier of its agencies in the period and the
    /// many-dossier rule counts them there; otherwise it counts the agency's dossiers in <c>transactions</c>.
    /// Parameters: those <see cref="AddParameters"/> binds.
    /// </summary>
    public static string Ctes(bool scopeIsWholePeriod)
    {
        var dossiers = scopeIsWholePeriod
            ? "count(*)"
            : """
              (SELECT count(*) FROM transactions o
               WHERE o.agency_id = s.agency_id AND o.phone = s.phone AND o.result_date BETWEEN @results_from AND @results_to)
              """;
        return $"""
            , phone_at_agency AS (
                SELECT s.agency_id, s.phone, {dossiers} AS dossiers,
                       EXISTS (SELECT 1 FROM staff_phones sp WHERE sp.agency_id = s.agency_id AND sp.phone = s.phone) AS staff
                FROM scope s
                WHERE length(s.phone) = 12 AND left(s.phone, 4) = ANY (@mobile_prefixes)
                GROUP BY s.agency_id, s.phone
            ), judged AS (
                SELECT s.id, s.agency_id, s.phone, s.dossier_code,
                       CASE
                           WHEN pa.phone IS NULL THEN '{IneligibleReason.NoMobile}'
                           WHEN pa.staff THEN '{IneligibleReason.Staff}'
                           WHEN @max_dossiers > 0 AND pa.dossiers > @max_dossiers THEN '{IneligibleReason.ManyDossiers}'
                           WHEN EXISTS (SELECT 1 FROM opt_outs oo WHERE oo.phone = s.phone) THEN '{IneligibleReason.OptedOut}'
                           WHEN EXISTS (SELECT 1 FROM invitations wi
                                        WHERE wi.phone = s.phone AND wi.wave_id = @wave_id AND wi.created_at <= @as_of)
                             OR EXISTS (SELECT 1 FROM transactions rt JOIN responses r ON r.transaction_id = rt.id
                                        WHERE rt.phone = s.phone AND r.wave_id = @wave_id)
                             OR EXISTS (SELECT 1 FROM transactions dt
                                        JOIN wave_decisions d ON d.wave_id = @wave_id AND d.transaction_id = dt.id
                                        WHERE dt.phone = s.phone AND d.outcome <> '{DecisionOutcome.Ineligible}')
                             THEN '{IneligibleReason.InWave}'
                           WHEN EXISTS (SELECT 1 FROM invitations ci
                                        WHERE ci.phone = s.phone AND ci.created_at <= @as_of AND ci.created_at > @cooldown_start)
                             THEN '{IneligibleReason.Cooldown}'
                       END AS reason
                FROM scope s
                LEFT JOIN phone_at_agency pa ON pa.agency_id = s.agency_id AND pa.phone = s.phone
            )
            """;
    }

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
