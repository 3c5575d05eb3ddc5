using System.Globalization;
using System.Security.Cryptography;
using ChatSurvey.BotHost.Bot;
using ChatSurvey.BotHost.Bot.Storage;
using ChatSurvey.Dispatcher.Verification;
using ChatSurvey.Domain.Conversations;
using ChatSurvey.Domain.Integrity;
using ChatSurvey.Domain.Questionnaires;
using Microsoft.Bot.Builder;
using Microsoft.Extensions.Options;

namespace ChatSurvey.BotHost.Interview;

/// <summary>What a volunteer typed to start a ballot: the agency, the receipt's dossier code and, on paper, the serial.</summary>
public sealed record InterviewRequest(string? AgencyCode, string? DossierCode, bool Paper, string? PaperSerial);

/// <summary>
/// The dossier checked for a ballot: <see cref="Refusal"/> when it cannot take one (nothing stored), else the agency,
/// the code and serial as they will be stored, and the look-up's wave, transaction and questionnaire.
/// <see cref="Resume"/> names the volunteer's own unfinished ballot of the dossier, when that is why it has one.
/// </summary>
public sealed record InterviewCheck(
    InterviewRefusal? Refusal, string Message, AssignedAgency? Agency, string Code, string? PaperSerial, DossierCheck? Dossier)
{
    public string? Resume { get; init; }
}

/// <summary>An interview as its page shows it: the ballot, its questionnaire and progress, and the question waiting.</summary>
public sealed record InterviewView(InterviewRecord Record, Questionnaire Questionnaire, SurveyProgress Progress, WebPrompt? Prompt)
{
    /// <summary>The step the page shows; an answer posted for another step (a resent form) changes nothing.</summary>
    public string Step => InterviewTurns.StepOf(Progress);

    public bool CanGoBack => Progress.Status == SurveyStatus.InProgress && !Progress.History.IsEmpty;
}

