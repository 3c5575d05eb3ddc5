using ChatSurvey.Domain.Scoring;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Caching.Memory;
using Npgsql;

namespace ChatSurvey.BotHost.PublicResults;

/// <summary>
/// <c>GET /api/public/results?wave={id}</c>: the published indices (no personal data). The scoring query runs at most
/// once per <see cref="CacheFor"/> per filter, however many people read the page, so a completed response shows within
/// a minute while a busy page costs the database little.
/// </summary>
public static class PublicResultsApi
{
    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(30);

    public static IEndpointRouteBuilder MapPublicResultsApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/api/public/results", GetAsync).WithTags("Public results");
        return endpoints;
    }

    internal static async Task<Results<Ok<ScoreReport>, ValidationProblem>> GetAsync(
        long? wave,
        string? agency,
        NpgsqlDataSource dataSource,
        IMemoryCache cache,
        CancellationToken cancellationToken)
    {
        if (wave is <= 0)
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["wave"] = ["Must be a positive wave id."] });
        var filter = new ScoreFilter { WaveId = wave, AgencyCode = string.IsNullOrWhiteSpace(agency) ? null : agency };
        var report = await cache.GetOrCreateAsync(("public-results", filter.WaveId, filter.AgencyCode), entry =>
        {
            entry.AbsoluteExpirationRelativeToNow = CacheFor;
            return ScoringQuery.RunAsync(dataSource, filter, cancellationToken);
        });
        return TypedResults.Ok(report!);
    }
}
