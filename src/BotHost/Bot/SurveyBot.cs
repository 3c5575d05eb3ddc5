using ChatSurvey.BotHost.Bot.Storage;
using ChatSurvey.Dispatcher.Verification;
using ChatSurvey.Domain.Conversations;
using ChatSurvey.Domain.Integrity;
using ChatSurvey.Domain.Questionnaires;
using ChatSurvey.Domain.Sms;
using Microsoft.Bot.Builder;
using Microsoft.Bot.Schema;
using Microsoft.Extensions.Options;

namespace ChatSurvey.BotHost.Bot;

/// <summary>
/// What the bot keeps per conversation in Bot Builder state: the engine's progress and, in an invitation-free chat,
/// the dossier check's state, each the engine's own JSON, embedded as JSON in the state document (not as a string).
/// </summary>
public sealed class ConversationRecord
{
    [System.Text.Json.Serialization.JsonConverter(typeof(EmbeddedJsonConverter))]
    [Newtonsoft.Json.JsonConverter(typeof(EmbeddedJsonNewtonsoftConverter))]
    public string? ProgressJson { get; set; }

    [System.Text.Json.Serialization.JsonConverter(typeof(EmbeddedJsonConverter))]
    [Newtonsoft.Json.JsonConverter(typeof(EmbeddedJsonNewtonsoftConverter))]
    public string? VerificationJson { get; set; }
}

/// <summary>
/// The survey bot: loads the conversation's progress through a Bot Builder state accessor, hands the message to the
/// domain engine, commits answers + state + inbound log in one transaction, then replies. A concurrent turn on the
/// same conversation (stale ETag) makes this turn start over on fresh state, a bounded number of times.
/// </summary>
/// <remarks>
/// An invitation-free web chat (counter QR code, agency website) first runs the dossier check
/// (<see cref="DossierVerification"/>): its look-up is the one read a turn may need besides the state, so the check is
/// a pure step in Domain and the bot only does the look-up between its two halves. Once the check settles, the same turn
/// starts the questionnaire — the wave's when the dossier was verified — and the turn's commit moves the conversation
/// to it (<see cref="TurnOutcome.Verified"/>), so the rows and the state change together.
/// </remarks>
public sealed class SurveyBot : ActivityHandler
{
    private const int MaxAttempts = 4;
    private const string NoOpenSurvey =
        "Cảm ơn Ông/Bà đã nhắn tin. Hiện không có khảo sát nào đang mở cho số điện thoại này.";
    private readonly ConversationState _conversationState;
    private readonly IStatePropertyAccessor<ConversationRecord> _record;
    private readonly SurveyTurnStore _store;
    private readonly QuestionnaireCache _questionnaires;
    private readonly DossierLookup _dossiers;
    private readonly IntegrityOptions _integrity;
    private readonly TimeProvider _clock;
    private readonly ILogger<SurveyBot> _logger;

    public SurveyBot(
        ConversationState conversationState,
        SurveyTurnStore store,
        QuestionnaireCache questionnaires,
        DossierLookup dossiers,
        IOptions<IntegrityOptions> integrity,
        TimeProvider clock,
        ILogger<SurveyBot> logger)
    {
        _conversationState = conversationState;
        _record = conversationState.CreateProperty<ConversationRecord>("survey");
        _store = store;
        _questionnaires = questionnaires;
        _dossiers = dossiers;
        _integrity = integrity.Value;
        _clock = clock;
        _logger = logger;
    }

    protected override async Task OnMessageActivityAsync(ITurnContext<IMessageActivity> turnContext, CancellationToken cancellationToken)
    {
        var route = turnContext.TurnState.Get<SurveyRoute>()
            ?? throw new InvalidOperationException("The channel adapter did not route this turn.");
        var inbound = turnContext.TurnState.Get<InboundTurn>();
        var text = turnContext.Activity.Text ?? "";

        for (var attempt = 1; ; attempt++)
        {
            var (outcome, outgoing, firstTurn) = route.HasSurvey
                ? await RunEngineAsync(turnContext, route, text, cancellationToken)
                : NoSurvey(text, route.Channel);
            // A channel that stores its replies writes them in the commit; the others are sent once it has committed.
            var staging = turnContext.TurnState.Get<IReplyStaging>();
            var staged = staging?.Stage(turnContext, outgoing.Select(r => ToActivity(r, route)).ToList());
            try
            {
                await _store.CommitAsync(route, inbound, outcome, StoredReply.Join(outgoing.Select(r => r.Text)), firstTurn,
                    () => route.HasSurvey ? _conversationState.SaveChangesAsync(turnContext, false, cancellationToken) : Task.CompletedTask,
                    staged, cancellationToken);
            }
            catch (StorageConcurrencyException) when (attempt < MaxAttempts)
            {
                _logger.LogInformation("Conversation {Conversation} changed during the turn; retrying ({Attempt})", route.ConversationId, attempt);
                await _conversationState.LoadAsync(turnContext, force: true, cancellationToken);
                continue;
            }

            if (staging is null)
            {
                foreach (var reply in outgoing)
                    await turnContext.SendActivityAsync(ToActivity(reply, route), cancellationToken);
            }

            return;
        }
    }

