using ChatSurvey.Domain.Time;

namespace ChatSurvey.BotHost.WebChat;

/// <summary>
/// One invitation-free conversation per browser per agency per day: the token endpoint sets this cookie when it starts
/// an agency's chat, and a later token request for that agency the same day (Hai Phong time) resumes that conversation
/// instead of starting another. The value is signed (<see cref="WebChatTokens.IssueResume"/>) and names the conversation
/// and the agency; it is HttpOnly, SameSite=Lax and sent to the token endpoint only.
/// </summary>
/// <remarks>
/// Inside the agency-website widget the chat is a cross-site frame, where browsers do not keep SameSite=Lax cookies:
/// there the tab's own resume (the page keeps its token for the tab) and the rate limits remain.
/// </remarks>
internal static class AgencyChatCookie
{
    /// <summary>The cookie is only ever read by <c>POST /api/webchat/token</c>.</summary>
    public const string Path = "/api/webchat";

    private const string Prefix = "chatsurvey-agency-";

    /// <summary>The cookie of one agency (agency codes are cookie-name safe: letters, digits, '.', '_' and '-').</summary>
    public static string Name(string agencyCode) => Prefix + agencyCode;

    public static string? Read(HttpRequest request, string agencyCode) => request.Cookies[Name(agencyCode)];

    public static void Write(HttpContext http, string agencyCode, string value, DateTimeOffset expires) =>
        http.Response.Cookies.Append(Name(agencyCode), value, new CookieOptions
        {
            HttpOnly = true,
            SameSite = SameSiteMode.Lax,
            Secure = http.Request.IsHttps,
            Path = Path,
            Expires = expires,
            IsEssential = true,
        });

    /// <summary>The next midnight in Hai Phong after <paramref name="now"/>: when today's conversation stops being resumed.</summary>
    public static DateTimeOffset EndOfDay(DateTimeOffset now) => VietnamTime.StartOfDay(VietnamTime.DateOf(now).AddDays(1));
}
