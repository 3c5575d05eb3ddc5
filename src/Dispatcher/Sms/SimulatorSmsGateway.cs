using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Npgsql;

namespace ChatSurvey.Dispatcher.Sms;

/// <summary>
/// The default gateway (<c>Sms:Provider=Simulator</c>): every message is stored in <c>sms_outbox</c> as delivered, with a
/// Twilio-shaped SID, and nothing leaves the machine. The admin UI shows the outbox. No status callbacks are posted.
/// </summary>
public sealed partial class SimulatorSmsGateway(NpgsqlDataSource dataSource, TimeProvider clock, ILogger<SimulatorSmsGateway> logger)
    : ISmsGateway
{
    public const string DeliveredStatus = "delivered";

    // Twilio's "Message body is required" (https://www.twilio.com/docs/api/errors/21602).
    private const string MissingBodyCode = "21602";

    public async Task<SmsSendResult> SendAsync(SmsMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message.To is null || !E164().IsMatch(message.To))
        {
            throw new SmsSendException($"The simulator cannot send to '{PhoneMask.Mask(message.To)}': not an E.164 phone number.",
                retryable: false, SmsErrorCodes.InvalidTo);
        }

        if (string.IsNullOrEmpty(message.Body))
            throw new SmsSendException($"The simulator cannot send an empty message to {PhoneMask.Mask(message.To)}.", retryable: false, MissingBodyCode);

        var sid = "SM" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        await using var command = dataSource.CreateCommand(
            """
            INSERT INTO sms_outbox (message_sid, to_phone, body, status, created_at)
            VALUES ($1, $2, $3, $4, $5)
            """);
        command.Parameters.AddWithValue(sid);
        command.Parameters.AddWithValue(message.To);
        command.Parameters.AddWithValue(message.Body);
        command.Parameters.AddWithValue(DeliveredStatus);
        command.Parameters.AddWithValue(clock.GetUtcNow());
        try
        {
            await command.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (NpgsqlException e) when (e.IsTransient)
        {
            throw new SmsSendException($"The simulator could not store the message to {PhoneMask.Mask(message.To)}: {e.Message}", retryable: true, inner: e);
        }

        logger.LogInformation("Simulator delivered {MessageSid} to {To}", sid, PhoneMask.Mask(message.To));
        return new SmsSendResult(sid, DeliveredStatus);
    }

    public async Task<IReadOnlyList<SentSms>> ListSentAsync(string to, DateTimeOffset since, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(to);
        await using var command = dataSource.CreateCommand(
            """
            SELECT message_sid, to_phone, body, status, created_at
            FROM sms_outbox
            WHERE to_phone = $1 AND created_at >= $2
            ORDER BY created_at DESC, id DESC
            """);
        command.Parameters.AddWithValue(to);
        command.Parameters.AddWithValue(since);
        var sent = new List<SentSms>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            sent.Add(new SentSms(
                reader.GetString(0),
                reader.GetString(1),
                reader.GetString(2),
                reader.GetString(3),
                reader.GetFieldValue<DateTimeOffset>(4)));
        }

        return sent;
    }

    /// <summary>The newest messages of the outbox, newest first (the simulator page's list).</summary>
    public async Task<IReadOnlyList<OutboxMessage>> ListOutboxAsync(int count, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT id, to_phone, body, status, created_at
            FROM sms_outbox
            ORDER BY created_at DESC, id DESC
            LIMIT $1
            """);
        command.Parameters.AddWithValue(count);
        var outbox = new List<OutboxMessage>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            outbox.Add(new OutboxMessage(
                reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetFieldValue<DateTimeOffset>(4)));
        }

        return outbox;
    }

    /// <summary>The phone an outbox message went to, or null when there is no such message.</summary>
    public async Task<string?> RecipientOfAsync(long messageId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT to_phone FROM sms_outbox WHERE id = $1");
        command.Parameters.AddWithValue(messageId);
        return await command.ExecuteScalarAsync(cancellationToken) as string;
    }

    /// <summary>The id of the newest outbox message to <paramref name="to"/>, or null when none was sent there.</summary>
    public async Task<long?> LatestMessageToAsync(string to, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT max(id) FROM sms_outbox WHERE to_phone = $1");
        command.Parameters.AddWithValue(to);
        return await command.ExecuteScalarAsync(cancellationToken) as long?;
    }

    [GeneratedRegex(@"^\+[1-9][0-9]{6,14}$")]
    private static partial Regex E164();
}

/// <summary>A message of the simulator's outbox; <see cref="To"/> is the full phone number (mask it before showing it).</summary>
public sealed record OutboxMessage(long Id, string To, string Body, string Status, DateTimeOffset CreatedAt);
