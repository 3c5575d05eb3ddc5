using ChatSurvey.Dispatcher.Sending;
using Hangfire;
using Npgsql;

namespace ChatSurvey.Dispatcher.Jobs;

/// <summary>Recurring: settles claims left by dead or failed batches with the provider's message list (see <see cref="ClaimReconciler.ReconcileAbandonedAsync"/>).</summary>
public sealed class ReconcileClaimsJob(ClaimReconciler reconciler)
{
    [Queue(JobQueues.Send)]
    [AutomaticRetry(Attempts = 3, OnlyOn = [typeof(NpgsqlException), typeof(TimeoutException)])]
    public Task<int> RunAsync(CancellationToken cancellationToken) => reconciler.ReconcileAbandonedAsync(cancellationToken);
}
