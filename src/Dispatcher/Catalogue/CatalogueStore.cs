using System.Text.RegularExpressions;
using ChatSurvey.Domain.Catalogue;
using ChatSurvey.Domain.Problems;
using ChatSurvey.Domain.Sms;
using ChatSurvey.Domain.Statuses;
using Npgsql;
using NpgsqlTypes;

namespace ChatSurvey.Dispatcher.Catalogue;

/// <summary>
/// An agency as an administrator or the API gives it: raw text, checked by <see cref="CatalogueStore.SaveAgencyAsync"/>.
/// <c>UnitCode</c> is the one-stop-shop system's code for the agency (the portal's <c>MaDonVi</c>): null leaves it as it
/// is, empty clears it.
/// </summary>
public sealed record AgencyEntry(string? Code, string? Name, string? Kind, string? ParentCode, string? UnitCode = null);

/// <summary>A procedure as given, checked by <see cref="CatalogueStore.SaveProcedureAsync"/>; no short name means "derive it".</summary>
public sealed record ProcedureEntry(string? Code, string? Name, string? ShortName, string? Field);

public sealed record CatalogueAgency(long Id, string Code, string Name, string Kind, string? ParentCode, string? UnitCode = null);

public sealed record CatalogueProcedure(long Id, string Code, string Name, string ShortName, string? Field);

/// <summary>A save: the row and whether it is new, or the problems (then nothing was written).</summary>
public sealed record CatalogueSave<T>(T? Saved, bool Inserted, IReadOnlyList<Problem> Problems)
    where T : class;

/// <summary>
/// The <c>agencies</c> and <c>procedures</c> tables: the only code that writes them (the admin API and page, the demo
/// seed), with the reads the pages and the API need. A save checks the same rules whoever calls it, so
/// <c>POST /api/admin/agencies</c>, <c>/procedures</c> and <c>/admin/catalogue</c> accept and refuse the same entries.
/// </summary>
public sealed partial class CatalogueStore(NpgsqlDataSource dataSource)
{
    public const int MaxNameLength = 300;

    /// <summary>The SMS label's limit (also the schema's <c>procedures_short_name_ascii</c>).</summary>
    public const int MaxShortNameLength = 60;

    /// <summary>The agency kinds, in the order lists show siblings (the city, then departments, districts …).</summary>
    public static IReadOnlyList<string> AgencyKinds => AgencyKind.All;

