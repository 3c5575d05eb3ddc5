using System.ComponentModel.DataAnnotations;

namespace ChatSurvey.BotHost.RateLimiting;

/// <summary>
/// The <c>RateLimits</c> section: how often the citizen-facing entry points may be used. The defaults fit a counter
/// where a queue of citizens shares one NAT'd address (their phones on the agency's Wi-Fi): generous per address,
/// bounded per agency, so that one client flooding is stopped while everyone else goes on.
/// </summary>
/// <remarks>
/// The client address is <c>HttpContext.Connection.RemoteIpAddress</c>. Behind a reverse proxy it is the proxy's
/// unless the operator enables the forwarded-headers middleware for that proxy (every client would then share one
/// budget).
/// </remarks>
public sealed class RateLimitOptions
{
    public const string Section = "RateLimits";

    /// <summary><c>POST /api/webchat/token</c> per client address per minute (invitation links and agency chats).</summary>
    [Range(1, 100_000, ErrorMessage = "RateLimits:TokensPerAddressPerMinute must be between 1 and 100000.")]
    public int TokensPerAddressPerMinute { get; set; } = 30;

    /// <summary>New invitation-free conversations (counter QR code, agency website) per agency per hour; resuming is not a start.</summary>
    [Range(1, 1_000_000, ErrorMessage = "RateLimits:StartsPerAgencyPerHour must be between 1 and 1000000.")]
    public int StartsPerAgencyPerHour { get; set; } = 200;

    /// <summary><c>GET /s/{code}</c> (an invitation's link) per client address per minute.</summary>
    [Range(1, 100_000, ErrorMessage = "RateLimits:InvitationPagesPerAddressPerMinute must be between 1 and 100000.")]
    public int InvitationPagesPerAddressPerMinute { get; set; } = 20;

    /// <summary>
    /// Public data requests per client address per minute: the open-data files of a published wave
    /// (<c>GET /api/public/waves/{id}/answers.csv</c> and <c>results.csv</c>), which stream every answer of the wave.
    /// </summary>
    [Range(1, 100_000, ErrorMessage = "RateLimits:PublicRequestsPerAddressPerMinute must be between 1 and 100000.")]
    public int PublicRequestsPerAddressPerMinute { get; set; } = 30;

    /// <summary>Inbound SMS (<c>POST /api/sms/twilio</c>, signed) per sending phone per minute.</summary>
    [Range(1, 10_000, ErrorMessage = "RateLimits:SmsPerPhonePerMinute must be between 1 and 10000.")]
    public int SmsPerPhonePerMinute { get; set; } = 10;

    /// <summary><c>POST /api/integrations/dossiers</c> (up to 1,000 dossiers each) per integration key per minute.</summary>
    [Range(1, 10_000, ErrorMessage = "RateLimits:DossierPostsPerKeyPerMinute must be between 1 and 10000.")]
    public int DossierPostsPerKeyPerMinute { get; set; } = 60;
    /// <summary>Form posts on <c>/interview</c> (checks, starts, answers) per signed-in volunteer per minute; a quick paper keyer posts about one a second.</summary>
    [Range(1, 100_000, ErrorMessage = "RateLimits:InterviewPostsPerAccountPerMinute must be between 1 and 100000.")]
    public int InterviewPostsPerAccountPerMinute { get; set; } = 120;
}
