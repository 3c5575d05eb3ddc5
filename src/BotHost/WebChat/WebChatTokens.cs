using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;

namespace ChatSurvey.BotHost.WebChat;

/// <summary>
/// Direct Line tokens: <c>base64url(payload) "." base64url(HMAC-SHA256(payload))</c>, the payload naming ONE
/// conversation and an expiry. A token is all a browser holds, so it can neither reach another conversation nor
/// outlive its expiry; refreshing re-signs the same conversation with a new expiry.
/// </summary>
public sealed class WebChatTokens
{
    private readonly byte[]? _key;
    private readonly TimeProvider _clock;

    public WebChatTokens(IOptions<WebChatOptions> options, IHostEnvironment environment, TimeProvider clock, ILogger<WebChatTokens> logger)
        : this(KeyFor(options.Value, environment, logger), options.Value.TokenLifetime, clock)
    {
    }

    internal WebChatTokens(byte[]? key, TimeSpan lifetime, TimeProvider clock)
    {
        _key = key;
        Lifetime = lifetime;
        _clock = clock;
    }

    /// <summary>False when no signing key is configured outside Development: web chat is closed.</summary>
    public bool Enabled => _key is not null;

    public TimeSpan Lifetime { get; }

    public string Issue(string conversationId)
    {
        var key = _key ?? throw new InvalidOperationException("Web chat is closed: WebChat:TokenSigningKey is not set.");
        var expires = _clock.GetUtcNow().Add(Lifetime).ToUnixTimeSeconds();
        var payload = JsonSerializer.SerializeToUtf8Bytes(new TokenPayload(conversationId, expires));
        return Base64Url.EncodeToString(payload) + "." + Base64Url.EncodeToString(HMACSHA256.HashData(key, payload));
    }

    /// <summary>The conversation a token grants, or null when the token is malformed, mis-signed or expired.</summary>
    public string? Validate(string? token)
    {
        if (_key is null || string.IsNullOrEmpty(token) || token.Length > 512)
            return null;
        var dot = token.IndexOf('.', StringComparison.Ordinal);
        if (dot <= 0)
            return null;
        byte[] payload, signature;
        try
        {
            payload = Base64Url.DecodeFromChars(token.AsSpan(0, dot));
            signature = Base64Url.DecodeFromChars(token.AsSpan(dot + 1));
        }
        catch (FormatException)
        {
            return null;
        }

        if (!CryptographicOperations.FixedTimeEquals(HMACSHA256.HashData(_key, payload), signature))
            return null;
        var parsed = JsonSerializer.Deserialize<TokenPayload>(payload);
        if (parsed is null || string.IsNullOrEmpty(parsed.Cid) || parsed.Exp <= _clock.GetUtcNow().ToUnixTimeSeconds())
            return null;
        return parsed.Cid;
    }

    /// <summary>The bearer token of a request, if any.</summary>
    public static string? FromHeader(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        return header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header["Bearer ".Length..].Trim() : null;
    }

    private static byte[]? KeyFor(WebChatOptions options, IHostEnvironment environment, ILogger logger)
    {
        if (!string.IsNullOrEmpty(options.TokenSigningKey))
            return Encoding.UTF8.GetBytes(options.TokenSigningKey);
        if (environment.IsDevelopment())
        {
            logger.LogWarning("WebChat:TokenSigningKey is not set; this development run signs web chat tokens with a random key");
            return RandomNumberGenerator.GetBytes(32);
        }

        logger.LogWarning("WebChat:TokenSigningKey is not set; web chat is closed");
        return null;
    }

    private sealed record TokenPayload(
        [property: System.Text.Json.Serialization.JsonPropertyName("cid")] string Cid,
        [property: System.Text.Json.Serialization.JsonPropertyName("exp")] long Exp);
}
