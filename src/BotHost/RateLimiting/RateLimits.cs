using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace ChatSurvey.BotHost.RateLimiting;

/// <summary>The limits that are keyed by something in the request body, checked by the endpoint once it has read it.</summary>
public enum KeyedLimit
{
    /// <summary>New invitation-free conversations, per agency code.</summary>
    StartsPerAgency,

    /// <summary>Signed inbound SMS, per sending phone.</summary>
    SmsPerPhone,

    /// <summary>Dossier batches of the integration API, per integration key (its id), once the key is verified.</summary>
    DossierPostsPerKey,
}

/// <summary>
/// Rate limits of the citizen-facing entry points, with the ASP.NET Core rate limiter (fixed windows, no queueing).
/// Limits keyed by the client address are endpoint policies (<see cref="TokenPolicy"/>, <see cref="InvitationPagePolicy"/>,
/// <see cref="PublicPolicy"/>);
/// limits keyed by what the request says (the agency of a chat, the phone of an SMS) are <see cref="KeyedRateLimits"/>,
/// checked after the body is read and — for SMS — after its signature is verified, so that forged posts cannot spend a
/// citizen's budget. Every refusal is 429 with <c>Retry-After</c> (seconds) and a short problem-details body, and
/// changes nothing.
/// </summary>
public static class RateLimits
{
    public const string TokenPolicy = "webchat-token";
    public const string InvitationPagePolicy = "invitation-page";
    public const string InterviewPolicy = "interview";

    /// <summary>The public data endpoints, per client address (<see cref="RateLimitOptions.PublicRequestsPerAddressPerMinute"/>).</summary>
    public const string PublicPolicy = "public";

    public static IServiceCollection AddRateLimits(this IServiceCollection services)
    {
        services.AddOptions<RateLimitOptions>().BindConfiguration(RateLimitOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<KeyedRateLimits>();
        services.AddRateLimiter(limiter =>
        {
            limiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            limiter.OnRejected = (context, _) =>
                new ValueTask(TooManyRequests(context.HttpContext.Response, RetryAfter(context.Lease, TimeSpan.FromMinutes(1)))
                    .ExecuteAsync(context.HttpContext));
            limiter.AddPolicy(TokenPolicy, http => PerAddress(http, TokenPolicy, o => o.TokensPerAddressPerMinute));
            limiter.AddPolicy(InvitationPagePolicy, http => PerAddress(http, InvitationPagePolicy, o => o.InvitationPagesPerAddressPerMinute));
            limiter.AddPolicy(PublicPolicy, http => PerAddress(http, PublicPolicy, o => o.PublicRequestsPerAddressPerMinute));
            limiter.AddPolicy(InterviewPolicy, PerAccountPost);
        });
        return services;
    }

    /// <summary>
    /// 429 with <c>Retry-After</c> in whole seconds (at least 1) and a problem-details body in Vietnamese; sets the header
    /// on <paramref name="response"/> now, the body when the result executes.
    /// </summary>
    public static ProblemHttpResult TooManyRequests(HttpResponse response, TimeSpan retryAfter)
    {
        ArgumentNullException.ThrowIfNull(response);
        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        return TypedResults.Problem(
            title: "Quá nhiều yêu cầu",
            detail: $"Có quá nhiều yêu cầu trong thời gian ngắn. Vui lòng thử lại sau {seconds} giây.",
            statusCode: StatusCodes.Status429TooManyRequests);
    }

    /// <summary>The client address partitions by; see <see cref="RateLimitOptions"/> on proxies.</summary>
    public static string ClientAddress(HttpContext http) =>
        http.Connection.RemoteIpAddress?.ToString() ?? "unknown";

    internal static TimeSpan RetryAfter(RateLimitLease lease, TimeSpan fallback) =>
        lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : fallback;

    private static RateLimitPartition<string> PerAddress(HttpContext http, string policy, Func<RateLimitOptions, int> permits)
    {
        var options = http.RequestServices.GetRequiredService<IOptions<RateLimitOptions>>().Value;
        var limit = permits(options);
        return RateLimitPartition.GetFixedWindowLimiter(
            $"{policy}|{ClientAddress(http)}", _ => Window(limit, TimeSpan.FromMinutes(1)));
    }

    // The interview pages: posts per signed-in account (a shared counter Wi-Fi is one address for many volunteers);
    // reading a page is free, so a reload after a dropped connection always shows where the interview stands.
    private static RateLimitPartition<string> PerAccountPost(HttpContext http)
    {
        if (!HttpMethods.IsPost(http.Request.Method))
            return RateLimitPartition.GetNoLimiter("");
        var options = http.RequestServices.GetRequiredService<IOptions<RateLimitOptions>>().Value;
        var account = http.User.FindFirst(ChatSurvey.BotHost.Accounts.AccountClaims.AccountId)?.Value ?? "address:" + ClientAddress(http);
        return RateLimitPartition.GetFixedWindowLimiter(
            $"{InterviewPolicy}|{account}", _ => Window(options.InterviewPostsPerAccountPerMinute, TimeSpan.FromMinutes(1)));
    }

    internal static FixedWindowRateLimiterOptions Window(int permits, TimeSpan window) => new()
    {
        PermitLimit = permits,
        Window = window,
        QueueLimit = 0,
        AutoReplenishment = true,
    };
}

/// <summary>The limits keyed by the request's content (<see cref="KeyedLimit"/>), one partitioned limiter each, per process.</summary>
public sealed class KeyedRateLimits : IDisposable
{
    private readonly PartitionedRateLimiter<string> _startsPerAgency;
    private readonly PartitionedRateLimiter<string> _smsPerPhone;
    private readonly PartitionedRateLimiter<string> _dossierPostsPerKey;

