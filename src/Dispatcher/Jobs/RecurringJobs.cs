using ChatSurvey.Domain.Time;
using Hangfire;
using Microsoft.Extensions.Options;

namespace ChatSurvey.Dispatcher.Jobs;

/// <summary>The recurring jobs (ids are stable: the dashboard and operators use them).</summary>
public static class RecurringJobs
{
    public const string SendDue = "send-due";
    public const string Reminders = "reminders";
    public const string Expiry = "expiry";
    public const string Reconcile = "reconcile-claims";
    public const string ScoreRefresh = "score-refresh";
    public const string WaveCompletion = "wave-completion";
    public const string ContinuousWaves = "continuous-waves";

    public static void Register(IRecurringJobManager manager)
    {
        ArgumentNullException.ThrowIfNull(manager);
        // Cron in Vietnam time, like every schedule of the product (never the machine's zone).
        var options = new RecurringJobOptions { TimeZone = VietnamTime.Zone };
        manager.AddOrUpdate<SendDueJob>(SendDue, JobQueues.Send, job => job.DispatchAsync(CancellationToken.None), Cron.Minutely(), options);
        manager.AddOrUpdate<ReminderJob>(Reminders, JobQueues.Send, job => job.RunAsync(CancellationToken.None), "*/5 * * * *", options);
        manager.AddOrUpdate<ExpiryJob>(Expiry, JobQueues.Default, job => job.RunAsync(CancellationToken.None), "*/15 * * * *", options);
        manager.AddOrUpdate<ReconcileClaimsJob>(Reconcile, JobQueues.Send, job => job.RunAsync(CancellationToken.None), Cron.Minutely(), options);
        manager.AddOrUpdate<ScoreRefreshJob>(ScoreRefresh, JobQueues.Default, job => job.RunAsync(CancellationToken.None), Cron.Minutely(), options);
        manager.AddOrUpdate<WaveCompletionJob>(WaveCompletion, JobQueues.Default, job => job.RunAsync(CancellationToken.None), "*/5 * * * *", options);
        manager.AddOrUpdate<ContinuousWaveJob>(ContinuousWaves, JobQueues.Default, job => job.RunAsync(CancellationToken.None), Cron.Minutely(), options);
    }
}

/// <summary>
/// In a process that runs the Hangfire server: registers the recurring jobs and starts one dispatch at once, so a
/// (re)started worker settles abandoned claims and resumes sending without waiting for the next minute
/// (unless <c>Dispatcher:RecurringJobs=false</c>).
/// </summary>
internal sealed class RecurringJobsRegistration(
    IRecurringJobManager manager, IOptions<DispatcherOptions> options, ILogger<RecurringJobsRegistration> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (!options.Value.RecurringJobs)
        {
            logger.LogInformation("Recurring jobs not registered ({Section}:{Setting}=false)", DispatcherOptions.Section, nameof(DispatcherOptions.RecurringJobs));
            return Task.CompletedTask;
        }

        RecurringJobs.Register(manager);
        manager.Trigger(RecurringJobs.SendDue);
        logger.LogInformation("Recurring jobs registered; dispatch triggered");
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
