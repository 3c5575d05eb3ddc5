using System.Security.Cryptography;
using System.Text;
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

/// <summary>Endpoint filter for the admin API group: a signed-in administrator or a matching key, else 401.</summary>
internal sealed class AdminApiKeyFilter(AdminApiKey key) : IEndpointFilter
{
    public ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next) =>
        context.HttpContext.User.IsInRole(AdminAuth.Role)
        || key.Matches(context.HttpContext.Request.Headers[AdminApiKey.HeaderName].FirstOrDefault())
            ? next(context)
            : ValueTask.FromResult<object?>(TypedResults.Problem(
                title: "Admin API key required",
                detail: $"Send the key configured in Admin:ApiKey in the {AdminApiKey.HeaderName} header.",
                statusCode: StatusCodes.Status401Unauthorized));
}
