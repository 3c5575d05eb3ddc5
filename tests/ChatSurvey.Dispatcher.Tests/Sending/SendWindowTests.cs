using ChatSurvey.Dispatcher.Jobs;
using ChatSurvey.Dispatcher.Tests.Sms;
using ChatSurvey.TestSupport;
using Npgsql;
using static ChatSurvey.Dispatcher.Tests.Sending.SendingTestData;

namespace ChatSurvey.Dispatcher.Tests.Sending;

/// <summary>Send windows, pause and cancel, reminders and expiry, with an injected clock (Hai Phong time, UTC+7).</summary>
public sealed class SendWindowTests(TwilioFakeFixture fixture) : IClassFixture<TwilioFakeFixture>, IAsyncLifetime
{
    // A database per test: the jobs act on every due row, so no test may see another's waves.
    private TestDatabase _database = null!;

    private NpgsqlDataSource Db => _database.DataSource;

    public async ValueTask InitializeAsync() => _database = await (await PostgresServer.GetAsync()).CreateDatabaseAsync();

    public async ValueTask DisposeAsync() => await _database.DisposeAsync();

    [Fact]
    public async Task Send_Should_SendNothing_When_NightInHaiPhong()
    {
        var clock = new ManualClock(HaiPhong(2026, 3, 2, 22, 30));
        using var host = await DispatcherHost.StartAsync(_database.ConnectionString, fixture.Fake, clock);
        var wave = await CreateWaveAsync(Db, 5, plannedAt: HaiPhong(2026, 3, 2, 12, 0));

        // 22:30, 03:00 and 07:59 local are outside 08:00–20:00; 13:30 and 22:30 UTC are not what counts.
        foreach (var night in new[] { HaiPhong(2026, 3, 2, 22, 30), HaiPhong(2026, 3, 3, 3, 0), HaiPhong(2026, 3, 3, 7, 59) })
        {
            clock.SetTo(night);
            Assert.Equal(0, await host.Job<SendDueJob>().SendAsync(TestContext.Current.CancellationToken));
        }

        Assert.Empty(fixture.Fake.MessagesFor(wave));
        Assert.Equal(5, (await StatusesAsync(Db, wave.Id)).Count("planned"));

        clock.SetTo(HaiPhong(2026, 3, 3, 8, 0));
        Assert.Equal(5, await host.Job<SendDueJob>().SendAsync(TestContext.Current.CancellationToken));
        Assert.Equal(5, fixture.Fake.MessagesFor(wave).Select(m => m.To).Distinct().Count());
        Assert.Equal(5, fixture.Fake.MessagesFor(wave).Count);
    }

    [Fact]
    public async Task Send_Should_SendNothingUntilResumed_When_WavePaused()
    {
        var clock = new ManualClock(HaiPhong(2026, 3, 2, 10, 0));
        using var host = await DispatcherHost.StartAsync(_database.ConnectionString, fixture.Fake, clock);
        var wave = await CreateWaveAsync(Db, 4, plannedAt: HaiPhong(2026, 3, 2, 9, 0), status: "paused");

        Assert.Equal(0, await host.Job<SendDueJob>().SendAsync(TestContext.Current.CancellationToken));
        await host.Job<SendDueJob>().DispatchAsync(TestContext.Current.CancellationToken);
        Assert.Empty(fixture.Fake.MessagesFor(wave));

        await SetWaveStatusAsync(Db, wave.Id, "running");
        Assert.Equal(4, await host.Job<SendDueJob>().SendAsync(TestContext.Current.CancellationToken));
        Assert.Equal(4, (await StatusesAsync(Db, wave.Id)).Count("sent"));
    }

    [Fact]
    public async Task Send_Should_NeverSend_When_WaveCancelled()
    {
        var clock = new ManualClock(HaiPhong(2026, 3, 2, 10, 0));
        using var host = await DispatcherHost.StartAsync(_database.ConnectionString, fixture.Fake, clock);
        var wave = await CreateWaveAsync(Db, 3, plannedAt: HaiPhong(2026, 3, 2, 9, 0), status: "cancelled");

        Assert.Equal(0, await host.Job<SendDueJob>().SendAsync(TestContext.Current.CancellationToken));
        var result = await host.Job<ExpiryJob>().RunAsync(TestContext.Current.CancellationToken);
        Assert.Equal(3, result.Cancelled);

        // Even if the wave's row were set running again, its invitations stay cancelled.
        await SetWaveStatusAsync(Db, wave.Id, "running");
        clock.Advance(TimeSpan.FromHours(1));
        Assert.Equal(0, await host.Job<SendDueJob>().SendAsync(TestContext.Current.CancellationToken));
        Assert.Empty(fixture.Fake.MessagesFor(wave));
        Assert.Equal(3, (await StatusesAsync(Db, wave.Id)).Count("cancelled"));
    }

