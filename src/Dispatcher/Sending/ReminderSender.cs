using System.Runtime.ExceptionServices;
using ChatSurvey.Dispatcher.Invitations;
using ChatSurvey.Dispatcher.OptOuts;
using ChatSurvey.Dispatcher.Sms;
using ChatSurvey.Domain.Statuses;

namespace ChatSurvey.Dispatcher.Sending;

/// <summary>
/// Sends reminders (link only). At most one per invitation: <see cref="InvitationStore.TakeDueRemindersAsync"/> sets
/// <c>reminded_at</c> before the provider call, so a crash or a provider error loses the reminder rather than risking a
/// second one. Sent like invitations, in groups whose rate slots have started, the opt-outs checked again for the group
/// right before its concurrent provider calls (<see cref="ProviderCalls"/>).
/// </summary>
public sealed class ReminderSender(
    InvitationStore invitations,
    OptOutStore optOuts,
    ProviderCalls calls,
    SendRateLimiter rateLimiter,
    InvitationMessages messages,
    TimeProvider clock,
    ILogger<ReminderSender> logger)
{
    /// <summary>
    /// Sends up to <paramref name="maxCount"/> due reminders (fewer when the rate sends fewer within
    /// <see cref="SendRateLimiter.BatchHorizon"/>) in slots of the deployment-wide rate; returns how many the provider took.
    /// </summary>
    public async Task<int> SendDueAsync(int maxCount, CancellationToken cancellationToken)
    {
        var due = await invitations.TakeDueRemindersAsync(clock.GetUtcNow(), rateLimiter.BatchLimit(maxCount), cancellationToken);
        if (due.Count == 0)
            return 0;

        var sent = 0;
        var slots = await rateLimiter.ReserveAsync(due.Count, cancellationToken);
        await foreach (var range in slots.GroupsAsync(due.Count, calls.Concurrency, cancellationToken))
        {
            var (start, length) = range.GetOffsetAndLength(due.Count);
            var group = due.Skip(start).Take(length).ToList();
            // A STOP may have arrived since the reminders were taken.
            var optedOut = await optOuts.OptedOutAsync(group.Select(r => r.Phone).ToList(), cancellationToken);
            group.RemoveAll(r => optedOut.Contains(r.Phone));
            var answers = await calls.SendAllAsync(
                group.Select(r => new SmsMessage(r.Phone, messages.Reminder(r), messages.StatusCallback)).ToList(), cancellationToken);
            Exception? interrupted = null;
            for (var i = 0; i < group.Count; i++)
            {
                var (invitation, answer) = (group[i], answers[i]);
                if (answer.Result is { } result)
                {
                    sent++;
                    logger.LogInformation("Reminder for invitation {Invitation} sent to {Phone} as {MessageSid}",
                        invitation.Id, PhoneMask.Mask(invitation.Phone), result.ProviderMessageId);
                }
                else if (answer.Error is SmsSendException e)
                {
                    if (e.ProviderCode == SmsErrorCodes.Unsubscribed)
                        await optOuts.RecordAsync(invitation.Phone, OptOutSource.Provider, CancellationToken.None);
                    logger.LogWarning("Reminder for invitation {Invitation} to {Phone} not sent (no retry: at most one reminder): {Code} {Status}",
                        invitation.Id, PhoneMask.Mask(invitation.Phone), e.ProviderCode, e.HttpStatus);
                }
                else
                {
                    interrupted ??= answer.Error;
                }
            }

            if (interrupted is not null)
                ExceptionDispatchInfo.Throw(interrupted);
        }

        return sent;
    }
}
