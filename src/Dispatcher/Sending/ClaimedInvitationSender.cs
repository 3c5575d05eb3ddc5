using System.Globalization;
using ChatSurvey.Dispatcher.Invitations;
using ChatSurvey.Dispatcher.OptOuts;
using ChatSurvey.Dispatcher.Sms;
using ChatSurvey.Domain.Statuses;

namespace ChatSurvey.Dispatcher.Sending;

public enum SendOutcome
{
    Sent,
    /// <summary>Not planned any more (already claimed, sent, cancelled …): nothing was sent.</summary>
    NotDue,
    /// <summary>The number opted out: the invitation is closed without sending.</summary>
    OptedOut,
    /// <summary>The provider refused it for good; the code is stored on the invitation.</summary>
    Failed,
}

/// <summary>
/// Hands one claimed invitation to the provider and records the outcome; every send goes through here. The claim
/// (<c>planned → claimed</c>, <see cref="InvitationStore"/>) comes before the provider call and the provider's message id
/// is stored after it, so an invitation is sent at most once. The opt-out is checked again right before the call. A final
/// provider error records the provider's code (21610 also records an opt-out). A retryable one (429, 5xx, network) is
/// thrown and leaves the row claimed: the provider may have accepted it, so only <see cref="ClaimReconciler"/> — a look
/// at the provider's message list — may put it back to planned.
/// </summary>
public sealed class ClaimedInvitationSender(
    ISmsGateway gateway,
    InvitationStore invitations,
    OptOutStore optOuts,
    InvitationMessages messages,
    TimeProvider clock,
    ILogger<ClaimedInvitationSender> logger)
{
    /// <summary>This process, as <c>invitations.claimed_by</c> records it.</summary>
    public static string ClaimedBy { get; } = string.Create(CultureInfo.InvariantCulture, $"{Environment.MachineName}:{Environment.ProcessId}");

    /// <exception cref="SmsSendException">A retryable provider error; the invitation stays claimed.</exception>
    public async Task<SendOutcome> SendAsync(InvitationClaim claim, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(claim);
        // Checked again right before the provider call: a STOP may have arrived while the batch waited for its rate slot.
        if (claim.OptedOut || await optOuts.IsOptedOutAsync(claim.Phone, cancellationToken))
        {
            await invitations.CloseAsync(claim.Id, InvitationStatus.OptedOut, null, cancellationToken);
            return SendOutcome.OptedOut;
        }

        var body = await messages.InvitationAsync(claim, cancellationToken);
        try
        {
            var result = await gateway.SendAsync(new SmsMessage(claim.Phone, body, messages.StatusCallback), cancellationToken);
            // The provider has it: record that even if this job is being cancelled.
            await invitations.MarkSentAsync(claim.Id, result.ProviderMessageId, result.Status, clock.GetUtcNow(), CancellationToken.None);
            logger.LogInformation("Invitation {Invitation} sent to {Phone} as {MessageSid}",
                claim.Id, PhoneMask.Mask(claim.Phone), result.ProviderMessageId);
            return SendOutcome.Sent;
        }
        catch (SmsSendException e) when (e.Retryable)
        {
            logger.LogWarning("Invitation {Invitation} to {Phone}: provider error ({Status}); it stays claimed until reconciled",
                claim.Id, PhoneMask.Mask(claim.Phone), e.HttpStatus);
            throw;
        }
        catch (SmsSendException e)
        {
            await invitations.CloseAsync(claim.Id, InvitationStatus.Failed, e.ProviderCode, CancellationToken.None);
            if (e.ProviderCode == SmsErrorCodes.Unsubscribed)
                await optOuts.RecordAsync(claim.Phone, OptOutSource.Provider, CancellationToken.None);
            logger.LogWarning("Invitation {Invitation} to {Phone} failed for good: {Code} {Message}",
                claim.Id, PhoneMask.Mask(claim.Phone), e.ProviderCode, e.Message);
            return SendOutcome.Failed;
        }
    }
}
