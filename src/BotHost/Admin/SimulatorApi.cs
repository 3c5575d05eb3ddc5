using System.Security.Cryptography;
using ChatSurvey.BotHost.Bot;
using ChatSurvey.BotHost.Channels.Twilio;
using ChatSurvey.Dispatcher.Import;
using ChatSurvey.Dispatcher.Sms;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Bot.Builder;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ChatSurvey.BotHost.Admin;

public sealed record SimulatedMessage(string? From, string? Body);

public sealed record SimulatedReply(string MessageSid, IReadOnlyList<string> Replies);

public sealed record ConversationLine(string Direction, string Body, DateTimeOffset At);

/// <summary>
/// The SMS simulator's API (<c>Sms:Provider=Simulator</c>); the page is <c>Pages/Admin/Simulator</c>: the outbox of
/// everything "sent" and a "reply as the citizen" box.
/// A simulated reply goes through the Twilio webhook's own handling (deduplication, routing, bot turn), so what works
/// here works with a real phone.
/// </summary>
internal static class SimulatorApi
{
    public static RouteGroupBuilder MapSimulatorApi(this RouteGroupBuilder admin)
    {
        admin.MapPost("/simulator/messages", ReplyAsCitizenAsync);
        admin.MapGet("/simulator/conversation", ConversationAsync);
        return admin;
    }

    internal static async Task<Results<Ok<SimulatedReply>, ValidationProblem, ProblemHttpResult>> ReplyAsCitizenAsync(
        SimulatedMessage message,
        SurveyTurnStore store,
        TwilioSmsAdapter adapter,
        IBot bot,
        ILoggerFactory loggers,
        IOptions<SmsOptions> sms,
        CancellationToken cancellationToken)
    {
        if (sms.Value.Provider != SmsProvider.Simulator)
            return TypedResults.Problem(title: "The simulator is off", detail: "Sms:Provider is not Simulator.", statusCode: StatusCodes.Status409Conflict);
        if (!PhoneNormalizer.TryNormalize(message.From, out var from))
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["from"] = ["A valid phone number is required."] });
        if (message.Body is null || message.Body.Length > 1600)
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["body"] = ["Required, at most 1600 characters."] });

        var sid = "SM" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var replies = await TwilioWebhookApi.HandleInboundAsync(
            new InboundMessage(sid, from, "simulator", message.Body), store, adapter, bot,
            loggers.CreateLogger(typeof(SimulatorApi)), cancellationToken);
        return TypedResults.Ok(new SimulatedReply(sid, replies));
    }

    internal static async Task<Results<Ok<IReadOnlyList<ConversationLine>>, ValidationProblem>> ConversationAsync(
        string? phone, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        if (!PhoneNormalizer.TryNormalize(phone, out var e164))
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["phone"] = ["A valid phone number is required."] });
        return TypedResults.Ok(await ReadConversationAsync(dataSource, e164, cancellationToken));
    }

    /// <summary>Outbox messages, citizen messages and the bot's replies to them, oldest first.</summary>
    internal static async Task<IReadOnlyList<ConversationLine>> ReadConversationAsync(
        NpgsqlDataSource dataSource, string phone, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT direction, body, at FROM (
                SELECT 'out' AS direction, body, created_at AS at, 0 AS part FROM sms_outbox WHERE to_phone = $1
                UNION ALL
                SELECT 'in', body, received_at, 1 FROM inbound_messages WHERE from_address = $1
                UNION ALL
                SELECT 'out', replace(reply, chr(30), E'\n\n'), received_at, 2
                FROM inbound_messages WHERE from_address = $1 AND coalesce(reply, '') <> ''
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
