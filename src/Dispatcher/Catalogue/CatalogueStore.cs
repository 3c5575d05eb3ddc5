using System.Text.RegularExpressions;
using ChatSurvey.Domain.Catalogue;
using ChatSurvey.Domain.Problems;
using ChatSurvey.Domain.Sms;
using ChatSurvey.Domain.Statuses;
using Npgsql;
using NpgsqlTypes;
using ChatSurvey.Dispatcher.Waves;
using ChatSurvey.Domain.Time;
using System.Globalization;

namespace ChatSurvey.Dispatcher.Catalogue;

/// <summary>An agency as an administrator or the API gives it: raw text, checked by <see cref="CatalogueStore.SaveAgencyAsync"/>.</summary>
public sealed record AgencyEntry(string? Code, string? Name, string? Kind, string? ParentCode);

/// <summary>A procedure as given, checked by <see cref="CatalogueStore.SaveProcedureAsync"/>; no short name means "derive it".</summary>
public sealed record ProcedureEntry(string? Code, string? Name, string? ShortName, string? Field);

/// <summary>
/// An agency as stored. <see cref="Block"/> is the reporting block, derived from the kind by the schema
/// (<c>agencies.block</c>, <see cref="AgencyBlock"/>); <see cref="RetiredAt"/> is set once the agency was abolished or
/// merged (kept for history, left out of new waves).
/// </summary>
public sealed record CatalogueAgency(long Id, string Code, string Name, string Kind, string? ParentCode, string Block, DateTimeOffset? RetiredAt)
{
    public bool Retired => RetiredAt is not null;
}

/// <summary>
/// One agency row of a catalogue file, numbered as a spreadsheet shows it (header row 1). <see cref="Retired"/> is the
/// <c>retired</c> cell as written: null when the file has no such column (retirement left as it is), empty for "not
/// retired".
/// </summary>
public sealed record AgencyImportRow(int Row, AgencyEntry Entry, string? Retired = null);

/// <summary>A problem of one row of a catalogue file.</summary>
public sealed record AgencyImportProblem(int Row, string? Code, Problem Problem);

/// <summary>
/// A catalogue file's outcome: the agencies added, updated and left as they were, or the problems of its rows (then
/// nothing was written).
/// </summary>
public sealed record AgencyImportResult(int Added, int Updated, int Unchanged, IReadOnlyList<AgencyImportProblem> Problems)
{
    public bool Imported => Problems.Count == 0;
}

public sealed record CatalogueProcedure(long Id, string Code, string Name, string ShortName, string? Field);

/// <summary>A save: the row and whether it is new, or the problems (then nothing was written).</summary>
public sealed record CatalogueSave<T>(T? Saved, bool Inserted, IReadOnlyList<Problem> Problems)
    where T : class
{
    /// <summary>The entry was already stored exactly so: nothing was written.</summary>
    public bool Unchanged { get; init; }
}

/// <summary>
/// The <c>agencies</c> and <c>procedures</c> tables: the only code that writes them (the admin API and page, the demo
/// seed), with the reads the pages and the API need. A save checks the same rules whoever calls it, so
/// <c>POST /api/admin/agencies</c>, <c>/procedures</c> and <c>/admin/catalogue</c> accept and refuse the same entries.
/// </summary>
public sealed partial class CatalogueStore(NpgsqlDataSource dataSource, TimeProvider clock)
{
    public const int MaxNameLength = 300;

    /// <summary>The most agencies one catalogue file may hold (Hai Phong has 130).</summary>
    public const int MaxImportRows = 5000;

    /// <summary>
    /// SQL: the agency aliased <paramref name="alias"/> is current, not retired. New waves, manual invitations and the
    /// counters' QR sheet take only current agencies; history (results, imports of past transactions) takes every one.
    /// </summary>
    public static string Current(string alias) => $"{alias}.retired_at IS NULL";

    /// <summary>
    /// SQL: the agency aliased <paramref name="alias"/> takes invitation-free surveys (counter QR code, website widget):
    /// it is current, or it is retired but a running wave that collects its ballots still includes it
    /// (<see cref="WaveStore.CollectingWaves"/>), which finishes as planned.
    /// </summary>
    public static string TakesInvitationFreeSurveys(string alias) =>
        $"({Current(alias)} OR EXISTS ({WaveStore.CollectingWaves($"{alias}.id")}))";

