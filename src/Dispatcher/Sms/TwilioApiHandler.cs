using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace ChatSurvey.Dispatcher.Sms;

/// <summary>
/// The HTTP pipeline under the Twilio SDK. The SDK always builds https://api.twilio.com/… URLs and its calls take no
/// <see cref="CancellationToken"/>, so this handler
/// <list type="bullet">
/// <item>sends every request for a *.twilio.com host to <c>Twilio:ApiBaseUrl</c> instead (scheme, host, port and path prefix);</item>
/// <item>cancels the request with the token of the gateway call that made it (<see cref="FlowCancellation"/>);</item>
/// <item>turns an error answer that is not Twilio's JSON (a proxy's HTML 502, say) into Twilio's error shape, so the SDK
/// raises an <c>ApiException</c> that carries the real HTTP status instead of status 0.</item>
/// </list>
/// </summary>
internal sealed class TwilioApiHandler(string apiBaseUrl) : DelegatingHandler
{
    private readonly Uri _apiBaseUrl = new(apiBaseUrl, UriKind.Absolute);
    private readonly bool _isTwilio = IsTwilioHost(new Uri(apiBaseUrl, UriKind.Absolute).Host);

    private static readonly AsyncLocal<CancellationToken> CallerToken = new();

    /// <summary>Binds the SDK calls that follow, in this async flow, to <paramref name="cancellationToken"/>.</summary>
    public static void FlowCancellation(CancellationToken cancellationToken) => CallerToken.Value = cancellationToken;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        request.RequestUri = Rewrite(request.RequestUri);
        var caller = CallerToken.Value;
        using var linked = caller.CanBeCanceled ? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, caller) : null;
        var token = linked?.Token ?? cancellationToken;

        var response = await base.SendAsync(request, token);
        if ((int)response.StatusCode >= 400)
            await NormaliseErrorAsync(response, request.RequestUri, token);
        return response;
    }

    private Uri? Rewrite(Uri? uri)
    {
        if (uri is null || !uri.IsAbsoluteUri || !IsTwilioHost(uri.Host))
            return uri;
        // Pointed at Twilio itself: keep the SDK's host, which may name a region or edge.
        if (_isTwilio)
            return uri;
        var prefix = _apiBaseUrl.AbsolutePath.TrimEnd('/');
        return new Uri(_apiBaseUrl.GetLeftPart(UriPartial.Authority) + prefix + uri.PathAndQuery);
    }

    private static bool IsTwilioHost(string host) =>
        host.Equals("twilio.com", StringComparison.OrdinalIgnoreCase) || host.EndsWith(".twilio.com", StringComparison.OrdinalIgnoreCase);

    private static async Task NormaliseErrorAsync(HttpResponseMessage response, Uri? uri, CancellationToken cancellationToken)
    {
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        if (body.AsSpan().TrimStart().StartsWith("{", StringComparison.Ordinal))
        {
            // Already JSON (Twilio's {code, message, more_info, status}); the content was buffered, so hand it back as read.
            response.Content = new StringContent(body, Encoding.UTF8, "application/json");
            return;
        }

        var status = (int)response.StatusCode;
        var json = JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["code"] = 0,
            ["message"] = string.Create(CultureInfo.InvariantCulture,
                $"HTTP {status} {response.ReasonPhrase} from {uri?.Authority}, not a Twilio API error"),
            ["more_info"] = null,
            ["status"] = status,
        });
        response.Content = new StringContent(json, Encoding.UTF8, new MediaTypeHeaderValue("application/json"));
    }
}
