using ChatSurvey.Dispatcher.Invitations;
using Hangfire;
using Npgsql;

namespace ChatSurvey.Dispatcher.Jobs;

/// <summary>
/// Recurring: sent invitations whose <c>expires_at</c> has passed without a completed response become expired; planned
/// invitations of cancelled waves become cancelled, so a cancelled wave never resumes.
/// </summary>
public sealed class ExpiryJob(InvitationStore invitations, TimeProvider clock, ILogger<ExpiryJob> logger)
{
    public sealed record Result(int Expired, int Cancelled);

    [Queue(JobQueues.Default)]
    [AutomaticRetry(Attempts = 3, OnlyOn = [typeof(NpgsqlException), typeof(TimeoutException)])]
    public async Task<Result> RunAsync(CancellationToken cancellationToken)
    {
        var expired = await invitations.ExpireAsync(clock.GetUtcNow(), cancellationToken);
        var cancelled = await invitations.CancelPlannedOfCancelledWavesAsync(cancellationToken);
        if (expired + cancelled > 0)
            logger.LogInformation("Expired {Expired} invitation(s); cancelled {Cancelled} of cancelled waves", expired, cancelled);
        return new Result(expired, cancelled);
    }
}
