using ChatSurvey.BotHost.Accounts;
using ChatSurvey.Dispatcher.Catalogue;
using ChatSurvey.Dispatcher.Import;
using ChatSurvey.Domain.Problems;
using Npgsql;
using NpgsqlTypes;

namespace ChatSurvey.BotHost.Volunteers;

/// <summary>
/// A volunteer as an administrator, a coordinator, a script or a CSV row gives it: the interviewer account's user name
/// and password, the person's name and phone, their union unit (Đoàn cơ sở, by name: created when new) and the codes of
/// the agencies whose counters they interview at.
/// </summary>
public sealed record NewVolunteer(
    string? UserName, string? Password, string? Name, string? Phone, string? UnionUnit, IReadOnlyList<string>? AgencyCodes);

/// <summary>A volunteer created: the account's id and user name, the name, the unit and the agencies, as stored.</summary>
public sealed record CreatedVolunteer(long AccountId, string UserName, string Name, string UnionUnit, IReadOnlyList<string> AgencyCodes);

/// <summary>One volunteer row of a CSV, numbered as a spreadsheet shows it (header row 1).</summary>
public sealed record VolunteerImportRow(int Row, NewVolunteer Volunteer);

/// <summary>What is wrong with one row of a volunteers file: its row, the user name as written, and the problem.</summary>
public sealed record VolunteerImportProblem(int Row, string? UserName, Problem Problem);

/// <summary>A volunteers file imported (<see cref="Created"/> volunteers) or refused whole (<see cref="Problems"/>).</summary>
public sealed record VolunteerImportResult(int Created, IReadOnlyList<VolunteerImportProblem> Problems)
{
    public bool Imported => Problems.Count == 0;
}

public sealed record UnionUnit(long Id, string Name, int? Target);

/// <summary>
/// The <c>union_units</c>, <c>volunteers</c> and <c>volunteer_agencies</c> tables, their only writer. Creating a volunteer
/// creates its interviewer account through <see cref="AccountStore"/> on the same transaction: the account and its
/// profile exist together or not at all. Everything a volunteer's account may need from a manager (password, lock) goes
/// to <see cref="AccountStore"/> after checking the account is a volunteer's, so a coordinator can never touch another
/// kind of account.
/// </summary>
public sealed class VolunteerStore(NpgsqlDataSource dataSource, AccountStore accounts)
{
    public const int MaxNameLength = 200;

    /// <summary>The most volunteers one file may hold (each password is hashed: about 1 minute per 1,000 rows here).</summary>
    public const int MaxImportRows = 2000;

    /// <summary>Creates the volunteer and its interviewer account, or returns what is wrong and changes nothing.</summary>
    public async Task<(CreatedVolunteer? Volunteer, IReadOnlyList<Problem> Problems)> CreateAsync(
        NewVolunteer volunteer, long? createdBy, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(volunteer);
        var problems = Check(volunteer, out var entry);
        if (problems.Count > 0)
            return (null, problems);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var (created, writeProblems) = await WriteAsync(connection, transaction, entry!, createdBy, cancellationToken);
        if (created is null)
            return (null, writeProblems);
        await transaction.CommitAsync(cancellationToken);
        return (created, []);
    }

    /// <summary>
    /// Creates every volunteer of a file in one transaction, or none: any bad row (its own rules, a user name taken or
    /// repeated in the file) refuses the file, and every bad row is reported.
    /// </summary>
    public async Task<VolunteerImportResult> ImportAsync(
        IReadOnlyList<VolunteerImportRow> rows, long? createdBy, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var problems = new List<VolunteerImportProblem>();
        var valid = new List<(VolunteerImportRow Row, Entry Entry)>();
        var firstRow = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            var rowProblems = Check(row.Volunteer, out var entry).ToList();
            var userName = AccountStore.NormalizeUserName(row.Volunteer.UserName);
            if (userName.Length > 0 && !firstRow.TryAdd(userName, row.Row))
                rowProblems.Add(Problem.Of("userName", ProblemCodes.VolunteerUserNameRepeated, userName, firstRow[userName]));
            problems.AddRange(rowProblems.Select(p => new VolunteerImportProblem(row.Row, row.Volunteer.UserName?.Trim(), p)));
            if (rowProblems.Count == 0)
                valid.Add((row, entry!));
        }

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var created = 0;
        foreach (var (row, entry) in valid)
        {
            var (volunteer, writeProblems) = await WriteAsync(connection, transaction, entry, createdBy, cancellationToken);
            if (volunteer is null)
                problems.AddRange(writeProblems.Select(p => new VolunteerImportProblem(row.Row, entry.UserName, p)));
            else
                created++;
        }

