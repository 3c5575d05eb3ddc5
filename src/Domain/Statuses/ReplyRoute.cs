namespace ChatSurvey.Domain.Statuses;

/// <summary>
/// <c>inbound_messages.reply_via</c>: how the replies to an inbound message reached the citizen (docs/design.md#inbound-messages).
/// Null while the message waits to be processed.
/// </summary>
public static class ReplyRoute
{
    /// <summary>In the provider's own answer to the webhook (TwiML for SMS), or appended to the web chat in the turn's commit.</summary>
    public const string Inline = "inline";

    /// <summary>
    /// Processed after the webhook had answered (the host was saturated or the turn failed): the replies are sent through
    /// the provider's REST API, and <c>reply_sent_at</c> records when.
    /// </summary>
    public const string Rest = "rest";

    public static IReadOnlyList<string> All { get; } = [Inline, Rest];
}