    public KeyedRateLimits(IOptions<RateLimitOptions> options)
    {
        var limits = options.Value;
        _startsPerAgency = PartitionedRateLimiter.Create<string, string>(agency =>
            RateLimitPartition.GetFixedWindowLimiter(agency, _ => RateLimits.Window(limits.StartsPerAgencyPerHour, TimeSpan.FromHours(1))));
        _smsPerPhone = PartitionedRateLimiter.Create<string, string>(phone =>
            RateLimitPartition.GetFixedWindowLimiter(phone, _ => RateLimits.Window(limits.SmsPerPhonePerMinute, TimeSpan.FromMinutes(1))));
        _dossierPostsPerKey = PartitionedRateLimiter.Create<string, string>(key =>
            RateLimitPartition.GetFixedWindowLimiter(key, _ => RateLimits.Window(limits.DossierPostsPerKeyPerMinute, TimeSpan.FromMinutes(1))));
    }

    /// <summary>Takes one permit for <paramref name="key"/>; false with the time to wait when its window is spent.</summary>
    public bool TryAcquire(KeyedLimit limit, string key, out TimeSpan retryAfter)
    {
        var (limiter, window) = limit switch
        {
            KeyedLimit.StartsPerAgency => (_startsPerAgency, TimeSpan.FromHours(1)),
            KeyedLimit.SmsPerPhone => (_smsPerPhone, TimeSpan.FromMinutes(1)),
            KeyedLimit.DossierPostsPerKey => (_dossierPostsPerKey, TimeSpan.FromMinutes(1)),
            _ => throw new ArgumentOutOfRangeException(nameof(limit), limit, "Unknown limit."),
        };
        using var lease = limiter.AttemptAcquire(key);
        retryAfter = lease.IsAcquired ? TimeSpan.Zero : RateLimits.RetryAfter(lease, window);
        return lease.IsAcquired;
    }

    public void Dispose()
    {
        _startsPerAgency.Dispose();
        _smsPerPhone.Dispose();
        _dossierPostsPerKey.Dispose();
    }
}
