using System.Globalization;
using Microsoft.Extensions.Options;
using Twilio.Clients;
using Twilio.Exceptions;
using Twilio.Http;
using Twilio.Rest.Api.V2010.Account;
using Twilio.Types;

namespace ChatSurvey.Dispatcher.Sms;

/// <summary>
/// Sends through Twilio's Messages API (https://www.twilio.com/docs/messaging/api/message-resource) with the Twilio SDK.
/// Each gateway has its own <see cref="TwilioRestClient"/> over the <see cref="HttpClientName"/> client registered by
/// <see cref="SmsGatewayExtensions.AddSmsGateway"/>, which sends to <c>Twilio:ApiBaseUrl</c>; the static
/// <c>TwilioClient.Init</c> is never used. Nothing here retries: a retried POST could send twice, so retries belong to
/// the job, which reconciles with <see cref="ListSentAsync"/> first.
/// </summary>
public sealed class TwilioSmsGateway : ISmsGateway
{
    /// <summary>The named <see cref="System.Net.Http.HttpClient"/> whose pipeline points the SDK at <c>Twilio:ApiBaseUrl</c>.</summary>
    public const string HttpClientName = "Twilio";

    // Reconciliation reads one phone's recent messages: normally a single page.
    private const int ListPageSize = 100;
    private const int ListLimit = 1000;

    private readonly TwilioRestClient _client;
    private readonly TwilioOptions _options;
    private readonly ILogger<TwilioSmsGateway> _logger;

    public TwilioSmsGateway(IHttpClientFactory httpClientFactory, IOptions<TwilioOptions> options, ILogger<TwilioSmsGateway> logger)
    {
        ArgumentNullException.ThrowIfNull(httpClientFactory);
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _logger = logger;
        _client = new TwilioRestClient(
            _options.AccountSid,
            _options.AuthToken,
            accountSid: _options.AccountSid,
            httpClient: new SystemNetHttpClient(httpClientFactory.CreateClient(HttpClientName)));
    }

    public async Task<SmsSendResult> SendAsync(SmsMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        cancellationToken.ThrowIfCancellationRequested();
        var request = new CreateMessageOptions(new PhoneNumber(message.To))
        {
            Body = message.Body,
            StatusCallback = message.StatusCallbackUrl,
        };
        if (!string.IsNullOrWhiteSpace(_options.MessagingServiceSid))
            request.MessagingServiceSid = _options.MessagingServiceSid;
        if (!string.IsNullOrWhiteSpace(_options.From))
            request.From = new PhoneNumber(_options.From);

        TwilioApiHandler.FlowCancellation(cancellationToken);
        MessageResource created;
        try
        {
            created = await MessageResource.CreateAsync(request, _client);
        }
        catch (TwilioException e)
        {
            throw Translate(e, "send to", message.To, cancellationToken);
        }

        var status = StatusText(created.Status);
        _logger.LogInformation("Twilio accepted {MessageSid} to {To}: {Status}, {Segments} segment(s)",
            created.Sid, PhoneMask.Mask(message.To), status, created.NumSegments);
        return new SmsSendResult(created.Sid, status);
    }

