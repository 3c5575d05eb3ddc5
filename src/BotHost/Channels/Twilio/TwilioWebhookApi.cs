using System.Text.RegularExpressions;
using ChatSurvey.BotHost.Bot;
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

    internal static async Task<IResult> InboundAsync(
        HttpRequest request,
        TwilioRequestSigner signer,
        SurveyTurnStore store,
        TwilioSmsAdapter adapter,
        IBot bot,
        ILoggerFactory loggers,
        CancellationToken cancellationToken)
    {
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

        var inbound = new InboundMessage(messageSid, from, NullIfEmpty(form["To"].ToString()), form["Body"].ToString());
        return TwiML(await InboundSms.HandleAsync(inbound, store, adapter, bot, logger, cancellationToken));
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
        if (!SidPattern().IsMatch(messageSid) || DeliveryStatus.Rank(status) is null)
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
