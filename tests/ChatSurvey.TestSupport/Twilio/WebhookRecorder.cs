using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace ChatSurvey.TestSupport.Twilio;

/// <summary>One request the recorder received: the URL as the sender addressed it, headers and form fields.</summary>
public sealed record RecordedWebhook(
    string Method,
    string Url,
    IReadOnlyDictionary<string, string> Headers,
    IReadOnlyList<KeyValuePair<string, string>> Form)
{
    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;

    public string? Field(string name) => Form.FirstOrDefault(f => f.Key == name).Value;
}

/// <summary>
/// A loopback HTTP endpoint that records every request (e.g. the Twilio fake's status callbacks) and answers
/// <see cref="ResponseStatus"/> with an empty TwiML document.
/// </summary>
public sealed class WebhookRecorder : IAsyncDisposable
{
    private readonly ConcurrentQueue<RecordedWebhook> _received = new();
    private WebApplication? _app;

    private WebhookRecorder()
    {
    }

    public Uri BaseUrl { get; private set; } = null!;

    public int ResponseStatus { get; set; } = StatusCodes.Status200OK;

    public IReadOnlyList<RecordedWebhook> Received => [.. _received];

    public static async Task<WebhookRecorder> StartAsync(CancellationToken cancellationToken = default)
    {
        var recorder = new WebhookRecorder();
        var (app, baseUrl) = await LoopbackHost.StartAsync(recorder.HandleAsync, cancellationToken);
        recorder._app = app;
        recorder.BaseUrl = baseUrl;
        return recorder;
    }

    /// <summary>An absolute URL on this recorder, e.g. <c>Url("/api/sms/twilio/status")</c>.</summary>
    public Uri Url(string pathAndQuery) => new(BaseUrl, pathAndQuery);

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var form = new List<KeyValuePair<string, string>>();
        if (request.HasFormContentType)
        {
            foreach (var (key, values) in await request.ReadFormAsync(context.RequestAborted))
                form.AddRange(values.Select(v => new KeyValuePair<string, string>(key, v ?? string.Empty)));
        }

        var url = $"{request.Scheme}://{request.Host}{request.PathBase}{request.Path}{request.QueryString}";
        var headers = request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        _received.Enqueue(new RecordedWebhook(request.Method, url, headers, form));
        context.Response.StatusCode = ResponseStatus;
        context.Response.ContentType = "text/xml";
        await context.Response.WriteAsync("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response></Response>", context.RequestAborted);
    }
}
