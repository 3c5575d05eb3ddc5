using ChatSurvey.Dispatcher.Database;
using ChatSurvey.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ChatSurvey.Dispatcher.Tests.Database;

/// <summary>The embedded cluster's memory and WAL settings: sized for the machine, overridable, applied at every start.</summary>
public sealed class PostgresMemorySettingsTests : IDisposable
{
    private const long Mb = 1024;
    private const long Gb = 1024 * Mb;
    private readonly string _root = Path.Combine(Path.GetTempPath(), "chatsurvey-memory-test-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly List<LocalPostgresCluster> _clusters = [];

    [Theory]
    [InlineData(24L, 6 * Gb, 12 * Gb, 24 * Mb, 1 * Gb)]
    [InlineData(2L, 512 * Mb, 1 * Gb, 4 * Mb, 128 * Mb)]
    [InlineData(256L, 8 * Gb, 128 * Gb, 64 * Mb, 1 * Gb)]
    public void ForMachine_Should_SizeFromTheMachinesMemoryWithinLimits_When_MemoryIsGiven(
        long machineGb, long sharedBuffers, long effectiveCache, long workMem, long maintenanceWorkMem)
    {
        var settings = PostgresMemorySettings.ForMachine(machineGb * 1024 * 1024 * 1024);

        Assert.Equal(
            (sharedBuffers, effectiveCache, workMem, maintenanceWorkMem, 4 * Gb),
            (settings.SharedBuffersKb, settings.EffectiveCacheSizeKb, settings.WorkMemKb, settings.MaintenanceWorkMemKb, settings.MaxWalSizeKb));
    }

    [Fact]
    public void ToConfig_Should_WriteEverySettingInPostgresUnits_When_Sized()
    {
        var config = PostgresMemorySettings.ForMachine(24L * 1024 * 1024 * 1024).ToConfig();

        Assert.Contains("shared_buffers = '6GB'", config, StringComparison.Ordinal);
        Assert.Contains("effective_cache_size = '12GB'", config, StringComparison.Ordinal);
        Assert.Contains("work_mem = '24MB'", config, StringComparison.Ordinal);
        Assert.Contains("maintenance_work_mem = '1GB'", config, StringComparison.Ordinal);
        Assert.Contains("max_wal_size = '4GB'", config, StringComparison.Ordinal);
        Assert.Contains("min_wal_size = '1GB'", config, StringComparison.Ordinal);
        Assert.Contains("checkpoint_timeout = '15min'", config, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("512MB", 512 * Mb)]
    [InlineData("2GB", 2 * Gb)]
    [InlineData(" 64 kB ", 64L)]
    [InlineData("1TB", 1024 * Gb)]
    public void TryParseKb_Should_ReadTheSize_When_ItHasPostgresUnit(string text, long kilobytes)
    {
        Assert.True(PostgresMemorySettings.TryParseKb(text, out var read));
        Assert.Equal(kilobytes, read);
    }

    [Theory]
    [InlineData("1024")]
    [InlineData("2gb")]
    [InlineData("-1GB")]
    [InlineData("1.5GB")]
    [InlineData("lots")]
    public void TryParseKb_Should_Refuse_When_TheUnitIsMissingOrTheNumberIsNotWhole(string text) =>
        Assert.False(PostgresMemorySettings.TryParseKb(text, out _));

    [Fact]
    public async Task AddSurveyDatabase_Should_FailBeforeStartingTheCluster_When_AStorageSizeIsInvalid()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration["Storage:LocalDataDir"] = _root;
        builder.Configuration["Storage:SharedBuffers"] = "2 gigabytes";
        builder.Configuration["Storage:WorkMem"] = "32kB";

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => builder.AddSurveyDatabaseAsync(TestContext.Current.CancellationToken));

        Assert.Contains(error.Failures, f => f.Contains("Storage:SharedBuffers", StringComparison.Ordinal) && f.Contains("like 512MB or 2GB", StringComparison.Ordinal));
        Assert.Contains(error.Failures, f => f.Contains("Storage:WorkMem", StringComparison.Ordinal) && f.Contains("from 64kB", StringComparison.Ordinal));
        Assert.False(Directory.Exists(Path.Combine(_root, "cluster")));
    }

    [Fact]
    public async Task AddSurveyDatabase_Should_StartTheEmbeddedClusterWithTheConfiguredSizes_When_StorageNamesThem()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration["Storage:LocalDataDir"] = _root;
        builder.Configuration["Storage:SharedBuffers"] = "48MB";
        builder.Configuration["Storage:EffectiveCacheSize"] = "1GB";
        builder.Configuration["Storage:WorkMem"] = "3MB";
        builder.Configuration["Storage:MaintenanceWorkMem"] = "80MB";
        builder.Configuration["Storage:MaxWalSize"] = "512MB";

