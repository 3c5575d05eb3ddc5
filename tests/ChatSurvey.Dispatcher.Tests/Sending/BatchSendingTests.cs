using System.Diagnostics;
using ChatSurvey.Dispatcher.Jobs;
using ChatSurvey.Dispatcher.Sms;
using ChatSurvey.Dispatcher.Tests.Sms;
using ChatSurvey.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using static ChatSurvey.Dispatcher.Tests.Sending.SendingTestData;

namespace ChatSurvey.Dispatcher.Tests.Sending;

/// <summary>Batch sending against the Twilio fake: provider errors, opt-outs, abandoned claims and the shared rate.</summary>
public sealed class BatchSendingTests(TwilioFakeFixture fixture) : IClassFixture<TwilioFakeFixture>, IAsyncLifetime
{
    private static readonly DateTimeOffset Morning = HaiPhong(2026, 3, 2, 10, 0);
    private TestDatabase _database = null!;

    private NpgsqlDataSource Db => _database.DataSource;

    public async ValueTask InitializeAsync() => _database = await (await PostgresServer.GetAsync()).CreateDatabaseAsync();

    public async ValueTask DisposeAsync() => await _database.DisposeAsync();

    [Theory]
    [InlineData(429)]
    [InlineData(503)]
    public async Task Send_Should_SendOnceAfterBackoff_When_ProviderRefusesForNow(int status)
    {
        var clock = new ManualClock(Morning);
        using var host = await DispatcherHost.StartAsync(_database.ConnectionString, fixture.Fake, clock);
        var wave = await CreateWaveAsync(Db, 1, Morning);

        fixture.Fake.FailNext(1, status);
        Assert.Equal(0, await host.Job<SendDueJob>().SendAsync(TestContext.Current.CancellationToken));
        // Reconciled (the provider has nothing) and planned again, but not before the back-off.
        var (state, plannedAt, attempts, _, _) = await InvitationAsync(wave.Phone(1));
        Assert.Equal("planned", state);
        Assert.True(plannedAt >= Morning.AddSeconds(15), $"planned_at {plannedAt:O} is not backed off");
        Assert.Equal(0, await host.Job<SendDueJob>().SendAsync(TestContext.Current.CancellationToken));

        clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(1, await host.Job<SendDueJob>().SendAsync(TestContext.Current.CancellationToken));
        (state, _, attempts, _, _) = await InvitationAsync(wave.Phone(1));
        Assert.Equal(("sent", 2), (state, attempts));
        Assert.Single(fixture.Fake.MessagesTo(wave.Phone(1)));
    }

    [Fact]
    public async Task Send_Should_NotSendAgain_When_ProviderAcceptedButAnsweredAnError()
    {
        var clock = new ManualClock(Morning);
        using var host = await DispatcherHost.StartAsync(_database.ConnectionString, fixture.Fake, clock);
        var wave = await CreateWaveAsync(Db, 1, Morning);

        fixture.Fake.FailNextAfterAccepting(1, 503);
        await host.Job<SendDueJob>().SendAsync(TestContext.Current.CancellationToken);
        clock.Advance(TimeSpan.FromHours(1));
        await host.Job<SendDueJob>().SendAsync(TestContext.Current.CancellationToken);

        var message = Assert.Single(fixture.Fake.MessagesTo(wave.Phone(1)));
        var (state, _, _, messageId, _) = await InvitationAsync(wave.Phone(1));
        Assert.Equal(("sent", message.Sid), (state, messageId));
    }

    [Fact]
    public async Task Send_Should_RecordProviderCodeWithoutRetry_When_ProviderRefusesForGood()
    {
        var clock = new ManualClock(Morning);
        using var host = await DispatcherHost.StartAsync(_database.ConnectionString, fixture.Fake, clock);
        var wave = await CreateWaveAsync(Db, 3, Morning);
        fixture.Fake.BlockNumber(wave.Phone(1), 21614);
        fixture.Fake.BlockNumber(wave.Phone(2), 21610);

        Assert.Equal(1, await host.Job<SendDueJob>().SendAsync(TestContext.Current.CancellationToken));
        clock.Advance(TimeSpan.FromHours(2));
        Assert.Equal(0, await host.Job<SendDueJob>().SendAsync(TestContext.Current.CancellationToken));

        Assert.Equal(("failed", "21614"), Pick(await InvitationAsync(wave.Phone(1))));
        Assert.Equal(("failed", "21610"), Pick(await InvitationAsync(wave.Phone(2))));
        Assert.Equal(("sent", null), Pick(await InvitationAsync(wave.Phone(3))));
        Assert.Equal([wave.Phone(2)], await OptOutsAsync(wave));
        Assert.Empty(fixture.Fake.MessagesTo(wave.Phone(1)));
        Assert.Empty(fixture.Fake.MessagesTo(wave.Phone(2)));

        static (string, string?) Pick((string Status, DateTimeOffset, int, string?, string? ErrorCode) row) => (row.Status, row.ErrorCode);
    }

    [Fact]
    public async Task Send_Should_NeverSendToNumber_When_OptedOut()
    {
        var clock = new ManualClock(Morning);
        using var host = await DispatcherHost.StartAsync(_database.ConnectionString, fixture.Fake, clock);
        var wave = await CreateWaveAsync(Db, 2, Morning);
        await using (var optOut = Db.CreateCommand("INSERT INTO opt_outs (phone, source) VALUES ($1, 'keyword')"))
        {
            optOut.Parameters.AddWithValue(wave.Phone(1));
            await optOut.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        }

        Assert.Equal(1, await host.Job<SendDueJob>().SendAsync(TestContext.Current.CancellationToken));

        Assert.Equal("opted_out", (await InvitationAsync(wave.Phone(1))).Status);
        Assert.Empty(fixture.Fake.MessagesTo(wave.Phone(1)));
        Assert.Single(fixture.Fake.MessagesTo(wave.Phone(2)));
    }

