using System.Diagnostics;
using ChatSurvey.Dispatcher.Tests.Sending;
using ChatSurvey.TestSupport;
using Npgsql;
using static ChatSurvey.Dispatcher.Tests.Sending.SendingTestData;

namespace ChatSurvey.Dispatcher.Tests.Jobs;

/// <summary>
/// Real worker processes, real Hangfire on PostgreSQL, the Twilio fake: each invitation reaches the provider exactly once
/// through crashes (SIGKILL) and with two workers sharing one wave.
/// </summary>
public sealed class WorkerProcessTests(TwilioFakeFixture fixture) : IClassFixture<TwilioFakeFixture>, IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(90);

    private static readonly (string, string)[] WorkerSettings =
    [
        ("Sms:MessagesPerSecond", "150"),
        ("Sms:TwoWay", "false"),
        ("Dispatcher:ReconcileAfter", "00:00:00"),
        ("Dispatcher:WorkerCount", "3"),
        ("Dispatcher:SendJobs", "4"),
        ("Dispatcher:BatchSize", "20"),
    ];

    private TestDatabase _database = null!;

    private NpgsqlDataSource Db => _database.DataSource;

    public async ValueTask InitializeAsync() => _database = await (await PostgresServer.GetAsync()).CreateDatabaseAsync();

    public async ValueTask DisposeAsync() => await _database.DisposeAsync();

    [Fact]
    public async Task Wave_Should_ReachEachNumberExactlyOnce_When_WorkerKilledTwiceMidWave()
    {
        // Window all day, so the test does not depend on the hour it runs at.
        var wave = await CreateWaveAsync(Db, 2000, DateTimeOffset.UtcNow.AddMinutes(-1), windowStart: "00:00", windowEnd: "24:00");

        var claimedAtKill = 0L;
        foreach (var killAt in new[] { 300, 1000 })
        {
            using var doomed = WorkerProcess.Start(_database.ConnectionString, fixture.Fake, WorkerSettings);
            await WaitUntilAsync(async () => await SentAsync(wave) >= killAt, doomed);
            doomed.Kill();
            Assert.True(await SentAsync(wave) < 2000, "The wave finished before the kill: the test proves nothing.");
            claimedAtKill += await CountAsync(wave, "claimed");
        }

        // The kills left claims without a provider id behind: the restarted worker had to reconcile them.
        Assert.True(claimedAtKill > 0, "No claim was in flight at either kill.");

        using var last = WorkerProcess.Start(_database.ConnectionString, fixture.Fake, WorkerSettings);
        await WaitUntilAsync(async () => await SentAsync(wave) == 2000, last);

        AssertExactlyOnce(wave);
        var statuses = await StatusesAsync(Db, wave.Id);
        Assert.Equal(2000, statuses.Count("sent"));
    }

    [Fact]
    public async Task Wave_Should_BeSharedWithoutDuplicates_When_TwoWorkersRun()
    {
        var wave = await CreateWaveAsync(Db, 2000, DateTimeOffset.UtcNow.AddMinutes(-1), windowStart: "00:00", windowEnd: "24:00");

        using var first = WorkerProcess.Start(_database.ConnectionString, fixture.Fake, WorkerSettings);
        using var second = WorkerProcess.Start(_database.ConnectionString, fixture.Fake, WorkerSettings);
        await WaitUntilAsync(async () => await SentAsync(wave) == 2000, first, second);

        AssertExactlyOnce(wave);
        await using var command = Db.CreateCommand("SELECT DISTINCT claimed_by FROM invitations WHERE wave_id = $1");
        command.Parameters.AddWithValue(wave.Id);
        var claimers = new List<string>();
        await using (var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken))
        {
            while (await reader.ReadAsync(TestContext.Current.CancellationToken))
                claimers.Add(reader.GetString(0));
        }

        Assert.Contains(claimers, c => c.EndsWith($":{first.Id}", StringComparison.Ordinal));
        Assert.Contains(claimers, c => c.EndsWith($":{second.Id}", StringComparison.Ordinal));
    }

    private void AssertExactlyOnce(TestWave wave)
    {
        var messages = fixture.Fake.MessagesFor(wave);
        var perNumber = messages.GroupBy(m => m.To).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(wave.Count, perNumber.Count);
        Assert.All(perNumber, p => Assert.Equal(1, p.Value));
        Assert.All(Enumerable.Range(1, wave.Count), n => Assert.True(perNumber.ContainsKey(wave.Phone(n))));
    }

    private Task<long> SentAsync(TestWave wave) => CountAsync(wave, "sent");

    private async Task<long> CountAsync(TestWave wave, string status)
    {
        await using var command = Db.CreateCommand("SELECT count(*) FROM invitations WHERE wave_id = $1 AND status = $2");
        command.Parameters.AddWithValue(wave.Id);
        command.Parameters.AddWithValue(status);
        return (long)(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken))!;
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition, params WorkerProcess[] workers)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            var dead = workers.FirstOrDefault(w => w.HasExited);
            if (dead is not null)
                Assert.Fail($"Worker {dead.Id} exited:\n{dead.Tail}");
            if (clock.Elapsed > Deadline)
                Assert.Fail($"Timed out after {Deadline}.\n{string.Join("\n---\n", workers.Select(w => w.Tail))}");
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }
}
