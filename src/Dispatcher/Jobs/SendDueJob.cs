using ChatSurvey.Dispatcher.Sending;
using Hangfire;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ChatSurvey.Dispatcher.Jobs;

/// <summary>
/// Sends what is due. <see cref="DispatchAsync"/> (recurring, every minute, and at each worker's start) settles abandoned
/// claims and, when invitations are due, enqueues <c>Dispatcher:SendJobs</c> <see cref="SendAsync"/> jobs on the send
/// queue; those claim batches until nothing is due or their time budget is spent. Any number of them, in any number of
/// processes, share the due rows through <c>FOR UPDATE SKIP LOCKED</c> and the rate through <see cref="SendRateLimiter"/>.
/// Both run at least once safely: a claim is never sent twice, and an abandoned one is reconciled first.
/// </summary>
public sealed class SendDueJob(
    InvitationSender sender,
    NpgsqlDataSource dataSource,
    IBackgroundJobClient jobs,
    IOptions<DispatcherOptions> options,
    TimeProvider clock,
    ILogger<SendDueJob> logger)
{
    [Queue(JobQueues.Send)]
    [AutomaticRetry(Attempts = 3, OnlyOn = [typeof(NpgsqlException), typeof(TimeoutException)])]
    public async Task DispatchAsync(CancellationToken cancellationToken)
    {
        await sender.ReconcileAbandonedAsync(cancellationToken);
        var now = clock.GetUtcNow();
        await using var command = dataSource.CreateCommand(
            """
            SELECT count(*) FROM (
                SELECT 1 FROM invitations i JOIN waves w ON w.id = i.wave_id
                WHERE i.status = 'planned' AND i.planned_at <= $1 AND w.status = 'running'
                  AND w.send_window_start <= $2 AND $2 < w.send_window_end
                LIMIT $3
            ) due
            """);
        var batchSize = options.Value.BatchSize;
        var sendJobs = options.Value.SendJobs;
        command.Parameters.AddWithValue(now);
        command.Parameters.AddWithValue(SendWindow.LocalTimeOfDay(now));
        command.Parameters.AddWithValue(batchSize * sendJobs);
        var due = (long)(await command.ExecuteScalarAsync(cancellationToken))!;
        if (due == 0)
            return;
        var count = (int)Math.Min(sendJobs, (due + batchSize - 1) / batchSize);
        for (var i = 0; i < count; i++)
            jobs.Enqueue<SendDueJob>(JobQueues.Send, job => job.SendAsync(CancellationToken.None));
        logger.LogInformation("Invitations are due: started {Jobs} send job(s)", count);
    }

    [Queue(JobQueues.Send)]
    [AutomaticRetry(Attempts = 3, OnlyOn = [typeof(NpgsqlException), typeof(TimeoutException)])]
    public async Task<int> SendAsync(CancellationToken cancellationToken)
    {
        var started = TimeProvider.System.GetTimestamp();
        var sent = 0;
        while (TimeProvider.System.GetElapsedTime(started) < options.Value.SendJobBudget)
        {
            cancellationToken.ThrowIfCancellationRequested();
            await sender.ReconcileAbandonedAsync(cancellationToken);
            var batch = await sender.SendDueBatchAsync(options.Value.BatchSize, cancellationToken);
            sent += batch.Sent;
            if (batch.Claimed == 0)
                break;
            if (batch.RetryableError)
            {
                // The provider pushes back (429) or is failing (5xx): pause this job a little before the next batch.
                await Task.Delay(TimeSpan.FromMilliseconds(500 + Random.Shared.Next(1000)), clock, cancellationToken);
            }
        }

        return sent;
    }
}
