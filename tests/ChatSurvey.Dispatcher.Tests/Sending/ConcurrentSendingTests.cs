using ChatSurvey.Dispatcher.Jobs;
using ChatSurvey.Dispatcher.Sending;
using ChatSurvey.Dispatcher.Tests.Sms;
using ChatSurvey.TestSupport;
using ChatSurvey.TestSupport.Twilio;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;
using static ChatSurvey.Dispatcher.Tests.Sending.SendingTestData;

namespace ChatSurvey.Dispatcher.Tests.Sending;

/// <summary>
/// A batch goes out in groups sent concurrently (<c>Dispatcher:SendConcurrency</c> calls in flight in the process) and
/// recorded per group, against its own Twilio fake: each number once, a retryable error mid-batch, an opt-out mid-batch,
/// and one read of each questionnaire version per process.
/// </summary>
public sealed class ConcurrentSendingTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Morning = HaiPhong(2026, 3, 2, 10, 0);
    private TestDatabase _database = null!;
    private TwilioFake _fake = null!;

    private NpgsqlDataSource Db => _database.DataSource;

    public async ValueTask InitializeAsync()
    {
        _database = await (await PostgresServer.GetAsync()).CreateDatabaseAsync();
        _fake = await TwilioFake.StartAsync(cancellationToken: TestContext.Current.CancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await _fake.DisposeAsync();
        await _database.DisposeAsync();
    }

    [Fact]
    public async Task Send_Should_SendEachNumberOnceWithinTheConcurrency_When_TwoJobsSendBatchesAtOnce()
    {
        using var host = await DispatcherHost.StartAsync(_database.ConnectionString, _fake, new ManualClock(Morning),
            ("Dispatcher:SendConcurrency", "8"), ("Dispatcher:BatchSize", "40"), ("Sms:MessagesPerSecond", "10000000"));
        var wave = await CreateWaveAsync(Db, 80, Morning);
        // Slow answers keep each call in flight long enough to count them.
        _fake.Delay = TimeSpan.FromMilliseconds(100);

        var maxInFlight = 0;
        var jobs = Task.WhenAll(Enumerable.Range(0, 2).Select(_ => host.Job<SendDueJob>().SendAsync(TestContext.Current.CancellationToken)));
        while (!jobs.IsCompleted)
        {
            // Received and not answered yet: the fake waits out its delay before it accepts.
            maxInFlight = Math.Max(maxInFlight, _fake.RequestCount - _fake.AcceptedCount);
            await Task.WhenAny(jobs, Task.Delay(2, TestContext.Current.CancellationToken));
        }

        Assert.Equal(80, (await jobs).Sum());
        // Two jobs, each with a group of 8 ready, share the process's 8 calls in flight.
        Assert.Equal(8, maxInFlight);
        await AssertEachNumberSentOnceAsync(wave);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Send_Should_StopAfterTheGroupAndReleaseTheRest_When_ProviderRefusesForNowMidBatch(bool providerAcceptedIt)
    {
        var clock = new ManualClock(Morning);
        using var host = await DispatcherHost.StartAsync(_database.ConnectionString, _fake, clock,
            ("Dispatcher:SendConcurrency", "8"), ("Dispatcher:BatchSize", "40"), ("Sms:MessagesPerSecond", "10000000"));
        var wave = await CreateWaveAsync(Db, 40, Morning);
        // Invitation 13 (planned order: phone 1 first) is in the second group of eight.
        _fake.FailNextTo(wave.Phone(13), 503, afterAccepting: providerAcceptedIt);

        var sent = await host.Job<BatchSender>().SendDueAsync(40, TestContext.Current.CancellationToken);

        Assert.True(sent.RetryableError);
        var statuses = await StatusesAsync(Db, wave.Id);
        Assert.Equal(1, statuses.Count("claimed"));
        Assert.Equal(sent.Sent, statuses.Count("sent"));
        // Sent: the twelve before it, and its group's others. The batch stopped after that group: the groups after it
        // (at least twenty invitations) were never handed over.
        Assert.InRange(sent.Sent, 12, 19);
        Assert.Equal(40 - 1 - sent.Sent, statuses.Count("planned"));
        var (status, plannedAt) = await InvitationAsync(wave.Phone(13));
        Assert.Equal("claimed", status);
        Assert.True(plannedAt >= Morning.AddSeconds(15), $"planned_at {plannedAt:O} is not backed off");
        Assert.All(_fake.MessagesFor(wave).GroupBy(m => m.To), g => Assert.Single(g));

        // Later: the claim is reconciled (sent if the provider had it), the rest sent, nothing twice.
        clock.Advance(TimeSpan.FromHours(1));
        await host.Job<SendDueJob>().SendAsync(TestContext.Current.CancellationToken);
        await AssertEachNumberSentOnceAsync(wave);
    }

    [Fact]
    public async Task Send_Should_NotSendToNumber_When_ItOptsOutWhileItsBatchIsBeingSent()
    {
        using var host = await DispatcherHost.StartAsync(_database.ConnectionString, _fake, new ManualClock(Morning),
            ("Dispatcher:SendConcurrency", "8"), ("Dispatcher:BatchSize", "24"), ("Sms:MessagesPerSecond", "10000000"));
        var wave = await CreateWaveAsync(Db, 24, Morning);
        _fake.Delay = TimeSpan.FromMilliseconds(300);

        var job = host.Job<SendDueJob>().SendAsync(TestContext.Current.CancellationToken);
        // The batch is claimed and its first group is with the provider; number 24 is in the third group.
        await Eventually.UntilAsync(() => Task.FromResult(_fake.RequestCount >= 8), "the first group at the provider",
            cancellationToken: TestContext.Current.CancellationToken);
        await using (var optOut = Db.CreateCommand("INSERT INTO opt_outs (phone, source) VALUES ($1, 'keyword')"))
        {
            optOut.Parameters.AddWithValue(wave.Phone(24));
            await optOut.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        }

        Assert.Equal(23, await job);

        Assert.Equal("opted_out", (await InvitationAsync(wave.Phone(24))).Status);
        Assert.Empty(_fake.MessagesTo(wave.Phone(24)));
        Assert.Equal(23, _fake.MessagesFor(wave).Select(m => m.To).Distinct().Count());
        Assert.Equal(23, _fake.MessagesFor(wave).Count);
    }

    [Fact]
    public async Task Send_Should_ReadEachQuestionnaireVersionOnce_When_JobsSendManyInvitationsOfTwoVersions()
    {
        using var host = await DispatcherHost.StartAsync(_database.ConnectionString, _fake, new ManualClock(Morning),
            ("Dispatcher:SendConcurrency", "8"), ("Dispatcher:BatchSize", "10"), ("Sms:MessagesPerSecond", "10000000"));
        var sms = await CreateWaveAsync(Db, 60, Morning);
        var full = await CreateWaveAsync(Db, 60, Morning);
        await using (var other = Db.CreateCommand(
            "UPDATE waves SET questionnaire_id = (SELECT id FROM questionnaires WHERE code = 'sipas-full' ORDER BY version DESC LIMIT 1) WHERE id = $1"))
        {
            other.Parameters.AddWithValue(full.Id);
            await other.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        }

        using var statements = new SqlStatements(new NpgsqlConnectionStringBuilder(_database.ConnectionString).Database!);
        var jobs = host.Services.GetRequiredService<IOptions<DispatcherOptions>>().Value.SendJobs;
        var sent = await Task.WhenAll(Enumerable.Range(0, jobs).Select(_ => host.Job<SendDueJob>().SendAsync(TestContext.Current.CancellationToken)));

        Assert.Equal(120, sent.Sum());
        // The jobs' statements were seen (the claims), and of them one read per questionnaire version.
        Assert.True(statements.Count("UPDATE invitations") >= 12, string.Join(Environment.NewLine, statements.All));
        Assert.Equal(2, statements.Count("FROM questionnaires"));
        await AssertEachNumberSentOnceAsync(sms);
        await AssertEachNumberSentOnceAsync(full);
    }

    [Fact]
    public async Task Start_Should_NameTheSetting_When_SendConcurrencyIsOutOfRange()
    {
        var e = await Assert.ThrowsAsync<OptionsValidationException>(() =>
            DispatcherHost.StartAsync(_database.ConnectionString, _fake, new ManualClock(Morning), ("Dispatcher:SendConcurrency", "0")));
        Assert.Contains("Dispatcher:SendConcurrency must be between 1 and 256, but was 0.", e.Message, StringComparison.Ordinal);
    }

    /// <summary>Every number of the wave got exactly one message, and its invitation is sent with that message's sid.</summary>
    private async Task AssertEachNumberSentOnceAsync(TestWave wave)
    {
        var messages = _fake.MessagesFor(wave);
        Assert.Equal(wave.Count, messages.Count);
        Assert.Equal(wave.Count, messages.Select(m => m.To).Distinct().Count());
        await using var command = Db.CreateCommand("SELECT phone, status, provider_message_id FROM invitations WHERE wave_id = $1");
        command.Parameters.AddWithValue(wave.Id);
        var sids = messages.ToDictionary(m => m.To, m => m.Sid, StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        var rows = 0;
        while (await reader.ReadAsync(TestContext.Current.CancellationToken))
        {
            rows++;
            Assert.Equal(("sent", sids[reader.GetString(0)]), (reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2)));
        }

        Assert.Equal(wave.Count, rows);
    }

    private async Task<(string Status, DateTimeOffset PlannedAt)> InvitationAsync(string phone)
    {
        await using var command = Db.CreateCommand("SELECT status, planned_at FROM invitations WHERE phone = $1");
        command.Parameters.AddWithValue(phone);
        await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        Assert.True(await reader.ReadAsync(TestContext.Current.CancellationToken));
        return (reader.GetString(0), reader.GetFieldValue<DateTimeOffset>(1));
    }
}
