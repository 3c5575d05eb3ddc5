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
/// The agency-chat resume cookie (<see cref="IssueResume"/>) is signed the same way under a key derived for that purpose
/// alone, so a cookie is never a Direct Line token nor a token a cookie.
/// </summary>
public sealed class WebChatTokens
{
    private static readonly byte[] ResumePurpose = "chatsurvey/agency-chat-resume"u8.ToArray();
    private readonly byte[]? _key;
    private readonly byte[]? _resumeKey;
    private readonly TimeProvider _clock;

    public WebChatTokens(IOptions<WebChatOptions> options, IHostEnvironment environment, TimeProvider clock, ILogger<WebChatTokens> logger)
        : this(KeyFor(options.Value, environment, logger), options.Value.TokenLifetime, clock)
    {
    }

    internal WebChatTokens(byte[]? key, TimeSpan lifetime, TimeProvider clock)
    {
        _key = key;
        _resumeKey = key is null ? null : HMACSHA256.HashData(key, ResumePurpose);
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
        return Sign(key, JsonSerializer.SerializeToUtf8Bytes(new TokenPayload(conversationId, expires)));
    }

    /// <summary>The conversation a token grants, or null when the token is malformed, mis-signed or expired.</summary>
    public string? Validate(string? token)
    {
        if (_key is null || Verified(_key, token) is not { } payload)
            return null;
        var parsed = JsonSerializer.Deserialize<TokenPayload>(payload);
        if (parsed is null || string.IsNullOrEmpty(parsed.Cid) || parsed.Exp <= _clock.GetUtcNow().ToUnixTimeSeconds())
            return null;
        return parsed.Cid;
    }

    /// <summary>The resume cookie's value for an agency's invitation-free conversation, valid until <paramref name="expires"/>.</summary>
    public string IssueResume(string conversationId, string agencyCode, DateTimeOffset expires)
    {
        var key = _resumeKey ?? throw new InvalidOperationException("Web chat is closed: WebChat:TokenSigningKey is not set.");
        return Sign(key, JsonSerializer.SerializeToUtf8Bytes(new ResumePayload(conversationId, agencyCode, expires.ToUnixTimeSeconds())));
    }

    /// <summary>The conversation a resume cookie names for <paramref name="agencyCode"/>, or null (malformed, mis-signed, expired, another agency).</summary>
    public string? ValidateResume(string? value, string agencyCode)
    {
        if (_resumeKey is null || Verified(_resumeKey, value) is not { } payload)
            return null;
        var parsed = JsonSerializer.Deserialize<ResumePayload>(payload);
        if (parsed is null || string.IsNullOrEmpty(parsed.Cid) || !string.Equals(parsed.Agency, agencyCode, StringComparison.Ordinal)
            || parsed.Exp <= _clock.GetUtcNow().ToUnixTimeSeconds())
            return null;
        return parsed.Cid;
    }

    private static string Sign(byte[] key, byte[] payload) =>
        Base64Url.EncodeToString(payload) + "." + Base64Url.EncodeToString(HMACSHA256.HashData(key, payload));

    /// <summary>The payload of a well-formed value signed with <paramref name="key"/>, or null.</summary>
    private static byte[]? Verified(byte[] key, string? value)
    {
        if (string.IsNullOrEmpty(value) || value.Length > 512)
            return null;
        var dot = value.IndexOf('.', StringComparison.Ordinal);
        if (dot <= 0)
            return null;
        byte[] payload, signature;
        try
        {
            payload = Base64Url.DecodeFromChars(value.AsSpan(0, dot));
            signature = Base64Url.DecodeFromChars(value.AsSpan(dot + 1));
        }
        catch (FormatException)
        {
            return null;
        }

        return CryptographicOperations.FixedTimeEquals(HMACSHA256.HashData(key, payload), signature) ? payload : null;
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

    private sealed record ResumePayload(
        [property: System.Text.Json.Serialization.JsonPropertyName("cid")] string Cid,
        [property: System.Text.Json.Serialization.JsonPropertyName("agency")] string Agency,
        [property: System.Text.Json.Serialization.JsonPropertyName("exp")] long Exp);

    private sealed record TokenPayload(
        [property: System.Text.Json.Serialization.JsonPropertyName("cid")] string Cid,
        [property: System.Text.Json.Serialization.JsonPropertyName("exp")] long Exp);
}