    [Fact]
    public async Task Reminder_Should_WaitForNextWindow_When_DueAtNight()
    {
        var clock = new ManualClock(HaiPhong(2026, 3, 2, 19, 0));
        using var host = await DispatcherHost.StartAsync(_database.ConnectionString, fixture.Fake, clock);
        var wave = await CreateWaveAsync(Db, 3, plannedAt: HaiPhong(2026, 3, 2, 18, 0), reminderAfterHours: 10, expireAfterDays: 3);
        Assert.Equal(3, await host.Job<SendDueJob>().SendAsync(TestContext.Current.CancellationToken));
        await CompleteSurveyAsync(wave.Phone(3));

        // Due at 05:00 local: nothing at night, nothing at 07:59.
        clock.SetTo(HaiPhong(2026, 3, 3, 5, 0));
        Assert.Equal(0, await host.Job<ReminderJob>().RunAsync(TestContext.Current.CancellationToken));
        clock.SetTo(HaiPhong(2026, 3, 3, 7, 59));
        Assert.Equal(0, await host.Job<ReminderJob>().RunAsync(TestContext.Current.CancellationToken));

        // 08:00: one reminder to each who has not finished, and never a second one.
        clock.SetTo(HaiPhong(2026, 3, 3, 8, 0));
        Assert.Equal(2, await host.Job<ReminderJob>().RunAsync(TestContext.Current.CancellationToken));
        clock.Advance(TimeSpan.FromHours(3));
        Assert.Equal(0, await host.Job<ReminderJob>().RunAsync(TestContext.Current.CancellationToken));

        Assert.Equal(2, fixture.Fake.MessagesTo(wave.Phone(1)).Count);
        Assert.StartsWith("Nhac lai: ", fixture.Fake.MessagesTo(wave.Phone(1))[1].Body, StringComparison.Ordinal);
        Assert.Equal(2, fixture.Fake.MessagesTo(wave.Phone(2)).Count);
        Assert.Single(fixture.Fake.MessagesTo(wave.Phone(3)));
    }

    [Fact]
    public async Task Reminder_Should_NotBeSent_When_InvitationExpired()
    {
        var clock = new ManualClock(HaiPhong(2026, 3, 2, 9, 0));
        using var host = await DispatcherHost.StartAsync(_database.ConnectionString, fixture.Fake, clock);
        var wave = await CreateWaveAsync(Db, 2, plannedAt: HaiPhong(2026, 3, 2, 9, 0), reminderAfterHours: 48, expireAfterDays: 1);
        Assert.Equal(2, await host.Job<SendDueJob>().SendAsync(TestContext.Current.CancellationToken));

        // The reminder would be due after the invitation expired (1 day < 48 h): none goes out, the invitations expire.
        clock.SetTo(HaiPhong(2026, 3, 3, 8, 59));
        Assert.Equal(0, (await host.Job<ExpiryJob>().RunAsync(TestContext.Current.CancellationToken)).Expired);
        clock.SetTo(HaiPhong(2026, 3, 4, 10, 0));
        Assert.Equal(0, await host.Job<ReminderJob>().RunAsync(TestContext.Current.CancellationToken));
        Assert.Equal(2, (await host.Job<ExpiryJob>().RunAsync(TestContext.Current.CancellationToken)).Expired);
        Assert.Equal(2, (await StatusesAsync(Db, wave.Id)).Count("expired"));
        Assert.Equal(2, fixture.Fake.MessagesFor(wave).Count);
    }

    [Fact]
    public async Task Expiry_Should_KeepCompletedSurveys_When_ExpireAfterDaysPassed()
    {
        var clock = new ManualClock(HaiPhong(2026, 3, 2, 9, 0));
        using var host = await DispatcherHost.StartAsync(_database.ConnectionString, fixture.Fake, clock);
        var wave = await CreateWaveAsync(Db, 2, plannedAt: HaiPhong(2026, 3, 2, 9, 0), reminderAfterHours: 0, expireAfterDays: 3);
        Assert.Equal(2, await host.Job<SendDueJob>().SendAsync(TestContext.Current.CancellationToken));
        await CompleteSurveyAsync(wave.Phone(1));

        clock.SetTo(HaiPhong(2026, 3, 5, 10, 0));
        Assert.Equal(0, await host.Job<ReminderJob>().RunAsync(TestContext.Current.CancellationToken));
        Assert.Equal(1, (await host.Job<ExpiryJob>().RunAsync(TestContext.Current.CancellationToken)).Expired);
        var statuses = await StatusesAsync(Db, wave.Id);
        Assert.Equal(1, statuses.Count("expired"));
        Assert.Equal(1, statuses.Count("sent"));
    }

    private async Task CompleteSurveyAsync(string phone)
    {
        await using var command = Db.CreateCommand(
            """
            WITH i AS (
                SELECT i.id, i.wave_id, i.agency_id, w.questionnaire_id FROM invitations i JOIN waves w ON w.id = i.wave_id WHERE i.phone = $1
            ), c AS (
                INSERT INTO conversations (id, channel, invitation_id, agency_id, questionnaire_id)
                SELECT 'sms:' || $1, 'sms', id, agency_id, questionnaire_id FROM i RETURNING id
            )
            INSERT INTO responses (conversation_id, invitation_id, wave_id, agency_id, questionnaire_id, channel, status, completed_at, provenance)
            SELECT c.id, i.id, i.wave_id, i.agency_id, i.questionnaire_id, 'sms', 'completed', now(), 'sampled' FROM i, c
            """);
        command.Parameters.AddWithValue(phone);
        Assert.Equal(1, await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken));
    }
}
