using ChatSurvey.Dispatcher.Scores;
using ChatSurvey.Domain.Scoring;
using Microsoft.Extensions.Caching.Memory;
using Npgsql;

namespace ChatSurvey.BotHost.PublicResults;

/// <summary>Published figures and when they were computed (the snapshot's time, or the moment the query ran).</summary>
public sealed record PublishedResults(ScoreReport Report, DateTimeOffset ComputedAt);

/// <summary>A wave whose results are public: running, paused or completed (drafts have none, cancelled ones are withdrawn).</summary>
public sealed record PublishedWave(long Id, string Name, string Status, DateOnly ResultsFrom, DateOnly ResultsTo);

/// <summary>
/// The one source of public figures, shared by <c>GET /api/public/results</c> and the <c>/results</c> page so both show
/// the same numbers at the same cost. A wave's figures come from the score-refresh job's snapshot while it is younger
/// than <see cref="SnapshotFreshFor"/>, else from <see cref="ScoringQuery"/>; either is held for <see cref="CacheFor"/>
/// per filter. The job runs every minute, so a completed response shows within a minute (40 s + 20 s) while any number of
/// visitors cost the database at most one read per filter every 20 seconds.
/// </summary>
internal static class PublicResultsSource
{
    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(20);

    /// <summary>How old a score-refresh snapshot may be and still be served (the job runs every minute).</summary>
    public static readonly TimeSpan SnapshotFreshFor = TimeSpan.FromSeconds(40);

    // Creating a cache entry is serialised so that visitors arriving together share one load instead of each running it.
    private static readonly Lock Gate = new();

    public static Task<PublishedResults> GetAsync(
        NpgsqlDataSource dataSource, IMemoryCache cache, TimeProvider clock, long? waveId, string? agencyCode,
        CancellationToken cancellationToken) =>
        CachedAsync(cache, clock, ("public-results", waveId, agencyCode), async () =>
        {
            if (waveId is { } wave && agencyCode is null
                && await new ScoreSnapshotStore(dataSource).GetFreshAsync(wave, SnapshotFreshFor, CancellationToken.None) is { } snapshot)
            {
                return new PublishedResults(snapshot.Report, snapshot.ComputedAt);
            }

            var report = await ScoringQuery.RunAsync(dataSource, new ScoreFilter { WaveId = waveId, AgencyCode = agencyCode });
            return new PublishedResults(report, clock.GetUtcNow());
        }, cancellationToken);

    /// <summary>The published waves, the latest first (by start).</summary>
    public static Task<IReadOnlyList<PublishedWave>> WavesAsync(
        NpgsqlDataSource dataSource, IMemoryCache cache, TimeProvider clock, CancellationToken cancellationToken) =>
        CachedAsync<IReadOnlyList<PublishedWave>>(cache, clock, "public-waves", async () =>
        {
            await using var command = dataSource.CreateCommand(
                """
                SELECT id, name, status, results_from, results_to
                FROM waves
                WHERE status IN ('running', 'paused', 'completed')
                ORDER BY coalesce(started_at, created_at) DESC, id DESC
                """);
            await using var reader = await command.ExecuteReaderAsync();
            var waves = new List<PublishedWave>();
            while (await reader.ReadAsync())
            {
                waves.Add(new PublishedWave(reader.GetInt64(0), reader.GetString(1), reader.GetString(2),
                    reader.GetFieldValue<DateOnly>(3), reader.GetFieldValue<DateOnly>(4)));
            }

            return waves;
        }, cancellationToken);

    // The load is shared by every visitor waiting on the entry, so it runs without any one visitor's cancellation token.
    // Expiry is checked against the injected clock as well as the cache's own, so tests can move time on.
    private static async Task<T> CachedAsync<T>(
        IMemoryCache cache, TimeProvider clock, object key, Func<Task<T>> load, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        Entry<T>? entry;
        lock (Gate)
        {
            if (!cache.TryGetValue(key, out entry) || entry is null || now - entry.LoadedAt >= CacheFor
                || entry.Value is { IsValueCreated: true, Value.IsFaulted: true })
            {
                entry = new Entry<T>(now, new Lazy<Task<T>>(load));
                cache.Set(key, entry, CacheFor);
            }
        }

        return await entry.Value.Value.WaitAsync(cancellationToken);
    }

    private sealed record Entry<T>(DateTimeOffset LoadedAt, Lazy<Task<T>> Value);
}
