using System.Net;
using ChatSurvey.Dispatcher.Database;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace ChatSurvey.BotHost.Tests.Health;

public sealed class HealthzTests : IAsyncLifetime
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "chatsurvey-healthz-" + Guid.NewGuid().ToString("N")[..8]);
    private LocalPostgresCluster _cluster = null!;

    public async ValueTask InitializeAsync() => _cluster = await StartClusterAsync();

    [Fact]
    public async Task Healthz_Should_Answer503ThenRecover_When_DatabaseStopsAndComesBack()
    {
        await using var factory = new BotHostFactory(_cluster.ConnectionString);
        using var client = factory.CreateClient();
        var cancel = TestContext.Current.CancellationToken;

        var up = await client.GetAsync("/healthz", cancel);
        Assert.Equal(HttpStatusCode.OK, up.StatusCode);
        Assert.Contains("Healthy", await up.Content.ReadAsStringAsync(cancel), StringComparison.Ordinal);

        await _cluster.StopAsync(cancel);
        var down = await client.GetAsync("/healthz", cancel);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, down.StatusCode);

        // Started again from the same folder it keeps its port, so the running host reconnects by itself.
        _cluster = await StartClusterAsync();
        var back = await client.GetAsync("/healthz", cancel);
        Assert.Equal(HttpStatusCode.OK, back.StatusCode);
    }

    [Fact]
    public async Task Start_Should_MigrateAndSeedDemoCatalogue_When_DatabaseIsNew()
    {
        await using var factory = new BotHostFactory(_cluster.ConnectionString);
        using var client = factory.CreateClient();

        var response = await client.GetAsync("/healthz", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await using var connection = new NpgsqlConnection(_cluster.ConnectionString);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = new NpgsqlCommand(
            """
            SELECT (SELECT count(*) FROM agencies WHERE kind = 'department'),
                   (SELECT count(*) FROM agencies WHERE kind = 'district'),
                   (SELECT count(*) FROM agencies a JOIN agencies p ON p.id = a.parent_id WHERE p.code = 'HP'),
                   (SELECT count(*) FROM procedures)
            """, connection);
        await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        await reader.ReadAsync(TestContext.Current.CancellationToken);
        // Hai Phong since 1 July 2025: 15 city-level agencies, no districts, everything directly under the city.
        Assert.Equal(15L, reader.GetInt64(0));
        Assert.Equal(0L, reader.GetInt64(1));
        Assert.Equal(129L, reader.GetInt64(2));
        Assert.Equal(12L, reader.GetInt64(3));
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await _cluster.StopAsync();
        Directory.Delete(_cluster.DataRoot, recursive: true);
        if (Directory.Exists(_root))
            Directory.Delete(_root, recursive: true);
    }

    private Task<LocalPostgresCluster> StartClusterAsync() =>
        LocalPostgresCluster.StartAsync(new LocalPostgresOptions { DataRoot = _root, Durable = false, Memory = PostgresMemorySettings.Modest }, NullLogger.Instance,
            TestContext.Current.CancellationToken);
}
