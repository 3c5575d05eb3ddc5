using ChatSurvey.Dispatcher.Invitations;
using ChatSurvey.Dispatcher.Jobs;
using ChatSurvey.Dispatcher.Sms;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ChatSurvey.Dispatcher.Sending;

/// <summary>
/// Settles claims whose send has no recorded outcome (a batch that died, a retryable error between claim and
/// confirmation) against the provider's message list, before anything is re-sent: sent when the provider has the
/// message, else planned again.
/// </summary>
public sealed class ClaimReconciler(
    NpgsqlDataSource dataSource,
    InvitationStore invitations,
    ISmsGateway gateway,
    IOptions<DispatcherOptions> options,
    TimeProvider clock,
    ILogger<ClaimReconciler> logger)
{
    /// <summary>
    /// Settles every claim without a provider id whose batch has ended or died and which is older than
    /// <c>Dispatcher:ReconcileAfter</c>. Claims of live batches are left alone (their <see cref="ClaimLock"/> is held),
    /// and so are claims another reconciler is settling. Returns how many were settled. A provider error while listing
    /// stops the pass; those claims stay claimed for the next one.
    /// </summary>
    public async Task<int> ReconcileAbandonedAsync(CancellationToken cancellationToken)
    {
        var olderThan = options.Value.ReconcileAfter;
        var settled = 0;
        foreach (var token in await invitations.UnconfirmedClaimTokensAsync(olderThan, cancellationToken))
        {
            await using var claimLock = await ClaimLock.TryTakeAsync(dataSource, token, cancellationToken);
            if (claimLock is null)
                continue;
            try
            {
                foreach (var id in await invitations.UnconfirmedClaimsAsync(token, olderThan, cancellationToken))
                {
                    var wasSent = await ReconcileAsync(id, cancellationToken);
                    settled++;
                    logger.LogInformation("Invitation {Invitation}: abandoned claim reconciled, {Outcome}",
                        id, wasSent ? "the provider has it (sent)" : "the provider has none (planned again)");
                }
            }
            catch (SmsSendException e)
            {
                logger.LogWarning("Reconciliation stopped: the provider's message list could not be read ({Status}); claims stay claimed",
                    e.HttpStatus);
                break;
            }
        }

        return settled;
    }

    /// <summary>
    /// Settles one claimed invitation without a provider id: if the provider lists a message to that phone carrying the
    /// invitation's link since the claim, the invitation is sent (with that message id); otherwise it goes back to
    /// planned. Returns true when it was sent.
    /// </summary>
    /// <exception cref="SmsSendException">The provider's list could not be read; the invitation stays claimed.</exception>
    public async Task<bool> ReconcileAsync(long invitationId, CancellationToken cancellationToken)
    {
        if (await invitations.GetUnconfirmedClaimAsync(invitationId, cancellationToken) is not { } claim)
            return false;

        var sent = await gateway.ListSentAsync(claim.Phone, claim.ClaimedAt.AddMinutes(-1), cancellationToken);
        var match = sent.FirstOrDefault(m => InvitationMessages.Carries(m.Body, claim.Code));
        if (match is null)
        {
            await invitations.ReplanAsync(invitationId, cancellationToken);
            return false;
        }

        await invitations.MarkSentAsync(invitationId, match.ProviderMessageId, match.Status, clock.GetUtcNow(), cancellationToken);
        return true;
    }
}