    /// <summary>The SMS label's limit (also the schema's <c>procedures_short_name_ascii</c>).</summary>
    public const int MaxShortNameLength = 60;

    /// <summary>The agency kinds, in the order lists show siblings (the city, then departments, districts …).</summary>
    public static IReadOnlyList<string> AgencyKinds => AgencyKind.All;

    /// <summary>
    /// Checks and saves an agency: created (<c>Inserted</c>) or, for a code that exists, updated — unless
    /// <paramref name="createOnly"/>, when a taken code is a problem (the page's "add" form). The parent must exist and
    /// must not be the agency or one of its descendants. On any problem nothing is written. Retirement is left as it is
    /// (<see cref="RetireAgencyAsync"/>).
    /// </summary>
    public async Task<CatalogueSave<CatalogueAgency>> SaveAgencyAsync(
        AgencyEntry entry, bool createOnly, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var problems = new List<Problem>();
        var agency = CheckAgency(entry, problems);
        if (problems.Count > 0)
            return Refused<CatalogueAgency>(problems);

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var saved = await WriteAgencyAsync(connection, transaction, agency!, createOnly, Retirement.Keep, cancellationToken);
        if (saved.Saved is not null)
            await transaction.CommitAsync(cancellationToken);
        return saved;
    }

    /// <summary>
    /// Retires an agency (<paramref name="retired"/>: it keeps its history and leaves new waves; an agency already
    /// retired keeps its date) or brings it back. Null when the code is unknown.
    /// </summary>
    public async Task<CatalogueAgency?> RetireAgencyAsync(string code, bool retired, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(code);
        await using var command = dataSource.CreateCommand(
            """
            UPDATE agencies a
            SET retired_at = CASE WHEN $2 THEN coalesce(a.retired_at, $3) END,
                updated_at = CASE WHEN (a.retired_at IS NULL) = $2 THEN now() ELSE a.updated_at END
            WHERE a.code = $1
            RETURNING a.id, a.code, a.name, a.kind, (SELECT p.code FROM agencies p WHERE p.id = a.parent_id), a.block, a.retired_at
            """);
        command.Parameters.AddWithValue(code.Trim());
        command.Parameters.AddWithValue(retired);
        command.Parameters.AddWithValue(clock.GetUtcNow());
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadAgency(reader) : null;
    }

