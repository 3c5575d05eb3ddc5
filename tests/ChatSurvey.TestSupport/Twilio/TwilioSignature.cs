using System.Security.Cryptography;
using System.Text;

namespace ChatSurvey.TestSupport.Twilio;

/// <summary>
/// Twilio's webhook signature (https://www.twilio.com/docs/usage/webhooks/webhooks-security): the full URL Twilio calls,
/// then each form field's name and value, sorted by name (ordinal), HMAC-SHA1 with the auth token, base64.
/// Written independently of the SDK so tests can check the product's validation against it.
/// </summary>
public static class TwilioSignature
{
    public const string HeaderName = "X-Twilio-Signature";

    public static string Compute(string authToken, string url, IEnumerable<KeyValuePair<string, string>> form)
    {
        ArgumentNullException.ThrowIfNull(authToken);
        ArgumentNullException.ThrowIfNull(url);
        ArgumentNullException.ThrowIfNull(form);
        var data = new StringBuilder(url);
        foreach (var (key, value) in form.OrderBy(f => f.Key, StringComparer.Ordinal).ThenBy(f => f.Value, StringComparer.Ordinal))
            data.Append(key).Append(value);
#pragma warning disable CA5350 // Twilio's scheme is HMAC-SHA1; the fake reproduces it, it does not choose it.
        var hash = HMACSHA1.HashData(Encoding.UTF8.GetBytes(authToken), Encoding.UTF8.GetBytes(data.ToString()));
#pragma warning restore CA5350
        return Convert.ToBase64String(hash);
    }

    /// <summary>A signed form post, as Twilio sends a webhook: <c>application/x-www-form-urlencoded</c> with the signature header.</summary>
    public static HttpRequestMessage SignedPost(string authToken, string url, IReadOnlyCollection<KeyValuePair<string, string>> form)
    {
        ArgumentNullException.ThrowIfNull(form);
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new FormUrlEncodedContent(form) };
        request.Headers.Add(HeaderName, Compute(authToken, url, form));
        return request;
    }
}
