using ChatSurvey.Dispatcher.Sms;
using ChatSurvey.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace ChatSurvey.Dispatcher.Tests.Sms;

/// <summary>The simulator gateway on a real, migrated database (0003_sms_outbox). Each test uses its own phone number.</summary>
public sealed class SimulatorSmsGatewayTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    private readonly ManualClock _clock = new(new DateTimeOffset(2026, 3, 2, 1, 30, 0, TimeSpan.Zero));

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task SendAsync_Should_StoreTheMessageAsDelivered_When_Sent()
    {
        var result = await Gateway().SendAsync(new SmsMessage("+84911000001", "Moi ong/ba danh gia"), Ct);

        Assert.Matches("^SM[0-9a-f]{32}$", result.ProviderMessageId);
        Assert.Equal("delivered", result.Status);
        await using var command = db.DataSource.CreateCommand(
            "SELECT to_phone, body, status, created_at FROM sms_outbox WHERE message_sid = $1");
        command.Parameters.AddWithValue(result.ProviderMessageId);
        await using var reader = await command.ExecuteReaderAsync(Ct);
        Assert.True(await reader.ReadAsync(Ct));
        Assert.Equal("+84911000001", reader.GetString(0));
        Assert.Equal("Moi ong/ba danh gia", reader.GetString(1));
        Assert.Equal("delivered", reader.GetString(2));
        Assert.Equal(_clock.GetUtcNow(), reader.GetFieldValue<DateTimeOffset>(3));
    }

    [Fact]
    public async Task ListSentAsync_Should_ReadBackThatPhonesMessagesSinceTheTime_When_SeveralWereSent()
    {
        var gateway = Gateway();
        await gateway.SendAsync(new SmsMessage("+84911000002", "before"), Ct);
        _clock.Advance(TimeSpan.FromHours(1));
        var since = _clock.GetUtcNow();
        var first = await gateway.SendAsync(new SmsMessage("+84911000002", "first"), Ct);
        _clock.Advance(TimeSpan.FromMinutes(1));
        var second = await gateway.SendAsync(new SmsMessage("+84911000002", "second"), Ct);
        await gateway.SendAsync(new SmsMessage("+84911000003", "someone else"), Ct);

        var listed = await gateway.ListSentAsync("+84911000002", since, Ct);

        Assert.Equal(
            [
                new SentSms(second.ProviderMessageId, "+84911000002", "second", "delivered", since.AddMinutes(1)),
                new SentSms(first.ProviderMessageId, "+84911000002", "first", "delivered", since),
            ],
            listed);
    }

    [Fact]
    public async Task SendAsync_Should_GiveEachMessageItsOwnSid_When_TheSameTextIsSentTwice()
    {
        var gateway = Gateway();

        var a = await gateway.SendAsync(new SmsMessage("+84911000004", "same"), Ct);
        var b = await gateway.SendAsync(new SmsMessage("+84911000004", "same"), Ct);

        Assert.NotEqual(a.ProviderMessageId, b.ProviderMessageId);
        Assert.Equal(2, (await gateway.ListSentAsync("+84911000004", DateTimeOffset.MinValue, Ct)).Count);
    }

    [Theory]
    [InlineData("0911000005", "hello", SmsErrorCodes.InvalidTo)]
    [InlineData("+84911000005", "", "21602")]
    public async Task SendAsync_Should_ThrowFinal_When_TheMessageCannotBeSent(string to, string body, string code)
    {
        var error = await Assert.ThrowsAsync<SmsSendException>(() => Gateway().SendAsync(new SmsMessage(to, body), Ct));

        Assert.False(error.Retryable);
        Assert.Equal(code, error.ProviderCode);
        Assert.Empty(await Gateway().ListSentAsync(to, DateTimeOffset.MinValue, Ct));
    }

    [Theory]
    [InlineData("SMnot-a-sid", "+84911000006", "delivered", "sms_outbox_message_sid_format")]
    [InlineData("SM0123456789abcdef0123456789abcdef", "0911000006", "delivered", "sms_outbox_to_phone_e164")]
    [InlineData("SM0123456789abcdef0123456789abcdee", "+84911000006", "lost", "sms_outbox_status_known")]
    public async Task SmsOutbox_Should_RejectTheRow_When_AColumnBreaksItsRule(string sid, string to, string status, string constraint)
    {
        await using var command = db.DataSource.CreateCommand(
            "INSERT INTO sms_outbox (message_sid, to_phone, body, status) VALUES ($1, $2, 'x', $3)");
        command.Parameters.AddWithValue(sid);
        command.Parameters.AddWithValue(to);
        command.Parameters.AddWithValue(status);

        var error = await Assert.ThrowsAsync<PostgresException>(() => command.ExecuteNonQueryAsync(Ct));

        Assert.Equal(constraint, error.ConstraintName);
    }

    private SimulatorSmsGateway Gateway() => new(db.DataSource, _clock, NullLogger<SimulatorSmsGateway>.Instance);
}
