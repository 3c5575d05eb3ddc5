using ChatSurvey.Dispatcher.Sending;
using Hangfire;
using Npgsql;

namespace ChatSurvey.Dispatcher.Jobs;

/// <summary>Recurring: settles claims left by dead or failed batches with the provider's message list (see <see cref="InvitationSender.ReconcileAbandonedAsync"/>).</summary>
public sealed class ReconcileClaimsJob(InvitationSender sender)
{
    [Queue(JobQueues.Send)]
    [AutomaticRetry(Attempts = 3, OnlyOn = [typeof(NpgsqlException), typeof(TimeoutException)])]
    public Task<int> RunAsync(CancellationToken cancellationToken) => sender.ReconcileAbandonedAsync(cancellationToken);
}