    /// <summary>
    /// Checks and saves an agency: created (<c>Inserted</c>) or, for a code that exists, updated — unless
    /// <paramref name="createOnly"/>, when a taken code is a problem (the page's "add" form). The parent must exist and
    /// must not be the agency or one of its descendants. On any problem nothing is written.
    /// </summary>
    public async Task<CatalogueSave<CatalogueAgency>> SaveAgencyAsync(
        AgencyEntry entry, bool createOnly, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var problems = new List<Problem>();
        var code = CheckCode(entry.Code, problems);
        var name = CheckName(entry.Name, problems);
        var kind = entry.Kind?.Trim().ToLowerInvariant();
        if (string.IsNullOrEmpty(kind) || !AgencyKinds.Contains(kind))
            problems.Add(Problem.Of("kind", ProblemCodes.CatalogueKindUnknown, AgencyKinds));
        var parentCode = string.IsNullOrWhiteSpace(entry.ParentCode) ? null : entry.ParentCode.Trim();
        if (parentCode is not null && parentCode == code)
            problems.Add(Problem.Of("parentCode", ProblemCodes.CatalogueOwnParent));
        var unitCode = string.IsNullOrWhiteSpace(entry.UnitCode) ? null : entry.UnitCode.Trim();
        if (unitCode is not null && !CodeFormat().IsMatch(unitCode))
            problems.Add(Problem.Of("unitCode", ProblemCodes.CatalogueCodeFormat));
        if (problems.Count > 0)
            return Refused<CatalogueAgency>(problems);

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        long? parentId = null;
        if (parentCode is not null)
        {
            // The parent must exist and must not be the agency itself or one of its descendants (no cycles).
            await using var parent = new NpgsqlCommand(
                """
                WITH RECURSIVE chain AS (
                    SELECT id, code, parent_id, 1 AS depth FROM agencies WHERE code = $1
                    UNION ALL
                    SELECT a.id, a.code, a.parent_id, c.depth + 1 FROM agencies a JOIN chain c ON a.id = c.parent_id WHERE c.depth < 64
                )
                SELECT (SELECT id FROM agencies WHERE code = $1), EXISTS (SELECT 1 FROM chain WHERE code = $2)
                """, connection, transaction);
            parent.Parameters.AddWithValue(parentCode);
            parent.Parameters.AddWithValue(code!);
            await using var reader = await parent.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            if (reader.IsDBNull(0))
                return Refused<CatalogueAgency>(Problem.Of("parentCode", ProblemCodes.CatalogueParentUnknown, parentCode));
            if (reader.GetBoolean(1))
                return Refused<CatalogueAgency>(Problem.Of("parentCode", ProblemCodes.CatalogueParentCycle, parentCode, code!));
            parentId = reader.GetInt64(0);
        }

        // A unit code names one agency, and no other agency's code: an import reads either as the agency.
        if (unitCode is not null)
        {
            await using var owner = new NpgsqlCommand(
                "SELECT code FROM agencies WHERE (unit_code = $1 OR code = $1) AND code <> $2 LIMIT 1", connection, transaction);
            owner.Parameters.AddWithValue(unitCode);
            owner.Parameters.AddWithValue(code!);
            if (await owner.ExecuteScalarAsync(cancellationToken) is string other)
                return Refused<CatalogueAgency>(Problem.Of("unitCode", ProblemCodes.CatalogueUnitCodeTaken, unitCode, other));
        }

        // createOnly: the conflict leaves the row alone and returns nothing, so a taken code is told apart atomically.
        await using var upsert = new NpgsqlCommand(
            """
            INSERT INTO agencies (code, name, kind, parent_id, unit_code) VALUES ($1, $2, $3, $4, $6)
            ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, kind = EXCLUDED.kind, parent_id = EXCLUDED.parent_id,
                unit_code = CASE WHEN $7 THEN EXCLUDED.unit_code ELSE agencies.unit_code END, updated_at = now()
            WHERE NOT $5
            RETURNING id, xmax = 0, unit_code
            """, connection, transaction);
        upsert.Parameters.AddWithValue(code!);
        upsert.Parameters.AddWithValue(name!);
        upsert.Parameters.AddWithValue(kind!);
        upsert.Parameters.AddWithValue(NpgsqlDbType.Bigint, (object?)parentId ?? DBNull.Value);
        upsert.Parameters.AddWithValue(createOnly);
        upsert.Parameters.AddWithValue(NpgsqlDbType.Text, (object?)unitCode ?? DBNull.Value);
        upsert.Parameters.AddWithValue(entry.UnitCode is not null);
        (long Id, bool Inserted, string? UnitCode) row;
        await using (var reader = await upsert.ExecuteReaderAsync(cancellationToken))
        {
            if (!await reader.ReadAsync(cancellationToken))
                return Refused<CatalogueAgency>(Taken(code!));
            row = (reader.GetInt64(0), reader.GetBoolean(1), reader.IsDBNull(2) ? null : reader.GetString(2));
        }

        await transaction.CommitAsync(cancellationToken);
        return new(new CatalogueAgency(row.Id, code!, name!, kind!, parentCode, row.UnitCode), row.Inserted, []);
    }

