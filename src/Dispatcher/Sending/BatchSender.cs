using System.Security.Cryptography;
using ChatSurvey.Dispatcher.Invitations;
using ChatSurvey.Dispatcher.Jobs;
using ChatSurvey.Dispatcher.Sms;
using ChatSurvey.Domain.Statuses;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ChatSurvey.Dispatcher.Sending;

/// <summary>What one batch did.</summary>
/// <param name="Claimed">Invitations claimed (0: nothing was due in an open window of a running wave).</param>
/// <param name="Sent">Handed to the provider and confirmed with its message id.</param>
/// <param name="Failed">Refused by the provider for good (its code is stored).</param>
/// <param name="OptedOut">Closed without sending: the number opted out.</param>
/// <param name="RetryableError">The provider answered 429/5xx or could not be reached; the batch stopped early.</param>
public sealed record BatchResult(int Claimed, int Sent, int Failed, int OptedOut, bool RetryableError);

/// <summary>
/// Sends a batch of due invitations (the send-due job). The batch claims its rows with <c>FOR UPDATE SKIP LOCKED</c>, so
/// any number of workers share a wave through the database, and holds a <see cref="ClaimLock"/> on its claim token while
/// it runs. Claims not yet handed to the provider when it stops (a retryable error, cancellation) go back to planned;
/// the one that met a retryable error stays claimed, backed off, for <see cref="ClaimReconciler"/>.
/// </summary>
public sealed class BatchSender(
    NpgsqlDataSource dataSource,
    InvitationStore invitations,
    ClaimedInvitationSender sender,
    SendRateLimiter rateLimiter,
    IOptions<DispatcherOptions> options,
    TimeProvider clock)
{
    /// <summary>
    /// Claims up to <paramref name="maxCount"/> due invitations (<see cref="InvitationStore.ClaimDueAsync"/>) and sends
    /// them in slots of the deployment-wide rate. Stops at the first retryable provider error.
    /// </summary>
    public async Task<BatchResult> SendDueAsync(int maxCount, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxCount);
        await using var claimLock = await ClaimLock.TakeNewAsync(dataSource, cancellationToken);
        var pending = new List<InvitationClaim>();
        try
        {
            var claims = await invitations.ClaimDueAsync(
                clock.GetUtcNow(), maxCount, claimLock.Token, ClaimedInvitationSender.ClaimedBy, cancellationToken);
            if (claims.Count == 0)
                return new BatchResult(0, 0, 0, 0, false);

            var optedOut = 0;
            foreach (var claim in claims)
            {
                if (claim.OptedOut)
                {
                    await invitations.CloseAsync(claim.Id, InvitationStatus.OptedOut, null, CancellationToken.None);
                    optedOut++;
                }
                else
                {
                    pending.Add(claim);
                }
            }

            int sent = 0, failed = 0;
            if (pending.Count == 0)
                return new BatchResult(claims.Count, 0, 0, optedOut, false);
            var slots = await rateLimiter.ReserveAsync(pending.Count, cancellationToken);
            for (var i = 0; pending.Count > 0; i++)
            {
                await slots.WaitForAsync(i, cancellationToken);
                var claim = pending[0];
                // From here the provider may have it: the row is no longer ours to release.
                pending.RemoveAt(0);
                try
                {
                    if (await sender.SendAsync(claim, cancellationToken) == SendOutcome.Sent)
                        sent++;
                    else
                        failed++;
                }
                catch (SmsSendException e) when (e.Retryable)
                {
                    await BackOffAsync(claim.Id);
                    return new BatchResult(claims.Count, sent, failed, optedOut, true);
                }
            }

            return new BatchResult(claims.Count, sent, failed, optedOut, false);
        }
        finally
        {
            // Never handed to the provider (early stop, cancellation): certainly not sent, so simply planned again.
            if (pending.Count > 0)
                await invitations.ReleaseAsync(pending.Select(c => c.Id).ToArray(), claimLock.Token, CancellationToken.None);
        }
    }

    /// <summary>After a retryable error: the next try waits base × 2^(attempts−1), capped, with ±50 % jitter.</summary>
    private Task BackOffAsync(long invitationId) =>
        invitations.BackOffAsync(invitationId, clock.GetUtcNow(), options.Value.RetryBackoff, options.Value.MaxRetryBackoff,
            RandomNumberGenerator.GetInt32(500, 1500) / 1000.0, CancellationToken.None);
}
