using ChatSurvey.Dispatcher.Import;
using Npgsql;

namespace ChatSurvey.Dispatcher.Integrity;

/// <summary>One row of a staff list: an agency's code and the phone of one of its staff, as uploaded.</summary>
public sealed record StaffPhoneRow(string? AgencyCode, string? Phone);

/// <summary>What an upload did: rows added, rows already listed, and each refused row (1-based) with its field and why.</summary>
public sealed record StaffPhoneReport(int Accepted, int Duplicates, IReadOnlyList<RejectedRow> Rejected);

/// <summary>How many staff phones an agency lists.</summary>
public sealed record StaffPhoneCount(string AgencyCode, string AgencyName, int Phones);

/// <summary>
/// The agencies' staff phone lists (<c>staff_phones</c>), the only code that writes them. A listed phone is never
/// sampled for its agency's waves and never accepted as a verified dossier's phone there: the units being rated must not
/// rate themselves. An upload adds to the list (a phone already listed counts as a duplicate); clearing is per agency.
/// </summary>
public sealed class StaffPhoneStore(NpgsqlDataSource dataSource)
{
    public const int MaxRows = 100_000;

    /// <summary>Adds the valid rows; bad rows (unknown agency, not a phone number) are listed and change nothing.</summary>
    public async Task<StaffPhoneReport> AddAsync(IReadOnlyList<StaffPhoneRow> rows, CancellationToken cancellationToken)
    {
        var known = await AgencyIdsAsync(cancellationToken);
        var rejected = new List<RejectedRow>();
        var valid = new List<(long AgencyId, string Phone)>();
        for (var i = 0; i < rows.Count; i++)
        {
            var row = rows[i];
            var code = row.AgencyCode?.Trim();
            if (string.IsNullOrEmpty(code))
                rejected.Add(new RejectedRow(i + 1, "agencyCode", "Required."));
            else if (!known.TryGetValue(code, out var agencyId))
                rejected.Add(new RejectedRow(i + 1, "agencyCode", $"Unknown agency '{code}'."));
            else if (!PhoneNormalizer.TryNormalize(row.Phone, out var phone))
                rejected.Add(new RejectedRow(i + 1, "phone", "Not a valid phone number."));
            else
                valid.Add((agencyId, phone));
        }

        var distinct = valid.Distinct().ToList();
        await using var insert = dataSource.CreateCommand(
            """
            INSERT INTO staff_phones (agency_id, phone)
            SELECT * FROM unnest($1::bigint[], $2::text[])
            ON CONFLICT DO NOTHING
            """);
        insert.Parameters.AddWithValue(distinct.Select(v => v.AgencyId).ToArray());
        insert.Parameters.AddWithValue(distinct.Select(v => v.Phone).ToArray());
        var added = distinct.Count == 0 ? 0 : await insert.ExecuteNonQueryAsync(cancellationToken);
        return new StaffPhoneReport(added, valid.Count - added, rejected);
    }

    /// <summary>Removes an agency's whole list; null when the agency is unknown.</summary>
    public async Task<int?> ClearAsync(string agencyCode, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            WITH agency AS (SELECT id FROM agencies WHERE code = $1),
                 removed AS (DELETE FROM staff_phones s USING agency a WHERE s.agency_id = a.id RETURNING 1)
            SELECT (SELECT count(*) FROM agency)::integer, (SELECT count(*) FROM removed)::integer
            """);
        command.Parameters.AddWithValue(agencyCode);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return reader.GetInt32(0) == 0 ? null : reader.GetInt32(1);
    }

    /// <summary>The agencies that list staff phones, with how many; never the phones themselves.</summary>
    public async Task<IReadOnlyList<StaffPhoneCount>> CountsAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT a.code, a.name, count(*)::integer
            FROM staff_phones s JOIN agencies a ON a.id = s.agency_id
            GROUP BY a.code, a.name
            ORDER BY a.code
            """);
        var counts = new List<StaffPhoneCount>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            counts.Add(new StaffPhoneCount(reader.GetString(0), reader.GetString(1), reader.GetInt32(2)));
        return counts;
    }

    private async Task<Dictionary<string, long>> AgencyIdsAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT code, id FROM agencies");
        var ids = new Dictionary<string, long>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            ids[reader.GetString(0)] = reader.GetInt64(1);
        return ids;
    }
}
