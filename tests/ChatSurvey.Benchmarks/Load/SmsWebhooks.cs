using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace ChatSurvey.Benchmarks.Load;

/// <summary>A respondent answering by SMS: its phone, its answer values (<see cref="Variant"/>), and what it sent.</summary>
public sealed class SmsRespondent(string phone, int variant)
{
    private readonly List<string> _sids = [];

    public string Phone { get; } = phone;

    public int Variant { get; } = variant;

    /// <summary>The next step of the script to send; equals the number sent.</summary>
    public int Next { get; private set; }

    /// <summary>The MessageSid of each answer sent, in order.</summary>
    public IReadOnlyList<string> Sids => _sids;

    internal void Sent(string sid)
    {
        _sids.Add(sid);
        Next++;
    }
}

/// <summary>
/// Sends a respondent's next answer as Twilio sends an inbound SMS webhook: the form fields Twilio posts, signed with
/// <c>X-Twilio-Signature</c> (HMAC-SHA1 of the URL and the sorted fields with the auth token,
/// https://www.twilio.com/docs/usage/webhooks/webhooks-security), each message with a new MessageSid. A 200 whose
/// TwiML carries no <c>&lt;Message&gt;</c> is a deferred reply (the server sends it later through the REST API).
/// </summary>
public sealed class SmsWebhooks(HttpClient http, Uri url, string accountSid, string authToken, string serviceNumber, SurveyScript script)
{
    private readonly string _sidPrefix = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(10));
    private readonly byte[] _key = Encoding.UTF8.GetBytes(authToken);
    private long _sequence;

    public SurveyScript Script => script;

    public bool Done(SmsRespondent respondent)
    {
        ArgumentNullException.ThrowIfNull(respondent);
        return respondent.Next >= script.Steps.Count;
    }

    /// <summary>Posts the respondent's next answer; records the outcome and the latency from <paramref name="since"/>.</summary>
    public async Task<Outcome> SendNextAsync(SmsRespondent respondent, LoadStats stats, long since, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(respondent);
        ArgumentNullException.ThrowIfNull(stats);
        var sid = "SM" + _sidPrefix + Interlocked.Increment(ref _sequence).ToString("x12", CultureInfo.InvariantCulture);
        var body = script.Answer(respondent.Next, respondent.Variant);
        respondent.Sent(sid);
        using var request = Signed(sid, respondent.Phone, body);
        try
        {
            using var response = await http.SendAsync(request, cancellationToken);
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            var status = (int)response.StatusCode;
            var ms = LoadDriver.MillisecondsSince(since);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                if (!text.Contains("<Message", StringComparison.Ordinal))
                    stats.RecordDeferred();
                stats.Record(Outcome.Ok, ms, status);
                return Outcome.Ok;
            }

            var outcome = status >= 500 ? Outcome.ServerError : Outcome.ClientError;
            stats.Record(outcome, ms, status, text.Length > 300 ? text[..300] : text);
            return outcome;
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            stats.Record(Outcome.Timeout, LoadDriver.MillisecondsSince(since));
            return Outcome.Timeout;
        }
        catch (HttpRequestException)
        {
            stats.Record(Outcome.NetworkError, LoadDriver.MillisecondsSince(since));
            return Outcome.NetworkError;
        }
    }

    private HttpRequestMessage Signed(string sid, string from, string body)
    {
        // The fields of a real inbound SMS webhook (Twilio's "Messaging webhook" parameters), in its usual order.
        KeyValuePair<string, string>[] form =
        [
            new("ToCountry", "VN"),
            new("ToState", ""),
            new("SmsMessageSid", sid),
            new("NumMedia", "0"),
            new("ToCity", ""),
            new("FromZip", ""),
            new("SmsSid", sid),
            new("FromState", ""),
            new("SmsStatus", "received"),
            new("FromCity", ""),
            new("Body", body),
            new("FromCountry", "VN"),
            new("To", serviceNumber),
            new("ToZip", ""),
            new("NumSegments", "1"),
            new("MessageSid", sid),
            new("AccountSid", accountSid),
            new("From", from),
            new("ApiVersion", "2010-04-01"),
        ];
        var data = new StringBuilder(url.ToString(), 512);
        foreach (var (key, value) in form.OrderBy(f => f.Key, StringComparer.Ordinal))
            data.Append(key).Append(value);
#pragma warning disable CA5350 // Twilio's signature scheme is HMAC-SHA1; the load generator reproduces it.
        var signature = Convert.ToBase64String(HMACSHA1.HashData(_key, Encoding.UTF8.GetBytes(data.ToString())));
#pragma warning restore CA5350
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new FormUrlEncodedContent(form) };
        request.Headers.Add("X-Twilio-Signature", signature);
        request.Headers.Add("I-Twilio-Idempotency-Token", Guid.NewGuid().ToString());
        return request;
    }
}
