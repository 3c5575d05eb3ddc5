using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace ChatSurvey.BotHost;

/// <summary>Tells the operator where each surface is, once the server listens.</summary>
internal static class StartupBanner
{
    public static void Print(WebApplication app)
    {
        // Made now rather than on the first admin call, so a development run's generated key is in the start-up log.
        _ = app.Services.GetRequiredService<Admin.AdminApiKey>();
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses;
        var baseUrl = addresses?.FirstOrDefault();
        if (baseUrl is null)
            return;
        baseUrl = baseUrl.TrimEnd('/');
        app.Logger.LogInformation(
            "ChatSurvey is running. Health: {Base}/healthz · Web chat: {Base}/chat · Admin: {Base}/admin · Public results: {Base}/results",
            baseUrl, baseUrl, baseUrl, baseUrl);
    }
}
