using ChatSurvey.Dispatcher.Jobs;
using ChatSurvey.TestSupport;
using Hangfire;
using Hangfire.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace ChatSurvey.BotHost.Tests.Jobs;

/// <summary>
/// The one place the product's own schedule is tested: a host with the Hangfire server registers the recurring
/// jobs in Hai Phong time and triggers a dispatch at start. Every other test host leaves the schedule out
/// (<see cref="BotHostFactory"/>), so its jobs run only when the test runs them; the second test checks that.
/// </summary>
public sealed class RecurringJobsTests
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Host_Should_RegisterTheScheduleAndDispatchAtOnce_When_RecurringJobsAreOn()
    {
        Assert.True(new DispatcherOptions().RecurringJobs, "The schedule is on unless configured off.");
        await using var database = await (await PostgresServer.GetAsync()).CreateDatabaseAsync();
        await using var factory = new BotHostFactory(database.ConnectionString, [new("Dispatcher:RecurringJobs", "true")]);

        var jobs = RecurringJobsOf(factory);

        Assert.Equal(
            [
                ("continuous-waves", "* * * * *", "default", "Asia/Ho_Chi_Minh", "ContinuousWaveJob.RunAsync"),
                ("expiry", "*/15 * * * *", "default", "Asia/Ho_Chi_Minh", "ExpiryJob.RunAsync"),
                ("reconcile-claims", "* * * * *", "send", "Asia/Ho_Chi_Minh", "ReconcileClaimsJob.RunAsync"),
                ("reminders", "*/5 * * * *", "send", "Asia/Ho_Chi_Minh", "ReminderJob.RunAsync"),
                ("score-refresh", "* * * * *", "default", "Asia/Ho_Chi_Minh", "ScoreRefreshJob.RunAsync"),
                ("send-due", "* * * * *", "send", "Asia/Ho_Chi_Minh", "SendDueJob.DispatchAsync"),
                ("wave-completion", "*/5 * * * *", "default", "Asia/Ho_Chi_Minh", "WaveCompletionJob.RunAsync"),
            ],
            jobs.Select(j => (j.Id, j.Cron, j.Job.Queue, j.TimeZoneId, $"{j.Job.Type.Name}.{j.Job.Method.Name}")).OrderBy(j => j.Id));
        // The start-up dispatch: one send-due job created at once, without waiting for the next minute.
        Assert.Equal(1L, await ScalarAsync<long>(database,
            "SELECT count(*) FROM hangfire.job WHERE invocationdata ->> 'Method' = 'DispatchAsync'"));
    }

    [Fact]
    public async Task TestHost_Should_RunNoJobOfItsOwn_When_TheServerRuns()
    {
        await using var database = await (await PostgresServer.GetAsync()).CreateDatabaseAsync();
        await using var factory = new BotHostFactory(database.ConnectionString);

        Assert.Empty(RecurringJobsOf(factory));
        Assert.Equal(0L, await ScalarAsync<long>(database, "SELECT count(*) FROM hangfire.job"));
        // The server itself runs: a job the test enqueues is done.
        var id = factory.Services.GetRequiredService<IBackgroundJobClient>().Enqueue<ScoreRefreshJob>(job => job.RunAsync(CancellationToken.None));
        await Eventually.UntilAsync(
            () => ScalarAsync<string>(database, $"SELECT coalesce(statename, '') FROM hangfire.job WHERE id = {long.Parse(id, System.Globalization.CultureInfo.InvariantCulture)}"),
            state => state is "Succeeded" or "Failed", $"the score-refresh job {id} to finish", cancellationToken: Cancel);
        Assert.Equal("Succeeded", await ScalarAsync<string>(database, $"SELECT statename FROM hangfire.job WHERE id = {long.Parse(id, System.Globalization.CultureInfo.InvariantCulture)}"));
    }

    private static List<RecurringJobDto> RecurringJobsOf(BotHostFactory factory)
    {
        using var connection = factory.Services.GetRequiredService<JobStorage>().GetConnection();
        return connection.GetRecurringJobs();
    }

    private static async Task<T> ScalarAsync<T>(TestDatabase database, string sql)
    {
        await using var command = database.DataSource.CreateCommand(sql);
        return (T)(await command.ExecuteScalarAsync(Cancel))!;
    }
}
