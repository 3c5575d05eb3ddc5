using ChatSurvey.Domain.Conversations;

namespace ChatSurvey.BotHost.Bot;

/// <summary>
/// Which survey a turn belongs to, resolved by the channel adapter before the bot runs and put in the turn state.
/// A route without a questionnaire is a message from someone with no open survey (only keywords are acted on).
/// </summary>
public sealed record SurveyRoute(
    string ConversationId,
    SurveyChannel Channel,
    string ChannelName,
    string? Phone,
    long? InvitationId,
    long? WaveId,
    long? AgencyId,
    long? QuestionnaireId)
{
    public bool HasSurvey => QuestionnaireId is not null && AgencyId is not null;
}

/// <summary>The inbound message as the provider identified it, for deduplication and the inbound log.</summary>
public sealed record InboundMessage(string ProviderMessageId, string From, string? To, string Body);