    /// <summary>
    /// Twilio filters on <c>date_sent</c>; a message still queued has none yet, so a message handed over moments before a
    /// crash may be missing here until Twilio has sent it. The result keeps only messages created at or after
    /// <paramref name="since"/> (to the second, Twilio's resolution), newest first.
    /// </summary>
    public async Task<IReadOnlyList<SentSms>> ListSentAsync(string to, DateTimeOffset since, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(to);
        cancellationToken.ThrowIfCancellationRequested();
        var from = since.UtcDateTime.AddTicks(-(since.UtcDateTime.Ticks % TimeSpan.TicksPerSecond));
        var request = new ReadMessageOptions
        {
            To = new PhoneNumber(to),
            DateSentAfter = from,
            PageSize = ListPageSize,
            Limit = ListLimit,
        };

        TwilioApiHandler.FlowCancellation(cancellationToken);
        try
        {
            var messages = await MessageResource.ReadAsync(request, _client);
            // Pages after the first are fetched by the SDK's synchronous paging as the set is enumerated.
            var sent = messages
                .Select(m => new SentSms(m.Sid, m.To, m.Body, StatusText(m.Status), ToOffset(m.DateCreated)))
                .Where(m => m.CreatedAt is null || m.CreatedAt >= new DateTimeOffset(from, TimeSpan.Zero))
                .ToList();
            _logger.LogDebug("Twilio lists {Count} message(s) to {To} since {Since:O}", sent.Count, PhoneMask.Mask(to), since);
            return sent;
        }
        catch (TwilioException e)
        {
            throw Translate(e, "list messages to", to, cancellationToken);
        }
    }

    private Exception Translate(TwilioException e, string action, string to, CancellationToken cancellationToken)
    {
        var masked = PhoneMask.Mask(to);
        switch (e)
        {
            case ApiConnectionException when cancellationToken.IsCancellationRequested:
                return new OperationCanceledException($"Twilio call to {action} {masked} was cancelled.", e, cancellationToken);
            case ApiConnectionException:
                {
                    var reason = PhoneMask.Redact(e.InnerException?.Message ?? e.Message);
                    _logger.LogWarning("Twilio unreachable, cannot {Action} {To}: {Reason}", action, masked, reason);
                    return new SmsSendException($"Twilio could not be reached to {action} {masked}: {reason}", retryable: true, inner: e);
                }

            case ApiException api:
                return Refused(e, action, masked, api.Status, api.Code, api.Message);
            case ApiStandardException standard:
                return Refused(e, action, masked, standard.Status, standard.Code, standard.Detail ?? standard.Title ?? standard.Message);
            default:
                _logger.LogError("Twilio client error, cannot {Action} {To}: {Reason}", action, masked, PhoneMask.Redact(e.Message));
                return new SmsSendException($"Twilio client error, cannot {action} {masked}: {PhoneMask.Redact(e.Message)}", retryable: false, inner: e);
        }
    }

    private SmsSendException Refused(TwilioException e, string action, string masked, int status, int code, string? text)
    {
        // Status 0: the SDK could not read Twilio's answer (e.g. a 2xx body it failed to parse), so the outcome is
        // unknown; the job reconciles before it sends again.
        var retryable = status is 0 or 408 or 429 or >= 500;
        var providerCode = code > 0 ? code.ToString(CultureInfo.InvariantCulture) : null;
        var reason = PhoneMask.Redact(text);
        if (retryable)
        {
            _logger.LogWarning("Twilio answered HTTP {HttpStatus} (code {Code}) to {Action} {To}: {Reason}; retryable",
                status, providerCode, action, masked, reason);
        }
        else
        {
            _logger.LogWarning("Twilio refused to {Action} {To}: HTTP {HttpStatus}, code {Code}: {Reason}",
                action, masked, status, providerCode, reason);
        }

        return new SmsSendException(
            string.Create(CultureInfo.InvariantCulture, $"Twilio refused to {action} {masked}: HTTP {status}, code {providerCode ?? "none"}: {reason}"),
            retryable,
            providerCode,
            status == 0 ? null : status,
            e);
    }

    private static string StatusText(MessageResource.StatusEnum? status) => status?.ToString() ?? "unknown";

    // The SDK parses Twilio's RFC 2822 dates with DateTime.Parse, which yields local time.
    private static DateTimeOffset? ToOffset(DateTime? value) => value switch
    {
        null => null,
        { Kind: DateTimeKind.Utc } utc => new DateTimeOffset(utc, TimeSpan.Zero),
        { } other => new DateTimeOffset(other.ToUniversalTime(), TimeSpan.Zero),
    };
}
