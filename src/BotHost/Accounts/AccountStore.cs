using ChatSurvey.Domain.Problems;
using Microsoft.AspNetCore.Identity;
using Npgsql;

namespace ChatSurvey.BotHost.Accounts;

public sealed record Account(
    long Id,
    string UserName,
    string DisplayName,
    string Role,
    string? AgencyCode,
    string? AgencyName,
    bool Disabled,
    DateTimeOffset CreatedAt,
    DateTimeOffset? LastSignInAt);

public sealed record NewAccount(string? UserName, string? DisplayName, string? Role, string? AgencyCode, string? Password);

/// <summary>
/// The <c>accounts</c> table, its only writer. Passwords are hashed with ASP.NET Core Identity's <see cref="PasswordHasher{TUser}"/>
/// (PBKDF2 with a per-password salt); a hash from an older format is upgraded at the next sign-in.
/// </summary>
public sealed class AccountStore(NpgsqlDataSource dataSource, TimeProvider clock)
{
    public const int MinimumPasswordLength = 12;

    private static readonly PasswordHasher<string> Hasher = new();

    // Verified when the user name is unknown, so a wrong name costs as long as a wrong password.
    private static readonly string DummyHash = Hasher.HashPassword("", Guid.NewGuid().ToString());

    public static string NormalizeUserName(string? userName) => (userName ?? "").Trim().ToLowerInvariant();

    public const int MaximumPasswordLength = 256;

    public static IEnumerable<Problem> CheckPassword(string? password)
    {
        if (string.IsNullOrEmpty(password) || password.Length < MinimumPasswordLength)
            yield return Problem.Of("password", ProblemCodes.AccountPasswordTooShort, MinimumPasswordLength);
        else if (password.Length > MaximumPasswordLength)
            yield return Problem.Of("password", ProblemCodes.AccountPasswordTooLong, MaximumPasswordLength);
    }

    /// <summary>
    /// Creates the account, or returns what is wrong and changes nothing. A volunteer's interviewer account is created
    /// with its profile (<c>VolunteerStore</c>, through <see cref="InsertAsync"/>), never alone.
    /// </summary>
    public async Task<(Account? Account, IReadOnlyList<Problem> Problems)> CreateAsync(
        NewAccount account, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(account);
        if (account.Role == AccountRoles.Interviewer)
            return (null, [Problem.Of("role", ProblemCodes.AccountRoleVolunteerOnly)]);
        long? id;
        IReadOnlyList<Problem> problems;
        await using (var connection = await dataSource.OpenConnectionAsync(cancellationToken))
            (id, problems) = await InsertAsync(connection, null, account, cancellationToken);
        return id is long created ? (await FindAsync(created, cancellationToken), []) : (null, problems);
    }

    /// <summary>What is wrong with <paramref name="account"/> before it meets the database (user name, role, agency, password).</summary>
    public static IReadOnlyList<Problem> Check(NewAccount account)
    {
        ArgumentNullException.ThrowIfNull(account);
        var problems = new List<Problem>();
        if (!System.Text.RegularExpressions.Regex.IsMatch(NormalizeUserName(account.UserName), "^[a-z0-9][a-z0-9._@-]{1,63}$"))
            problems.Add(Problem.Of("userName", ProblemCodes.AccountUserNameFormat));
        if (!AccountRoles.IsKnown(account.Role))
        {
            problems.Add(Problem.Of("role", ProblemCodes.AccountRoleUnknown,
                $"{AccountRoles.Administrator}, {AccountRoles.AgencyViewer}", AccountRoles.Coordinator));
        }

        if (account.Role == AccountRoles.AgencyViewer && string.IsNullOrWhiteSpace(account.AgencyCode))
            problems.Add(Problem.Of("agencyCode", ProblemCodes.AccountAgencyRequired));
        problems.AddRange(CheckPassword(account.Password));
        return problems;
    }

    /// <summary>
    /// Creates the account on the caller's connection, inside its transaction when given (a volunteer's account and
    /// profile commit together), and answers its id; or answers what is wrong and writes nothing.
    /// </summary>
    public async Task<(long? Id, IReadOnlyList<Problem> Problems)> InsertAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, NewAccount account, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(account);
        var problems = Check(account);
        if (problems.Count > 0)
            return (null, problems);
        var userName = NormalizeUserName(account.UserName);
        var displayName = string.IsNullOrWhiteSpace(account.DisplayName) ? userName : account.DisplayName.Trim();
        var agencyCode = string.IsNullOrWhiteSpace(account.AgencyCode) ? null : account.AgencyCode.Trim();

        await using var command = new NpgsqlCommand("""
            INSERT INTO accounts (user_name, display_name, role, agency_id, password_hash)
            SELECT $1, $2, $3, a.id, $5
            FROM (SELECT 1) one
            LEFT JOIN agencies a ON a.code = $4
            WHERE $4::text IS NULL OR a.id IS NOT NULL
            ON CONFLICT (user_name) DO NOTHING
            RETURNING id
            """, connection, transaction);
        command.Parameters.Add(new() { Value = userName });
        command.Parameters.Add(new() { Value = displayName });
        command.Parameters.Add(new() { Value = account.Role! });
        command.Parameters.Add(new() { Value = account.Role == AccountRoles.AgencyViewer ? agencyCode! : DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = Hasher.HashPassword(userName, account.Password!) });
        if (await command.ExecuteScalarAsync(cancellationToken) is long id)
            return (id, []);

