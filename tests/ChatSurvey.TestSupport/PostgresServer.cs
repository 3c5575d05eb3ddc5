using ChatSurvey.Dispatcher.Database;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace ChatSurvey.TestSupport;

/// <summary>
/// The PostgreSQL server of one test process: the server named by <c>CHATSURVEY_TEST_DB</c> (an admin connection
/// string), or else a throwaway cluster started from the installed binaries and deleted at exit.
/// Each test class gets its own database, cloned from a template migrated once per process.
/// </summary>
public sealed class PostgresServer
{
    public const string EnvironmentVariable = "CHATSURVEY_TEST_DB";

    private static readonly Lazy<Task<PostgresServer>> Shared = new(StartAsync);
    private readonly SemaphoreSlim _cloneLock = new(1, 1);
    private readonly string _templateName = "chatsurvey_template_" + Guid.NewGuid().ToString("N")[..8];
    private readonly LocalPostgresCluster? _cluster;
    private bool _templateReady;

    private PostgresServer(string adminConnectionString, LocalPostgresCluster? cluster)
    {
        AdminConnectionString = adminConnectionString;
        _cluster = cluster;
    }

    /// <summary>Connection string to the maintenance database, with rights to create databases.</summary>
    public string AdminConnectionString { get; }

    public static Task<PostgresServer> GetAsync() => Shared.Value;

    /// <summary>A fresh database with the current schema (no demo data), dropped when disposed.</summary>
    public async Task<TestDatabase> CreateDatabaseAsync(bool migrated = true)
    {
        var name = "test_" + Guid.NewGuid().ToString("N")[..12];
        await using var admin = new NpgsqlConnection(AdminConnectionString);
        await admin.OpenAsync();
        if (migrated)
        {
            // CREATE DATABASE … TEMPLATE needs the template to have no other session: clone one at a time.
            await _cloneLock.WaitAsync();
            try
            {
                if (!_templateReady)
                {
                    await ExecuteAsync(admin, $"CREATE DATABASE {_templateName}");
                    var templateConnection = WithDatabase(_templateName);
                    await DatabaseMigrator.MigrateAsync(templateConnection, NullLogger.Instance);
                    NpgsqlConnection.ClearAllPools();
                    _templateReady = true;
                }

                await ExecuteAsync(admin, $"CREATE DATABASE {name} TEMPLATE {_templateName}");
            }
            finally
            {
                _cloneLock.Release();
            }
        }
        else
        {
            await ExecuteAsync(admin, $"CREATE DATABASE {name}");
        }

        return new TestDatabase(this, name, WithDatabase(name));
    }

    internal async Task DropDatabaseAsync(string name)
    {
        await using var admin = new NpgsqlConnection(AdminConnectionString);
        await admin.OpenAsync();
        await ExecuteAsync(admin, $"DROP DATABASE IF EXISTS {name} WITH (FORCE)");
    }

    /// <summary>A connection string to another database on this server.</summary>
    public string WithDatabase(string database) =>
        new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = database, Pooling = true }.ConnectionString;

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<PostgresServer> StartAsync()
    {
        var configured = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(configured))
            return new PostgresServer(configured, null);

        var root = Path.Combine(Path.GetTempPath(), "chatsurvey-test-" + Guid.NewGuid().ToString("N")[..8]);
        var cluster = await LocalPostgresCluster.StartAsync(
            // Several test processes run at once: PostgreSQL's own small sizes, not the machine-sized ones.
            new LocalPostgresOptions { DataRoot = root, Durable = false, Memory = PostgresMemorySettings.Modest }, NullLogger.Instance);
        var server = new PostgresServer(cluster.AdminConnectionString, cluster);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.Shutdown(root);
        return server;
    }

    private void Shutdown(string requestedRoot)
    {
        if (_cluster is null)
            return;
        _cluster.StopAsync().GetAwaiter().GetResult();
        TryDelete(_cluster.DataRoot);
        TryDelete(requestedRoot);
    }

    private static void TryDelete(string folder)
    {
        try
        {
            if (Directory.Exists(folder))
                Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}

/// <summary>One test class's database. Dispose drops it.</summary>
public sealed class TestDatabase : IAsyncDisposable
{
    private readonly PostgresServer _server;

    internal TestDatabase(PostgresServer server, string name, string connectionString)
    {
        _server = server;
        Name = name;
        ConnectionString = connectionString;
        DataSource = NpgsqlDataSource.Create(connectionString);
    }

    public string Name { get; }

    public string ConnectionString { get; }

    public NpgsqlDataSource DataSource { get; }

    public async ValueTask DisposeAsync()
    {
        await DataSource.DisposeAsync();
        await _server.DropDatabaseAsync(Name);
    }
}

/// <summary>xunit class fixture: a migrated database for the test class, dropped after its last test.</summary>
public class DatabaseFixture : IAsyncLifetime
{
    private TestDatabase? _database;

    public TestDatabase Database => _database ?? throw new InvalidOperationException("Fixture not initialised.");

    public NpgsqlDataSource DataSource => Database.DataSource;

    public string ConnectionString => Database.ConnectionString;

    public virtual async ValueTask InitializeAsync()
    {
        var server = await PostgresServer.GetAsync();
        _database = await server.CreateDatabaseAsync();
    }

    public virtual async ValueTask DisposeAsync()
    {
        if (_database is not null)
            await _database.DisposeAsync();
        GC.SuppressFinalize(this);
    }
}
