using ChatSurvey.Dispatcher.Invitations;
using ChatSurvey.Dispatcher.Sms;

namespace ChatSurvey.Dispatcher.Sending;

/// <summary>Sends one invitation now (manual invitations), whatever its wave's window; reconciles at once on a retryable error.</summary>
public sealed class SingleInvitationSender(InvitationStore invitations, ClaimedInvitationSender sender, ClaimReconciler reconciler)
{
    /// <exception cref="SmsSendException">A retryable provider error; the invitation is planned again unless the provider has it.</exception>
    public async Task<SendOutcome> SendAsync(long invitationId, CancellationToken cancellationToken)
    {
        if (await invitations.ClaimAsync(invitationId, ClaimedInvitationSender.ClaimedBy, cancellationToken) is not { } claim)
            return SendOutcome.NotDue;
        try
        {
            return await sender.SendAsync(claim, cancellationToken);
        }
        catch (SmsSendException e) when (e.Retryable)
        {
            await reconciler.ReconcileAsync(invitationId, cancellationToken);
            throw;
        }
    }
}
