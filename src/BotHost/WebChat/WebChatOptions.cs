using System.ComponentModel.DataAnnotations;

namespace ChatSurvey.BotHost.WebChat;

/// <summary>The <c>WebChat</c> section: Direct Line tokens and the agency (QR code) survey.</summary>
public sealed class WebChatOptions
{
    public const string Section = "WebChat";

    /// <summary>
    /// HMAC-SHA256 key that signs Direct Line tokens (at least 32 characters). Every BotHost instance behind one
    /// address needs the same key, so that any instance can check any token. Empty: in Development a random key is
    /// made for the process (tokens die with it); elsewhere web chat is closed (the token API answers 503).
    /// </summary>
    [RegularExpression("^.{32,}$", ErrorMessage = "WebChat:TokenSigningKey must be empty or at least 32 characters (it was shorter).")]
    public string TokenSigningKey { get; set; } = "";

    /// <summary>How long a token lives; the page refreshes it before then (Direct Line's own tokens: 30 minutes).</summary>
    [Range(typeof(TimeSpan), "00:01:00", "1.00:00:00", ErrorMessage = "WebChat:TokenLifetime must be between 1 minute and 1 day.")]
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>The questionnaire an agency's counter QR code opens (its newest version).</summary>
    [Required(AllowEmptyStrings = false, ErrorMessage = "WebChat:Questionnaire is required (e.g. sipas-full).")]
    public string Questionnaire { get; set; } = "sipas-full";
}