    [Fact]
    public async Task Reconcile_Should_SettleOnlyAbandonedClaims_When_TheirBatchIsGone()
    {
        var clock = new ManualClock(Morning);
        using var host = await DispatcherHost.StartAsync(_database.ConnectionString, fixture.Fake, clock);
        var wave = await CreateWaveAsync(Db, 3, Morning);
        // 1 and 2: claimed by a batch that died (its token is not locked); 1 reached the provider before the crash.
        // 3: claimed by a batch that is still running (its token is locked).
        await ClaimAsync(wave.Phone(1), 4001);
        await ClaimAsync(wave.Phone(2), 4001);
        await ClaimAsync(wave.Phone(3), 4002);
        var code1 = await CodeAsync(wave.Phone(1));
        var gateway = host.Services.GetRequiredService<ISmsGateway>();
        var early = await gateway.SendAsync(
            new SmsMessage(wave.Phone(1), $"Moi danh gia tai https://khaosat.haiphong.test/s/{code1}"), TestContext.Current.CancellationToken);
        await using var liveBatch = await Db.OpenConnectionAsync(TestContext.Current.CancellationToken);
        await using (var hold = new NpgsqlCommand("SELECT pg_advisory_lock(1129534276, 4002)", liveBatch))
            await hold.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);

        Assert.Equal(2, await host.Job<ReconcileClaimsJob>().RunAsync(TestContext.Current.CancellationToken));

        var one = await InvitationAsync(wave.Phone(1));
        Assert.Equal(("sent", early.ProviderMessageId), (one.Status, one.MessageId));
        Assert.Equal("planned", (await InvitationAsync(wave.Phone(2))).Status);
        Assert.Equal("claimed", (await InvitationAsync(wave.Phone(3))).Status);

        Assert.Equal(1, await host.Job<SendDueJob>().SendAsync(TestContext.Current.CancellationToken));
        Assert.Single(fixture.Fake.MessagesTo(wave.Phone(1)));
        Assert.Single(fixture.Fake.MessagesTo(wave.Phone(2)));
        Assert.Empty(fixture.Fake.MessagesTo(wave.Phone(3)));
    }

    [Fact]
    public async Task Send_Should_KeepToMessagesPerSecond_When_JobsRunConcurrently()
    {
        var clock = new ManualClock(Morning);
        using var host = await DispatcherHost.StartAsync(_database.ConnectionString, fixture.Fake, clock,
            ("Sms:MessagesPerSecond", "40"), ("Dispatcher:BatchSize", "10"));
        var wave = await CreateWaveAsync(Db, 80, Morning);

        var stopwatch = Stopwatch.StartNew();
        var sent = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ =>
            host.Job<SendDueJob>().SendAsync(TestContext.Current.CancellationToken)));
        stopwatch.Stop();

        Assert.Equal(80, sent.Sum());
        // 80 slots of 25 ms: the last starts 1.975 s after the first, however many jobs share them.
        Assert.True(stopwatch.Elapsed >= TimeSpan.FromSeconds(1.9), $"80 messages at 40/s took only {stopwatch.Elapsed}");
        Assert.Equal(80, fixture.Fake.MessagesFor(wave).Select(m => m.To).Distinct().Count());
        Assert.Equal(80, fixture.Fake.MessagesFor(wave).Count);
    }

    private async Task<(string Status, DateTimeOffset PlannedAt, int Attempts, string? MessageId, string? ErrorCode)> InvitationAsync(string phone)
    {
        await using var command = Db.CreateCommand(
            "SELECT status, planned_at, attempts, provider_message_id, error_code FROM invitations WHERE phone = $1");
        command.Parameters.AddWithValue(phone);
        await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        Assert.True(await reader.ReadAsync(TestContext.Current.CancellationToken));
        return (reader.GetString(0), reader.GetFieldValue<DateTimeOffset>(1), reader.GetInt32(2),
            reader.IsDBNull(3) ? null : reader.GetString(3), reader.IsDBNull(4) ? null : reader.GetString(4));
    }

    private async Task ClaimAsync(string phone, int token)
    {
        await using var command = Db.CreateCommand(
            "UPDATE invitations SET status = 'claimed', claimed_at = now(), attempts = 1, claim_token = $2 WHERE phone = $1");
        command.Parameters.AddWithValue(phone);
        command.Parameters.AddWithValue(token);
        await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
    }

    private async Task<string> CodeAsync(string phone)
    {
        await using var command = Db.CreateCommand("SELECT code FROM invitations WHERE phone = $1");
        command.Parameters.AddWithValue(phone);
        return (string)(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken))!;
    }

    private async Task<List<string>> OptOutsAsync(TestWave wave)
    {
        await using var command = Db.CreateCommand("SELECT phone FROM opt_outs WHERE phone LIKE $1 || '%' ORDER BY phone");
        command.Parameters.AddWithValue(wave.PhonePrefix);
        var phones = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        while (await reader.ReadAsync(TestContext.Current.CancellationToken))
            phones.Add(reader.GetString(0));
        return phones;
    }
}
