using ChatSurvey.BotHost.Bot;
using ChatSurvey.Dispatcher.Sms;
using Microsoft.Bot.Builder;

namespace ChatSurvey.BotHost.Channels.Twilio;

/// <summary>
/// An inbound SMS once its sender is trusted (Twilio's signature checked, or the simulator's own form): deduplication
/// on the message id, routing, the bot turn. The webhook and the simulator's "reply as the citizen" both come here, so
/// a simulated reply takes exactly the path of a real one.
/// </summary>
public static class InboundSms
{
    /// <summary>The replies to send back; a redelivered message gets the replies stored the first time.</summary>
    public static async Task<IReadOnlyList<string>> HandleAsync(
        InboundMessage inbound, SurveyTurnStore store, TwilioSmsAdapter adapter, IBot bot, ILogger logger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(inbound);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(adapter);
        ArgumentNullException.ThrowIfNull(logger);
        var (previous, route) = await store.RouteSmsAsync(inbound.ProviderMessageId, inbound.From, cancellationToken);
        if (previous is not null)
        {
            logger.LogInformation("Message {MessageSid} was delivered again; answering as the first time", inbound.ProviderMessageId);
            return StoredReply.Split(previous);
        }

        try
        {
            var replies = await adapter.ProcessAsync(route, inbound, bot, cancellationToken);
            logger.LogInformation("SMS {MessageSid} from {Phone} handled in {Conversation}",
                inbound.ProviderMessageId, PhoneMask.Mask(inbound.From), route.ConversationId);
            return replies;
        }
        catch (DuplicateInboundMessageException)
        {
            // The same message was processed concurrently and committed first.
            var stored = await store.FindProcessedReplyAsync(TwilioSmsAdapter.ChannelId, inbound.ProviderMessageId, cancellationToken);
            return StoredReply.Split(stored ?? "");
        }
    }
}