    private async Task<(TurnOutcome Outcome, IReadOnlyList<BotReply> Replies, bool FirstTurn)> RunEngineAsync(
        ITurnContext turnContext, SurveyRoute route, string text, CancellationToken cancellationToken)
    {
        var now = _clock.GetUtcNow();
        var record = await _record.GetAsync(turnContext, () => new ConversationRecord(), cancellationToken);
        var firstTurn = record.ProgressJson is null && record.VerificationJson is null;
        var verification = record.VerificationJson is null ? null : VerificationState.FromJson(record.VerificationJson);
        var replies = new List<BotReply>();
        VerifiedBallot? verified = null;

        // A chat that began before the check existed (progress without a check) goes on as it was.
        if (IsInvitationFree(route) && (verification is null ? record.ProgressJson is null : !verification.StartsSurvey))
        {
            var step = DossierVerification.Handle(verification, text);
            if (step.LookUp is { } query)
            {
                var match = await _dossiers.FindAsync(route.AgencyId!.Value, query, cancellationToken);
                step = DossierVerification.Resolve(step.State, match);
            }

            verification = step.State;
            replies.AddRange(step.Replies);
            if (!verification.StartsSurvey)
            {
                await _record.SetAsync(turnContext, new ConversationRecord { VerificationJson = verification.ToJson() }, cancellationToken);
                return (new TurnOutcome(EngineSignal.None, [], null), replies, firstTurn);
            }

            if (verification.Step == VerificationStep.Verified)
                verified = new VerifiedBallot(verification.WaveId!.Value, verification.TransactionId!.Value, verification.QuestionnaireId!.Value);
            // The check is over: this same turn shows the questionnaire's intro and first question.
            text = "";
        }

        var questionnaireId = verification is { Step: VerificationStep.Verified, QuestionnaireId: { } waveQuestionnaire }
            ? waveQuestionnaire
            : route.QuestionnaireId!.Value;
        var questionnaire = await _questionnaires.GetAsync(questionnaireId, cancellationToken);
        SurveyProgress progress;
        if (record.ProgressJson is not null)
        {
            progress = SurveyProgress.FromJson(record.ProgressJson);
        }
        else if (route.InvitationId is not null && route.Channel == SurveyChannel.Sms)
        {
            // A two-way SMS invitation already showed the intro and the first question: the first reply answers it.
            progress = SurveyEngine.Start(questionnaire, route.Channel, now).Progress;
        }
        else
        {
            progress = SurveyProgress.NotStarted(questionnaire, now);
        }

        var result = SurveyEngine.Handle(questionnaire, progress, text, route.Channel, now);
        replies.AddRange(result.Replies);
        await _record.SetAsync(turnContext, new ConversationRecord
        {
            ProgressJson = result.Progress.ToJson(),
            VerificationJson = verification?.ToJson(),
        }, cancellationToken);
        return (TurnOutcome.From(result, _integrity) with { Verified = verified }, replies, firstTurn);
    }

    /// <summary>A web chat bound to an agency, not to an invitation: opened from a counter QR code or an agency website.</summary>
    private static bool IsInvitationFree(SurveyRoute route) =>
        route is { InvitationId: null, Channel: SurveyChannel.Web, HasSurvey: true };

    /// <summary>A message from someone with no open survey: keywords still work; anything else gets one polite line.</summary>
    private static (TurnOutcome Outcome, IReadOnlyList<BotReply> Replies, bool FirstTurn) NoSurvey(string text, SurveyChannel channel)
    {
        var (signal, reply) = KeywordReplies.ForMessage(text);
        reply ??= NoOpenSurvey;
        return (new TurnOutcome(signal, [], null), [new BotReply(channel == SurveyChannel.Sms ? VietnameseText.ToGsm7(reply) : reply, [])], false);
    }

    private static Activity ToActivity(BotReply reply, SurveyRoute route)
    {
        var activity = MessageFactory.Text(reply.Text);
        if (route.Channel == SurveyChannel.Web && reply.Options.Count > 0)
        {
            activity.SuggestedActions = new SuggestedActions
            {
                Actions = reply.Options
                    .Select(o => new CardAction(ActionTypes.ImBack, title: o.Label, value: o.Value))
                    .ToList(),
            };
        }

        return activity;
    }
}
