using System.Globalization;
using System.Security.Claims;
using System.Text.Encodings.Web;
using ChatSurvey.BotHost.Accounts;
using ChatSurvey.BotHost.Admin;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace ChatSurvey.BotHost.Integration;

/// <summary>
/// The <c>X-Api-Key</c> scheme of integration keys (<see cref="IntegrationKeyStore"/>): a key that is not revoked signs
/// the request in as that key, with one claim (<see cref="IntegrationClaims.KeyId"/>) and no role, so it meets no policy
/// but <see cref="AuthPolicies.Integration"/>. No header, or a value that is not shaped like an integration key (the
/// admin key), gives no result; an unknown or revoked key fails. Only the integration endpoint asks this scheme; every
/// other endpoint is closed to a key by <see cref="IntegrationKeyFence"/>.
/// </summary>
internal sealed class IntegrationKeyHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, IntegrationKeyStore keys)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "IntegrationKey";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!Request.Headers.TryGetValue(AdminApiKey.HeaderName, out var presented))
            return AuthenticateResult.NoResult();
        var key = presented.FirstOrDefault();
        if (!IntegrationKeyStore.LooksLikeKey(key))
            return AuthenticateResult.NoResult();
        if (await keys.FindActiveAsync(key, Context.RequestAborted) is not { } id)
            return AuthenticateResult.Fail("The integration key is unknown or revoked.");

        var identity = new ClaimsIdentity(
        [
            new Claim(ClaimTypes.Name, $"integration-key:{id.ToString(CultureInfo.InvariantCulture)}"),
            new Claim(IntegrationClaims.KeyId, id.ToString(CultureInfo.InvariantCulture)),
        ], SchemeName);
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.Headers.WWWAuthenticate = $"ApiKey header=\"{AdminApiKey.HeaderName}\"";
        return IntegrationProblems.WriteAsync(Context, StatusCodes.Status401Unauthorized, "Integration key required",
            $"Send an integration key that has not been revoked in the {AdminApiKey.HeaderName} header. Administrators create keys on /admin/accounts.");
    }

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) => IntegrationKeyFence.ForbidAsync(Context);
}

/// <summary>
/// Closes every endpoint but <c>POST /api/integrations/dossiers</c> (marked with <see cref="IntegrationEndpoint"/>) to a
/// request that carries a valid integration key: 403, whatever the endpoint, public pages and static files included — a
/// key opens nothing, so a caller holding one gains nothing by sending it (without the header the same request is
/// anonymous). Runs before static files, authentication and the endpoints. An unknown or revoked key is not a signed-in
/// caller and passes on as if it were absent: the endpoint then treats the request as anonymous.
/// </summary>
internal sealed class IntegrationKeyFence(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context)
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<IntegrationEndpoint>() is null
            && context.Request.Headers.TryGetValue(AdminApiKey.HeaderName, out var presented)
            && IntegrationKeyStore.LooksLikeKey(presented.FirstOrDefault())
            && (await context.AuthenticateAsync(IntegrationKeyHandler.SchemeName)).Succeeded)
        {
            await ForbidAsync(context);
            return;
        }

        await next(context);
    }

    public static Task ForbidAsync(HttpContext context) =>
        IntegrationProblems.WriteAsync(context, StatusCodes.Status403Forbidden, "Integration keys only post dossiers",
            "An integration key may call POST /api/integrations/dossiers and nothing else.");
}

/// <summary>Marks the one endpoint an integration key may call.</summary>
internal sealed class IntegrationEndpoint;

/// <summary>Claim types of a request signed in with an integration key.</summary>
public static class IntegrationClaims
{
    public const string KeyId = "chatsurvey:integration-key";

    /// <summary>The integration key the request was signed in with; null for any other caller.</summary>
    public static long? IntegrationKeyId(this ClaimsPrincipal user) =>
        long.TryParse(user.FindFirstValue(KeyId), CultureInfo.InvariantCulture, out var id) ? id : null;
}

internal static class IntegrationProblems
{
    public static Task WriteAsync(HttpContext context, int status, string title, string detail)
    {
        if (context.Response.HasStarted)
            return Task.CompletedTask;
        context.Response.StatusCode = status;
        return Results.Problem(title: title, detail: detail, statusCode: status).ExecuteAsync(context);
    }
}
