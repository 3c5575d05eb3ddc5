using ChatSurvey.Dispatcher.Invitations;
using ChatSurvey.Dispatcher.OptOuts;
using ChatSurvey.Dispatcher.Sms;
using ChatSurvey.Domain.Statuses;

namespace ChatSurvey.Dispatcher.Sending;

/// <summary>
/// Sends reminders (link only). At most one per invitation: <see cref="InvitationStore.TakeDueRemindersAsync"/> sets
/// <c>reminded_at</c> before the provider call, so a crash or a provider error loses the reminder rather than risking a
/// second one.
/// </summary>
public sealed class ReminderSender(
    InvitationStore invitations,
    OptOutStore optOuts,
    ISmsGateway gateway,
    SendRateLimiter rateLimiter,
    InvitationMessages messages,
    TimeProvider clock,
    ILogger<ReminderSender> logger)
{
    /// <summary>Sends up to <paramref name="maxCount"/> due reminders in slots of the deployment-wide rate; returns how many the provider took.</summary>
    public async Task<int> SendDueAsync(int maxCount, CancellationToken cancellationToken)
    {
        var due = await invitations.TakeDueRemindersAsync(clock.GetUtcNow(), maxCount, cancellationToken);
        if (due.Count == 0)
            return 0;

        var sent = 0;
        var slots = await rateLimiter.ReserveAsync(due.Count, cancellationToken);
        for (var i = 0; i < due.Count; i++)
        {
            await slots.WaitForAsync(i, cancellationToken);
            var invitation = due[i];
            try
            {
                var result = await gateway.SendAsync(
                    new SmsMessage(invitation.Phone, messages.Reminder(invitation), messages.StatusCallback), cancellationToken);
                sent++;
                logger.LogInformation("Reminder for invitation {Invitation} sent to {Phone} as {MessageSid}",
                    invitation.Id, PhoneMask.Mask(invitation.Phone), result.ProviderMessageId);
            }
            catch (SmsSendException e)
            {
                if (e.ProviderCode == SmsErrorCodes.Unsubscribed)
                    await optOuts.RecordAsync(invitation.Phone, OptOutSource.Provider, CancellationToken.None);
                logger.LogWarning("Reminder for invitation {Invitation} to {Phone} not sent (no retry: at most one reminder): {Code} {Status}",
                    invitation.Id, PhoneMask.Mask(invitation.Phone), e.ProviderCode, e.HttpStatus);
            }
        }

        return sent;
    }
}
