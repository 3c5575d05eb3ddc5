using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace ChatSurvey.TestSupport.Twilio;

/// <summary>
/// A Twilio-compatible server on 127.0.0.1 for tests: the Messages resource of API 2010-04-01
/// (https://www.twilio.com/docs/messaging/api/message-resource) over real HTTP, so the Twilio SDK runs unchanged with
/// <c>Twilio:ApiBaseUrl</c> = <see cref="BaseUrl"/>.
/// <list type="bullet">
/// <item><c>POST /2010-04-01/Accounts/{AccountSid}/Messages.json</c> (To, From and/or MessagingServiceSid, Body, StatusCallback) → 201;</item>
/// <item><c>GET …/Messages.json</c> with To, From, DateSent, <c>DateSent&gt;</c> (on or after), <c>DateSent&lt;</c> (on or before),
/// PageSize, Page → Twilio's paging envelope, newest first;</item>
/// <item><c>GET …/Messages/{Sid}.json</c>.</item>
/// </list>
/// HTTP basic auth with AccountSid:AuthToken, Twilio's error JSON (<c>{code, message, more_info, status}</c>) and codes.
/// Simplification: list filters compare <c>date_sent</c>, or <c>date_created</c> while a message has not been sent.
/// </summary>
public sealed partial class TwilioFake : IAsyncDisposable
{
    public const string ApiVersion = "2010-04-01";

    private static readonly string[] SentStatuses = ["sent", "delivered", "undelivered", "read"];

    private static readonly HashSet<string> KnownStatuses =
        ["accepted", "scheduled", "canceled", "queued", "sending", "sent", "failed", "delivered", "undelivered", "receiving", "received", "read"];

    private readonly Lock _gate = new();
    private readonly List<TwilioFakeMessage> _messages = [];
    private readonly Dictionary<string, int> _index = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _blocked = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Fault> _numberFaults = new(StringComparer.Ordinal);
    private readonly Queue<Fault> _faults = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly TwilioFakeOptions _options;
    private readonly HttpClient _callbacks;
    private WebApplication? _app;
    private long _delayTicks;
    private int _accepted;
    private int _requests;

    private TwilioFake(TwilioFakeOptions options)
    {
        _options = options;
        _callbacks = options.CallbackHandler is null ? new HttpClient() : new HttpClient(options.CallbackHandler, disposeHandler: false);
    }

    /// <summary>Where the fake listens, e.g. http://127.0.0.1:41234/ — use it as <c>Twilio:ApiBaseUrl</c>.</summary>
    public Uri BaseUrl { get; private set; } = null!;

    public string AccountSid => _options.AccountSid;

    public string AuthToken => _options.AuthToken;

    /// <summary>Waited before answering each request (to test timeouts and cancellation).</summary>
    public TimeSpan Delay
    {
        get => TimeSpan.FromTicks(Interlocked.Read(ref _delayTicks));
        set => Interlocked.Exchange(ref _delayTicks, value.Ticks);
    }

    /// <summary>Messages accepted (201) so far, including those whose answer a fault replaced.</summary>
    public int AcceptedCount => Volatile.Read(ref _accepted);

    /// <summary>Every HTTP request received, answered or not.</summary>
    public int RequestCount => Volatile.Read(ref _requests);

    /// <summary>A snapshot of every accepted message, oldest first.</summary>
    public IReadOnlyList<TwilioFakeMessage> Messages
    {
        get
        {
            lock (_gate)
                return [.. _messages];
        }
    }

    public static async Task<TwilioFake> StartAsync(TwilioFakeOptions? options = null, CancellationToken cancellationToken = default)
    {
        var fake = new TwilioFake(options ?? new TwilioFakeOptions());
        var (app, baseUrl) = await LoopbackHost.StartAsync(fake.HandleAsync, cancellationToken);
        fake._app = app;
        fake.BaseUrl = baseUrl;
        return fake;
    }

