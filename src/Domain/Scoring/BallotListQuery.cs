using Npgsql;
using NpgsqlTypes;

namespace ChatSurvey.Domain.Scoring;

/// <summary>
/// One completed ballot as the administrators' exports list it: when, where, through which channel, who it is from
/// (<see cref="Provenance"/>, <c>responses.provenance</c>), its integrity flags, and whether the official figures count it. It carries no
/// respondent data: no phone, no dossier code, no invitation or response id.
/// </summary>
public sealed record BallotItem(
    DateTimeOffset CompletedAt,
    string AgencyCode,
    string AgencyName,
    string? ProcedureName,
    string Channel,
    string Provenance,
    bool Speeder,
    bool StraightLiner,
    bool Counted);

/// <summary>
/// The completed ballots of a <see cref="ScoreFilter"/>'s wave, agency and period — official and open alike, in the
/// order they were completed — each with <see cref="BallotItem.Counted"/> decided by the same predicate as
/// <see cref="ScoringQuery"/> (the official ballot set, with the filter's flag exclusions), so the rows counted are
/// exactly the ballots behind the figures. Partial and expired responses are not ballots and are not listed.
/// </summary>
public static class BallotListQuery
{
    private const string Sql =
        $$"""
        SELECT r.completed_at, ag.code, ag.name, p.name, r.channel, r.provenance, r.speeder, r.straight_liner,
               ({{Ballots.Predicate}}) AS counted
        FROM responses r
        JOIN agencies ag ON ag.id = r.agency_id
        -- The procedure comes through the ballot's dossier (its own, or its invitation's); an open ballot has none.
        LEFT JOIN invitations i ON i.id = r.invitation_id
        LEFT JOIN transactions t ON t.id = coalesce(r.transaction_id, i.transaction_id)
        LEFT JOIN procedures p ON p.id = t.procedure_id
        WHERE r.status = @ballot_status
          AND (@wave_id IS NULL OR r.wave_id = @wave_id)
          AND (@agency_code IS NULL OR ag.code = @agency_code)
          AND (@period_from IS NULL OR r.completed_at >= @period_from)
          AND (@period_to IS NULL OR r.completed_at < @period_to)
        ORDER BY r.completed_at, r.id
        LIMIT @take
        """;

    /// <summary>At most <paramref name="take"/> completed ballots of <paramref name="filter"/>, oldest first.</summary>
    public static async Task<IReadOnlyList<BallotItem>> ListAsync(
        NpgsqlDataSource dataSource, ScoreFilter filter, int take, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentOutOfRangeException.ThrowIfNegative(take);

        await using var command = dataSource.CreateCommand(Sql);
        command.Parameters.Add(new NpgsqlParameter("take", NpgsqlDbType.Integer) { Value = take });
        // "Counted" means counted in the official figures, whichever set the caller's filter names.
        Ballots.AddFilterParameters(command.Parameters, filter with { Ballots = BallotSet.Official });

        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var items = new List<BallotItem>();
        while (await reader.ReadAsync(cancellationToken))
        {
            items.Add(new BallotItem(
                reader.GetFieldValue<DateTimeOffset>(0),
                reader.GetString(1),
                reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetString(3),
                reader.GetString(4),
                reader.GetString(5),
                reader.GetBoolean(6),
                reader.GetBoolean(7),
                reader.GetBoolean(8)));
        }

        return items;
    }
}
