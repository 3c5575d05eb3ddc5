using ChatSurvey.BotHost.Bot;
using Microsoft.Bot.Builder;
using Microsoft.Bot.Schema;

namespace ChatSurvey.BotHost.Channels.Twilio;

/// <summary>
/// Bot Builder adapter for Twilio SMS webhooks. It only translates: a webhook post becomes a message activity
/// (channel <c>sms</c>, the sender's E.164 number as the user), and the bot's replies are collected so the webhook
/// answers with them as TwiML. Bot Builder's own Twilio adapter is obsolete and not available here.
/// </summary>
public sealed class TwilioSmsAdapter : BotAdapter
{
    public const string ChannelId = "sms";

    private readonly TimeProvider _clock;

    public TwilioSmsAdapter(TimeProvider clock)
    {
        _clock = clock;
        // Nothing of a failed turn is committed and the message stays recorded: the failure goes to the caller, which
        // leaves the message to the worker (InboundSms); the worker retries it and, in the end, apologises.
        OnTurnError = (_, exception) => Task.FromException(exception);
    }

    /// <summary>Runs one turn for an inbound SMS and returns the texts to send back, in order.</summary>
    public async Task<IReadOnlyList<string>> ProcessAsync(
        SurveyRoute route, InboundMessage inbound, InboundTurn turn, IBot bot, CancellationToken cancellationToken)
    {
        var activity = new Activity
        {
            Type = ActivityTypes.Message,
            Id = inbound.ProviderMessageId,
            ChannelId = ChannelId,
            Conversation = new ConversationAccount(id: route.ConversationId),
            From = new ChannelAccount(id: inbound.From),
            Recipient = new ChannelAccount(id: inbound.To ?? "chatsurvey"),
            Text = inbound.Body,
            Locale = "vi-VN",
            Timestamp = _clock.GetUtcNow(),
        };

        var replies = new List<string>();
        using var turnContext = new TurnContext(this, activity);
        turnContext.TurnState.Add(route);
        turnContext.TurnState.Add(inbound);
        turnContext.TurnState.Add(turn);
        turnContext.TurnState.Add(new SmsReplies(replies));
        await RunPipelineAsync(turnContext, bot.OnTurnAsync, cancellationToken);
        return replies;
    }

    public override Task<ResourceResponse[]> SendActivitiesAsync(
        ITurnContext turnContext, Activity[] activities, CancellationToken cancellationToken)
    {
        var replies = turnContext.TurnState.Get<SmsReplies>().Texts;
        var responses = new ResourceResponse[activities.Length];
        for (var i = 0; i < activities.Length; i++)
        {
            if (activities[i].Type == ActivityTypes.Message && !string.IsNullOrEmpty(activities[i].Text))
                replies.Add(activities[i].Text);
            responses[i] = new ResourceResponse(Guid.NewGuid().ToString("N"));
        }

        return Task.FromResult(responses);
    }

    public override Task<ResourceResponse> UpdateActivityAsync(ITurnContext turnContext, Activity activity, CancellationToken cancellationToken) =>
        throw new NotSupportedException("An SMS cannot be edited once sent.");

    public override Task DeleteActivityAsync(ITurnContext turnContext, ConversationReference reference, CancellationToken cancellationToken) =>
        throw new NotSupportedException("An SMS cannot be deleted once sent.");

    private sealed record SmsReplies(List<string> Texts);
}
