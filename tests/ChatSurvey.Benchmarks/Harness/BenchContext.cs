using ChatSurvey.Dispatcher.Database;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace ChatSurvey.Benchmarks.Harness;

/// <summary>
/// What every scenario shares: one throwaway PostgreSQL cluster started the way the product starts its embedded one
/// (<see cref="LocalPostgresCluster"/>, the same settings), the run mode, and a log. Each scenario makes its own
/// databases on that server, so the product and its floor always meet the same server.
/// </summary>
public sealed class BenchContext : IAsyncDisposable
{
    private readonly LocalPostgresCluster _cluster;
    private readonly string _root;
    private readonly Dictionary<string, Task<IAsyncDisposable>> _shared = new(StringComparer.Ordinal);
    private readonly List<IAsyncDisposable> _sharedInOrder = [];

    private BenchContext(LocalPostgresCluster cluster, string root, bool quick, TextWriter log)
    {
        _cluster = cluster;
        _root = root;
        Quick = quick;
        Log = log;
    }

    /// <summary>The one-minute smoke run CI executes: small sizes, one repeat; it checks the suite runs, not how fast.</summary>
    public bool Quick { get; }

    /// <summary>How many times product and floor each run (median taken): 3, or 1 in quick mode.</summary>
    public int Repeats => Quick ? 1 : 3;

    public TextWriter Log { get; }

    /// <summary>Connection string to the maintenance database (rights to create databases).</summary>
    public string AdminConnectionString => _cluster.AdminConnectionString;

    /// <summary>Where scenarios may write files (CSV to import, logs of child processes); deleted at the end.</summary>
    public string WorkDirectory => Path.Combine(_root, "work");

    /// <summary>
    /// Where child processes (the product, the floors) write their logs; kept after the run. The program sets it beside
    /// the table; by default the work directory (deleted at the end).
    /// </summary>
    public string LogDirectory { get; set; } = "";

    /// <summary>The server's binaries folder (psql for the \copy floor lives there).</summary>
    public string BinDirectory { get; } = LocalPostgresCluster.FindBinaries();

    public static async Task<BenchContext> StartAsync(bool quick, TextWriter log, CancellationToken cancellationToken)
    {
        var root = Path.Combine(Path.GetTempPath(), "chatsurvey-bench-" + Guid.NewGuid().ToString("N")[..8]);
        var cluster = await LocalPostgresCluster.StartAsync(new LocalPostgresOptions { DataRoot = root }, NullLogger.Instance, cancellationToken);
        var context = new BenchContext(cluster, root, quick, log);
        Directory.CreateDirectory(context.WorkDirectory);
        context.LogDirectory = context.WorkDirectory;
        return context;
    }

    /// <summary>A new database; with <paramref name="migrated"/>, carrying the product's schema (its own migrator).</summary>
    public async Task<string> CreateDatabaseAsync(string prefix, bool migrated = true, CancellationToken cancellationToken = default)
    {
        var name = prefix + "_" + Guid.NewGuid().ToString("N")[..8];
        await using (var admin = new NpgsqlConnection(AdminConnectionString))
        {
            await admin.OpenAsync(cancellationToken);
            await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", admin);
            await create.ExecuteNonQueryAsync(cancellationToken);
        }

        var connectionString = new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = name }.ConnectionString;
        if (migrated)
            await DatabaseMigrator.MigrateAsync(connectionString, NullLogger.Instance, cancellationToken);
        return connectionString;
    }

    public void Info(string message) => Log.WriteLine($"  · {message}");

    /// <summary>
    /// Something several scenarios share (e.g. the product's process, started once for the SMS and web chat turns):
    /// made by <paramref name="create"/> on first use — two different keys may be made at the same time — and disposed
    /// with the context, after the last scenario and before the server stops, in the reverse order of creation.
    /// </summary>
    public Task<T> SharedAsync<T>(string key, Func<Task<T>> create)
        where T : class, IAsyncDisposable
    {
        ArgumentNullException.ThrowIfNull(create);
        lock (_shared)
        {
            if (!_shared.TryGetValue(key, out var made))
            {
                made = MakeAsync(create);
                _shared[key] = made;
            }

            return Cast<T>(made);
        }
    }

    private async Task<IAsyncDisposable> MakeAsync<T>(Func<Task<T>> create)
        where T : class, IAsyncDisposable
    {
        var made = await create();
        lock (_shared)
            _sharedInOrder.Add(made);
        return made;
    }

    private static async Task<T> Cast<T>(Task<IAsyncDisposable> made) => (T)await made;

    public async ValueTask DisposeAsync()
    {
        for (var i = _sharedInOrder.Count - 1; i >= 0; i--)
        {
            try
            {
                await _sharedInOrder[i].DisposeAsync();
            }
            catch (Exception e) when (e is IOException or InvalidOperationException or TimeoutException)
            {
                Log.WriteLine($"  · could not dispose a shared resource: {e.Message}");
            }
        }

        _shared.Clear();
        _sharedInOrder.Clear();
        NpgsqlConnection.ClearAllPools();
        await _cluster.StopAsync();
        try
        {
            Directory.Delete(_cluster.DataRoot, recursive: true);
            if (Directory.Exists(_root))
                Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
