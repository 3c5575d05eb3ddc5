using System.Text.RegularExpressions;
using ChatSurvey.BotHost.Bot;
using ChatSurvey.BotHost.RateLimiting;
using ChatSurvey.Dispatcher.Invitations;
using ChatSurvey.Dispatcher.Sms;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Bot.Builder;
using Npgsql;
using Twilio.TwiML;

namespace ChatSurvey.BotHost.Channels.Twilio;

/// <summary>
/// Twilio's webhooks: inbound SMS (<c>POST /api/sms/twilio</c>, answered with TwiML) and delivery status callbacks
/// (<c>POST /api/sms/twilio/status</c>). Both verify the signature first and change nothing when it is wrong.
/// </summary>
public static partial class TwilioWebhookApi
{
    private const long MaxFormBytes = 32 * 1024;

    public static RouteGroupBuilder MapTwilioWebhooks(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/sms/twilio").WithTags("SMS (Twilio)").DisableAntiforgery();
        group.MapPost("/", InboundAsync);
        group.MapPost("/status", StatusAsync);
        return group;
    }

    /// <remarks>
    /// A phone over <c>RateLimits:SmsPerPhonePerMinute</c> gets 429 with <c>Retry-After</c>, like every other limit, and
    /// its message is not recorded. Twilio does not retry a webhook, so the message is dropped (Twilio's debugger shows
    /// the 429): no person typing answers reaches 10 a minute, only loops and floods do — an auto-responder answering our
    /// replies, a script — and for those a polite "too fast" SMS would feed the loop and cost a segment each time.
    /// The check comes after the signature, so forged posts cannot spend a citizen's budget.
    /// </remarks>
    internal static async Task<IResult> InboundAsync(
        HttpContext http,
        TwilioRequestSigner signer,
        InboundSms inboundSms,
        IBot bot,
        KeyedRateLimits limits,
        ILoggerFactory loggers,
        CancellationToken cancellationToken)
    {
        var request = http.Request;
        var logger = loggers.CreateLogger(typeof(TwilioWebhookApi));
        var (form, problem) = await ReadSignedFormAsync(request, signer, cancellationToken);
        if (problem is not null)
            return problem;

        var messageSid = form!["MessageSid"].ToString();
        var from = form["From"].ToString();
        if (!SidPattern().IsMatch(messageSid) || !E164Pattern().IsMatch(from) || !form.ContainsKey("Body"))
        {
            return TypedResults.Problem(
                title: "Malformed Twilio message webhook",
                detail: "MessageSid (SM…/MM…), From (E.164) and Body are required.",
                statusCode: StatusCodes.Status400BadRequest);
        }

        if (!limits.TryAcquire(KeyedLimit.SmsPerPhone, from, out var retryAfter))
        {
            logger.LogWarning("SMS {MessageSid} from {Phone} refused: over the per-phone rate limit", messageSid, PhoneMask.Mask(from));
            return RateLimits.TooManyRequests(http.Response, retryAfter);
        }

        var inbound = new InboundMessage(messageSid, from, NullIfEmpty(form["To"].ToString()), form["Body"].ToString());
        // Saturated or failed turns answer with an empty <Response/>: the reply then follows by REST, never a 500.
        return TwiML(await inboundSms.ReceiveAsync(inbound, bot, cancellationToken));
    }

    internal static async Task<IResult> StatusAsync(
        HttpRequest request,
        TwilioRequestSigner signer,
        NpgsqlDataSource dataSource,
        CancellationToken cancellationToken)
    {
        var (form, problem) = await ReadSignedFormAsync(request, signer, cancellationToken);
        if (problem is not null)
            return problem;

        var messageSid = form!["MessageSid"].ToString();
        var status = form["MessageStatus"].ToString().ToLowerInvariant();
        var errorCode = NullIfEmpty(form["ErrorCode"].ToString());
        if (!SidPattern().IsMatch(messageSid) || !DeliveryProgress.IsKnown(status))
        {
            return TypedResults.Problem(
                title: "Malformed Twilio status callback",
                detail: "MessageSid and a known MessageStatus are required.",
                statusCode: StatusCodes.Status400BadRequest);
        }

        await DeliveryStatus.ApplyAsync(dataSource, messageSid, status, errorCode, cancellationToken);
        return TypedResults.NoContent();
    }

    private static async Task<(IFormCollection? Form, IResult? Problem)> ReadSignedFormAsync(
        HttpRequest request, TwilioRequestSigner signer, CancellationToken cancellationToken)
    {
        if (!request.HasFormContentType || request.ContentLength > MaxFormBytes)
        {
            return (null, TypedResults.Problem(
                title: "Expected Twilio's form post",
                detail: $"Content-Type application/x-www-form-urlencoded, at most {MaxFormBytes} bytes.",
                statusCode: StatusCodes.Status400BadRequest));
        }

        var form = await request.ReadFormAsync(cancellationToken);
        if (!signer.IsValid(request, form))
        {
            return (null, TypedResults.Problem(
                title: "Invalid Twilio signature",
                detail: $"The {TwilioRequestSigner.HeaderName} header is missing or does not match this request.",
                statusCode: StatusCodes.Status403Forbidden));
        }

        return (form, null);
    }

    private static ContentHttpResult TwiML(IReadOnlyList<string> replies)
    {
        var response = new MessagingResponse();
        foreach (var reply in replies)
            response.Message(reply);
        return TypedResults.Content(response.ToString(), "application/xml", System.Text.Encoding.UTF8);
    }

    private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;

    [GeneratedRegex("^(SM|MM)[0-9a-fA-F]{32}$")]
    private static partial Regex SidPattern();

    [GeneratedRegex(@"^\+[1-9][0-9]{6,14}$")]
    private static partial Regex E164Pattern();
}
