using System.Globalization;
using System.Net;
using System.Xml.Linq;
using ChatSurvey.TestSupport.Twilio;

namespace ChatSurvey.BotHost.Tests.EndToEnd;

/// <summary>A citizen's SMS replies, posted to the host's webhook signed as Twilio signs them, each with a fresh MessageSid.</summary>
internal sealed class SignedSms(TwilioFake twilio, HttpClient webhooks, string serviceNumber, string publicBaseUrl)
{
    private int _sid;

    /// <summary>Posts <paramref name="body"/> from <paramref name="phone"/> and returns the one TwiML reply.</summary>
    public async Task<string> ReplyAsync(string phone, string body, CancellationToken cancellationToken)
    {
        var sid = "SM" + Interlocked.Increment(ref _sid).ToString("x32", CultureInfo.InvariantCulture);
        List<KeyValuePair<string, string>> form =
        [
            new("MessageSid", sid),
            new("SmsSid", sid),
            new("AccountSid", twilio.AccountSid),
            new("From", phone),
            new("To", serviceNumber),
            new("Body", body),
            new("NumMedia", "0"),
            new("ApiVersion", TwilioFake.ApiVersion),
        ];
        using var request = TwilioSignature.SignedPost(twilio.AuthToken, $"{publicBaseUrl}/api/sms/twilio", form);
        using var response = await webhooks.SendAsync(request, cancellationToken);
        var content = await response.Content.ReadAsStringAsync(cancellationToken);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"The webhook answered {(int)response.StatusCode}: {content}");
        return Assert.Single(XDocument.Parse(content).Descendants("Message")).Value;
    }
}