    /// <summary>Checks and saves a procedure, as <see cref="SaveAgencyAsync"/> does an agency.</summary>
    public async Task<CatalogueSave<CatalogueProcedure>> SaveProcedureAsync(
        ProcedureEntry entry, bool createOnly, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var problems = new List<Problem>();
        var code = CheckCode(entry.Code, problems);
        var name = CheckName(entry.Name, problems);
        string? shortName = null;
        if (!string.IsNullOrWhiteSpace(entry.ShortName))
        {
            shortName = CollapseSpaces(entry.ShortName);
            if (shortName.Length > MaxShortNameLength || !PrintableAscii().IsMatch(shortName))
                problems.Add(Problem.Of("shortName", ProblemCodes.CatalogueShortNameFormat, MaxShortNameLength));
        }
        else if (name is not null)
        {
            shortName = ShortNameFrom(name);
            if (shortName.Length == 0)
                problems.Add(Problem.Of("shortName", ProblemCodes.CatalogueShortNameUnderivable));
        }

        var field = string.IsNullOrWhiteSpace(entry.Field) ? null : CollapseSpaces(entry.Field);
        if (field is { Length: > MaxNameLength })
            problems.Add(Problem.Of("field", ProblemCodes.CatalogueFieldTooLong, MaxNameLength));
        if (problems.Count > 0)
            return Refused<CatalogueProcedure>(problems);

        await using var upsert = dataSource.CreateCommand(
            """
            INSERT INTO procedures (code, name, short_name, field) VALUES ($1, $2, $3, $4)
            ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, short_name = EXCLUDED.short_name, field = EXCLUDED.field, updated_at = now()
            WHERE NOT $5
            RETURNING id, xmax = 0
            """);
        upsert.Parameters.AddWithValue(code!);
        upsert.Parameters.AddWithValue(name!);
        upsert.Parameters.AddWithValue(shortName!);
        upsert.Parameters.AddWithValue(NpgsqlDbType.Text, (object?)field ?? DBNull.Value);
        upsert.Parameters.AddWithValue(createOnly);
        if (await ReadUpsertAsync(upsert, cancellationToken) is not { } row)
            return Refused<CatalogueProcedure>(Taken(code!));
        return new(new CatalogueProcedure(row.Id, code!, name!, shortName!, field), row.Inserted, []);
    }

