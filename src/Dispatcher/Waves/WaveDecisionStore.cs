using ChatSurvey.Domain.Statuses;
using Npgsql;
using NpgsqlTypes;

namespace ChatSurvey.Dispatcher.Waves;

/// <summary>
/// One decision of a continuous wave for one dossier (docs/methodology.md, "Continuous waves"): its
/// <see cref="DecisionOutcome"/>, the <see cref="IneligibleReason"/> of an ineligible dossier, the invitation probability
/// and the seeded draw it was taken with, the pacing state as JSON, and the invitation of an invited dossier.
/// </summary>
public sealed record WaveDecision(
    long TransactionId,
    long AgencyId,
    DateTimeOffset DecidedAt,
    string Outcome,
    string? Reason,
    double? Probability,
    double? Draw,
    string? Pacing,
    long? InvitationId);

/// <summary>One agency's decisions so far: all of them, the eligible ones (invited, not drawn, target reached), the invited ones, and those invited late.</summary>
public sealed record AgencyDecisions(long AgencyId, int Decided, int Eligible, int Invited, int Late);

/// <summary>
/// The <c>wave_decisions</c> table: the only code that writes it. A dossier is decided once per wave: the primary key
/// (wave, transaction) refuses a second decision, and an insert that meets one writes nothing.
/// </summary>
public static class WaveDecisionStore
{
    /// <summary>
    /// Inserts a pass's decisions in the caller's transaction; a dossier already decided in the wave keeps its decision
    /// (<c>ON CONFLICT DO NOTHING</c>). Returns how many were inserted.
    /// </summary>
    public static async Task<int> InsertAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, long waveId, IReadOnlyList<WaveDecision> decisions,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(decisions);
        if (decisions.Count == 0)
            return 0;
        await using var insert = new NpgsqlCommand(
            """
            INSERT INTO wave_decisions (wave_id, transaction_id, agency_id, decided_at, outcome, reason, probability, draw, pacing,
                                        invitation_id)
            SELECT $1, x.transaction_id, x.agency_id, x.decided_at, x.outcome, x.reason, x.probability, x.draw, x.pacing::jsonb,
                   x.invitation_id
            FROM unnest($2::bigint[], $3::bigint[], $4::timestamptz[], $5::text[], $6::text[], $7::float8[], $8::float8[],
                        $9::text[], $10::bigint[])
                AS x(transaction_id, agency_id, decided_at, outcome, reason, probability, draw, pacing, invitation_id)
            ON CONFLICT (wave_id, transaction_id) DO NOTHING
            """, connection, transaction);
        insert.CommandTimeout = 0;
        insert.Parameters.AddWithValue(waveId);
        insert.Parameters.AddWithValue(decisions.Select(d => d.TransactionId).ToArray());
        insert.Parameters.AddWithValue(decisions.Select(d => d.AgencyId).ToArray());
        insert.Parameters.Add(new NpgsqlParameter
        {
            NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz,
            Value = decisions.Select(d => d.DecidedAt.UtcDateTime).ToArray(),
        });
        insert.Parameters.AddWithValue(decisions.Select(d => d.Outcome).ToArray());
        insert.Parameters.Add(Array(NpgsqlDbType.Text, decisions.Select(d => d.Reason).ToArray()));
        insert.Parameters.Add(Array(NpgsqlDbType.Double, decisions.Select(d => d.Probability).ToArray()));
        insert.Parameters.Add(Array(NpgsqlDbType.Double, decisions.Select(d => d.Draw).ToArray()));
        insert.Parameters.Add(Array(NpgsqlDbType.Text, decisions.Select(d => d.Pacing).ToArray()));
        insert.Parameters.Add(Array(NpgsqlDbType.Bigint, decisions.Select(d => d.InvitationId).ToArray()));
        return await insert.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// Per agency of the wave, its decisions so far (<see cref="AgencyDecisions"/>), by agency id; agencies without any are
    /// absent. <paramref name="transaction"/> may be null for a read outside a change.
    /// </summary>
    public static async Task<IReadOnlyDictionary<long, AgencyDecisions>> CountAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, long waveId, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            $"""
            SELECT agency_id, count(*)::integer,
                   count(*) FILTER (WHERE outcome <> '{DecisionOutcome.Ineligible}')::integer,
                   count(*) FILTER (WHERE outcome = '{DecisionOutcome.Invited}')::integer,
                   count(*) FILTER (WHERE outcome = '{DecisionOutcome.Invited}' AND (pacing ->> 'late')::boolean)::integer
            FROM wave_decisions
            WHERE wave_id = $1
            GROUP BY agency_id
            """, connection, transaction);
        command.Parameters.AddWithValue(waveId);
        var counts = new Dictionary<long, AgencyDecisions>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var agency = reader.GetInt64(0);
            counts[agency] = new AgencyDecisions(agency, reader.GetInt32(1), reader.GetInt32(2), reader.GetInt32(3), reader.GetInt32(4));
        }

        return counts;
    }

    // An array parameter whose elements may be null.
    private static NpgsqlParameter Array(NpgsqlDbType type, object values) => new()
    {
        NpgsqlDbType = NpgsqlDbType.Array | type,
        Value = values,
    };
}