    /// <summary>
    /// Imports a catalogue file's agencies, all or nothing: every row is checked by the rules of
    /// <see cref="SaveAgencyAsync"/> (a parent may be a row of the same file, in any order), a code may appear once, and
    /// the <c>retired</c> cell, when the file has that column, is empty or 0/false/no/không (current), 1/true/yes/có
    /// (retired now, or since its date when it already is) or a date <c>YYYY-MM-DD</c> (retired since that day, Vietnam
    /// time). Existing codes are updated; rows already stored exactly so are counted unchanged, so importing the same file
    /// again adds and updates nothing. When any row has a problem, nothing is written and every problem is returned.
    /// </summary>
    public async Task<AgencyImportResult> ImportAgenciesAsync(IReadOnlyList<AgencyImportRow> rows, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var problems = new List<AgencyImportProblem>();
        var valid = new List<(AgencyImportRow Row, CheckedAgency Agency, Retirement Retirement)>();
        var firstRow = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            var rowProblems = new List<Problem>();
            var agency = CheckAgency(row.Entry, rowProblems);
            var retirement = ParseRetired(row.Retired, rowProblems);
            if (agency is not null && !firstRow.TryAdd(agency.Code, row.Row))
                rowProblems.Add(Problem.Of("code", ProblemCodes.CatalogueCodeRepeated, agency.Code, firstRow[agency.Code]));
            problems.AddRange(rowProblems.Select(p => new AgencyImportProblem(row.Row, row.Entry.Code?.Trim(), p)));
            if (rowProblems.Count == 0)
                valid.Add((row, agency!, retirement!));
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        int added = 0, updated = 0, unchanged = 0;
        foreach (var (row, agency, retirement) in ParentsFirst(valid, v => v.Agency.Code, v => v.Agency.ParentCode))
        {
            var saved = await WriteAgencyAsync(connection, transaction, agency, createOnly: false, retirement, cancellationToken);
            if (saved.Saved is null)
                problems.AddRange(saved.Problems.Select(p => new AgencyImportProblem(row.Row, agency.Code, p)));
            else if (saved.Inserted)
                added++;
            else if (saved.Unchanged)
                unchanged++;
            else
                updated++;
        }

        if (problems.Count > 0)
            return new AgencyImportResult(0, 0, 0, [.. problems.OrderBy(p => p.Row)]);
        await transaction.CommitAsync(cancellationToken);
        return new AgencyImportResult(added, updated, unchanged, []);
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

    /// <summary>Every agency with its parent's code, block and retirement, by name (retired agencies too: history).</summary>
    public async Task<IReadOnlyList<CatalogueAgency>> ListAgenciesAsync(CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT a.id, a.code, a.name, a.kind, p.code, a.block, a.retired_at
            FROM agencies a LEFT JOIN agencies p ON p.id = a.parent_id
            ORDER BY a.name
            """);
        var agencies = new List<CatalogueAgency>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            agencies.Add(ReadAgency(reader));
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

    /// <summary>An agency entry that passed the checks needing no database, trimmed.</summary>
    private sealed record CheckedAgency(string Code, string Name, string Kind, string? ParentCode);

    /// <summary>What a save does to <c>retired_at</c>: leave it, clear it, retire now (keeping an earlier date), or since a day.</summary>
    private sealed record Retirement(string Mode, DateTimeOffset? Since)
    {
        public static Retirement Keep { get; } = new("keep", null);
    }

    private static CheckedAgency? CheckAgency(AgencyEntry entry, List<Problem> problems)
    {
        var before = problems.Count;
        var code = CheckCode(entry.Code, problems);
        var name = CheckName(entry.Name, problems);
        var kind = entry.Kind?.Trim().ToLowerInvariant();
        if (string.IsNullOrEmpty(kind) || !AgencyKinds.Contains(kind))
            problems.Add(Problem.Of("kind", ProblemCodes.CatalogueKindUnknown, AgencyKinds));
        var parentCode = string.IsNullOrWhiteSpace(entry.ParentCode) ? null : entry.ParentCode.Trim();
        if (parentCode is not null && parentCode == code)
            problems.Add(Problem.Of("parentCode", ProblemCodes.CatalogueOwnParent));
        return problems.Count == before ? new CheckedAgency(code!, name!, kind!, parentCode) : null;
    }

    private Retirement? ParseRetired(string? cell, List<Problem> problems)
    {
        if (cell is null)
            return Retirement.Keep;
        var value = cell.Trim().ToLowerInvariant();
        switch (value)
        {
            case "" or "0" or "false" or "no" or "khong" or "không":
                return new Retirement("current", null);
            case "1" or "true" or "yes" or "x" or "co" or "có":
                return new Retirement("retired", clock.GetUtcNow());
        }

        if (DateOnly.TryParseExact(value, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
            return new Retirement("since", VietnamTime.StartOfDay(day));
        problems.Add(Problem.Of("retired", ProblemCodes.CatalogueRetiredValue));
        return null;
    }

    /// <summary>
    /// The items with each one after its parent when the parent is among them (file order otherwise); items caught in a
    /// cycle come last, in file order, and the parent checks refuse them.
    /// </summary>
    private static List<T> ParentsFirst<T>(List<T> items, Func<T, string> code, Func<T, string?> parent)
    {
        var byCode = items.ToDictionary(code, StringComparer.Ordinal);
        var ordered = new List<T>(items.Count);
        var state = new Dictionary<string, bool>(StringComparer.Ordinal); // false: being placed, true: placed
        var cyclic = new List<T>();

        bool Place(T item)
        {
            var key = code(item);
            if (state.TryGetValue(key, out var placed))
                return placed;
            state[key] = false;
            if (parent(item) is { } p && byCode.TryGetValue(p, out var up) && !Place(up))
                return false;
            state[key] = true;
            ordered.Add(item);
            return true;
        }

        foreach (var item in items)
        {
            if (!Place(item) && !state.GetValueOrDefault(code(item)))
                cyclic.Add(item);
        }

        return [.. ordered, .. cyclic.Distinct()];
    }

    /// <summary>
    /// Writes a checked agency in the caller's transaction after the parent checks; returns the problems instead when the
    /// parent is unknown or would make a cycle, or when <paramref name="createOnly"/> meets a taken code.
    /// </summary>
    private static async Task<CatalogueSave<CatalogueAgency>> WriteAgencyAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, CheckedAgency agency, bool createOnly, Retirement retirement,
        CancellationToken cancellationToken)
    {
        long? parentId = null;
        if (agency.ParentCode is { } parentCode)
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
            parent.Parameters.AddWithValue(agency.Code);
            await using var reader = await parent.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            if (reader.IsDBNull(0))
                return Refused<CatalogueAgency>(Problem.Of("parentCode", ProblemCodes.CatalogueParentUnknown, parentCode));
            if (reader.GetBoolean(1))
                return Refused<CatalogueAgency>(Problem.Of("parentCode", ProblemCodes.CatalogueParentCycle, parentCode, agency.Code));
            parentId = reader.GetInt64(0);
        }

        // createOnly: the conflict leaves the row alone and returns nothing, so a taken code is told apart atomically.
        // A row already stored exactly so is not written (the second SELECT reads it as it was): a re-import is a no-op.
        await using var upsert = new NpgsqlCommand(
            """
            WITH written AS (
                INSERT INTO agencies (code, name, kind, parent_id, retired_at)
                VALUES ($1, $2, $3, $4, CASE WHEN $6 IN ('retired', 'since') THEN $7::timestamptz END)
                ON CONFLICT (code) DO UPDATE
                SET name = EXCLUDED.name, kind = EXCLUDED.kind, parent_id = EXCLUDED.parent_id,
                    retired_at = CASE $6 WHEN 'keep' THEN agencies.retired_at
                                         WHEN 'retired' THEN coalesce(agencies.retired_at, EXCLUDED.retired_at)
                                         ELSE EXCLUDED.retired_at END,
                    updated_at = now()
                WHERE NOT $5
                  AND (agencies.name, agencies.kind, agencies.parent_id, agencies.retired_at) IS DISTINCT FROM
                      (EXCLUDED.name, EXCLUDED.kind, EXCLUDED.parent_id,
                       CASE $6 WHEN 'keep' THEN agencies.retired_at
                               WHEN 'retired' THEN coalesce(agencies.retired_at, EXCLUDED.retired_at)
                               ELSE EXCLUDED.retired_at END)
                RETURNING id, xmax = 0 AS inserted, block, retired_at
            )
            SELECT id, inserted, true, block, retired_at FROM written
            UNION ALL
            SELECT id, false, false, block, retired_at FROM agencies WHERE code = $1 AND NOT $5 AND NOT EXISTS (SELECT 1 FROM written)
            """, connection, transaction);
        upsert.Parameters.AddWithValue(agency.Code);
        upsert.Parameters.AddWithValue(agency.Name);
        upsert.Parameters.AddWithValue(agency.Kind);
        upsert.Parameters.AddWithValue(NpgsqlDbType.Bigint, (object?)parentId ?? DBNull.Value);
        upsert.Parameters.AddWithValue(createOnly);
        upsert.Parameters.AddWithValue(retirement.Mode);
        upsert.Parameters.AddWithValue(NpgsqlDbType.TimestampTz, (object?)retirement.Since ?? DBNull.Value);
        await using var row = await upsert.ExecuteReaderAsync(cancellationToken);
        if (!await row.ReadAsync(cancellationToken))
            return Refused<CatalogueAgency>(Taken(agency.Code));
        var saved = new CatalogueAgency(row.GetInt64(0), agency.Code, agency.Name, agency.Kind, agency.ParentCode, row.GetString(3),
            row.IsDBNull(4) ? null : row.GetFieldValue<DateTimeOffset>(4));
        return new(saved, row.GetBoolean(1), []) { Unchanged = !row.GetBoolean(2) };
    }

    // Columns: id, code, name, kind, parent code, block, retired_at.
    private static CatalogueAgency ReadAgency(NpgsqlDataReader reader) =>
        new(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
            reader.IsDBNull(4) ? null : reader.GetString(4), reader.GetString(5),
            reader.IsDBNull(6) ? null : reader.GetFieldValue<DateTimeOffset>(6));

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