/// <summary>
/// Volunteer interviews and keyed-in paper ballots (docs/methodology.md, "Interviews"): the dossier check, the ballot's
/// claim, and one answer per request, each through the conversation engine and <see cref="SurveyTurnStore"/> like a chat
/// turn. The engine's progress is kept in <c>bot_state</c> (the bot's <see cref="IStorage"/>, in the turn's
/// transaction), so every answer is stored as it is given and a reload resumes at the question waiting.
/// </summary>
/// <remarks>
/// A ballot is <c>provenance = interviewer</c>, with the dossier's wave and transaction, the volunteer's account
/// (<c>interviewer_id</c>) and, on paper, its serial; the conversation id is random (<c>iv-…</c>), never a phone. The
/// wave's unique keys are the last guard: a dossier or serial claimed meanwhile refuses the claim and stores nothing.
/// </remarks>
public sealed class InterviewTurns(
    SurveyTurnStore store,
    IStorage storage,
    QuestionnaireCache questionnaires,
    DossierLookup dossiers,
    InterviewQueries queries,
    IOptions<IntegrityOptions> integrity,
    TimeProvider clock,
    ILogger<InterviewTurns> logger)
{
    /// <summary><c>conversations.channel</c> and <c>responses.channel</c> of a face-to-face interview.</summary>
    public const string InterviewChannel = "interviewer";

    /// <summary><c>conversations.channel</c> and <c>responses.channel</c> of a keyed-in paper ballot.</summary>
    public const string PaperChannel = "paper";

    private const int MaxAttempts = 4;
    private const string ProgressField = "progress";

    /// <summary>Checks the agency, the code (and serial) and the dossier; stores nothing.</summary>
    public async Task<InterviewCheck> CheckAsync(long accountId, InterviewRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var code = (request.DossierCode ?? "").Normalize(System.Text.NormalizationForm.FormC).Trim();
        var serial = request.Paper ? PaperSerial.Normalize(request.PaperSerial) : null;
        var agencies = await queries.AssignedAgenciesAsync(accountId, cancellationToken);
        var agency = agencies.FirstOrDefault(a => string.Equals(a.Code, request.AgencyCode, StringComparison.Ordinal));

        InterviewCheck Refuse(InterviewRefusal refusal, DossierCheck? dossier = null) =>
            new(refusal, InterviewTexts.Refusal(refusal, code, agency?.Name, serial), agency, code, serial, dossier);

        if (agency is null)
            return Refuse(InterviewRefusal.AgencyNotAssigned);
        if (request.Paper && serial is null)
            return Refuse(InterviewRefusal.SerialMissing);
        if (serial is not null && !PaperSerial.IsValid(serial))
            return Refuse(InterviewRefusal.SerialInvalid);
        if (code.Length == 0)
            return Refuse(InterviewRefusal.CodeMissing);
        if (code.Length > DossierVerification.MaxCodeLength)
            return Refuse(InterviewRefusal.CodeTooLong);

        var dossier = await dossiers.CheckForInterviewAsync(agency.Id, code, cancellationToken);
        // A start sent twice (a double tap, a resent form) finds the volunteer's own ballot: go on with it.
        if (dossier is { Standing: DossierStanding.AlreadyAnswered, WaveId: { } answeredIn, TransactionId: { } transaction }
            && await queries.UnfinishedForDossierAsync(accountId, answeredIn, transaction, cancellationToken) is { } own)
            return Refuse(InterviewRefusal.AlreadyAnswered, dossier) with { Resume = own };
        // The same paper keyed twice names its dossier twice too: the serial is the likelier mistake, so it is said first.
        if (serial is not null && dossier.WaveId is { } wave && await queries.PaperSerialTakenAsync(wave, serial, cancellationToken))
            return Refuse(InterviewRefusal.SerialTaken, dossier);
        return dossier.Standing switch
        {
            DossierStanding.Eligible => new InterviewCheck(null, "", agency, code, serial, dossier),
            DossierStanding.Unknown => Refuse(InterviewRefusal.DossierUnknown, dossier),
            DossierStanding.NotCollecting => Refuse(InterviewRefusal.NotCollecting, dossier),
            DossierStanding.Excluded => Refuse(InterviewRefusal.Excluded, dossier),
            DossierStanding.AlreadyAnswered => Refuse(InterviewRefusal.AlreadyAnswered, dossier),
            DossierStanding.Invited => Refuse(InterviewRefusal.Invited, dossier),
            _ => throw new InvalidOperationException($"Unknown dossier standing {dossier.Standing}."),
        };
    }

    /// <summary>
    /// Checks again and, when the dossier is eligible, claims its ballot and shows the first question, in one
    /// transaction; answers the check, with the new conversation id when it started.
    /// </summary>
    public async Task<(InterviewCheck Check, string? ConversationId)> StartAsync(
        long accountId, InterviewRequest request, CancellationToken cancellationToken)
    {
        var check = await CheckAsync(accountId, request, cancellationToken);
        if (check.Refusal is not null)
            return (check, null);

        var agency = check.Agency!;
        var dossier = check.Dossier!;
        var questionnaireId = dossier.QuestionnaireId!.Value;
        var questionnaire = await questionnaires.GetAsync(questionnaireId, cancellationToken);
        var conversationId = "iv-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));
        var route = Route(conversationId, request.Paper ? PaperChannel : InterviewChannel, dossier.WaveId!.Value, agency.Id, questionnaireId);
        var result = SurveyEngine.Start(questionnaire, SurveyChannel.Web, clock.GetUtcNow());
        var outcome = TurnOutcome.From(result, integrity.Value) with
        {
            Interview = new InterviewBallot(dossier.WaveId.Value, dossier.TransactionId!.Value, questionnaireId, accountId, check.PaperSerial),
        };
        try
        {
            await store.CommitAsync(route, null, outcome, "", firstTurn: true,
                () => SaveAsync(conversationId, result.Progress, null, cancellationToken), replies: null, cancellationToken);
        }
        catch (BallotClaimRefusedException e)
        {
            var refusal = e.Refusal == BallotClaimRefusal.PaperSerialTaken ? InterviewRefusal.SerialTaken : InterviewRefusal.AlreadyAnswered;
            var own = refusal == InterviewRefusal.AlreadyAnswered
                ? await queries.UnfinishedForDossierAsync(accountId, dossier.WaveId.Value, dossier.TransactionId.Value, cancellationToken)
                : null;
            return (check with { Refusal = refusal, Message = InterviewTexts.Refusal(refusal, check.Code, agency.Name, check.PaperSerial), Resume = own }, null);
        }

        logger.LogInformation("Interview {Conversation} started by account {Account} at {Agency} in wave {Wave} ({Channel})",
            conversationId, accountId, agency.Code, dossier.WaveId, route.ChannelName);
        return (check, conversationId);
    }

    /// <summary>The volunteer's interview with its progress; null when it is not theirs or has no stored progress.</summary>
    public async Task<InterviewView?> LoadAsync(string conversationId, long accountId, CancellationToken cancellationToken)
    {
        var record = await queries.FindAsync(conversationId, accountId, cancellationToken);
        if (record is null)
            return null;
        var (progress, _) = await ReadAsync(conversationId, cancellationToken);
        if (progress is null)
            return null;
        var questionnaire = await questionnaires.GetAsync(record.QuestionnaireId, cancellationToken);
        return new InterviewView(record, questionnaire, progress, SurveyEngine.CurrentPrompt(questionnaire, progress));
    }

    /// <summary>
    /// Records one answer (a button's value, a typed comment, or "back") to the question shown at <paramref name="step"/>.
    /// A post for a step no longer current — a form sent twice over a flaky connection, a second tab — changes nothing.
    /// False when the interview is not the volunteer's.
    /// </summary>
    public async Task<bool> AnswerAsync(string conversationId, long accountId, string? step, string? text, CancellationToken cancellationToken)
    {
        var record = await queries.FindAsync(conversationId, accountId, cancellationToken);
        if (record is null)
            return false;
        var questionnaire = await questionnaires.GetAsync(record.QuestionnaireId, cancellationToken);
        var route = Route(conversationId, record.Channel, record.WaveId, record.AgencyId, record.QuestionnaireId);

        for (var attempt = 1; ; attempt++)
        {
            var (progress, etag) = await ReadAsync(conversationId, cancellationToken);
            if (progress is null)
                return false;
            if (progress.Status != SurveyStatus.InProgress || !string.Equals(StepOf(progress), step, StringComparison.Ordinal))
                return true;

            var result = SurveyEngine.Handle(questionnaire, progress, text ?? "", SurveyChannel.Web, clock.GetUtcNow());
            var outcome = TurnOutcome.From(result, integrity.Value);
            // Keying a paper ballot takes the keyer's time, not the respondent's: the speeder flag says nothing about it.
            if (record.Paper && outcome.Flags is { } flags)
                outcome = outcome with { Flags = flags with { Speeder = false } };
            try
            {
                await store.CommitAsync(route, null, outcome, "", firstTurn: false,
                    () => SaveAsync(conversationId, result.Progress, etag, cancellationToken), replies: null, cancellationToken);
                return true;
            }
            catch (StorageConcurrencyException) when (attempt < MaxAttempts)
            {
                // Another request of this interview committed first: look again (its step has usually moved on).
                logger.LogInformation("Interview {Conversation} changed during the answer; retrying ({Attempt})", conversationId, attempt);
            }
        }
    }

    /// <summary>The step a progress is at: the question waiting, how many were left before it, and the re-asks so far.</summary>
    public static string StepOf(SurveyProgress progress)
    {
        ArgumentNullException.ThrowIfNull(progress);
        return progress.Status == SurveyStatus.InProgress
            ? string.Create(CultureInfo.InvariantCulture, $"{progress.CurrentQuestion}.{progress.History.Count}.{progress.InvalidAttempts}")
            : "";
    }

    private static SurveyRoute Route(string conversationId, string channel, long waveId, long agencyId, long questionnaireId) =>
        new(conversationId, SurveyChannel.Web, channel, null, null, waveId, agencyId, questionnaireId);

    private static string Key(string conversationId) => $"{InterviewChannel}/conversations/{conversationId}";

    private async Task<(SurveyProgress? Progress, string? ETag)> ReadAsync(string conversationId, CancellationToken cancellationToken)
    {
        var items = await storage.ReadAsync([Key(conversationId)], cancellationToken);
        if (!items.TryGetValue(Key(conversationId), out var item) || item is not StoreItemDictionary state
            || state.GetValueOrDefault(ProgressField) is not string json)
            return (null, null);
        return (SurveyProgress.FromJson(json), state.ETag);
    }

    // Inside the turn's transaction (the bot's storage joins it); a stale ETag aborts the whole turn.
    private Task SaveAsync(string conversationId, SurveyProgress progress, string? etag, CancellationToken cancellationToken) =>
        storage.WriteAsync(
            new Dictionary<string, object>
            {
                [Key(conversationId)] = new StoreItemDictionary { [ProgressField] = progress.ToJson() }.WithETag(etag),
            },
            cancellationToken);
}

internal static class StoreItemDictionaryExtensions
{
    public static StoreItemDictionary WithETag(this StoreItemDictionary item, string? etag)
    {
        item.ETag = etag;
        return item;
    }
}
