using ChatSurvey.Dispatcher.Invitations;
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
    BatchSender sender,
    ClaimReconciler reconciler,
    InvitationStore invitations,
    IBackgroundJobClient jobs,
    IOptions<DispatcherOptions> options,
    TimeProvider clock,
    ILogger<SendDueJob> logger)
{
    [Queue(JobQueues.Send)]
    [AutomaticRetry(Attempts = 3, OnlyOn = [typeof(NpgsqlException), typeof(TimeoutException)])]
    public async Task DispatchAsync(CancellationToken cancellationToken)
    {
        await reconciler.ReconcileAbandonedAsync(cancellationToken);
        var batchSize = options.Value.BatchSize;
        var sendJobs = options.Value.SendJobs;
        var due = await invitations.CountDueAsync(clock.GetUtcNow(), batchSize * sendJobs, cancellationToken);
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
            await reconciler.ReconcileAbandonedAsync(cancellationToken);
            var batch = await sender.SendDueAsync(options.Value.BatchSize, cancellationToken);
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
