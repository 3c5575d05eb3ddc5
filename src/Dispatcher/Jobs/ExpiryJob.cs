using Hangfire;
using Npgsql;

namespace ChatSurvey.Dispatcher.Jobs;

/// <summary>
/// Recurring: sent invitations whose <c>expires_at</c> has passed without a completed response become expired; planned
/// invitations of cancelled waves become cancelled, so a cancelled wave never resumes.
/// </summary>
public sealed class ExpiryJob(NpgsqlDataSource dataSource, TimeProvider clock, ILogger<ExpiryJob> logger)
{
    public sealed record Result(int Expired, int Cancelled);

    [Queue(JobQueues.Default)]
    [AutomaticRetry(Attempts = 3, OnlyOn = [typeof(NpgsqlException), typeof(TimeoutException)])]
    public async Task<Result> RunAsync(CancellationToken cancellationToken)
    {
        await using var expire = dataSource.CreateCommand(
            """
            UPDATE invitations i SET status = 'expired'
            WHERE i.status IN ('sent', 'delivered') AND i.expires_at <= $1
              AND NOT EXISTS (SELECT 1 FROM responses r WHERE r.invitation_id = i.id AND r.status = 'completed')
            """);
        expire.Parameters.AddWithValue(clock.GetUtcNow());
        var expired = await expire.ExecuteNonQueryAsync(cancellationToken);

        await using var cancel = dataSource.CreateCommand(
            """
            UPDATE invitations i SET status = 'cancelled'
            FROM waves w
            WHERE w.id = i.wave_id AND w.status = 'cancelled' AND i.status = 'planned'
            """);
        var cancelled = await cancel.ExecuteNonQueryAsync(cancellationToken);
        if (expired + cancelled > 0)
            logger.LogInformation("Expired {Expired} invitation(s); cancelled {Cancelled} of cancelled waves", expired, cancelled);
        return new Result(expired, cancelled);
    }
}
