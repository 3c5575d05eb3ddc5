using System.Text.Json;
using ChatSurvey.Dispatcher.Jobs;
using ChatSurvey.Domain.Scoring;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Caching.Memory;
using Npgsql;

namespace ChatSurvey.BotHost.PublicResults;

/// <summary>
/// <c>GET /api/public/results?wave={id}</c>: the published indices (no personal data). A wave's figures come from the
/// score-refresh job's snapshot when it is fresh, else from the scoring query; either is cached for
/// <see cref="CacheFor"/> per filter, so a completed response shows within a minute while a busy page costs little.
/// </summary>
public static class PublicResultsApi
{
    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(20);

    /// <summary>How old a score-refresh snapshot may be and still be served (the job runs every minute).</summary>
    public static readonly TimeSpan SnapshotFreshFor = TimeSpan.FromSeconds(40);

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
        var report = await cache.GetOrCreateAsync(("public-results", filter.WaveId, filter.AgencyCode), async entry =>
        {
            entry.AbsoluteExpirationRelativeToNow = CacheFor;
            return (filter.WaveId is long waveId && filter.AgencyCode is null
                       ? await ReadSnapshotAsync(dataSource, waveId, cancellationToken)
                       : null)
                   ?? await ScoringQuery.RunAsync(dataSource, filter, cancellationToken);
        });
        return TypedResults.Ok(report!);
    }

    /// <summary>
    /// The score-refresh job's snapshot of a wave, when younger than <see cref="SnapshotFreshFor"/>. With the
    /// <see cref="CacheFor"/> cache on top, a completed response shows within a minute either way.
    /// </summary>
    private static async Task<ScoreReport?> ReadSnapshotAsync(NpgsqlDataSource dataSource, long waveId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT report::text FROM score_snapshots WHERE wave_id = $1 AND computed_at > now() - $2::interval");
        command.Parameters.AddWithValue(waveId);
        command.Parameters.AddWithValue(SnapshotFreshFor);
        return await command.ExecuteScalarAsync(cancellationToken) is string json
            ? JsonSerializer.Deserialize<ScoreReport>(json, ScoreRefreshJob.Json)
            : null;
    }
}
