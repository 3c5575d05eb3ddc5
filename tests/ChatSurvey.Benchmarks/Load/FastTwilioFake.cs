using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace ChatSurvey.Benchmarks.Load;

/// <summary>One message the product handed to Twilio's REST API.</summary>
public sealed record RestMessage(string To, string Body, DateTimeOffset At);

/// <summary>
/// Twilio's Messages resource, as fast as it can be, in the runner process (Kestrel on 127.0.0.1): a create
/// (<c>POST /2010-04-01/Accounts/{sid}/Messages.json</c>, basic auth) is recorded (To, Body) and answered 201 with the
/// message JSON the Twilio SDK reads; a list answers an empty page. It never calls back: no status callbacks load the
/// product during a measurement. The test suite's full fake (tests/ChatSurvey.TestSupport) is for behaviour, this one
/// for load.
/// </summary>
public sealed partial class FastTwilioFake : IAsyncDisposable
{
    private readonly ConcurrentQueue<RestMessage> _messages = new();
    private readonly string _authorization;
    private WebApplication? _app;
    private int _refused;

    private FastTwilioFake(string accountSid, string authToken)
    {
        AccountSid = accountSid;
        AuthToken = authToken;
        _authorization = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{accountSid}:{authToken}"));
    }

    public string AccountSid { get; }

    public string AuthToken { get; }

    public Uri BaseUrl { get; private set; } = null!;

    /// <summary>Creates refused for a wrong account or credentials (a configuration defect, never expected).</summary>
    public int Refused => Volatile.Read(ref _refused);

    public IReadOnlyCollection<RestMessage> Messages => _messages;

    /// <summary>The messages sent to phones starting with <paramref name="prefix"/>.</summary>
    public int CountTo(string prefix) => _messages.Count(m => m.To.StartsWith(prefix, StringComparison.Ordinal));

    public static async Task<FastTwilioFake> StartAsync(CancellationToken cancellationToken)
    {
        var fake = new FastTwilioFake("AC" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)), Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)));
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        builder.Services.Configure<HostOptions>(host => host.ShutdownTimeout = TimeSpan.FromSeconds(2));
        var app = builder.Build();
        ((IApplicationBuilder)app).Run(fake.HandleAsync);
        await app.StartAsync(cancellationToken);
        fake._app = app;
        fake.BaseUrl = new Uri(app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First());
        return fake;
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var match = MessagesPath().Match(request.Path.Value ?? "");
        if (!match.Success || match.Groups["account"].Value != AccountSid || request.Headers.Authorization.ToString() != _authorization)
        {
            Interlocked.Increment(ref _refused);
            context.Response.StatusCode = match.Success ? StatusCodes.Status401Unauthorized : StatusCodes.Status404NotFound;
            await context.Response.WriteAsJsonAsync(new { code = 20003, message = "Authenticate", status = context.Response.StatusCode });
            return;
        }

        if (HttpMethods.IsGet(request.Method))
        {
            // Reconciliation reads a phone's messages; nothing the suite seeds is ever claimed without a sid.
            await context.Response.WriteAsJsonAsync(new { messages = Array.Empty<object>(), end = 0, page = 0, page_size = 50, start = 0, next_page_uri = (string?)null });
            return;
        }

        var form = await request.ReadFormAsync(context.RequestAborted);
        var to = form["To"].ToString();
        var body = form["Body"].ToString();
        var now = DateTimeOffset.UtcNow;
        _messages.Enqueue(new RestMessage(to, body, now));
        var sid = "SM" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var date = now.ToString("ddd, dd MMM yyyy HH:mm:ss '+0000'", CultureInfo.InvariantCulture);
        context.Response.StatusCode = StatusCodes.Status201Created;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(new JsonObject
        {
            ["account_sid"] = AccountSid,
            ["api_version"] = "2010-04-01",
            ["body"] = body,
            ["date_created"] = date,
            ["date_updated"] = date,
            ["direction"] = "outbound-api",
            ["from"] = form["From"].ToString(),
            ["num_media"] = "0",
            ["num_segments"] = "1",
            ["sid"] = sid,
            ["status"] = "queued",
            ["to"] = to,
            ["uri"] = $"/2010-04-01/Accounts/{AccountSid}/Messages/{sid}.json",
        }.ToJsonString(), context.RequestAborted);
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }

    [GeneratedRegex("^/2010-04-01/Accounts/(?<account>AC[0-9a-f]{32})/Messages\\.json$")]
    private static partial Regex MessagesPath();
}
