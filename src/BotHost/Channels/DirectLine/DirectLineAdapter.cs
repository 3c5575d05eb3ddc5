using ChatSurvey.BotHost.Bot;
using Microsoft.Bot.Builder;
using Microsoft.Bot.Schema;
using Npgsql;

namespace ChatSurvey.BotHost.Channels.DirectLine;

/// <summary>
/// Bot Builder adapter for BotHost's own Direct Line endpoint. It only translates: a citizen's posted activity runs a
/// turn of <see cref="SurveyBot"/>, and every activity the bot sends is appended to the conversation in PostgreSQL,
/// where the browser's next poll (on any instance) picks it up.
/// </summary>
public sealed class DirectLineAdapter : BotAdapter, IReplyStaging
{
    /// <summary>The channel as the bot and the database know it (<c>conversations.channel</c>, dedup keys).</summary>
    public const string ChannelName = "webchat";

    /// <summary>The channel id activities carry, as Azure's Direct Line sets it.</summary>
    public const string ChannelId = "directline";

    internal static readonly ChannelAccount Bot = new(id: "chatsurvey", name: "Khảo sát Hải Phòng", role: RoleTypes.Bot);

    private readonly DirectLineStore _store;
    private readonly TimeProvider _clock;

    public DirectLineAdapter(DirectLineStore store, TimeProvider clock)
    {
        _store = store;
        _clock = clock;
        // Nothing of a failed turn is committed and the message stays recorded: the failure goes to the caller, which
        // leaves the message to the worker (WebChatInbound); the worker retries it and, in the end, apologises.
        OnTurnError = (_, exception) => Task.FromException(exception);
    }

    /// <summary>Runs one turn for <paramref name="activity"/> (already stored, or the invisible start of the survey).</summary>
    public async Task ProcessAsync(
        SurveyRoute route, InboundMessage inbound, InboundTurn turn, Activity activity, IBot bot, CancellationToken cancellationToken)
    {
        activity.ChannelId = ChannelName;
        activity.Conversation = new ConversationAccount(id: route.ConversationId);
        activity.Recipient = Bot;
        activity.ServiceUrl = null;
        using var turnContext = new TurnContext(this, activity);
        turnContext.TurnState.Add(route);
        turnContext.TurnState.Add(inbound);
        turnContext.TurnState.Add(turn);
        turnContext.TurnState.Add<IReplyStaging>(this);
        await RunPipelineAsync(turnContext, bot.OnTurnAsync, cancellationToken);
    }

    /// <summary>The bot's replies of a turn, appended in the turn's commit (<see cref="IReplyStaging"/>).</summary>
    public NpgsqlBatchCommand Stage(ITurnContext turnContext, IReadOnlyList<Activity> replies)
    {
        ArgumentNullException.ThrowIfNull(turnContext);
        return DirectLineStore.Append(turnContext.Activity.Conversation.Id, Prepare(turnContext, replies), null);
    }

    public override async Task<ResourceResponse[]> SendActivitiesAsync(
        ITurnContext turnContext, Activity[] activities, CancellationToken cancellationToken)
    {
        var outgoing = Prepare(turnContext, activities);
        if (outgoing.Count > 0)
            await _store.AppendAsync(turnContext.Activity.Conversation.Id, outgoing, null, cancellationToken);
        return activities.Select(a => new ResourceResponse(a.Id ?? Guid.NewGuid().ToString("N"))).ToArray();
    }

    /// <summary>The activities a client is shown, addressed as Direct Line addresses them, in reply to the turn's message.</summary>
    private List<Activity> Prepare(ITurnContext turnContext, IEnumerable<Activity> activities)
    {
        var incoming = turnContext.Activity;
        var outgoing = activities
            .Where(a => a.Type is ActivityTypes.Message or ActivityTypes.Typing or ActivityTypes.Event or ActivityTypes.EndOfConversation)
            .ToList();
        foreach (var activity in outgoing)
        {
            activity.ChannelId = ChannelId;
            activity.Conversation = new ConversationAccount(id: incoming.Conversation.Id);
            activity.From = Bot;
            activity.Recipient = incoming.From;
            activity.Timestamp = _clock.GetUtcNow();
            activity.Locale ??= "vi-VN";
            activity.ServiceUrl = null;
            if (!string.IsNullOrEmpty(incoming.Id))
                activity.ReplyToId = incoming.Id;
            ShowLabels(activity);
        }

        return outgoing;
    }

    /// <summary>
    /// An imBack button would show its value ("5", "male") as the citizen's message; a messageBack sends the same
    /// text to the bot but shows the button's label ("5 · Rất hài lòng", "Nam") in the transcript.
    /// </summary>
    private static void ShowLabels(Activity activity)
    {
        if (activity.SuggestedActions?.Actions is not { } actions)
            return;
        foreach (var action in actions.Where(a => a.Type == ActionTypes.ImBack && a.Value is string))
        {
            action.Type = ActionTypes.MessageBack;
            action.Text = (string)action.Value;
            action.DisplayText = action.Title;
        }
    }

    public override Task<ResourceResponse> UpdateActivityAsync(ITurnContext turnContext, Activity activity, CancellationToken cancellationToken) =>
        throw new NotSupportedException("Web chat activities are not edited once sent.");

    public override Task DeleteActivityAsync(ITurnContext turnContext, ConversationReference reference, CancellationToken cancellationToken) =>
        throw new NotSupportedException("Web chat activities are not deleted once sent.");
}
