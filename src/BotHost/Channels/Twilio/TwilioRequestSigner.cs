using System.Security.Cryptography;
using System.Text;
using ChatSurvey.Dispatcher.Sms;
using Microsoft.Extensions.Options;
using Twilio.Security;

namespace ChatSurvey.BotHost.Channels.Twilio;

/// <summary>
/// Checks <c>X-Twilio-Signature</c> (https://www.twilio.com/docs/usage/webhooks/webhooks-security) with Twilio's SDK,
/// against the URL Twilio called: <c>Twilio:PublicBaseUrl</c> + path + query when set (behind a proxy), else the
/// request's own URL. Every webhook must be signed: with <c>Twilio:AuthToken</c>, or — when none is configured (the
/// simulator) — with a random key of this process that only the built-in "reply as citizen" form uses.
/// </summary>
public sealed class TwilioRequestSigner(IOptions<TwilioOptions> options)
{
    public const string HeaderName = "X-Twilio-Signature";
    private readonly string _simulatorKey = Convert.ToHexString(RandomNumberGenerator.GetBytes(32));

    private string Key => string.IsNullOrEmpty(options.Value.AuthToken) ? _simulatorKey : options.Value.AuthToken;

    public bool IsValid(HttpRequest request, IFormCollection form)
    {
        var signature = request.Headers[HeaderName].ToString();
        if (string.IsNullOrEmpty(signature))
            return false;
        var parameters = form.ToDictionary(f => f.Key, f => f.Value.ToString(), StringComparer.Ordinal);
        return new RequestValidator(Key).Validate(PublicUrl(request), parameters, signature);
    }

    /// <summary>The URL Twilio signed: what it was configured to call.</summary>
    public string PublicUrl(HttpRequest request)
    {
        var configured = options.Value.PublicBaseUrl;
        var path = request.PathBase.Add(request.Path).ToString() + request.QueryString;
        return string.IsNullOrEmpty(configured)
            ? $"{request.Scheme}://{request.Host}{path}"
            : configured.TrimEnd('/') + path;
    }

    /// <summary>Signs a form post the way Twilio does (HMAC-SHA1 of the URL and the sorted fields), for the simulator.</summary>
    public string Sign(string url, IEnumerable<KeyValuePair<string, string>> form)
    {
        var data = new StringBuilder(url);
        foreach (var (key, value) in form.OrderBy(f => f.Key, StringComparer.Ordinal))
            data.Append(key).Append(value);
#pragma warning disable CA5350 // Twilio's signature scheme is HMAC-SHA1; we verify it, we don't choose it.
        using var hmac = new HMACSHA1(Encoding.UTF8.GetBytes(Key));
#pragma warning restore CA5350
        return Convert.ToBase64String(hmac.ComputeHash(Encoding.UTF8.GetBytes(data.ToString())));
    }
}
