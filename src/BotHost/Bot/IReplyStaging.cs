using Microsoft.Bot.Builder;
using Microsoft.Bot.Schema;
using Npgsql;

namespace ChatSurvey.BotHost.Bot;

/// <summary>
/// A channel whose replies are rows of the database (web chat's transcript), put in the turn's state by its adapter:
/// the bot writes the replies in the turn's own commit instead of sending them after it, so a committed answer always
/// has its replies and a repost of the message finds them (docs/design.md#inbound-messages).
/// </summary>
public interface IReplyStaging
{
    /// <summary>The statement that appends <paramref name="replies"/> to the turn's conversation, for the commit batch.</summary>
    NpgsqlBatchCommand Stage(ITurnContext turnContext, IReadOnlyList<Activity> replies);
}