        if (problems.Count > 0)
            return new VolunteerImportResult(0, [.. problems.OrderBy(p => p.Row)]);
        await transaction.CommitAsync(cancellationToken);
        return new VolunteerImportResult(created, []);
    }

    /// <summary>Sets (or, with null, clears) a union unit's target of valid ballots.</summary>
    public async Task<IReadOnlyList<Problem>> SetUnitTargetAsync(long unitId, int? target, CancellationToken cancellationToken = default)
    {
        if (target is <= 0)
            return [Problem.Of("target", ProblemCodes.VolunteerTargetNotPositive)];
        await using var command = dataSource.CreateCommand("UPDATE union_units SET target = $2 WHERE id = $1");
        command.Parameters.Add(new() { Value = unitId });
        command.Parameters.Add(new() { Value = (object?)target ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Integer });
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1 ? [] : [Problem.Of("id", ProblemCodes.UnionUnitUnknown)];
    }

    /// <summary>Sets (or, with null, clears) a volunteer's own target.</summary>
    public async Task<IReadOnlyList<Problem>> SetVolunteerTargetAsync(long accountId, int? target, CancellationToken cancellationToken = default)
    {
        if (target is <= 0)
            return [Problem.Of("target", ProblemCodes.VolunteerTargetNotPositive)];
        await using var command = dataSource.CreateCommand("UPDATE volunteers SET target = $2 WHERE account_id = $1");
        command.Parameters.Add(new() { Value = accountId });
        command.Parameters.Add(new() { Value = (object?)target ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Integer });
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1 ? [] : [Problem.Of("id", ProblemCodes.VolunteerUnknown)];
    }

    /// <summary>A new password for a volunteer's account (not any other kind of account).</summary>
    public async Task<IReadOnlyList<Problem>> SetPasswordAsync(long accountId, string? password, CancellationToken cancellationToken = default) =>
        await IsVolunteerAsync(accountId, cancellationToken)
            ? await accounts.SetPasswordAsync(accountId, password, cancellationToken)
            : [Problem.Of("id", ProblemCodes.VolunteerUnknown)];

    /// <summary>Locks or unlocks a volunteer's account (not any other kind of account); false when it is not a volunteer's.</summary>
    public async Task<bool> SetDisabledAsync(long accountId, bool disabled, CancellationToken cancellationToken = default) =>
        await IsVolunteerAsync(accountId, cancellationToken) && await accounts.SetDisabledAsync(accountId, disabled, cancellationToken);

    public async Task<IReadOnlyList<UnionUnit>> ListUnitsAsync(CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("SELECT id, name, target FROM union_units ORDER BY name, id");
        var units = new List<UnionUnit>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            units.Add(new UnionUnit(reader.GetInt64(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetInt32(2)));
        return units;
    }

    private async Task<bool> IsVolunteerAsync(long accountId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            $"SELECT EXISTS (SELECT 1 FROM volunteers v JOIN accounts a ON a.id = v.account_id WHERE v.account_id = $1 AND a.role = '{AccountRoles.Interviewer}')");
        command.Parameters.Add(new() { Value = accountId });
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>The rules that need no database: the account's (<see cref="AccountStore.Check"/>) and the profile's.</summary>
    private static IReadOnlyList<Problem> Check(NewVolunteer volunteer, out Entry? entry)
    {
        var problems = new List<Problem>();
        var account = new NewAccount(volunteer.UserName, volunteer.Name, AccountRoles.Interviewer, null, volunteer.Password);
        problems.AddRange(AccountStore.Check(account));
        var name = CheckText(volunteer.Name, "name", ProblemCodes.VolunteerNameFormat, problems);
        string? phone = null;
        if (!PhoneNormalizer.TryNormalize(volunteer.Phone, out var e164))
            problems.Add(Problem.Of("phone", ProblemCodes.VolunteerPhoneInvalid));
        else
            phone = e164;
        var unit = CheckText(volunteer.UnionUnit, "unionUnit", ProblemCodes.VolunteerUnitFormat, problems);
        var codes = (volunteer.AgencyCodes ?? []).Select(c => c?.Trim()).Where(c => !string.IsNullOrEmpty(c))
            .Distinct(StringComparer.Ordinal).Cast<string>().ToList();
        if (codes.Count == 0)
            problems.Add(Problem.Of("agencyCodes", ProblemCodes.VolunteerAgenciesRequired));
        entry = problems.Count == 0
            ? new Entry(AccountStore.NormalizeUserName(volunteer.UserName), volunteer.Password!, name!, phone!, unit!, codes)
            : null;
        return problems;
    }

    private static string? CheckText(string? value, string field, string code, List<Problem> problems)
    {
        // NFC: a phone keyboard may type "ồ" as "ô" and a combining grave; the same name must be the same text. Text that
        // is not valid Unicode (a lone surrogate) cannot be normalised and is refused like a control character.
        string? text = null;
        var valid = true;
        try
        {
            if (!string.IsNullOrWhiteSpace(value))
                text = string.Join(' ', value.Normalize(System.Text.NormalizationForm.FormC).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        }
        catch (ArgumentException)
        {
            valid = false;
        }

        if (!valid || text is null || text.Length > MaxNameLength || text.Any(char.IsControl))
        {
            problems.Add(Problem.Of(field, code, MaxNameLength));
            return null;
        }

        return text;
    }

    /// <summary>Writes one checked volunteer on the caller's transaction; the problems met (agencies, user name) write nothing.</summary>
    private async Task<(CreatedVolunteer? Volunteer, IReadOnlyList<Problem> Problems)> WriteAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, Entry entry, long? createdBy, CancellationToken cancellationToken)
    {
        var problems = new List<Problem>();
        var agencyIds = new List<long>();
        await using (var agencies = new NpgsqlCommand(
            $"SELECT code, id, {CatalogueStore.Current("a")} FROM agencies a WHERE code = ANY ($1)", connection, transaction))
        {
            agencies.Parameters.Add(new() { Value = entry.AgencyCodes.ToArray() });
            var found = new Dictionary<string, (long Id, bool Current)>(StringComparer.Ordinal);
            await using (var reader = await agencies.ExecuteReaderAsync(cancellationToken))
            {
                while (await reader.ReadAsync(cancellationToken))
                    found[reader.GetString(0)] = (reader.GetInt64(1), reader.GetBoolean(2));
            }

            foreach (var code in entry.AgencyCodes)
            {
                if (!found.TryGetValue(code, out var agency))
                    problems.Add(Problem.Of("agencyCodes", ProblemCodes.VolunteerAgencyUnknown, code));
                else if (!agency.Current)
                    problems.Add(Problem.Of("agencyCodes", ProblemCodes.VolunteerAgencyRetired, code));
                else
                    agencyIds.Add(agency.Id);
            }
        }

        if (problems.Count > 0)
            return (null, problems);

        var (accountId, accountProblems) = await accounts.InsertAsync(connection, transaction,
            new NewAccount(entry.UserName, entry.Name, AccountRoles.Interviewer, null, entry.Password), cancellationToken);
        if (accountId is not long id)
            return (null, accountProblems);

        var (unitId, unitName) = await UnitAsync(connection, transaction, entry.UnionUnit, cancellationToken);
        await using (var insert = new NpgsqlCommand(
            """
            INSERT INTO volunteers (account_id, full_name, phone, union_unit_id, created_by) VALUES ($1, $2, $3, $4, $5);
            """, connection, transaction))
        {
            insert.Parameters.Add(new() { Value = id });
            insert.Parameters.Add(new() { Value = entry.Name });
            insert.Parameters.Add(new() { Value = entry.Phone });
            insert.Parameters.Add(new() { Value = unitId });
            insert.Parameters.Add(new() { Value = (object?)createdBy ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bigint });
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var assign = new NpgsqlCommand(
            "INSERT INTO volunteer_agencies (account_id, agency_id) SELECT $1, unnest($2::bigint[])", connection, transaction))
        {
            assign.Parameters.Add(new() { Value = id });
            assign.Parameters.Add(new() { Value = agencyIds.ToArray() });
            await assign.ExecuteNonQueryAsync(cancellationToken);
        }

        return (new CreatedVolunteer(id, entry.UserName, entry.Name, unitName, [.. entry.AgencyCodes.Order(StringComparer.Ordinal)]), []);
    }

    // The unit of that name, whatever the case of its letters (compared here: the database's collation may not know that
    // "Đ" is "đ"), or a new one. A unit created at the same moment by another manager is waited for by ON CONFLICT, then read.
    private static async Task<(long Id, string Name)> UnitAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string name, CancellationToken cancellationToken)
    {
        await using (var units = new NpgsqlCommand("SELECT id, name FROM union_units ORDER BY id", connection, transaction))
        {
            await using var reader = await units.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                if (string.Equals(reader.GetString(1), name, StringComparison.InvariantCultureIgnoreCase))
                    return (reader.GetInt64(0), reader.GetString(1));
            }
        }

        await using var command = new NpgsqlCommand(
            """
            WITH created AS (
                INSERT INTO union_units (name) VALUES ($1) ON CONFLICT (name) DO NOTHING RETURNING id, name
            )
            SELECT id, name FROM created
            UNION ALL
            SELECT id, name FROM union_units WHERE name = $1 AND NOT EXISTS (SELECT 1 FROM created)
            """, connection, transaction);
        command.Parameters.Add(new() { Value = name });
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            if (await reader.ReadAsync(cancellationToken))
                return (reader.GetInt64(0), reader.GetString(1));
        }

        // The other manager's unit committed after this statement's snapshot: a new statement sees it.
        await using var again = new NpgsqlCommand("SELECT id, name FROM union_units WHERE name = $1", connection, transaction);
        again.Parameters.Add(new() { Value = name });
        await using var row = await again.ExecuteReaderAsync(cancellationToken);
        if (!await row.ReadAsync(cancellationToken))
            throw new InvalidOperationException($"The union unit '{name}' could neither be found nor created.");
        return (row.GetInt64(0), row.GetString(1));
    }

    private sealed record Entry(string UserName, string Password, string Name, string Phone, string UnionUnit, IReadOnlyList<string> AgencyCodes);
}