    public IReadOnlyList<TwilioFakeMessage> MessagesTo(string phone)
    {
        lock (_gate)
            return _messages.Where(m => m.To == phone).ToList();
    }

    public TwilioFakeMessage? Find(string sid)
    {
        lock (_gate)
            return _index.TryGetValue(sid, out var i) ? _messages[i] : null;
    }

    /// <summary>
    /// The next <paramref name="count"/> authenticated Messages requests (POST or GET) fail with <paramref name="httpStatus"/>
    /// and Twilio's error JSON; nothing is stored. The code defaults to 20000 + status (20429, 20500, 20503 …).
    /// </summary>
    public void FailNext(int count, int httpStatus, int? twilioCode = null) =>
        AddFault(new Fault(count, httpStatus, twilioCode ?? 20000 + httpStatus, AcceptFirst: false, null, null));

    /// <summary>Like <see cref="FailNext"/>, but a POST is accepted and stored first: the sender cannot know it was sent.</summary>
    public void FailNextAfterAccepting(int count, int httpStatus, int? twilioCode = null) =>
        AddFault(new Fault(count, httpStatus, twilioCode ?? 20000 + httpStatus, AcceptFirst: true, null, null));

    /// <summary>The next requests get a raw answer that is not Twilio's, e.g. a proxy's HTML 502.</summary>
    public void FailNextWithBody(int count, int httpStatus, string contentType, string body) =>
        AddFault(new Fault(count, httpStatus, 0, AcceptFirst: false, contentType, body));

    /// <summary>Every POST to <paramref name="phone"/> fails with HTTP 400 and <paramref name="twilioCode"/> (21610 unsubscribed, 21614 …).</summary>
    public void BlockNumber(string phone, int twilioCode)
    {
        lock (_gate)
            _blocked[phone] = twilioCode;
    }

