using System.Runtime.ExceptionServices;
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
/// it runs. It reserves the batch's slots of the deployment-wide rate at once and sends in groups: as soon as a group's
/// slots have started (at most <c>Dispatcher:SendConcurrency</c> of them), the group goes to
/// <see cref="ClaimedInvitationSender"/> together — one opt-out check, concurrent provider calls, one round trip to record
/// them. A retryable provider error stops the batch after its group: that claim stays claimed, backed off, for
/// <see cref="ClaimReconciler"/>. Claims not yet handed to the provider when it stops (a retryable error, cancellation)
/// go back to planned.
/// </summary>
public sealed class BatchSender(
    NpgsqlDataSource dataSource,
    InvitationStore invitations,
    ClaimedInvitationSender sender,
    ProviderCalls calls,
    SendRateLimiter rateLimiter,
    IOptions<DispatcherOptions> options,
    TimeProvider clock)
{
    /// <summary>
    /// Claims up to <paramref name="maxCount"/> due invitations (<see cref="InvitationStore.ClaimDueAsync"/>; fewer when
    /// the rate sends fewer within <see cref="SendRateLimiter.BatchHorizon"/>) and sends
    /// them in slots of the deployment-wide rate, a group at a time. Stops after the group that met a retryable provider
    /// error.
    /// </summary>
    public async Task<BatchResult> SendDueAsync(int maxCount, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxCount);
        await using var claimLock = await ClaimLock.TakeNewAsync(dataSource, cancellationToken);
        var toSend = new List<InvitationClaim>();
        // toSend[..handedOver] are with the sender: the provider may have them, they are no longer ours to release …
        var handedOver = 0;
        // … but for these, which it never handed over.
        var notHandedOver = new List<long>();
        try
        {
            var claims = await invitations.ClaimDueAsync(
                clock.GetUtcNow(), rateLimiter.BatchLimit(maxCount), claimLock.Token, ClaimedInvitationSender.ClaimedBy, cancellationToken);
            if (claims.Count == 0)
                return new BatchResult(0, 0, 0, 0, false);

            // Opted out already when claimed: closed at once, without taking a rate slot.
            var optedOut = claims.Count(c => c.OptedOut);
            if (optedOut > 0)
            {
                await invitations.RecordAsync(
                    [], [.. claims.Where(c => c.OptedOut).Select(c => new ClosedInvitation(c.Id, InvitationStatus.OptedOut))],
                    clock.GetUtcNow(), CancellationToken.None);
            }

            toSend.AddRange(claims.Where(c => !c.OptedOut));
            int sent = 0, failed = 0;
            if (toSend.Count == 0)
                return new BatchResult(claims.Count, 0, 0, optedOut, false);
            var slots = await rateLimiter.ReserveAsync(toSend.Count, cancellationToken);
            await foreach (var group in slots.GroupsAsync(toSend.Count, calls.Concurrency, cancellationToken))
            {
                var (start, length) = group.GetOffsetAndLength(toSend.Count);
                handedOver = start + length;
                Exception? interrupted = null;
                var retryable = false;
                foreach (var result in await sender.SendAsync(toSend.GetRange(start, length), cancellationToken))
                {
                    switch (result.Outcome)
                    {
                        case SendOutcome.Sent:
                            sent++;
                            break;
                        case SendOutcome.Failed:
                            failed++;
                            break;
                        case SendOutcome.OptedOut:
                            optedOut++;
                            break;
                        case SendOutcome.NotHandedOver:
                            notHandedOver.Add(result.Claim.Id);
                            interrupted ??= result.Error;
                            break;
                        case SendOutcome.Unconfirmed when result.Error is SmsSendException { Retryable: true }:
                            await BackOffAsync(result.Claim.Id);
                            retryable = true;
                            break;
                        default:
                            // Cancelled or broken mid-call: stays claimed, for reconciliation.
                            interrupted ??= result.Error;
                            break;
                    }
                }

                if (interrupted is not null)
                    ExceptionDispatchInfo.Throw(interrupted);
                if (retryable)
                    return new BatchResult(claims.Count, sent, failed, optedOut, true);
            }

            return new BatchResult(claims.Count, sent, failed, optedOut, false);
        }
        finally
        {
            // Never handed to the provider (early stop, cancellation): certainly not sent, so simply planned again.
            var release = toSend.Skip(handedOver).Select(c => c.Id).Concat(notHandedOver).ToArray();
            if (release.Length > 0)
                await invitations.ReleaseAsync(release, claimLock.Token, CancellationToken.None);
        }
    }

    /// <summary>After a retryable error: the next try waits base × 2^(attempts−1), capped, with ±50 % jitter.</summary>
    private Task BackOffAsync(long invitationId) =>
        invitations.BackOffAsync(invitationId, clock.GetUtcNow(), options.Value.RetryBackoff, options.Value.MaxRetryBackoff,
            RandomNumberGenerator.GetInt32(500, 1500) / 1000.0, CancellationToken.None);
}
