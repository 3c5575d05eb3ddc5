using ChatSurvey.Domain.Statuses;
using Npgsql;
using NpgsqlTypes;

namespace ChatSurvey.Domain.Volunteers;

/// <summary>
/// One ballot listed for a back-check call: who recorded it, where and when, the dossier and the respondent's phone to
/// call (administrators only), its rank in the volunteer's seeded order, whether it is in the sample now, and the
/// outcome recorded so far.
/// </summary>
public sealed record BackCheckItem(
    long ResponseId,
    DateTimeOffset CompletedAt,
    string AgencyCode,
    string AgencyName,
    string Channel,
    string? DossierCode,
    string? Phone,
    string? PaperSerial,
    int Rank,
    bool InSample,
    string? Outcome,
    string? Note,
    string? CheckedBy,
    DateTimeOffset? CheckedAt);

/// <summary>A volunteer's completed ballots in the wave, the sample size drawn from them, and the ballots listed.</summary>
public sealed record BackCheckGroup(
    long VolunteerId, string VolunteerName, string? UnitName, int Ballots, int SampleSize, IReadOnlyList<BackCheckItem> Items);

/// <summary>A wave holding volunteers' ballots, for the back-check page's selector.</summary>
public sealed record BackCheckWave(long Id, string Name, string Status, int Seed, int Ballots, int Checked);

/// <summary>
/// The back-check sample (phúc tra phiếu; docs/methodology.md, "Interviews"): in a wave, for each volunteer, their
/// completed ballots ranked by SHA-256 of <c>back-check|{wave seed}|{response id}</c> (ties, which do not happen, by id),
/// and the first ⌈n × share⌉ of them (at least one) listed, n being the volunteer's completed ballots in the wave. The
/// same seed and ballots always give the same list. A ballot whose outcome is already recorded stays listed even if
/// later ballots push it out of the first ranks, so no call made is lost. Reads only.
/// </summary>
public static class BackCheckSample
{
    private const string Sql =
        """
        WITH ranked AS (
            SELECT r.id, r.interviewer_id, r.completed_at, r.agency_id, r.channel, r.transaction_id, r.paper_serial,
                   row_number() OVER (PARTITION BY r.interviewer_id
                                      ORDER BY sha256(convert_to(concat_ws('|', 'back-check', w.seed, r.id), 'UTF8')), r.id)::int AS rank,
                   count(*) OVER (PARTITION BY r.interviewer_id)::int AS ballots
            FROM responses r
            JOIN waves w ON w.id = r.wave_id
            WHERE r.wave_id = $1 AND r.interviewer_id IS NOT NULL AND r.status = $2
        ), sized AS (
            SELECT ranked.*, greatest(1, ceil(ranked.ballots * $3::numeric))::int AS sample_size FROM ranked
        )
        SELECT s.interviewer_id, coalesce(v.full_name, ac.display_name), u.name, s.ballots, s.sample_size,
               s.id, s.completed_at, ag.code, ag.name, s.channel, t.dossier_code, t.phone, s.paper_serial, s.rank,
               s.rank <= s.sample_size, bc.outcome, bc.note, checker.display_name, bc.checked_at
        FROM sized s
        JOIN accounts ac ON ac.id = s.interviewer_id
        LEFT JOIN volunteers v ON v.account_id = s.interviewer_id
        LEFT JOIN union_units u ON u.id = v.union_unit_id
        JOIN agencies ag ON ag.id = s.agency_id
        LEFT JOIN transactions t ON t.id = s.transaction_id
        LEFT JOIN back_checks bc ON bc.response_id = s.id
        LEFT JOIN accounts checker ON checker.id = bc.checked_by
        WHERE s.rank <= s.sample_size OR bc.response_id IS NOT NULL
        ORDER BY u.name NULLS LAST, 2, s.interviewer_id, s.rank
        """;

    /// <summary>The sample of wave <paramref name="waveId"/>, each volunteer's <paramref name="share"/> of their ballots, volunteers by unit and name.</summary>
    public static async Task<IReadOnlyList<BackCheckGroup>> ListAsync(
        NpgsqlDataSource dataSource, long waveId, double share, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        if (!(share > 0 && share <= 1))
            throw new ArgumentOutOfRangeException(nameof(share), share, "The back-check share must be in (0, 1].");

        await using var command = dataSource.CreateCommand(Sql);
        command.Parameters.Add(new NpgsqlParameter { Value = waveId });
        command.Parameters.Add(new NpgsqlParameter { Value = ResponseStatus.Completed });
        // Decimal, so that 10 ballots × 0.1 is 1, not 1.0000000000000002 rounded up to 2.
        command.Parameters.Add(new NpgsqlParameter { Value = (decimal)share, NpgsqlDbType = NpgsqlDbType.Numeric });
        var groups = new List<BackCheckGroup>();
        List<BackCheckItem>? items = null;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var volunteer = reader.GetInt64(0);
            if (groups.Count == 0 || groups[^1].VolunteerId != volunteer)
            {
                items = [];
                groups.Add(new BackCheckGroup(volunteer, reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2),
                    reader.GetInt32(3), reader.GetInt32(4), items));
            }

            items!.Add(new BackCheckItem(
                reader.GetInt64(5), reader.GetFieldValue<DateTimeOffset>(6), reader.GetString(7), reader.GetString(8),
                reader.GetString(9), reader.IsDBNull(10) ? null : reader.GetString(10), reader.IsDBNull(11) ? null : reader.GetString(11),
                reader.IsDBNull(12) ? null : reader.GetString(12), reader.GetInt32(13), reader.GetBoolean(14),
                reader.IsDBNull(15) ? null : reader.GetString(15), reader.IsDBNull(16) ? null : reader.GetString(16),
                reader.IsDBNull(17) ? null : reader.GetString(17),
                reader.IsDBNull(18) ? null : reader.GetFieldValue<DateTimeOffset>(18)));
        }

        return groups;
    }

    /// <summary>The waves holding volunteers' completed ballots, newest first, with their ballots and outcomes recorded.</summary>
    public static async Task<IReadOnlyList<BackCheckWave>> WavesAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var command = dataSource.CreateCommand(
            """
            SELECT w.id, w.name, w.status, w.seed, count(r.id)::int, count(bc.response_id)::int
            FROM waves w
            JOIN responses r ON r.wave_id = w.id AND r.interviewer_id IS NOT NULL AND r.status = $1
            LEFT JOIN back_checks bc ON bc.response_id = r.id
            GROUP BY w.id
            ORDER BY w.id DESC
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = ResponseStatus.Completed });
        var waves = new List<BackCheckWave>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            waves.Add(new BackCheckWave(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetInt32(3),
                reader.GetInt32(4), reader.GetInt32(5)));
        }

        return waves;
    }
}
