using ChatSurvey.Domain.Scoring;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Caching.Memory;
using Npgsql;

namespace ChatSurvey.BotHost.PublicResults;

/// <summary>
/// <c>GET /api/public/results?wave={id}</c>: the published indices (no personal data), read through
/// <see cref="PublicResultsSource"/> — the same cached figures as the <c>/results</c> page.
/// </summary>
public static class PublicResultsApi
{
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
        TimeProvider clock,
        CancellationToken cancellationToken)
    {
        if (wave is <= 0)
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["wave"] = ["Must be a positive wave id."] });
        var results = await PublicResultsSource.GetAsync(
            dataSource, cache, clock, wave, string.IsNullOrWhiteSpace(agency) ? null : agency, cancellationToken);
        return TypedResults.Ok(results.Report);
    }
}
