using System.ComponentModel.DataAnnotations;

namespace ChatSurvey.BotHost.Bot;

/// <summary>
/// The <c>Inbound</c> section (docs/design.md#inbound-messages): how many turns run at once, how long a webhook waits
/// for its turn before it answers empty and leaves the message to the worker, and the worker's lease and retries.
/// </summary>
public sealed class InboundOptions
{
    public const string Section = "Inbound";

    /// <summary>Turns (SMS and web chat, webhook and worker together) running at once in this process.</summary>
    [Range(1, 1024, ErrorMessage = "Inbound:MaxConcurrentTurns must be between 1 and 1024.")]
    public int MaxConcurrentTurns { get; set; } = 16;

    /// <summary>
    /// How long a webhook waits for a turn slot before answering at once with no reply in it (an empty TwiML
    /// <c>&lt;Response/&gt;</c>); the worker then processes the message and sends the reply by REST. Short: under overload a
    /// waiting webhook only holds a request (and its memory) for a reply that REST delivers as well.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:10", ErrorMessage = "Inbound:InlineWait must be between 0 and 10 seconds (Twilio gives a webhook 15).")]
    public TimeSpan InlineWait { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>How long whoever processes a message holds it before the worker may take it over.</summary>
    [Range(typeof(TimeSpan), "00:00:05", "00:30:00", ErrorMessage = "Inbound:Lease must be between 5 seconds and 30 minutes.")]
    public TimeSpan Lease { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How often the worker looks for pending messages when nobody signals it (another instance, a crash).</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:10:00", ErrorMessage = "Inbound:PollInterval must be between 50 ms and 10 minutes.")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Attempts at a message's turn before the worker gives up and sends the citizen an apology.</summary>
    [Range(1, 100, ErrorMessage = "Inbound:MaxAttempts must be between 1 and 100.")]
    public int MaxAttempts { get; set; } = 5;
}
