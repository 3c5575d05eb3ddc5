using ChatSurvey.Dispatcher.Database;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace ChatSurvey.Dispatcher.Tests.Database;

/// <summary>The embedded cluster BotHost starts when no connection string is configured.</summary>
public sealed class LocalPostgresClusterTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "chatsurvey-cluster-test-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly List<string> _extraFolders = [];

    [Fact]
    public async Task Start_Should_CreateClusterAndDatabase_When_FolderIsNew()
    {
        await using var cluster = await StartAsync(_root);

        Assert.False(cluster.Reused);
        Assert.True(File.Exists(Path.Combine(cluster.ClusterDirectory, "PG_VERSION")));
        Assert.Equal("chatsurvey", await ScalarAsync<string>(cluster.ConnectionString, "SELECT current_database()"));
    }

    [Fact]
    public async Task Start_Should_ReuseRunningServer_When_PreviousProcessDiedWithoutStopping()
    {
        // The first instance is never stopped: as after a SIGKILL, its postmaster keeps running.
        var crashed = await StartAsync(_root);
        await ExecuteAsync(crashed.ConnectionString, "CREATE TABLE survived (id int); INSERT INTO survived VALUES (42)");
        NpgsqlConnection.ClearAllPools();

        await using var restarted = await StartAsync(_root);

        Assert.True(restarted.Reused);
        Assert.Equal(crashed.Port, restarted.Port);
        Assert.Equal(42, await ScalarAsync<int>(restarted.ConnectionString, "SELECT id FROM survived"));
    }

    [Fact]
    public async Task Start_Should_KeepData_When_StoppedAndStartedAgain()
    {
        var first = await StartAsync(_root);
        await ExecuteAsync(first.ConnectionString, "CREATE TABLE kept (v text); INSERT INTO kept VALUES ('ok')");
        await first.StopAsync(TestContext.Current.CancellationToken);

        await using var second = await StartAsync(_root);

        Assert.False(second.Reused);
        Assert.Equal("ok", await ScalarAsync<string>(second.ConnectionString, "SELECT v FROM kept"));
    }

    [Fact]
    public async Task Start_Should_FailWithOneClearLine_When_NoServerBinaries()
    {
        var empty = Path.Combine(_root, "no-binaries");
        Directory.CreateDirectory(empty);

        var error = await Assert.ThrowsAsync<PostgresNotInstalledException>(() => LocalPostgresCluster.StartAsync(
            new LocalPostgresOptions { DataRoot = _root, BinarySearchPaths = [empty] }, NullLogger.Instance, TestContext.Current.CancellationToken));

        Assert.DoesNotContain('\n', error.Message);
        Assert.Contains("apt-get install postgresql", error.Message, StringComparison.Ordinal);
        Assert.Contains("ConnectionStrings:Survey", error.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(_root, "cluster")));
    }

    [Fact]
    public async Task Start_Should_MoveToServiceUserFolder_When_RootRunsInFolderServiceUserCannotReach()
    {
        if (!Environment.IsPrivilegedProcess)
            Assert.Skip("Only root runs the server as the postgres user.");

        // A clone under a folder only root may enter, like /root on CI.
        var locked = Path.Combine(_root, "locked");
        Directory.CreateDirectory(locked);
        File.SetUnixFileMode(locked, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var configured = Path.Combine(locked, ".data");

        await using var cluster = await StartAsync(configured);
        _extraFolders.Add(cluster.DataRoot);

        Assert.NotEqual(configured, cluster.DataRoot);
        Assert.Equal(1, await ScalarAsync<int>(cluster.ConnectionString, "SELECT 1"));
    }

    public void Dispose()
    {
        NpgsqlConnection.ClearAllPools();
        foreach (var folder in _extraFolders.Append(_root))
        {
            var cluster = Path.Combine(folder, "cluster");
            if (File.Exists(Path.Combine(cluster, "postmaster.pid")))
                StopQuietly(folder);
            if (Directory.Exists(folder))
                Directory.Delete(folder, recursive: true);
        }
    }

    private static void StopQuietly(string root)
    {
        try
        {
            var cluster = LocalPostgresCluster.StartAsync(new LocalPostgresOptions { DataRoot = root, Durable = false, Memory = PostgresMemorySettings.Modest }, NullLogger.Instance)
                .GetAwaiter().GetResult();
            cluster.StopAsync().GetAwaiter().GetResult();
        }
        catch (InvalidOperationException)
        {
        }
    }

    private static Task<LocalPostgresCluster> StartAsync(string root) =>
        LocalPostgresCluster.StartAsync(new LocalPostgresOptions { DataRoot = root, Durable = false, Memory = PostgresMemorySettings.Modest }, NullLogger.Instance,
            TestContext.Current.CancellationToken);

    private static async Task<T> ScalarAsync<T>(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken))!;
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
    }
}
