using ChatSurvey.Dispatcher.Sending;
using Hangfire;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ChatSurvey.Dispatcher.Jobs;

/// <summary>
/// Recurring: one reminder, <c>reminder_after_hours</c> after the invitation was sent, to those who have not finished,
/// only inside the wave's send window (a reminder due at night waits for the morning), never after expiry.
/// </summary>
public sealed class ReminderJob(ReminderSender sender, IOptions<DispatcherOptions> options)
{
    [Queue(JobQueues.Send)]
    [AutomaticRetry(Attempts = 3, OnlyOn = [typeof(NpgsqlException), typeof(TimeoutException)])]
    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var started = TimeProvider.System.GetTimestamp();
        var total = 0;
        while (TimeProvider.System.GetElapsedTime(started) < options.Value.SendJobBudget)
        {
            var sent = await sender.SendDueAsync(options.Value.BatchSize, cancellationToken);
            if (sent == 0)
                break;
            total += sent;
        }

        return total;
    }
}
