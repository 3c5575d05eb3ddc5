using ChatSurvey.Domain.Scoring;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ChatSurvey.BotHost.PublicResults;

/// <summary>One published wave as <c>GET /api/public/waves</c> lists it (dates <c>YYYY-MM-DD</c>; final = frozen figures).</summary>
public sealed record PublicWave(long Id, string Name, DateOnly ResultsFrom, DateOnly ResultsTo, string Status, bool Final);

/// <summary>
/// The public API, read through <see cref="PublicResultsSource"/> (the same cached figures as the <c>/results</c>
/// page), with no personal data: <c>GET /api/public/waves</c> lists the published waves, and
/// <c>GET /api/public/results?wave={id}&amp;agency={code}</c> gives a published wave's official figures (valid ballots
/// only), for all its agencies or one of them. Without <c>wave</c>: 400; an unknown or unpublished wave, or an agency
/// that is not the wave's: 404 (problem details).
/// </summary>
public static class PublicResultsApi
{
    /// <summary>The shared cached source of public figures (and the memory cache it keeps them in).</summary>
    public static IServiceCollection AddPublicResults(this IServiceCollection services)
    {
        services.AddMemoryCache();
        services.AddSingleton<PublicResultsSource>();
        services.AddSingleton<OpenDataQuery>();
        return services;
    }

    public static IEndpointRouteBuilder MapPublicResultsApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/api/public/results", GetAsync).WithTags("Public results");
        endpoints.MapGet("/api/public/waves", WavesAsync).WithTags("Public results");
        endpoints.MapOpenDataApi();
        return endpoints;
    }

    internal static async Task<Ok<IReadOnlyList<PublicWave>>> WavesAsync(PublicResultsSource source, CancellationToken cancellationToken)
    {
        var waves = await source.WavesAsync(cancellationToken);
        return TypedResults.Ok<IReadOnlyList<PublicWave>>(
            waves.Select(w => new PublicWave(w.Id, w.Name, w.ResultsFrom, w.ResultsTo, w.Status, w.Final)).ToList());
    }

    internal static async Task<Results<Ok<ScoreReport>, ValidationProblem, ProblemHttpResult>> GetAsync(
        long? wave,
        string? agency,
        PublicResultsSource source,
        CancellationToken cancellationToken)
    {
        if (wave is null)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["wave"] = ["Required: the id of a published wave (GET /api/public/waves lists them)."],
            });
        }

        if (wave <= 0)
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["wave"] = ["Must be a positive wave id."] });

        var published = await source.FindAsync(wave.Value, cancellationToken);
        if (published is null)
            return NoPublishedWave(wave.Value);

        var results = await source.ResultsAsync(published, cancellationToken);
        if (string.IsNullOrWhiteSpace(agency))
            return TypedResults.Ok(results.Report);

        var code = agency.Trim();
        if (!PublicResultsSource.HasAgency(published, results, code))
        {
            return TypedResults.Problem(title: "No such agency in this wave.",
                detail: $"Agency '{code}' is not one of wave {published.Id}'s agencies.",
                statusCode: StatusCodes.Status404NotFound,
                extensions: new Dictionary<string, object?> { ["field"] = "agency" });
        }

        return TypedResults.Ok(results.Report.ForAgency(code));
    }

    /// <summary>404 (problem details) for a wave that does not exist or is not published.</summary>
    internal static ProblemHttpResult NoPublishedWave(long wave) =>
        TypedResults.Problem(title: "No such published wave.",
            detail: $"Wave {wave} does not exist or is not published (GET /api/public/waves lists the published ones).",
            statusCode: StatusCodes.Status404NotFound);
}
