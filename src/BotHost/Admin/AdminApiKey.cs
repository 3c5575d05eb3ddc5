using System.Security.Cryptography;
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
/// Endpoint filter for the admin API group: a signed-in administrator or a matching key passes; another signed-in
/// account (an agency viewer) gets 403; anyone else 401.
/// </summary>
internal sealed class AdminApiKeyFilter(AdminApiKey key) : IEndpointFilter
{
    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        if (http.User.IsInRole(AccountRoles.Administrator) || key.Matches(http.Request.Headers[AdminApiKey.HeaderName].FirstOrDefault()))
            return next(context);
        return ValueTask.FromResult<object?>(http.User.Identity?.IsAuthenticated == true
            ? TypedResults.Problem(
                title: "Administrators only",
                detail: "This account may read its agency's results only.",
                statusCode: StatusCodes.Status403Forbidden)
            : TypedResults.Problem(
                title: "Admin API key required",
                detail: $"Send the key configured in Admin:ApiKey in the {AdminApiKey.HeaderName} header, or sign in as an administrator.",
                statusCode: StatusCodes.Status401Unauthorized));
    }
}
