using ChatSurvey.BotHost.Channels.DirectLine;
using ChatSurvey.BotHost.Channels.Twilio;
using ChatSurvey.Dispatcher.Sms;
using ChatSurvey.Domain.Statuses;
using Microsoft.Bot.Builder;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ChatSurvey.BotHost.Bot;

/// <summary>
/// Finishes the inbound messages a webhook could not (docs/design.md#inbound-messages): the host was saturated, the turn
/// failed, the process died with the message leased. Woken by <see cref="InboundSignal"/> and every
/// <see cref="InboundOptions.PollInterval"/>, it claims pending messages whose lease has run out (each sender's oldest,
/// so a sender's messages keep their order), runs their turns through the same bot within the <see cref="TurnGate"/>,
/// and sends SMS replies through the provider's REST API (a web chat's replies are appended to its conversation). A
/// message whose turn fails <see cref="InboundOptions.MaxAttempts"/> times is closed with an apology, its text kept.
/// </summary>
public sealed class InboundWorker(
    IServiceScopeFactory scopes,
    InboundMessageStore log,
    InboundSms sms,
    WebChatInbound webChat,
    ISmsGateway gateway,
    InboundSignal signal,
    IOptions<InboundOptions> options,
    ILogger<InboundWorker> logger) : BackgroundService
{
    /// <summary>What the citizen hears when their message could not be processed after every attempt.</summary>
    public const string SmsApology = "Xin loi, he thong chua xu ly duoc tin nhan cua Ong/Ba. Ong/Ba vui long nhan lai sau it phut.";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await signal.WaitAsync(options.Value.PollInterval, stoppingToken);
                await DrainAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException)
            {
                // The database is away or busy: the messages stay recorded; try again at the next poll.
                logger.LogWarning(e, "The inbound worker could not reach the database; it tries again in {Interval}", options.Value.PollInterval);
            }
        }
    }

    /// <summary>Processes every pending message and sends every unsent REST reply, until none is left.</summary>
    public async Task DrainAsync(CancellationToken cancellationToken)
    {
        var lease = options.Value.Lease.TotalSeconds;
        var degree = options.Value.MaxConcurrentTurns;
        while (true)
        {
            // A few slots' worth per claim: the turns run within the gate, the claim's round trip is shared.
            var claimed = await log.ClaimPendingAsync(degree * 4, lease, cancellationToken);
            await Parallel.ForEachAsync(claimed, new ParallelOptions { MaxDegreeOfParallelism = degree, CancellationToken = cancellationToken },
                async (message, token) => await ProcessAsync(message, token));
            var unsent = await log.ClaimUnsentRepliesAsync(degree * 4, lease, cancellationToken);
            await Parallel.ForEachAsync(unsent, new ParallelOptions { MaxDegreeOfParallelism = degree, CancellationToken = cancellationToken },
                async (message, token) => await SendRepliesAsync(message.Id, message.From, StoredReply.Split(message.Reply ?? ""), token));
            if (claimed.Count == 0 && unsent.Count == 0)
                return;
        }
    }

    private async Task ProcessAsync(PendingInbound message, CancellationToken cancellationToken)
    {
        try
        {
            if (message.Attempts > options.Value.MaxAttempts)
            {
                await GiveUpAsync(message, cancellationToken);
                return;
            }

            await using var scope = scopes.CreateAsyncScope();
            var bot = scope.ServiceProvider.GetRequiredService<IBot>();
            if (message.Channel == TwilioSmsAdapter.ChannelId)
            {
                var replies = await sms.ProcessPendingAsync(message, bot, cancellationToken);
                if (replies is not null)
                    await SendRepliesAsync(message.Id, message.From, replies, cancellationToken);
            }
            else if (message.Channel == DirectLineAdapter.ChannelName)
            {
                await webChat.ProcessPendingAsync(message, bot, cancellationToken);
            }
            else
            {
                logger.LogError("Inbound message {Id} has an unknown channel {Channel}; it is left as it is", message.Id, message.Channel);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // Its lease runs out and the next claim tries again (attempts count up to the limit).
            logger.LogWarning(e, "Inbound message {Id} ({Channel}): attempt {Attempt} failed", message.Id, message.Channel, message.Attempts);
        }
    }

    private async Task GiveUpAsync(PendingInbound message, CancellationToken cancellationToken)
    {
        logger.LogError("Inbound message {Id} ({Channel}) failed {Attempts} times; closing it with an apology",
            message.Id, message.Channel, message.Attempts - 1);
        if (message.Channel == DirectLineAdapter.ChannelName)
        {
            await webChat.ApologiseAsync(message, cancellationToken);
            return;
        }

        await log.GiveUpAsync(message.Id, SmsApology, ReplyRoute.Rest, options.Value.Lease.TotalSeconds, cancellationToken);
        await SendRepliesAsync(message.Id, message.From, [SmsApology], cancellationToken);
    }

    /// <summary>Sends a processed message's replies by REST, in order, and records that they went.</summary>
    private async Task SendRepliesAsync(long id, string to, IReadOnlyList<string> replies, CancellationToken cancellationToken)
    {
        try
        {
            foreach (var reply in replies)
                await gateway.SendAsync(new SmsMessage(to, reply), cancellationToken);
        }
        catch (SmsSendException e) when (e.Retryable)
        {
            // Leased for now; once the lease runs out the replies are claimed and sent again.
            logger.LogWarning("Replies to inbound message {Id} for {Phone}: provider error ({Status}); sent again later",
                id, PhoneMask.Mask(to), e.HttpStatus);
            return;
        }
        catch (SmsSendException e)
        {
            logger.LogWarning("Replies to inbound message {Id} for {Phone} refused for good: {Code} {Message}",
                id, PhoneMask.Mask(to), e.ProviderCode, e.Message);
        }

        await log.MarkReplySentAsync(id, CancellationToken.None);
    }
}
