using ChatSurvey.BotHost.Bot;
using ChatSurvey.BotHost.Bot.Storage;
using ChatSurvey.Domain.Statuses;
using Microsoft.Bot.Builder;
using Microsoft.Bot.Schema;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ChatSurvey.BotHost.Channels.DirectLine;

/// <summary>
/// A citizen's web chat message on the path of docs/design.md#inbound-messages, as <c>InboundSms</c> does for SMS:
/// recorded in the inbound log (keyed by conversation and client activity id, so a repost is answered once), processed
/// at once when a turn slot is free, else by <see cref="InboundWorker"/>; either way the bot's replies are appended to
/// the conversation, where the browser's next poll finds them.
/// </summary>
public sealed class WebChatInbound(
    NpgsqlDataSource dataSource,
    InboundMessageStore log,
    DirectLineStore store,
    DirectLineAdapter adapter,
    TurnGate gate,
    InboundSignal signal,
    IOptions<InboundOptions> options,
    ILogger<WebChatInbound> logger)
{
    /// <summary>What the citizen reads when their message could not be processed after every attempt.</summary>
    public const string Apology = "Xin lỗi, hệ thống chưa xử lý được câu trả lời của Ông/Bà. Ông/Bà vui lòng trả lời lại sau ít phút.";

    private double LeaseSeconds => options.Value.Lease.TotalSeconds;

    /// <summary>Whether this message is in the log already (processed or pending).</summary>
    public async Task<bool> IsRecordedAsync(InboundMessage inbound, CancellationToken cancellationToken) =>
        await log.FindAsync(DirectLineAdapter.ChannelName, inbound.ProviderMessageId, cancellationToken) is not null;

    /// <summary>
    /// Records the message and runs its turn now, or leaves it to the worker when the host is saturated. The citizen's
    /// <paramref name="echo"/> (none for the invisible start) is appended to the transcript with the record, in the same
    /// round trip, a repost of the same client activity id finding the first post's; returns its activity id. The turn's
    /// replies are appended in its commit (<see cref="IReplyStaging"/>).
    /// </summary>
    public async Task<string?> ReceiveAsync(
        SurveyRoute route, InboundMessage inbound, Activity activity, IBot bot, Activity? echo, string? clientActivityId,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(route);
        ArgumentNullException.ThrowIfNull(inbound);
        ArgumentNullException.ThrowIfNull(activity);
        var slot = gate.TryEnter();
        var recorded = false;
        string? echoId = null;
        if (slot is null)
        {
            if (echo is not null)
                echoId = (await store.AppendAsync(route.ConversationId, [echo], clientActivityId, cancellationToken))[0];
            var (id, earlierPending) = await log.RecordAsync(route.ChannelName, inbound, LeaseSeconds, cancellationToken);
            if (id is null)
                return echoId;
            if (earlierPending)
            {
                await LeaveToWorkerAsync(id.Value, inbound, "an earlier message of the conversation is pending");
                return echoId;
            }

            recorded = true;
            slot = await gate.EnterAsync(options.Value.InlineWait, cancellationToken);
            if (slot is null)
            {
                await LeaveToWorkerAsync(id.Value, inbound, "no turn slot free");
                return echoId;
            }
        }

        using (slot)
        {
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            var session = new BotStateSession(connection);
            var append = echo is not null && echoId is null ? DirectLineStore.Append(route.ConversationId, [echo], clientActivityId) : null;
            var start = await SurveyTurnStore.BeginChatAsync(
                session, DirectLineAdapter.ChannelName, route, inbound, LeaseSeconds, record: !recorded, append, cancellationToken);
            if (append is not null)
            {
                echoId = start.EchoSeq is { } seq
                    ? DirectLineStore.ActivityId(route.ConversationId, seq)
                    : throw new InvalidOperationException($"Direct Line conversation {route.ConversationId} does not exist.");
            }

            activity.Id = echoId;
            if (start.Redelivered)
            {
                logger.LogInformation("Activity {Activity} was posted again; it is answered once", inbound.ProviderMessageId);
                return echoId;
            }

            if (start.EarlierPending)
            {
                await LeaveToWorkerAsync(start.LogId!.Value, inbound, "an earlier message of the conversation is pending");
                return echoId;
            }

            try
            {
                using (session.Enlist())
                    await adapter.ProcessAsync(route, inbound, new InboundTurn(start.LogId!.Value, inbound.ProviderMessageId, ReplyRoute.Inline, LeaseSeconds), activity, bot, cancellationToken);
            }
            catch (DuplicateInboundMessageException)
            {
                // Processed meanwhile by the worker; its replies are in the conversation.
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                logger.LogError(e, "Web chat activity {Activity}: the turn failed; the worker will retry it", inbound.ProviderMessageId);
                await LeaveToWorkerAsync(start.LogId!.Value, inbound, "the turn failed");
            }

            return echoId;
        }
    }

    /// <summary>The worker's turn for a message left pending (recorded and leased to the worker).</summary>
    public async Task ProcessPendingAsync(PendingInbound pending, IBot bot, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pending);
        var binding = await BindingOfAsync(pending, cancellationToken);
        if (binding is null)
            return;
        var route = DirectLineApi.Route(binding);
        var inbound = new InboundMessage(pending.ProviderMessageId, pending.From, pending.To, pending.Body);
        using var slot = await gate.EnterAsync(cancellationToken);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var session = new BotStateSession(connection);
        var start = await SurveyTurnStore.BeginChatAsync(session, DirectLineAdapter.ChannelName, route, inbound, null, record: false, echo: null, cancellationToken);
        if (start.EarlierPending)
        {
            // An earlier message of the conversation became visible after the claim: it goes first; this one is given back.
            await log.ReleaseAsync(pending.Id, cancellationToken);
            return;
        }

        if (start.Processed)
            return;
        var activity = new Activity
        {
            Type = ActivityTypes.Message,
            From = new ChannelAccount(id: pending.From, role: RoleTypes.User),
            Text = pending.Body,
            Locale = "vi-VN",
        };
        try
        {
            using (session.Enlist())
                await adapter.ProcessAsync(route, inbound, new InboundTurn(pending.Id, pending.ProviderMessageId, ReplyRoute.Inline, LeaseSeconds), activity, bot, cancellationToken);
        }
        catch (DuplicateInboundMessageException)
        {
            // Processed meanwhile.
        }
    }

    /// <summary>Closes a message that failed every attempt: an apology in the conversation, the message kept in the log.</summary>
    public async Task ApologiseAsync(PendingInbound pending, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pending);
        await log.GiveUpAsync(pending.Id, Apology, ReplyRoute.Inline, LeaseSeconds, cancellationToken);
        if (await BindingOfAsync(pending, cancellationToken) is not { } binding)
            return;
        var apology = MessageFactory.Text(Apology);
        apology.ChannelId = DirectLineAdapter.ChannelId;
        apology.Conversation = new ConversationAccount(id: binding.Id);
        apology.From = DirectLineAdapter.Bot;
        apology.Recipient = new ChannelAccount(id: pending.From, role: RoleTypes.User);
        apology.Locale = "vi-VN";
        await store.AppendAsync(binding.Id, [apology], null, cancellationToken);
    }

    /// <summary>The conversation of a web chat message: its provider message id is <c>{conversation}|{activity}</c>.</summary>
    private async Task<DirectLineBinding?> BindingOfAsync(PendingInbound pending, CancellationToken cancellationToken)
    {
        var separator = pending.ProviderMessageId.IndexOf('|', StringComparison.Ordinal);
        var binding = separator > 0 ? await store.FindAsync(pending.ProviderMessageId[..separator], cancellationToken) : null;
        if (binding is null)
            logger.LogError("Web chat message {Id} names no known conversation; it is left as it is", pending.Id);
        return binding;
    }

    private async Task LeaveToWorkerAsync(long id, InboundMessage inbound, string reason)
    {
        logger.LogDebug("Web chat activity {Activity} left to the worker ({Reason})", inbound.ProviderMessageId, reason);
        try
        {
            await log.ReleaseAsync(id, CancellationToken.None);
        }
        catch (NpgsqlException e)
        {
            logger.LogWarning(e, "Could not hand activity {Activity} to the worker at once", inbound.ProviderMessageId);
        }

        signal.Notify();
    }
}
