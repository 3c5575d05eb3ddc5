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
    /// <summary>
    /// A retryable provider error (429, 5xx, network), a cancelled or otherwise broken call: the provider may have it, so
    /// the invitation stays claimed and only <see cref="ClaimReconciler"/> may put it back to planned.
    /// </summary>
    Unconfirmed,
    /// <summary>Never handed to the provider (cancelled while it waited for its turn): still claimed, certainly not sent.</summary>
    NotHandedOver,
}

/// <summary>What became of one claim of a group (<see cref="ClaimedInvitationSender.SendAsync"/>).</summary>
/// <param name="Claim">The claim sent.</param>
/// <param name="Outcome">What became of it.</param>
/// <param name="Error">With <see cref="SendOutcome.Failed"/> the provider's refusal; with <see cref="SendOutcome.Unconfirmed"/> and <see cref="SendOutcome.NotHandedOver"/> what interrupted the send.</param>
public sealed record ClaimSendResult(InvitationClaim Claim, SendOutcome Outcome, Exception? Error = null);

/// <summary>
/// Hands a group of claimed invitations to the provider at once and records the outcomes; every send goes through here.
/// The claim (<c>planned → claimed</c>, <see cref="InvitationStore"/>) comes before the provider call and the provider's
/// message id is stored after it, so an invitation is sent at most once. The opt-outs are checked again right before the
/// calls (one query for the group), the calls run concurrently (<see cref="ProviderCalls"/>), and the group's message ids,
/// opt-outs and final errors are recorded in one round trip. A final provider error records the provider's code (21610
/// also records an opt-out). A retryable one (429, 5xx, network) leaves the row claimed: the provider may have accepted
/// it, so only <see cref="ClaimReconciler"/> — a look at the provider's message list — may put it back to planned.
/// </summary>
public sealed class ClaimedInvitationSender(
    ProviderCalls calls,
    InvitationStore invitations,
    OptOutStore optOuts,
    InvitationMessages messages,
    TimeProvider clock,
    ILogger<ClaimedInvitationSender> logger)
{
    /// <summary>This process, as <c>invitations.claimed_by</c> records it.</summary>
    public static string ClaimedBy { get; } = string.Create(CultureInfo.InvariantCulture, $"{Environment.MachineName}:{Environment.ProcessId}");

    /// <summary>
    /// Sends <paramref name="claims"/> together and records what became of each (in the same order). Never throws for one
    /// message's failure: a retryable error, a cancellation or anything unexpected is that claim's
    /// <see cref="SendOutcome.Unconfirmed"/> (or <see cref="SendOutcome.NotHandedOver"/>) result, recorded beside the others'
    /// outcomes; the caller decides what follows.
    /// </summary>
    public async Task<IReadOnlyList<ClaimSendResult>> SendAsync(IReadOnlyList<InvitationClaim> claims, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(claims);
        var results = new ClaimSendResult?[claims.Count];
        var closed = new List<ClosedInvitation>();
        // Checked again right before the provider calls: a STOP may have arrived while the batch waited for its rate slots.
        var optedOut = await optOuts.OptedOutAsync(claims.Where(c => !c.OptedOut).Select(c => c.Phone).ToList(), cancellationToken);
        var toSend = new List<int>(claims.Count);
        for (var i = 0; i < claims.Count; i++)
        {
            if (claims[i].OptedOut || optedOut.Contains(claims[i].Phone))
            {
                results[i] = new ClaimSendResult(claims[i], SendOutcome.OptedOut);
                closed.Add(new ClosedInvitation(claims[i].Id, InvitationStatus.OptedOut));
            }
            else
            {
                toSend.Add(i);
            }
        }

        var outgoing = new List<SmsMessage>(toSend.Count);
        foreach (var i in toSend)
            outgoing.Add(new SmsMessage(claims[i].Phone, await messages.InvitationAsync(claims[i], cancellationToken), messages.StatusCallback));
        var answers = outgoing.Count == 0 ? [] : await calls.SendAllAsync(outgoing, cancellationToken);

        var sent = new List<SentInvitation>(toSend.Count);
        var unsubscribed = new List<string>();
        for (var k = 0; k < toSend.Count; k++)
        {
            var claim = claims[toSend[k]];
            var answer = answers[k];
            if (answer.Result is { } result)
            {
                results[toSend[k]] = new ClaimSendResult(claim, SendOutcome.Sent);
                sent.Add(new SentInvitation(claim.Id, result.ProviderMessageId, result.Status));
                logger.LogInformation("Invitation {Invitation} sent to {Phone} as {MessageSid}",
                    claim.Id, PhoneMask.Mask(claim.Phone), result.ProviderMessageId);
            }
            else if (answer.Refusal is { } refusal)
            {
                results[toSend[k]] = new ClaimSendResult(claim, SendOutcome.Failed, refusal);
                closed.Add(new ClosedInvitation(claim.Id, InvitationStatus.Failed, refusal.ProviderCode));
                if (refusal.ProviderCode == SmsErrorCodes.Unsubscribed)
                    unsubscribed.Add(claim.Phone);
                logger.LogWarning("Invitation {Invitation} to {Phone} failed for good: {Code} {Message}",
                    claim.Id, PhoneMask.Mask(claim.Phone), refusal.ProviderCode, refusal.Message);
            }
            else if (!answer.HandedOver)
            {
                results[toSend[k]] = new ClaimSendResult(claim, SendOutcome.NotHandedOver, answer.Error);
            }
            else
            {
                results[toSend[k]] = new ClaimSendResult(claim, SendOutcome.Unconfirmed, answer.Error);
                if (answer.IsRetryable)
                {
                    logger.LogWarning("Invitation {Invitation} to {Phone}: provider error ({Status}); it stays claimed until reconciled",
                        claim.Id, PhoneMask.Mask(claim.Phone), ((SmsSendException)answer.Error!).HttpStatus);
                }
            }
        }

        // The provider has them: recorded even if this job is being cancelled.
        await invitations.RecordAsync(sent, closed, clock.GetUtcNow(), CancellationToken.None);
        foreach (var phone in unsubscribed)
            await optOuts.RecordAsync(phone, OptOutSource.Provider, CancellationToken.None);
        return results!;
    }
}
