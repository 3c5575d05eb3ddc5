using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using System.Text;
using ChatSurvey.BotHost.Accounts;
using Microsoft.Extensions.Options;

namespace ChatSurvey.BotHost.Admin;

/// <summary>Checks <c>X-Api-Key</c> in constant time against <c>Admin:ApiKey</c> (or the development run's key).</summary>
public sealed class AdminApiKey
{
    public const string HeaderName = "X-Api-Key";
    private readonly byte[]? _key;

    public AdminApiKey(IOptions<AdminOptions> options, IHostEnvironment environment, ILogger<AdminApiKey> logger)
    {
        var configured = options.Value.ApiKey;
        if (string.IsNullOrEmpty(configured) && environment.IsDevelopment())
        {
            configured = Convert.ToHexString(RandomNumberGenerator.GetBytes(16)).ToLowerInvariant();
            logger.LogWarning("Admin:ApiKey is not set; this development run accepts X-Api-Key: {Key}", configured);
        }

        Value = string.IsNullOrEmpty(configured) ? null : configured;
        _key = Value is null ? null : Encoding.UTF8.GetBytes(Value);
    }

    /// <summary>The key in force, or null when the admin API is closed.</summary>
    public string? Value { get; }

    public bool Matches(string? presented) =>
        _key is not null && presented is not null
        && CryptographicOperations.FixedTimeEquals(_key, Encoding.UTF8.GetBytes(presented));
}

/// <summary>
/// The <c>X-Api-Key</c> scheme of the admin API: a matching key signs the request in as an administrator ("api-key");
/// no header means no result (the cookie may still sign the request in); a wrong key fails.
/// </summary>
internal sealed class AdminApiKeyHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, AdminApiKey key)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!Request.Headers.TryGetValue(AdminApiKey.HeaderName, out var presented))
            return Task.FromResult(AuthenticateResult.NoResult());
        if (!key.Matches(presented.FirstOrDefault()))
            return Task.FromResult(AuthenticateResult.Fail($"The {AdminApiKey.HeaderName} header does not match Admin:ApiKey."));
        var identity = new ClaimsIdentity(
            [new Claim(ClaimTypes.Name, "api-key"), new Claim(ClaimTypes.Role, AccountRoles.Administrator)], SchemeName);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties) =>
        WriteProblemAsync(StatusCodes.Status401Unauthorized, "Sign-in required",
            $"Send the key configured in Admin:ApiKey in the {AdminApiKey.HeaderName} header, or sign in as an administrator.");

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) =>
        WriteProblemAsync(StatusCodes.Status403Forbidden, "Administrators only", "This account may read its agency's results only.");

    private Task WriteProblemAsync(int status, string title, string detail)
    {
        if (Response.HasStarted)
            return Task.CompletedTask;
        Response.StatusCode = status;
        return Results.Problem(title: title, detail: detail, statusCode: status).ExecuteAsync(Context);
    }
}