        await builder.AddSurveyDatabaseAsync(TestContext.Current.CancellationToken);
        using var host = builder.Build();
        var cluster = host.Services.GetRequiredService<LocalPostgresCluster>();
        _clusters.Add(cluster);

        Assert.Equal(
            ("48MB", "1GB", "3MB", "80MB", "512MB", "128MB"),
            await SettingsAsync(cluster.ConnectionString));
    }

    [Fact]
    public async Task Start_Should_ApplyNewSettingsToAnExistingCluster_When_ItWasCreatedBeforeThem()
    {
        var first = await StartAsync(PostgresMemorySettings.Modest);
        await first.StopAsync(TestContext.Current.CancellationToken);
        // A cluster made before the memory settings existed: no include line, no file.
        var config = Path.Combine(first.ClusterDirectory, "postgresql.conf");
        await File.WriteAllLinesAsync(config,
            (await File.ReadAllLinesAsync(config, TestContext.Current.CancellationToken)).Where(l => !l.Contains("chatsurvey_memory.conf", StringComparison.Ordinal)),
            TestContext.Current.CancellationToken);
        File.Delete(Path.Combine(first.ClusterDirectory, "chatsurvey_memory.conf"));

        var second = await StartAsync(PostgresMemorySettings.Modest with { SharedBuffersKb = 40 * Mb, WorkMemKb = 5 * Mb });
        Assert.False(second.Reused);
        Assert.Equal(("40MB", "5MB"), await SharedBuffersAndWorkMemAsync(second.ConnectionString));
        await second.StopAsync(TestContext.Current.CancellationToken);

        // Later starts rewrite the file and keep the one include line.
        var third = await StartAsync(PostgresMemorySettings.Modest with { SharedBuffersKb = 56 * Mb });
        Assert.Equal(("56MB", "4MB"), await SharedBuffersAndWorkMemAsync(third.ConnectionString));
        Assert.Single(await File.ReadAllLinesAsync(config, TestContext.Current.CancellationToken),
            l => l.Trim() == "include_if_exists = 'chatsurvey_memory.conf'");
    }

    [Fact]
    public async Task Start_Should_ReloadTheSettingsItCan_When_ItAdoptsARunningServer()
    {
        // Never stopped, as after a SIGKILL: the next start adopts the running server.
        var crashed = await StartAsync(PostgresMemorySettings.Modest);
        NpgsqlConnection.ClearAllPools();

        var adopted = await StartAsync(PostgresMemorySettings.Modest with { SharedBuffersKb = 40 * Mb, WorkMemKb = 6 * Mb });

        Assert.True(adopted.Reused);
        Assert.Equal(crashed.Port, adopted.Port);
        // work_mem is reloaded at once; shared_buffers keeps its value until the server restarts.
        await Eventually.UntilAsync(
            () => SharedBuffersAndWorkMemAsync(adopted.ConnectionString), s => s == ("128MB", "6MB"),
            "the adopted server to reload work_mem", cancellationToken: TestContext.Current.CancellationToken);
    }

    public void Dispose()
    {
        NpgsqlConnection.ClearAllPools();
        foreach (var cluster in _clusters)
            cluster.StopAsync().GetAwaiter().GetResult();
        foreach (var folder in _clusters.Select(c => c.DataRoot).Append(_root).Distinct())
        {
            if (Directory.Exists(folder))
                Directory.Delete(folder, recursive: true);
        }
    }

    private async Task<LocalPostgresCluster> StartAsync(PostgresMemorySettings memory)
    {
        var cluster = await LocalPostgresCluster.StartAsync(
            new LocalPostgresOptions { DataRoot = _root, Durable = false, Memory = memory }, NullLogger.Instance, TestContext.Current.CancellationToken);
        _clusters.Add(cluster);
        return cluster;
    }

    private static async Task<(string, string, string, string, string, string)> SettingsAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = new NpgsqlCommand(
            """
            SELECT current_setting('shared_buffers'), current_setting('effective_cache_size'), current_setting('work_mem'),
                   current_setting('maintenance_work_mem'), current_setting('max_wal_size'), current_setting('min_wal_size')
            """, connection);
        await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        await reader.ReadAsync(TestContext.Current.CancellationToken);
        return (reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.GetString(5));
    }

    private static async Task<(string, string)> SharedBuffersAndWorkMemAsync(string connectionString)
    {
        var all = await SettingsAsync(new NpgsqlConnectionStringBuilder(connectionString) { Pooling = false }.ConnectionString);
        return (all.Item1, all.Item3);
    }
}