    /// <summary>
    /// Inserts the agencies and procedures that are not there yet (parents before their children, as the demo CSV lists
    /// them); returns how many rows were added. Existing rows are left as administrators edited them.
    /// </summary>
    public async Task<int> SeedAsync(
        IEnumerable<DemoCatalogue.AgencyRow> agencies, IEnumerable<DemoCatalogue.ProcedureRow> procedures, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(agencies);
        ArgumentNullException.ThrowIfNull(procedures);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var added = 0;
        foreach (var agency in agencies)
        {
            await using var insert = new NpgsqlCommand(
                """
                INSERT INTO agencies (code, name, kind, parent_id)
                VALUES ($1, $2, $3, (SELECT id FROM agencies WHERE code = $4))
                ON CONFLICT (code) DO NOTHING
                """, connection, transaction);
            insert.Parameters.AddWithValue(agency.Code);
            insert.Parameters.AddWithValue(agency.Name);
            insert.Parameters.AddWithValue(agency.Kind);
            insert.Parameters.AddWithValue(NpgsqlDbType.Text, (object?)agency.ParentCode ?? DBNull.Value);
            added += await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        foreach (var procedure in procedures)
        {
            await using var insert = new NpgsqlCommand(
                """
                INSERT INTO procedures (code, name, short_name, field)
                VALUES ($1, $2, $3, $4)
                ON CONFLICT (code) DO NOTHING
                """, connection, transaction);
            insert.Parameters.AddWithValue(procedure.Code);
            insert.Parameters.AddWithValue(procedure.Name);
            insert.Parameters.AddWithValue(procedure.ShortName);
            insert.Parameters.AddWithValue(NpgsqlDbType.Text, (object?)procedure.Field ?? DBNull.Value);
            added += await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return added;
    }

    /// <summary>Every agency with its parent's code, by name.</summary>
    public async Task<IReadOnlyList<CatalogueAgency>> ListAgenciesAsync(CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT a.id, a.code, a.name, a.kind, p.code
            FROM agencies a LEFT JOIN agencies p ON p.id = a.parent_id
            ORDER BY a.name
            """);
        var agencies = new List<CatalogueAgency>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            agencies.Add(new CatalogueAgency(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetString(4)));
        }

        return agencies;
    }

    /// <summary>Every procedure, by code.</summary>
    public async Task<IReadOnlyList<CatalogueProcedure>> ListProceduresAsync(CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("SELECT id, code, name, short_name, field FROM procedures ORDER BY code");
        var procedures = new List<CatalogueProcedure>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            procedures.Add(new CatalogueProcedure(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetString(4)));
        }

        return procedures;
    }

    /// <summary>How many transactions each agency has (agencies without any are absent), by agency code.</summary>
    public async Task<IReadOnlyDictionary<string, long>> TransactionCountsAsync(CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT a.code, count(*) FROM transactions t JOIN agencies a ON a.id = t.agency_id GROUP BY a.code");
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            counts[reader.GetString(0)] = reader.GetInt64(1);
        return counts;
    }

    /// <summary>The first agency code and the first procedure code in code order, null where the table is empty.</summary>
    public async Task<(string? AgencyCode, string? ProcedureCode)> FirstCodesAsync(CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT (SELECT code FROM agencies ORDER BY code LIMIT 1), (SELECT code FROM procedures ORDER BY code LIMIT 1)");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return (reader.IsDBNull(0) ? null : reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1));
    }

    /// <summary>The position of <paramref name="kind"/> in <see cref="AgencyKinds"/>; unknown kinds come last.</summary>
    public static int KindOrder(string kind)
    {
        for (var i = 0; i < AgencyKinds.Count; i++)
        {
            if (AgencyKinds[i] == kind)
                return i;
        }

        return AgencyKinds.Count;
    }

    /// <summary>The name without diacritics, printable ASCII only, cut at a word boundary to fit an SMS label.</summary>
    public static string ShortNameFrom(string name)
    {
        var ascii = new string([.. VietnameseText.ToAscii(name).Where(c => c is >= ' ' and <= '~')]);
        ascii = CollapseSpaces(ascii);
        if (ascii.Length <= MaxShortNameLength)
            return ascii;
        var cut = ascii.LastIndexOf(' ', MaxShortNameLength);
        return (cut > 0 ? ascii[..cut] : ascii[..MaxShortNameLength]).TrimEnd();
    }

    private static string? CheckCode(string? value, List<Problem> problems)
    {
        var code = value?.Trim();
        if (!string.IsNullOrEmpty(code) && CodeFormat().IsMatch(code))
            return code;
        problems.Add(Problem.Of("code", ProblemCodes.CatalogueCodeFormat));
        return null;
    }

    private static string? CheckName(string? value, List<Problem> problems)
    {
        var name = string.IsNullOrWhiteSpace(value) ? null : CollapseSpaces(value);
        if (name is null)
            problems.Add(Problem.Of("name", ProblemCodes.Required));
        else if (name.Length > MaxNameLength || name.Any(char.IsControl))
            problems.Add(Problem.Of("name", ProblemCodes.CatalogueNameFormat, MaxNameLength));
        return name;
    }

    private static CatalogueSave<T> Refused<T>(params IReadOnlyList<Problem> problems)
        where T : class => new(null, false, problems);

    private static Problem Taken(string code) => Problem.Of("code", ProblemCodes.CatalogueCodeTaken, code);

    private static string CollapseSpaces(string text) => string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));

    /// <summary>The row written, or null when a create-only insert met an existing code.</summary>
    private static async Task<(long Id, bool Inserted)?> ReadUpsertAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
            return null;
        return (reader.GetInt64(0), reader.GetBoolean(1));
    }

    // The schema's checks (agencies_code_format, procedures_short_name_ascii), so a bad value is a 400, not a 500.
    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", RegexOptions.CultureInvariant)]
    private static partial Regex CodeFormat();

    [GeneratedRegex("^[ -~]{1,60}$", RegexOptions.CultureInvariant)]
    private static partial Regex PrintableAscii();
}