        await using var exists = new NpgsqlCommand("SELECT EXISTS (SELECT 1 FROM accounts WHERE user_name = $1)", connection, transaction);
        exists.Parameters.Add(new() { Value = userName });
        return (bool)(await exists.ExecuteScalarAsync(cancellationToken))!
            ? (null, [Problem.Of("userName", ProblemCodes.AccountUserNameTaken, userName)])
            : (null, [Problem.Of("agencyCode", ProblemCodes.AccountAgencyUnknown, agencyCode!)]);
    }

    /// <summary>Wrong passwords in a row after which an account is locked for <see cref="LockoutDuration"/>.</summary>
    public const int MaxFailedSignIns = 5;

    public static readonly TimeSpan LockoutDuration = TimeSpan.FromMinutes(5);

    /// <summary>
    /// The account when the name and password match an enabled, unlocked account; records the sign-in. A wrong password
    /// counts towards the lockout; a locked account is refused even with the right password until the lock ends.
    /// </summary>
    public async Task<Account?> SignInAsync(string? userName, string? password, CancellationToken cancellationToken = default)
    {
        var name = NormalizeUserName(userName);
        var now = clock.GetUtcNow();
        await using var command = dataSource.CreateCommand(
            "SELECT id, password_hash, disabled, locked_until FROM accounts WHERE user_name = $1");
        command.Parameters.Add(new() { Value = name });
        long? id = null;
        string hash = DummyHash;
        var refused = true;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            if (await reader.ReadAsync(cancellationToken))
            {
                id = reader.GetInt64(0);
                hash = reader.GetString(1);
                refused = reader.GetBoolean(2) || (!reader.IsDBNull(3) && reader.GetFieldValue<DateTimeOffset>(3) > now);
            }
        }

        var result = Hasher.VerifyHashedPassword(name, hash, password ?? "");
        if (id is null || refused)
            return null;
        if (result == PasswordVerificationResult.Failed)
        {
            await using var failed = dataSource.CreateCommand("""
                UPDATE accounts
                SET failed_sign_ins = CASE WHEN failed_sign_ins + 1 >= $2 THEN 0 ELSE failed_sign_ins + 1 END,
                    locked_until = CASE WHEN failed_sign_ins + 1 >= $2 THEN $3 ELSE locked_until END
                WHERE id = $1
                """);
            failed.Parameters.Add(new() { Value = id.Value });
            failed.Parameters.Add(new() { Value = MaxFailedSignIns });
            failed.Parameters.Add(new() { Value = now + LockoutDuration });
            await failed.ExecuteNonQueryAsync(cancellationToken);
            return null;
        }

        await using var update = dataSource.CreateCommand("""
            UPDATE accounts
            SET last_sign_in_at = $2, failed_sign_ins = 0, locked_until = NULL, password_hash = coalesce($3, password_hash)
            WHERE id = $1
            """);
        update.Parameters.Add(new() { Value = id.Value });
        update.Parameters.Add(new() { Value = now });
        update.Parameters.Add(new()
        {
            Value = result == PasswordVerificationResult.SuccessRehashNeeded ? Hasher.HashPassword(name, password!) : DBNull.Value,
            NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text,
        });
        await update.ExecuteNonQueryAsync(cancellationToken);
        return await FindAsync(id.Value, cancellationToken);
    }

    public async Task<IReadOnlyList<Problem>> SetPasswordAsync(long id, string? password, CancellationToken cancellationToken = default)
    {
        var problems = CheckPassword(password).ToList();
        if (problems.Count > 0)
            return problems;
        var account = await FindAsync(id, cancellationToken);
        if (account is null)
            return [Problem.Of("id", ProblemCodes.AccountUnknown)];
        await using var command = dataSource.CreateCommand(
            "UPDATE accounts SET password_hash = $2, failed_sign_ins = 0, locked_until = NULL WHERE id = $1");
        command.Parameters.Add(new() { Value = id });
        command.Parameters.Add(new() { Value = Hasher.HashPassword(account.UserName, password!) });
        await command.ExecuteNonQueryAsync(cancellationToken);
        return [];
    }

    public async Task<bool> SetDisabledAsync(long id, bool disabled, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("UPDATE accounts SET disabled = $2 WHERE id = $1");
        command.Parameters.Add(new() { Value = id });
        command.Parameters.Add(new() { Value = disabled });
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    public async Task<bool> ExistsAsync(string? userName, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("SELECT EXISTS (SELECT 1 FROM accounts WHERE user_name = $1)");
        command.Parameters.Add(new() { Value = NormalizeUserName(userName) });
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public async Task<Account?> FindAsync(long id, CancellationToken cancellationToken = default) =>
        (await QueryAsync("WHERE ac.id = $1", id, cancellationToken)).SingleOrDefault();

    public Task<IReadOnlyList<Account>> ListAsync(CancellationToken cancellationToken = default) =>
        QueryAsync("", null, cancellationToken);

    private async Task<IReadOnlyList<Account>> QueryAsync(string where, long? id, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"""
            SELECT ac.id, ac.user_name, ac.display_name, ac.role, ag.code, ag.name, ac.disabled, ac.created_at, ac.last_sign_in_at
            FROM accounts ac
            LEFT JOIN agencies ag ON ag.id = ac.agency_id
            {where}
            ORDER BY ac.role, ac.user_name
            """);
        if (id is not null)
            command.Parameters.Add(new() { Value = id.Value });
        var accounts = new List<Account>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            accounts.Add(new Account(
                reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetString(4), reader.IsDBNull(5) ? null : reader.GetString(5),
                reader.GetBoolean(6), reader.GetFieldValue<DateTimeOffset>(7),
                reader.IsDBNull(8) ? null : reader.GetFieldValue<DateTimeOffset>(8)));
        }

        return accounts;
    }
}
