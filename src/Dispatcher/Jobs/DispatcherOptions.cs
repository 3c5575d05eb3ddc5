using System.Globalization;
using Microsoft.Extensions.Options;

namespace ChatSurvey.Dispatcher.Jobs;

/// <summary>The <c>Dispatcher</c> section: the Hangfire server and the sending jobs (docs/design.md#processes).</summary>
public sealed class DispatcherOptions
{
    public const string Section = "Dispatcher";

    /// <summary>
    /// Host a Hangfire server (workers and recurring jobs) in this process. BotHost instances behind a load balancer set
    /// false and leave the work to <c>src/Dispatcher</c> processes; the Hangfire client is registered either way.
    /// </summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// With the server: register the recurring jobs (send due, reminders, expiry, reconcile claims, score refresh) at
    /// start and trigger one dispatch at once. The test hosts set false, so that a job runs only when a test runs it.
    /// Hangfire keeps the schedule in the database: a process that sets false still runs a schedule registered there
    /// by another process.
    /// </summary>
    public bool RecurringJobs { get; set; } = true;

    /// <summary>Hangfire workers in this process (all queues together). Greater than 0.</summary>
    public int WorkerCount { get; set; } = Math.Min(20, Environment.ProcessorCount * 5);

    /// <summary>How many send jobs the dispatcher starts when invitations are due; they share the due rows. Greater than 0.</summary>
    public int SendJobs { get; set; } = 4;

    /// <summary>
    /// Invitations (or reminders) claimed at a time by one send job, at most: never more than two seconds of
    /// <c>Sms:MessagesPerSecond</c> (20 at 10 per second). 1 to 1,000. The batch is sent in groups of up to
    /// <see cref="SendConcurrency"/> (docs/design.md#data-flow, step 3).
    /// </summary>
    public int BatchSize { get; set; } = 100;

    /// <summary>
    /// Provider calls in flight at once in this process, shared by its send and reminder jobs: a group of a batch is sent
    /// concurrently, then recorded in one round trip. Keep it within the provider account's concurrency (Twilio answers
    /// 429 beyond it) divided by the number of processes. 1 to 256.
    /// </summary>
    public int SendConcurrency { get; set; } = 16;

    /// <summary>
    /// How long a send job keeps claiming batches before it ends (the next dispatch starts fresh jobs). Keeps a Hangfire
    /// worker from being held for hours by a large wave. Greater than 0.
    /// </summary>
    public TimeSpan SendJobBudget { get; set; } = TimeSpan.FromSeconds(50);

    /// <summary>
    /// A claim without a provider id, whose batch is gone, is reconciled with the provider only once it is this old:
    /// Twilio lists a message by its sent date, so a message handed over moments before a crash may not be listed yet.
    /// </summary>
    public TimeSpan ReconcileAfter { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>First back-off after a retryable provider error (429, 5xx, network); doubles per attempt, with jitter.</summary>
    public TimeSpan RetryBackoff { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The longest back-off between retries of one invitation.</summary>
    public TimeSpan MaxRetryBackoff { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>Hangfire's queue poll interval when long polling is unavailable.</summary>
    public TimeSpan QueuePollInterval { get; set; } = TimeSpan.FromSeconds(5);
}

internal sealed class DispatcherOptionsValidator : IValidateOptions<DispatcherOptions>
{
    public ValidateOptionsResult Validate(string? name, DispatcherOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        void Require(bool ok, string property, object value, string rule)
        {
            if (!ok)
                failures.Add(string.Create(CultureInfo.InvariantCulture, $"{DispatcherOptions.Section}:{property} must be {rule}, but was {value}."));
        }

        Require(options.WorkerCount > 0, nameof(options.WorkerCount), options.WorkerCount, "greater than 0");
        Require(options.SendJobs > 0, nameof(options.SendJobs), options.SendJobs, "greater than 0");
        Require(options.BatchSize is >= 1 and <= 1000, nameof(options.BatchSize), options.BatchSize, "between 1 and 1000");
        Require(options.SendConcurrency is >= 1 and <= 256, nameof(options.SendConcurrency), options.SendConcurrency, "between 1 and 256");
        Require(options.SendJobBudget > TimeSpan.Zero, nameof(options.SendJobBudget), options.SendJobBudget, "greater than 0");
        Require(options.ReconcileAfter >= TimeSpan.Zero, nameof(options.ReconcileAfter), options.ReconcileAfter, "0 or more");
        Require(options.RetryBackoff > TimeSpan.Zero, nameof(options.RetryBackoff), options.RetryBackoff, "greater than 0");
        Require(options.MaxRetryBackoff >= options.RetryBackoff, nameof(options.MaxRetryBackoff), options.MaxRetryBackoff, "at least RetryBackoff");
        Require(options.QueuePollInterval > TimeSpan.Zero, nameof(options.QueuePollInterval), options.QueuePollInterval, "greater than 0");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
