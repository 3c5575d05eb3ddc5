using ChatSurvey.Dispatcher;

namespace ChatSurvey.BotHost.WebChat;

/// <summary>The public links into the web chat, as printed on paper and encoded in the counters' QR codes.</summary>
public static class WebChatLinks
{
    /// <summary>An agency's invitation-free chat (<c>/chat?agency=CODE</c>) under <see cref="AppOptions.PublicBaseUrl"/>.</summary>
    public static string AgencyChat(AppOptions app, string agencyCode)
    {
        ArgumentNullException.ThrowIfNull(app);
        return $"{app.PublicBaseUrl.TrimEnd('/')}/chat?agency={Uri.EscapeDataString(agencyCode)}";
    }
}
