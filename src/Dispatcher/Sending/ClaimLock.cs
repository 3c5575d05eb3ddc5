using Npgsql;

namespace ChatSurvey.Dispatcher.Sending;

/// <summary>
/// A session advisory lock on a claim token, held on its own connection for as long as a batch runs. A claim whose token
/// is not locked belongs to a batch that ended or died (SIGKILL closes the connection, and PostgreSQL drops the lock),
/// so <see cref="ClaimReconciler"/> may settle it; a reconciler holds the same lock while it does. Token 0 stands for
/// the claims of single sends, which have no token.
/// </summary>
public sealed class ClaimLock : IAsyncDisposable
{
    // Advisory locks with two int keys live apart from the single-bigint ones (the migrator's); this is the first key.
    private const int Namespace = 0x43535344;

    private readonly NpgsqlConnection _connection;

    private ClaimLock(NpgsqlConnection connection, int token)
    {
        _connection = connection;
        Token = token;
    }

    public int Token { get; }

    /// <summary>A new token (<c>invitation_claim_token_seq</c>), locked.</summary>
    public static async Task<ClaimLock> TakeNewAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        try
        {
            await using var take = new NpgsqlCommand(
                "SELECT t, pg_advisory_lock($1, t) FROM (SELECT nextval('invitation_claim_token_seq')::integer AS t) s", connection);
            take.Parameters.AddWithValue(Namespace);
            return new ClaimLock(connection, (int)(await take.ExecuteScalarAsync(cancellationToken))!);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>Locks <paramref name="token"/> unless a live batch or another reconciler holds it (then null).</summary>
    public static async Task<ClaimLock?> TryTakeAsync(NpgsqlDataSource dataSource, int token, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        try
        {
            await using var tryLock = new NpgsqlCommand("SELECT pg_try_advisory_lock($1, $2)", connection);
            tryLock.Parameters.AddWithValue(Namespace);
            tryLock.Parameters.AddWithValue(token);
            if ((bool)(await tryLock.ExecuteScalarAsync(cancellationToken))!)
                return new ClaimLock(connection, token);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }

        await connection.DisposeAsync();
        return null;
    }

    /// <summary>Unlocks the token (even when the caller is being cancelled) and closes the connection.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await using var unlock = new NpgsqlCommand("SELECT pg_advisory_unlock($1, $2)", _connection);
            unlock.Parameters.AddWithValue(Namespace);
            unlock.Parameters.AddWithValue(Token);
            await unlock.ExecuteNonQueryAsync(CancellationToken.None);
        }
        finally
        {
            await _connection.DisposeAsync();
        }
    }
}
