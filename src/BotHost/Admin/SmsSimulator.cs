using System.Security.Cryptography;
using ChatSurvey.BotHost.Bot;
using ChatSurvey.BotHost.Channels.Twilio;
using ChatSurvey.Dispatcher.Import;
using ChatSurvey.Dispatcher.Sms;
using ChatSurvey.Domain.Problems;
using ChatSurvey.Domain.Statuses;
using Microsoft.Bot.Builder;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ChatSurvey.BotHost.Admin;

public sealed record SimulatedMessage(string? From, string? Body);

public sealed record SimulatedReply(string MessageSid, IReadOnlyList<string> Replies);

public sealed record ConversationLine(string Direction, string Body, DateTimeOffset At);

/// <summary>A simulated reply: handled (<see cref="Reply"/>), refused (<see cref="Problems"/>), or the simulator is off (neither).</summary>
public sealed record SimulatorOutcome(SimulatedReply? Reply, IReadOnlyList<Problem> Problems)
{
    public bool Off => Reply is null && Problems.Count == 0;
}

/// <summary>
/// The SMS simulator (<c>Sms:Provider=Simulator</c>), for its API and its page: "reply as the citizen", which goes
/// through <see cref="InboundSms"/> like a real message from Twilio, and the conversation of one phone as the phone
/// would show it (the outbox, the citizen's messages and the bot's replies).
/// </summary>
public sealed class SmsSimulator(
    InboundSms inboundSms,
    IBot bot,
    IOptions<SmsOptions> sms,
    NpgsqlDataSource dataSource)
{
    public const int MaxBodyLength = 1600;

    public bool Enabled => sms.Value.Provider == SmsProvider.Simulator;

    /// <summary>Handles <paramref name="message"/> as an SMS from its <c>From</c> number; nothing is handled when it is refused.</summary>
    public async Task<SimulatorOutcome> ReplyAsCitizenAsync(SimulatedMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (!Enabled)
            return new SimulatorOutcome(null, []);
        if (!PhoneNormalizer.TryNormalize(message.From, out var from))
            return new SimulatorOutcome(null, [Problem.Of("from", ProblemCodes.SimulatorPhoneInvalid)]);
        if (message.Body is null || message.Body.Length > MaxBodyLength)
            return new SimulatorOutcome(null, [Problem.Of("body", ProblemCodes.SimulatorBody, MaxBodyLength)]);

        var sid = "SM" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var replies = await inboundSms.ReceiveAsync(new InboundMessage(sid, from, "simulator", message.Body), bot, cancellationToken);
        return new SimulatorOutcome(new SimulatedReply(sid, replies), []);
    }

    /// <summary>Outbox messages, citizen messages and the bot's replies to them, oldest first.</summary>
    public async Task<IReadOnlyList<ConversationLine>> ReadConversationAsync(string phone, CancellationToken cancellationToken)
    {
        // A reply sent by REST (the webhook had left the message to the worker) is in the outbox already.
        await using var command = dataSource.CreateCommand(
            $"""
            SELECT direction, body, at FROM (
                SELECT 'out' AS direction, body, created_at AS at, 0 AS part FROM sms_outbox WHERE to_phone = $1
                UNION ALL
                SELECT 'in', body, received_at, 1 FROM inbound_messages WHERE from_address = $1
                UNION ALL
                SELECT 'out', replace(reply, chr(30), E'\n\n'), received_at, 2
                FROM inbound_messages WHERE from_address = $1 AND coalesce(reply, '') <> '' AND reply_via = '{ReplyRoute.Inline}'
            ) lines
            ORDER BY at, part
            """);
        command.Parameters.AddWithValue(phone);
        var lines = new List<ConversationLine>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            lines.Add(new ConversationLine(reader.GetString(0), reader.GetString(1), reader.GetFieldValue<DateTimeOffset>(2)));
        return lines;
    }
}