    /// <summary>
    /// The next POST to <paramref name="phone"/> fails once with <paramref name="httpStatus"/> and Twilio's error JSON (code
    /// 20000 + status), whenever it comes; with <paramref name="afterAccepting"/> the message is accepted and stored first.
    /// </summary>
    public void FailNextTo(string phone, int httpStatus, bool afterAccepting = false)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(httpStatus, 400);
        lock (_gate)
            _numberFaults[phone] = new Fault(1, httpStatus, 20000 + httpStatus, afterAccepting, null, null);
    }

    public void UnblockNumber(string phone)
    {
        lock (_gate)
            _blocked.Remove(phone);
    }

    /// <summary>
    /// Moves the message to <paramref name="status"/> and posts Twilio's status callback form (MessageSid, MessageStatus,
    /// SmsSid, SmsStatus, To, From, AccountSid, ApiVersion, ErrorCode when given, MessagingServiceSid when used) to its
    /// StatusCallback URL, signed with <c>X-Twilio-Signature</c>. Returns the receiver's HTTP status.
    /// </summary>
    public async Task<HttpStatusCode> SendStatusCallbackAsync(string sid, string status, int? errorCode = null, CancellationToken cancellationToken = default)
    {
        if (!KnownStatuses.Contains(status))
            throw new ArgumentException($"'{status}' is not a Twilio message status.", nameof(status));
        TwilioFakeMessage message;
        lock (_gate)
        {
            if (!_index.TryGetValue(sid, out var i))
                throw new ArgumentException($"The fake has no message {sid}.", nameof(sid));
            if (_messages[i].StatusCallback is null)
                throw new InvalidOperationException($"Message {sid} was sent without a StatusCallback.");
            var now = _options.TimeProvider.GetUtcNow();
            message = _messages[i] with
            {
                Status = status,
                ErrorCode = errorCode,
                DateUpdated = now,
                DateSent = _messages[i].DateSent ?? (SentStatuses.Contains(status) ? now : null),
            };
            _messages[i] = message;
        }

        var form = new List<KeyValuePair<string, string>>
        {
            new("AccountSid", message.AccountSid),
            new("ApiVersion", ApiVersion),
            new("From", message.From ?? string.Empty),
            new("MessageSid", message.Sid),
            new("MessageStatus", status),
            new("SmsSid", message.Sid),
            new("SmsStatus", status),
            new("To", message.To),
        };
        if (errorCode is not null)
            form.Add(new("ErrorCode", errorCode.Value.ToString(CultureInfo.InvariantCulture)));
        if (message.MessagingServiceSid is not null)
            form.Add(new("MessagingServiceSid", message.MessagingServiceSid));

        using var request = TwilioSignature.SignedPost(AuthToken, message.StatusCallback!, form);
        using var response = await _callbacks.SendAsync(request, cancellationToken);
        return response.StatusCode;
    }

    /// <summary>Configuration that points the product's Twilio gateway at this fake (<c>Sms:Provider=Twilio</c>).</summary>
    public IEnumerable<KeyValuePair<string, string?>> ConfigurationValues(string? from = "+15005550006", string? messagingServiceSid = null) =>
    [
        new("Sms:Provider", "Twilio"),
        new("Twilio:AccountSid", AccountSid),
        new("Twilio:AuthToken", AuthToken),
        new("Twilio:From", from),
        new("Twilio:MessagingServiceSid", messagingServiceSid),
        new("Twilio:ApiBaseUrl", BaseUrl.ToString()),
    ];

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        _callbacks.Dispose();
        _stopping.Dispose();
    }

    internal static string RandomHex() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));

    private void AddFault(Fault fault)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(fault.Remaining);
        ArgumentOutOfRangeException.ThrowIfLessThan(fault.HttpStatus, 400);
        lock (_gate)
            _faults.Enqueue(fault);
    }

    private Fault? TakeFault()
    {
        lock (_gate)
        {
            if (!_faults.TryPeek(out var fault))
                return null;
            if (fault.Remaining <= 1)
                _faults.Dequeue();
            else
                fault.Remaining--;
            return fault;
        }
    }

    private async Task HandleAsync(HttpContext context)
    {
        Interlocked.Increment(ref _requests);
        using var aborted = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _stopping.Token);
        var delay = Delay;
        if (delay > TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(delay, aborted.Token);
            }
            catch (OperationCanceledException)
            {
                context.Abort();
                return;
            }
        }

        var path = context.Request.Path.Value ?? string.Empty;
        var match = MessagesPath().Match(path);
        if (!match.Success)
        {
            await ErrorAsync(context, 404, 20404, $"The requested resource {path} was not found");
            return;
        }

        if (!IsAuthorised(context.Request, match.Groups["account"].Value))
        {
            context.Response.Headers.WWWAuthenticate = "Basic realm=\"Twilio API\"";
            await ErrorAsync(context, 401, 20003, "Authenticate");
            return;
        }

        var sid = match.Groups["sid"].Success ? match.Groups["sid"].Value : null;
        var method = context.Request.Method;
        if (!(HttpMethods.IsGet(method) || (sid is null && HttpMethods.IsPost(method))))
        {
            await ErrorAsync(context, 405, 20004, "Method not allowed");
            return;
        }

        var fault = TakeFault();
        if (fault is not null && !(fault.AcceptFirst && sid is null && HttpMethods.IsPost(method)))
        {
            await FaultAsync(context, fault);
            return;
        }

        if (sid is not null)
            await FetchAsync(context, sid);
        else if (HttpMethods.IsGet(method))
            await ListAsync(context, path);
        else
            await CreateAsync(context, fault);
    }

    private bool IsAuthorised(HttpRequest request, string pathAccount)
    {
        var header = request.Headers.Authorization.ToString();
        if (!header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
            return false;
        string credentials;
        try
        {
            credentials = Encoding.UTF8.GetString(Convert.FromBase64String(header["Basic ".Length..].Trim()));
        }
        catch (FormatException)
        {
            return false;
        }

        var colon = credentials.IndexOf(':', StringComparison.Ordinal);
        return colon > 0
            && credentials[..colon] == AccountSid
            && credentials[(colon + 1)..] == AuthToken
            && pathAccount == AccountSid;
    }

    private async Task CreateAsync(HttpContext context, Fault? fault)
    {
        var form = context.Request.HasFormContentType ? await context.Request.ReadFormAsync(context.RequestAborted) : FormCollection.Empty;
        var to = Single(form, "To");
        var from = Single(form, "From");
        var service = Single(form, "MessagingServiceSid");
        var body = Single(form, "Body");
        var callback = Single(form, "StatusCallback");

        // Codes from https://www.twilio.com/docs/api/errors, checked in the order Twilio reports them.
        if (string.IsNullOrEmpty(to))
        {
            await ErrorAsync(context, 400, 21604, "A 'To' phone number is required.");
            return;
        }

        if (string.IsNullOrEmpty(from) && string.IsNullOrEmpty(service))
        {
            await ErrorAsync(context, 400, 21603, "A 'From' phone number is required.");
            return;
        }

        if (string.IsNullOrEmpty(body))
        {
            await ErrorAsync(context, 400, 21602, "Message body is required.");
            return;
        }

        if (!E164().IsMatch(to))
        {
            await ErrorAsync(context, 400, 21211, $"The 'To' number {to} is not a valid phone number.");
            return;
        }

        if (body.Length > 1600)
        {
            await ErrorAsync(context, 400, 21617, "The concatenated message body exceeds the 1600 character limit.");
            return;
        }

        if (!string.IsNullOrEmpty(callback) && !IsHttpUrl(callback))
        {
            await ErrorAsync(context, 400, 21609, $"The StatusCallback URL {callback} is not a valid URL.");
            return;
        }

        int? blockedCode;
        lock (_gate)
        {
            blockedCode = _blocked.TryGetValue(to, out var code) ? code : null;
            if (fault is null && _numberFaults.Remove(to, out var numberFault))
                fault = numberFault;
        }

        if (fault is { AcceptFirst: false })
        {
            await FaultAsync(context, fault);
            return;
        }

        if (blockedCode is { } blocked)
        {
            await ErrorAsync(context, 400, blocked, blocked switch
            {
                21610 => "Attempt to send to unsubscribed recipient",
                21614 => $"'To' number {to} is not a valid mobile number",
                21211 => $"The 'To' number {to} is not a valid phone number.",
                _ => $"Message cannot be sent to {to}.",
            });
            return;
        }

        var now = _options.TimeProvider.GetUtcNow();
        var message = new TwilioFakeMessage(
            Sid: "SM" + RandomHex(),
            AccountSid: AccountSid,
            To: to,
            From: string.IsNullOrEmpty(from) ? null : from,
            MessagingServiceSid: string.IsNullOrEmpty(service) ? null : service,
            Body: body,
            StatusCallback: string.IsNullOrEmpty(callback) ? null : callback,
            // With only a Messaging Service, Twilio answers "accepted" and picks the sender later.
            Status: string.IsNullOrEmpty(from) ? "accepted" : "queued",
            ErrorCode: null,
            NumSegments: SmsSegments.Count(body),
            DateCreated: now,
            DateUpdated: now,
            DateSent: null);
        lock (_gate)
        {
            _index[message.Sid] = _messages.Count;
            _messages.Add(message);
        }

        Interlocked.Increment(ref _accepted);
        if (fault is not null)
        {
            await FaultAsync(context, fault);
            return;
        }

        await JsonAsync(context, 201, ToJson(message));
    }

    private async Task FetchAsync(HttpContext context, string sid)
    {
        var message = Find(sid);
        if (message is null || message.AccountSid != AccountSid)
        {
            await ErrorAsync(context, 404, 20404, $"The requested resource {context.Request.Path} was not found");
            return;
        }

        await JsonAsync(context, 200, ToJson(message));
    }

    private async Task ListAsync(HttpContext context, string path)
    {
        var query = context.Request.Query;
        var to = Single(query, "To");
        var from = Single(query, "From");
        var filters = new List<(string Key, string Value)>();
        if (to is not null)
            filters.Add(("To", to));
        if (from is not null)
            filters.Add(("From", from));

        var dateFilters = new List<Func<DateTimeOffset, bool>>();
        foreach (var key in new[] { "DateSent", "DateSent>", "DateSent<" })
        {
            var raw = Single(query, key);
            if (raw is null)
                continue;
            if (!TryParseDate(raw, out var value, out var dateOnly))
            {
                await ErrorAsync(context, 400, 20001, $"Invalid {key} '{raw}'.");
                return;
            }

            filters.Add((key, raw));
            dateFilters.Add((key, dateOnly) switch
            {
                ("DateSent", true) => t => t.UtcDateTime.Date == value.UtcDateTime.Date,
                ("DateSent", false) => t => t == value,
                ("DateSent>", true) => t => t.UtcDateTime.Date >= value.UtcDateTime.Date,
                ("DateSent>", false) => t => t >= value,
                ("DateSent<", true) => t => t.UtcDateTime.Date <= value.UtcDateTime.Date,
                _ => t => t <= value,
            });
        }

        if (!TryParseInt(Single(query, "PageSize"), 50, 1, out var pageSize) || !TryParseInt(Single(query, "Page"), 0, 0, out var page))
        {
            await ErrorAsync(context, 400, 20001, "PageSize must be a positive integer and Page a non-negative one.");
            return;
        }

        pageSize = Math.Min(pageSize, _options.MaxPageSize);
        List<TwilioFakeMessage> matching;
        lock (_gate)
        {
            matching = _messages
                .Select((m, i) => (Message: m, Order: i))
                .Where(x => (to is null || x.Message.To == to) && (from is null || x.Message.From == from))
                .Where(x => dateFilters.All(f => f(x.Message.DateSent ?? x.Message.DateCreated)))
                .OrderByDescending(x => x.Message.DateCreated)
                .ThenByDescending(x => x.Order)
                .Select(x => x.Message)
                .ToList();
        }

        var records = matching.Skip(page * pageSize).Take(pageSize).ToList();
        var hasNext = (long)(page + 1) * pageSize < matching.Count;
        var envelope = new JsonObject
        {
            ["first_page_uri"] = PageUri(path, filters, pageSize, 0, null),
            ["end"] = page * pageSize + Math.Max(records.Count - 1, 0),
            ["previous_page_uri"] = page > 0 ? PageUri(path, filters, pageSize, page - 1, null) : null,
            ["messages"] = new JsonArray([.. records.Select(ToJson)]),
            ["uri"] = PageUri(path, filters, pageSize, page, null),
            ["page_size"] = pageSize,
            ["start"] = page * pageSize,
            ["next_page_uri"] = hasNext ? PageUri(path, filters, pageSize, page + 1, "PA" + records[^1].Sid) : null,
            ["page"] = page,
        };
        await JsonAsync(context, 200, envelope);
    }

    private static string PageUri(string path, List<(string Key, string Value)> filters, int pageSize, int page, string? pageToken)
    {
        var query = new StringBuilder();
        foreach (var (key, value) in filters)
            query.Append(Uri.EscapeDataString(key)).Append('=').Append(Uri.EscapeDataString(value)).Append('&');
        query.Append(CultureInfo.InvariantCulture, $"PageSize={pageSize}&Page={page}");
        if (pageToken is not null)
            query.Append("&PageToken=").Append(pageToken);
        return path + "?" + query;
    }

    private JsonObject ToJson(TwilioFakeMessage m)
    {
        var uri = $"/{ApiVersion}/Accounts/{m.AccountSid}/Messages/{m.Sid}.json";
        return new JsonObject
        {
            ["account_sid"] = m.AccountSid,
            ["api_version"] = ApiVersion,
            ["body"] = m.Body,
            ["date_created"] = Rfc2822(m.DateCreated),
            ["date_sent"] = m.DateSent is { } sent ? Rfc2822(sent) : null,
            ["date_updated"] = Rfc2822(m.DateUpdated),
            ["direction"] = "outbound-api",
            ["error_code"] = m.ErrorCode,
            ["error_message"] = null,
            ["from"] = m.From,
            ["messaging_service_sid"] = m.MessagingServiceSid,
            ["num_media"] = "0",
            ["num_segments"] = m.NumSegments.ToString(CultureInfo.InvariantCulture),
            ["price"] = null,
            ["price_unit"] = "USD",
            ["sid"] = m.Sid,
            ["status"] = m.Status,
            ["subresource_uris"] = new JsonObject
            {
                ["media"] = $"/{ApiVersion}/Accounts/{m.AccountSid}/Messages/{m.Sid}/Media.json",
                ["feedback"] = $"/{ApiVersion}/Accounts/{m.AccountSid}/Messages/{m.Sid}/Feedback.json",
            },
            ["to"] = m.To,
            ["uri"] = uri,
        };
    }

    // Twilio's resource dates: "Thu, 24 Aug 2023 05:01:45 +0000".
    private static string Rfc2822(DateTimeOffset value) =>
        value.ToUniversalTime().ToString("ddd, dd MMM yyyy HH:mm:ss '+0000'", CultureInfo.InvariantCulture);

    private static async Task FaultAsync(HttpContext context, Fault fault)
    {
        if (fault.Body is not null)
        {
            context.Response.StatusCode = fault.HttpStatus;
            context.Response.ContentType = fault.ContentType;
            await context.Response.WriteAsync(fault.Body, context.RequestAborted);
            return;
        }

        if (fault.HttpStatus == 429)
            context.Response.Headers.RetryAfter = "1";
        var text = fault.HttpStatus switch
        {
            429 => "Too Many Requests",
            500 => "Internal Server Error",
            502 => "Bad Gateway",
            503 => "Service Unavailable",
            _ => $"Injected failure {fault.HttpStatus}",
        };
        await ErrorAsync(context, fault.HttpStatus, fault.TwilioCode, text);
    }

    private static Task ErrorAsync(HttpContext context, int status, int code, string message) =>
        JsonAsync(context, status, new JsonObject
        {
            ["code"] = code,
            ["message"] = message,
            ["more_info"] = $"https://www.twilio.com/docs/errors/{code}",
            ["status"] = status,
        });

    private static async Task JsonAsync(HttpContext context, int status, JsonNode body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json; charset=utf-8";
        await context.Response.WriteAsync(body.ToJsonString(), context.RequestAborted);
    }

    private static string? Single(IFormCollection form, string key) =>
        form.TryGetValue(key, out var values) ? First(values) : null;

    private static string? Single(IQueryCollection query, string key) =>
        query.TryGetValue(key, out var values) ? First(values) : null;

    private static string? First(StringValues values) => values.Count > 0 ? values[0] : null;

    private static bool TryParseInt(string? raw, int fallback, int minimum, out int value)
    {
        if (raw is null)
        {
            value = fallback;
            return true;
        }

        return int.TryParse(raw, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value >= minimum;
    }

    private static bool TryParseDate(string raw, out DateTimeOffset value, out bool dateOnly)
    {
        dateOnly = DateOnly.TryParseExact(raw, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date);
        if (dateOnly)
        {
            value = new DateTimeOffset(date.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
            return true;
        }

        return DateTimeOffset.TryParse(raw, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out value);
    }

    private static bool IsHttpUrl(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var url) && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps);

    [GeneratedRegex(@"^/2010-04-01/Accounts/(?<account>[^/]+)/Messages(\.json|/(?<sid>[^/]+)\.json)$")]
    private static partial Regex MessagesPath();

    [GeneratedRegex(@"^\+[1-9][0-9]{6,14}$")]
    private static partial Regex E164();

    private sealed record Fault(int Remaining, int HttpStatus, int TwilioCode, bool AcceptFirst, string? ContentType, string? Body)
    {
        public int Remaining { get; set; } = Remaining;
    }
}
