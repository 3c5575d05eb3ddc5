using ChatSurvey.BotHost.Bot;
using ChatSurvey.BotHost.Bot.Storage;
using ChatSurvey.Dispatcher.Sms;
using ChatSurvey.Domain.Statuses;
using Microsoft.Bot.Builder;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ChatSurvey.BotHost.Channels.Twilio;

/// <summary>
/// An inbound SMS once its sender is trusted (Twilio's signature checked, or the simulator's own form), on the path of
/// docs/design.md#inbound-messages: recorded first (one narrow insert keyed by the message id: a redelivery is answered
/// as the first time), then — when a turn slot is free within <see cref="InboundOptions.InlineWait"/> and no earlier
/// message of the phone is still pending — the bot turn on one connection, its replies going back in the webhook's
/// answer. Otherwise the webhook answers with no reply and <see cref="InboundWorker"/> finishes the message, sending the
/// replies by REST (<see cref="ProcessPendingAsync"/>). The webhook and the simulator both come here.
/// </summary>
public sealed class InboundSms(
    NpgsqlDataSource dataSource,
    SurveyTurnStore turns,
    InboundMessageStore log,
    TwilioSmsAdapter adapter,
    TurnGate gate,
    InboundSignal signal,
    IOptions<InboundOptions> options,
    ILogger<InboundSms> logger)
{
    private double LeaseSeconds => options.Value.Lease.TotalSeconds;

    /// <summary>The replies to send back in the webhook's answer; none when the message was left to the worker.</summary>
    public async Task<IReadOnlyList<string>> ReceiveAsync(InboundMessage inbound, IBot bot, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(inbound);
        ArgumentNullException.ThrowIfNull(bot);
        var slot = gate.TryEnter();
        var recorded = false;
        if (slot is null && !gate.CanWait)
        {
            // Overloaded: as many webhooks wait for a slot as there are slots; this one's message is the worker's at once.
            if (!await log.RecordForWorkerAsync(TwilioSmsAdapter.ChannelId, inbound, cancellationToken))
                return await RedeliveredAsync(inbound, cancellationToken);
            logger.LogDebug("SMS {MessageSid} from {Phone} left to the worker (host saturated); its reply will follow by REST",
                inbound.ProviderMessageId, PhoneMask.Mask(inbound.From));
            signal.Notify();
            return [];
        }

        if (slot is null)
        {
            // Saturated: make the message durable before waiting for a slot.
            var (id, earlierPending) = await log.RecordAsync(TwilioSmsAdapter.ChannelId, inbound, LeaseSeconds, cancellationToken);
            if (id is null)
                return await RedeliveredAsync(inbound, cancellationToken);
            if (earlierPending)
            {
                await LeaveToWorkerAsync(id.Value, inbound, "an earlier message of the phone is pending");
                return [];
            }

            recorded = true;
            slot = await gate.EnterAsync(options.Value.InlineWait, cancellationToken);
            if (slot is null)
            {
                await LeaveToWorkerAsync(id.Value, inbound, "no turn slot free");
                return [];
            }
        }

        using (slot)
        {
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            var session = new BotStateSession(connection);
            var start = await turns.BeginSmsAsync(session, TwilioSmsAdapter.ChannelId, inbound, LeaseSeconds, record: !recorded, cancellationToken);
            if (start.Redelivered)
            {
                logger.LogInformation("Message {MessageSid} was delivered again; answering as the first time", inbound.ProviderMessageId);
                return start.Processed ? StoredReply.Split(start.Reply) : [];
            }

            if (start.EarlierPending)
            {
                await LeaveToWorkerAsync(start.LogId!.Value, inbound, "an earlier message of the phone is pending");
                return [];
            }

            var turn = new InboundTurn(start.LogId!.Value, inbound.ProviderMessageId, ReplyRoute.Inline, LeaseSeconds);
            try
            {
                using (session.Enlist())
                {
                    var replies = await adapter.ProcessAsync(start.Route, inbound, turn, bot, cancellationToken);
                    // Debug: one line per answer is the volume's cost, not news; failures and deferrals are logged above Debug.
                    logger.LogDebug("SMS {MessageSid} from {Phone} handled in {Conversation}",
                        inbound.ProviderMessageId, PhoneMask.Mask(inbound.From), LogSafe(start.Route.ConversationId));
                    return replies;
                }
            }
            catch (DuplicateInboundMessageException)
            {
                // Processed meanwhile by someone else (the worker, after this webhook's lease ran out).
                return await RedeliveredAsync(inbound, CancellationToken.None);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // Nothing of the turn was committed; the message is kept, and the worker tries again.
                logger.LogError(e, "SMS {MessageSid} from {Phone}: the turn failed; the worker will retry it",
                    inbound.ProviderMessageId, PhoneMask.Mask(inbound.From));
                await LeaveToWorkerAsync(start.LogId!.Value, inbound, "the turn failed");
                return [];
            }
        }
    }

    /// <summary>
    /// The worker's turn for a message the webhook left (already recorded and leased to the worker): the replies to send
    /// by REST, or null when it was processed meanwhile.
    /// </summary>
    public async Task<IReadOnlyList<string>?> ProcessPendingAsync(PendingInbound pending, IBot bot, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pending);
        var inbound = new InboundMessage(pending.ProviderMessageId, pending.From, pending.To, pending.Body);
        using var slot = await gate.EnterAsync(cancellationToken);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var session = new BotStateSession(connection);
        var start = await turns.BeginSmsAsync(session, TwilioSmsAdapter.ChannelId, inbound, null, record: false, cancellationToken);
        if (start.EarlierPending)
        {
            // An earlier message of the phone became visible after the claim (its insert committed late): it goes first,
            // and this one is given back at once rather than waiting out its lease.
            await log.ReleaseAsync(pending.Id, cancellationToken);
            return null;
        }

        if (start.Processed)
            return null;
        var turn = new InboundTurn(pending.Id, pending.ProviderMessageId, ReplyRoute.Rest, LeaseSeconds);
        try
        {
            using (session.Enlist())
                return await adapter.ProcessAsync(start.Route, inbound, turn, bot, cancellationToken);
        }
        catch (DuplicateInboundMessageException)
        {
            return null;
        }
    }

    private async Task<IReadOnlyList<string>> RedeliveredAsync(InboundMessage inbound, CancellationToken cancellationToken)
    {
        var state = await log.FindAsync(TwilioSmsAdapter.ChannelId, inbound.ProviderMessageId, cancellationToken);
        logger.LogInformation("Message {MessageSid} was delivered again; answering as the first time", inbound.ProviderMessageId);
        // Still pending: its replies will follow by REST once it is processed.
        return state is { Processed: true } ? StoredReply.Split(state.Reply) : [];
    }

    private async Task LeaveToWorkerAsync(long id, InboundMessage inbound, string reason)
    {
        // Debug: under overload this is every message; the turn's failure, when that is the reason, is logged above it.
        logger.LogDebug("SMS {MessageSid} from {Phone} left to the worker ({Reason}); its reply will follow by REST",
            inbound.ProviderMessageId, PhoneMask.Mask(inbound.From), reason);
        try
        {
            await log.ReleaseAsync(id, CancellationToken.None);
        }
        catch (NpgsqlException e)
        {
            // The lease runs out on its own; the worker takes the message then.
            logger.LogWarning(e, "Could not hand SMS {MessageSid} to the worker at once", inbound.ProviderMessageId);
        }

        signal.Notify();
    }

    /// <summary>A conversation id for the log: an SMS conversation without a survey is named after the phone, masked here.</summary>
    private static string LogSafe(string conversationId) =>
        conversationId.StartsWith("sms-+", StringComparison.Ordinal) ? "sms-" + PhoneMask.Mask(conversationId[4..]) : conversationId;
}
