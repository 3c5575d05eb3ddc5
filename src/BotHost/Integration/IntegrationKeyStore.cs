using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using ChatSurvey.Domain.Problems;
using Npgsql;

namespace ChatSurvey.BotHost.Integration;

/// <summary>An integration key as administrators see it: never the key itself, only its first characters.</summary>
public sealed record IntegrationKey(
    long Id, string Name, string Prefix, string? CreatedBy, DateTimeOffset CreatedAt, DateTimeOffset? LastUsedAt, DateTimeOffset? RevokedAt)
{
    public bool Revoked => RevokedAt is not null;
}

/// <summary>A key just created, with the secret shown this once (only its hash is stored).</summary>
public sealed record CreatedIntegrationKey(IntegrationKey Key, string Secret);

/// <summary>
/// The <c>integration_keys</c> table: the only code that writes it. A key is <c>csk_</c> and 32 random bytes in base64url
/// (43 characters); the table keeps its SHA-256 and its first <see cref="PrefixLength"/> characters, by which a presented
/// key is looked up before its hash is compared in constant time. A key's one right is posting dossiers
/// (<c>POST /api/integrations/dossiers</c>); a revoked key is refused from the next request on.
/// </summary>
public sealed class IntegrationKeyStore(NpgsqlDataSource dataSource, TimeProvider clock)
{
    public const string KeyStart = "csk_";
    public const int MaxNameLength = 200;

    /// <summary>How many characters of a key are kept and shown: <c>csk_</c> and 8 of its random part.</summary>
    public const int PrefixLength = 12;

    private const int SecretBytes = 32;
    private static readonly int KeyLength = KeyStart.Length + Base64Url.GetEncodedLength(SecretBytes);

    // Used keys are stamped at most this often, so a busy integration does not write on every post.
    private static readonly TimeSpan UseStampInterval = TimeSpan.FromMinutes(1);

    /// <summary>Creates a key named <paramref name="name"/>; the problems (field <c>name</c>) instead when the name is bad.</summary>
    public async Task<(CreatedIntegrationKey? Created, IReadOnlyList<Problem> Problems)> CreateAsync(
        string? name, string? createdBy, CancellationToken cancellationToken = default)
    {
        var trimmed = string.IsNullOrWhiteSpace(name) ? null : string.Join(' ', name.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        if (trimmed is null || trimmed.Length > MaxNameLength || trimmed.Any(char.IsControl))
            return (null, [Problem.Of("name", ProblemCodes.IntegrationKeyNameFormat, MaxNameLength)]);

        var secret = KeyStart + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(SecretBytes));
        var createdAt = clock.GetUtcNow();
        await using var command = dataSource.CreateCommand(
            """
            INSERT INTO integration_keys (name, key_hash, key_prefix, created_by, created_at) VALUES ($1, $2, $3, $4, $5)
            RETURNING id
            """);
        command.Parameters.AddWithValue(trimmed);
        command.Parameters.AddWithValue(Hash(secret));
        command.Parameters.AddWithValue(secret[..PrefixLength]);
        command.Parameters.AddWithValue(NpgsqlTypes.NpgsqlDbType.Text, (object?)createdBy ?? DBNull.Value);
        command.Parameters.AddWithValue(createdAt);
        var id = (long)(await command.ExecuteScalarAsync(cancellationToken))!;
        return (new CreatedIntegrationKey(new IntegrationKey(id, trimmed, secret[..PrefixLength], createdBy, createdAt, null, null), secret), []);
    }

    /// <summary>Every key, newest first, revoked ones included.</summary>
    public async Task<IReadOnlyList<IntegrationKey>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT id, name, key_prefix, created_by, created_at, last_used_at, revoked_at FROM integration_keys ORDER BY id DESC");
        var keys = new List<IntegrationKey>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            keys.Add(new IntegrationKey(
                reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3),
                reader.GetFieldValue<DateTimeOffset>(4), reader.IsDBNull(5) ? null : reader.GetFieldValue<DateTimeOffset>(5),
                reader.IsDBNull(6) ? null : reader.GetFieldValue<DateTimeOffset>(6)));
        }

        return keys;
    }

    /// <summary>Revokes a key (a revoked one keeps its first revocation time); false when there is no such key.</summary>
    public async Task<bool> RevokeAsync(long id, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            "UPDATE integration_keys SET revoked_at = coalesce(revoked_at, $2) WHERE id = $1");
        command.Parameters.AddWithValue(id);
        command.Parameters.AddWithValue(clock.GetUtcNow());
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    /// <summary>The id of the key <paramref name="presented"/> is, when it is a key that is not revoked; else null.</summary>
    public async Task<long?> FindActiveAsync(string? presented, CancellationToken cancellationToken = default)
    {
        if (!LooksLikeKey(presented))
            return null;
        var hash = Hash(presented!);
        await using var command = dataSource.CreateCommand(
            "SELECT id, key_hash FROM integration_keys WHERE key_prefix = $1 AND revoked_at IS NULL");
        command.Parameters.AddWithValue(presented![..PrefixLength]);
        long? found = null;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            // Every candidate is compared, in constant time, so the answer's timing tells nothing about the hash.
            if (CryptographicOperations.FixedTimeEquals(hash, reader.GetFieldValue<byte[]>(1)))
                found = reader.GetInt64(0);
        }

        return found;
    }

    /// <summary>Stamps the key as used now (at most once a minute).</summary>
    public async Task TouchAsync(long id, CancellationToken cancellationToken = default)
    {
        var now = clock.GetUtcNow();
        await using var command = dataSource.CreateCommand(
            "UPDATE integration_keys SET last_used_at = $2 WHERE id = $1 AND (last_used_at IS NULL OR last_used_at <= $3)");
        command.Parameters.AddWithValue(id);
        command.Parameters.AddWithValue(now);
        command.Parameters.AddWithValue(now - UseStampInterval);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Whether the text has the shape of an integration key (it may still be unknown or revoked).</summary>
    public static bool LooksLikeKey(string? presented) =>
        presented is not null && presented.Length == KeyLength && presented.StartsWith(KeyStart, StringComparison.Ordinal)
        && Base64Url.IsValid(presented.AsSpan(KeyStart.Length));

    private static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));
}
