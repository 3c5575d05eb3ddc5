using ChatSurvey.Dispatcher.Scores;
using ChatSurvey.Dispatcher.Scoring;
using ChatSurvey.Dispatcher.Waves;
using ChatSurvey.Domain.Scoring;
using Microsoft.Extensions.Caching.Memory;
using Npgsql;

namespace ChatSurvey.BotHost.PublicResults;

/// <summary>
/// A wave's public figures and when they were computed (the snapshot's time, or the moment the query ran);
/// <see cref="Final"/> when they are the completed wave's frozen final figures, else interim ("tạm tính").
/// </summary>
public sealed record PublishedResults(ScoreReport Report, DateTimeOffset ComputedAt, bool Final);

/// <summary>
/// A wave the public sees: published by an administrator and running, paused or completed (drafts have no figures,
/// cancelled waves are withdrawn). <see cref="AgencyCodes"/> are the agencies with a quota in it; <see cref="Final"/>
/// says its figures are frozen.
/// </summary>
public sealed record PublishedWave(
    long Id, string Name, string Status, DateOnly ResultsFrom, DateOnly ResultsTo, bool Final, IReadOnlyList<string> AgencyCodes);

/// <summary>
/// The one source of public figures, shared by <c>GET /api/public/results</c>, <c>GET /api/public/waves</c> and the
/// <c>/results</c> page, so all show the same numbers at the same cost. The list of published waves is held for
/// <see cref="CacheFor"/>. A wave's figures are computed once for the whole wave and held for <see cref="CacheFor"/>;
/// every request (whatever agency it asks for) is answered from that in memory, so no public request can make the
/// database score a wave more than once per <see cref="CacheFor"/>. The figures are the final snapshot of a completed
/// wave (frozen, served as they are); else the score-refresh job's snapshot while younger than
/// <see cref="SnapshotFreshFor"/>; else <see cref="ScoringQuery"/> over the valid ballots. The job runs every minute,
/// so a completed ballot shows within a minute (40 s + 20 s).
/// </summary>
public sealed class PublicResultsSource(NpgsqlDataSource dataSource, IMemoryCache cache, TimeProvider clock, BallotExclusions exclusions)
{
    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(20);

    /// <summary>How old a score-refresh snapshot may be and still be served (the job runs every minute).</summary>
    public static readonly TimeSpan SnapshotFreshFor = TimeSpan.FromSeconds(40);

    private const string WavesKey = "public-waves";

    // Creating a cache entry is serialised so that visitors arriving together share one load instead of each running it.
    private readonly Lock _gate = new();

    /// <summary>The published waves, the latest first (by start).</summary>
    public Task<IReadOnlyList<PublishedWave>> WavesAsync(CancellationToken cancellationToken) =>
        CachedAsync<IReadOnlyList<PublishedWave>>(WavesKey, LoadWavesAsync, cancellationToken);

    /// <summary>The published wave <paramref name="waveId"/>, or null when there is none (unknown or unpublished).</summary>
    public async Task<PublishedWave?> FindAsync(long waveId, CancellationToken cancellationToken) =>
        (await WavesAsync(cancellationToken)).FirstOrDefault(w => w.Id == waveId);

    /// <summary>The whole wave's public figures (see the class summary for where they come from).</summary>
    public Task<PublishedResults> ResultsAsync(PublishedWave wave, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(wave);
        return CachedAsync(("public-results", wave.Id), () => LoadResultsAsync(wave.Id), cancellationToken);
    }

    /// <summary>
    /// Whether <paramref name="agencyCode"/> is one of the wave's agencies: a quota in it, or ballots in its figures.
    /// </summary>
    public static bool HasAgency(PublishedWave wave, PublishedResults results, string agencyCode)
    {
        ArgumentNullException.ThrowIfNull(wave);
        ArgumentNullException.ThrowIfNull(results);
        return wave.AgencyCodes.Contains(agencyCode, StringComparer.Ordinal)
               || results.Report.Agencies.Any(a => string.Equals(a.AgencyCode, agencyCode, StringComparison.Ordinal));
    }

    /// <summary>Forgets the list of published waves, so a (un)publication shows at once in this process.</summary>
    public void ForgetWaves() => cache.Remove(WavesKey);

    private async Task<IReadOnlyList<PublishedWave>> LoadWavesAsync()
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT w.id, w.name, w.status, w.results_from, w.results_to,
                   EXISTS (SELECT 1 FROM score_snapshots s WHERE s.wave_id = w.id AND s.final),
                   ARRAY(SELECT a.code FROM wave_quotas q JOIN agencies a ON a.id = q.agency_id WHERE q.wave_id = w.id ORDER BY a.code)
            FROM waves w
            WHERE w.published_at IS NOT NULL AND w.status = ANY ($1)
            ORDER BY coalesce(w.started_at, w.created_at) DESC, w.id DESC
            """);
        command.Parameters.AddWithValue(WaveStore.PublishableStatuses.ToArray());
        await using var reader = await command.ExecuteReaderAsync();
        var waves = new List<PublishedWave>();
        while (await reader.ReadAsync())
        {
            waves.Add(new PublishedWave(reader.GetInt64(0), reader.GetString(1), reader.GetString(2),
                reader.GetFieldValue<DateOnly>(3), reader.GetFieldValue<DateOnly>(4), reader.GetBoolean(5),
                reader.GetFieldValue<string[]>(6)));
        }

        return waves;
    }

    private async Task<PublishedResults> LoadResultsAsync(long waveId)
    {
        if (await new ScoreSnapshotStore(dataSource).GetFinalOrFreshAsync(waveId, SnapshotFreshFor, CancellationToken.None) is { } snapshot)
            return new PublishedResults(snapshot.Report, snapshot.ComputedAt, snapshot.Final);

        var report = await ScoringQuery.RunAsync(dataSource, exclusions.ForWave(waveId));
        return new PublishedResults(report, clock.GetUtcNow(), Final: false);
    }

    // The load is shared by every visitor waiting on the entry, so it runs without any one visitor's cancellation token.
    // Expiry is checked against the injected clock as well as the cache's own, so tests can move time on.
    private async Task<T> CachedAsync<T>(object key, Func<Task<T>> load, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        Entry<T>? entry;
        lock (_gate)
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
