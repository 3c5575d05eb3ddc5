using System.Runtime.ExceptionServices;
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
        var result = (await sender.SendAsync([claim], cancellationToken))[0];
        switch (result.Outcome)
        {
            case SendOutcome.Unconfirmed when result.Error is SmsSendException { Retryable: true }:
                await reconciler.ReconcileAsync(invitationId, cancellationToken);
                break;
            case SendOutcome.NotHandedOver:
                // Certainly not sent: planned again, for the background sender.
                await invitations.ReplanAsync(invitationId, CancellationToken.None);
                break;
            case SendOutcome.Unconfirmed:
                break;
            default:
                return result.Outcome;
        }

        ExceptionDispatchInfo.Throw(result.Error!);
        return result.Outcome;
    }
}
