using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace ChatSurvey.Dispatcher.Database;

/// <summary>Settings for a private PostgreSQL cluster run from the installed server binaries.</summary>
public sealed record LocalPostgresOptions
{
    /// <summary>Folder that holds the cluster, its password file and log. Created when missing.</summary>
    public required string DataRoot { get; init; }

    /// <summary>Database created in the cluster for the application.</summary>
    public string Database { get; init; } = "chatsurvey";

    /// <summary>
    /// False for throwaway test clusters: fsync and full-page writes off. Never false for data that matters.
    /// </summary>
    public bool Durable { get; init; } = true;

    /// <summary>
    /// Where to look for initdb and pg_ctl. Null means PATH, then /usr/lib/postgresql/*/bin (newest first).
    /// </summary>
    public IReadOnlyList<string>? BinarySearchPaths { get; init; }

    /// <summary>
    /// Memory and WAL settings, written at every start (so they apply to an existing cluster too). Null sizes them for this
    /// machine (<see cref="PostgresMemorySettings.ForMachine"/>); test clusters pass <see cref="PostgresMemorySettings.Modest"/>.
    /// </summary>
    public PostgresMemorySettings? Memory { get; init; }
}

/// <summary>The server binaries are not installed: the one line to show the operator is the message.</summary>
public sealed class PostgresNotInstalledException(string message) : Exception(message);

/// <summary>
/// A PostgreSQL cluster owned by this application: created with initdb on first use, started with
/// pg_ctl on a free loopback port, reused when a previous process left it running (after a crash),
/// stopped by <see cref="StopAsync"/>. PostgreSQL refuses to run as root, so under root every server
/// command runs as the <c>postgres</c> user, and the data folder moves to one that user owns when it
/// cannot reach the configured one.
/// </summary>
public sealed class LocalPostgresCluster : IAsyncDisposable
{
    private const string ServiceUser = "postgres";
    private const string SuperUser = "postgres";
    private readonly string _binDir;
    private readonly bool _asRoot;
    private readonly ILogger _logger;
    private bool _stopped;

    private LocalPostgresCluster(string binDir, bool asRoot, string root, ILogger logger)
    {
        _binDir = binDir;
        _asRoot = asRoot;
        DataRoot = root;
        ClusterDirectory = Path.Combine(root, "cluster");
        _logger = logger;
    }

    /// <summary>The folder actually used (may differ from the configured one under root).</summary>
    public string DataRoot { get; }

    public string ClusterDirectory { get; }

    public int Port { get; private set; }

    /// <summary>True when this start found the server already running and adopted it.</summary>
    public bool Reused { get; private set; }

    /// <summary>Connection string to the application database.</summary>
    public string ConnectionString { get; private set; } = "";

    /// <summary>Connection string to the maintenance database <c>postgres</c> (for creating databases).</summary>
    public string AdminConnectionString { get; private set; } = "";

    private string PasswordFile => Path.Combine(DataRoot, "superuser.pwd");

    private string LogFile => Path.Combine(ClusterDirectory, "server.log");

    private const string PortFileName = "chatsurvey_port.conf";

    private string PortFile => Path.Combine(ClusterDirectory, PortFileName);

    private const string MemoryFileName = "chatsurvey_memory.conf";

    private string MemoryFile => Path.Combine(ClusterDirectory, MemoryFileName);

    private static string MemoryInclude => $"include_if_exists = '{MemoryFileName}'";

    /// <summary>The memory settings this start wrote (<see cref="LocalPostgresOptions.Memory"/>).</summary>
    public PostgresMemorySettings Memory { get; private set; } = PostgresMemorySettings.Modest;

    /// <summary>Finds initdb and pg_ctl, or throws <see cref="PostgresNotInstalledException"/>.</summary>
    public static string FindBinaries(IReadOnlyList<string>? searchPaths = null)
    {
        var candidates = searchPaths ?? DefaultSearchPaths();
        foreach (var dir in candidates)
        {
            if (File.Exists(Path.Combine(dir, "initdb")) && File.Exists(Path.Combine(dir, "pg_ctl")))
                return ResolveBinDir(dir);
        }

        throw new PostgresNotInstalledException(
            "PostgreSQL server binaries (initdb, pg_ctl) were not found on PATH or under /usr/lib/postgresql/*/bin: " +
            "install the Debian package 'postgresql' (apt-get install postgresql), or set ConnectionStrings:Survey to an existing server.");
    }

    public static async Task<LocalPostgresCluster> StartAsync(
        LocalPostgresOptions options, ILogger logger, CancellationToken cancellationToken = default)
    {
        var binDir = FindBinaries(options.BinarySearchPaths);
        var asRoot = Environment.IsPrivilegedProcess;
        var root = Path.GetFullPath(options.DataRoot);
        Directory.CreateDirectory(root);
        if (asRoot)
            root = await PrepareRootForServiceUserAsync(root, logger, cancellationToken);

        var cluster = new LocalPostgresCluster(binDir, asRoot, root, logger);
        await cluster.InitializeAsync(options, cancellationToken);
        await cluster.WriteMemorySettingsAsync(options, cancellationToken);
        await cluster.StartOrReuseAsync(options, cancellationToken);
        return cluster;
    }

    /// <summary>Stops the server (fast shutdown: open sessions are ended, data is flushed).</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (_stopped)
            return;
        _stopped = true;
        NpgsqlConnection.ClearAllPools();
        var result = await RunServerCommandAsync("pg_ctl", ["-D", ClusterDirectory, "-m", "fast", "-w", "-t", "60", "stop"], cancellationToken);
        if (result.ExitCode != 0)
            _logger.LogWarning("pg_ctl stop exited with {ExitCode}: {Output}", result.ExitCode, result.Output.Trim());
        else
            _logger.LogInformation("Local PostgreSQL in {Folder} stopped", ClusterDirectory);
    }

    public async ValueTask DisposeAsync() => await StopAsync();

    private async Task InitializeAsync(LocalPostgresOptions options, CancellationToken cancellationToken)
    {
        if (File.Exists(Path.Combine(ClusterDirectory, "PG_VERSION")))
            return;

        if (!File.Exists(PasswordFile))
        {
            var password = Convert.ToHexString(RandomNumberGenerator.GetBytes(24)).ToLowerInvariant();
            await File.WriteAllTextAsync(PasswordFile, password, cancellationToken);
            File.SetUnixFileMode(PasswordFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        Directory.CreateDirectory(ClusterDirectory);
        if (_asRoot)
        {
            // initdb reads the password file and writes the cluster as the service user.
            await ChownAsync(PasswordFile, cancellationToken);
            await ChownAsync(ClusterDirectory, cancellationToken);
        }

        _logger.LogInformation("Creating a local PostgreSQL cluster in {Folder}", ClusterDirectory);
        var init = await RunServerCommandAsync("initdb",
            ["-D", ClusterDirectory, "-U", SuperUser, "--auth=scram-sha-256", "--pwfile=" + PasswordFile,
             "--encoding=UTF8", "--locale=C", "--no-instructions"], cancellationToken);
        if (init.ExitCode != 0)
            throw new InvalidOperationException($"initdb failed ({init.ExitCode}) in {ClusterDirectory}: {init.Output.Trim()}");

        // Loopback only, no Unix socket (its folder may not exist or be writable); the port is chosen per start.
        var settings = new StringBuilder()
            .AppendLine()
            .AppendLine("# ChatSurvey local cluster")
            .AppendLine("listen_addresses = '127.0.0.1'")
            .AppendLine("unix_socket_directories = ''")
            .AppendLine("max_connections = 200")
            .AppendLine("timezone = 'UTC'")
            // The port is chosen per start and written there, so a plain `pg_ctl -D … start` uses it too.
            .AppendLine($"include_if_exists = '{PortFileName}'");
        if (!options.Durable)
        {
            settings.AppendLine("fsync = off")
                .AppendLine("synchronous_commit = off")
                .AppendLine("full_page_writes = off");
        }

        // Memory and WAL sizes, rewritten at each start (WriteMemorySettingsAsync); last, so they win over initdb's.
        settings.AppendLine(MemoryInclude);

        await File.AppendAllTextAsync(Path.Combine(ClusterDirectory, "postgresql.conf"), settings.ToString(), cancellationToken);
    }

    /// <summary>
    /// Writes the memory settings to their file and makes sure <c>postgresql.conf</c> includes it, last: a cluster made before
    /// the settings existed gets the line appended. An adopted running server reloads them (<see cref="ReloadSettingsAsync"/>).
    /// </summary>
    private async Task WriteMemorySettingsAsync(LocalPostgresOptions options, CancellationToken cancellationToken)
    {
        Memory = options.Memory ?? PostgresMemorySettings.ForMachine(PostgresMemorySettings.MachineMemoryBytes());
        await File.WriteAllTextAsync(MemoryFile, Memory.ToConfig(), cancellationToken);
        var config = Path.Combine(ClusterDirectory, "postgresql.conf");
        var lines = await File.ReadAllLinesAsync(config, cancellationToken);
        if (!lines.Any(line => line.Trim() == MemoryInclude))
            await File.AppendAllTextAsync(config, $"\n# ChatSurvey memory settings\n{MemoryInclude}\n", cancellationToken);
        _logger.LogInformation("Local PostgreSQL memory: {Settings}", Memory);
    }

    private async Task StartOrReuseAsync(LocalPostgresOptions options, CancellationToken cancellationToken)
    {
        var password = (await File.ReadAllTextAsync(PasswordFile, cancellationToken)).Trim();

        var runningPort = ReadRunningPort();
        if (runningPort is int port && await CanConnectAsync(port, password, cancellationToken))
        {
            Port = port;
            Reused = true;
            _logger.LogInformation("Reusing the local PostgreSQL already running in {Folder} on port {Port}", ClusterDirectory, port);
        }
        else
        {
            await StartServerAsync(cancellationToken);
        }

        AdminConnectionString = BuildConnectionString(Port, password, "postgres");
        ConnectionString = BuildConnectionString(Port, password, options.Database);
        if (Reused)
            await ReloadSettingsAsync(cancellationToken);
        await EnsureDatabaseAsync(options.Database, cancellationToken);
    }

    /// <summary>
    /// An adopted server reads the settings just written; shared_buffers, which only a restart changes, is named in the log
    /// when the running server has another.
    /// </summary>
    private async Task ReloadSettingsAsync(CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var reload = new NpgsqlCommand("SELECT pg_reload_conf(), current_setting('shared_buffers')", connection);
        await using var reader = await reload.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        var running = reader.GetString(1);
        if (!PostgresMemorySettings.TryParseKb(running, out var kilobytes) || kilobytes != Memory.SharedBuffersKb)
        {
            _logger.LogInformation("Local PostgreSQL in {Folder} keeps shared_buffers {Running} until its next restart ({Configured} then)",
                ClusterDirectory, running, PostgresMemorySettings.Format(Memory.SharedBuffersKb));
        }
    }

    private async Task StartServerAsync(CancellationToken cancellationToken)
    {
        // A free port can be taken by someone else between the probe and the start: try a few.
        // The port of the last run is kept when it is still free, so clients configured by hand keep working.
        for (var attempt = 1; ; attempt++)
        {
            var port = attempt == 1 && ReadConfiguredPort() is int last && IsFree(last) ? last : FindFreePort();
            await File.WriteAllTextAsync(PortFile, $"port = {port}\n", cancellationToken);
            var result = await RunServerCommandAsync("pg_ctl",
                ["-D", ClusterDirectory, "-l", LogFile, "-w", "-t", "60", "start"], cancellationToken);
            if (result.ExitCode == 0)
            {
                Port = port;
                _logger.LogInformation("Local PostgreSQL started in {Folder} on port {Port}", ClusterDirectory, port);
                return;
            }

            if (attempt == 3)
            {
                var log = File.Exists(LogFile) ? string.Join('\n', File.ReadLines(LogFile).TakeLast(10)) : "";
                throw new InvalidOperationException(
                    $"pg_ctl start failed ({result.ExitCode}) for {ClusterDirectory}: {result.Output.Trim()}\n{log}");
            }
        }
    }

    /// <summary>Port of a postmaster still alive from an earlier run, read from postmaster.pid.</summary>
    private int? ReadRunningPort()
    {
        var pidFile = Path.Combine(ClusterDirectory, "postmaster.pid");
        if (!File.Exists(pidFile))
            return null;
        try
        {
            // Line 1 is the PID, line 4 the port (PostgreSQL's postmaster.pid layout).
            var lines = File.ReadAllLines(pidFile);
            if (lines.Length < 4
                || !int.TryParse(lines[0], CultureInfo.InvariantCulture, out var pid)
                || !int.TryParse(lines[3], CultureInfo.InvariantCulture, out var port))
                return null;
            return Directory.Exists($"/proc/{pid}") ? port : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static async Task<bool> CanConnectAsync(int port, string password, CancellationToken cancellationToken)
    {
        try
        {
            await using var connection = new NpgsqlConnection(BuildConnectionString(port, password, "postgres", pooling: false));
            await connection.OpenAsync(cancellationToken);
            return true;
        }
        catch (Exception e) when (e is NpgsqlException or SocketException or TimeoutException)
        {
            return false;
        }
    }

    private async Task EnsureDatabaseAsync(string database, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = $1", connection);
        exists.Parameters.AddWithValue(database);
        if (await exists.ExecuteScalarAsync(cancellationToken) is not null)
            return;
        await using var create = new NpgsqlCommand($"CREATE DATABASE {QuoteIdentifier(database)}", connection);
        try
        {
            await create.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.DuplicateDatabase)
        {
            // Created by a concurrent start: fine.
        }
    }

    internal static string QuoteIdentifier(string name) => "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private static string BuildConnectionString(int port, string password, string database, bool pooling = true) =>
        new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1",
            Port = port,
            Username = SuperUser,
            Password = password,
            Database = database,
            Pooling = pooling,
            Timeout = 5,
        }.ConnectionString;

    private int? ReadConfiguredPort()
    {
        if (!File.Exists(PortFile))
            return null;
        var text = File.ReadAllText(PortFile).Replace("port =", "", StringComparison.Ordinal).Trim();
        return int.TryParse(text, CultureInfo.InvariantCulture, out var port) ? port : null;
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static int FindFreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static IReadOnlyList<string> DefaultSearchPaths()
    {
        var paths = (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(':', StringSplitOptions.RemoveEmptyEntries)
            .ToList();
        const string debianRoot = "/usr/lib/postgresql";
        if (Directory.Exists(debianRoot))
        {
            paths.AddRange(Directory.GetDirectories(debianRoot)
                .Select(d => (Dir: d, Version: double.TryParse(Path.GetFileName(d), CultureInfo.InvariantCulture, out var v) ? v : 0))
                .OrderByDescending(d => d.Version)
                .Select(d => Path.Combine(d.Dir, "bin")));
        }

        return paths;
    }

    /// <summary>PATH often holds symlinks (/usr/local/bin/initdb); the real folder has pg_ctl's siblings.</summary>
    private static string ResolveBinDir(string dir)
    {
        var initdb = new FileInfo(Path.Combine(dir, "initdb"));
        var target = initdb.ResolveLinkTarget(returnFinalTarget: true);
        return target is null ? dir : Path.GetDirectoryName(target.FullName) ?? dir;
    }

    /// <summary>
    /// Under root the server runs as the service user, who must own the data folder and reach it
    /// through every folder above it. A clone under /root, say, is not reachable: then the cluster
    /// lives in a folder under the service user's home, named after the configured path.
    /// </summary>
    private static async Task<string> PrepareRootForServiceUserAsync(string root, ILogger logger, CancellationToken cancellationToken)
    {
        if (await ServiceUserCanUseAsync(root, cancellationToken))
            return root;

        var home = ServiceUserHome() ?? "/var/lib/postgresql";
        var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(root)))[..12].ToLowerInvariant();
        var fallback = Path.Combine(home, "chatsurvey", hash);
        Directory.CreateDirectory(fallback);
        await RunAsync("chown", [$"{ServiceUser}:", Path.Combine(home, "chatsurvey"), fallback], cancellationToken);
        if (!await ServiceUserCanUseAsync(fallback, cancellationToken))
            throw new InvalidOperationException($"Neither {root} nor {fallback} is usable by the '{ServiceUser}' user.");
        logger.LogWarning("The '{User}' user cannot reach {Configured}; the local PostgreSQL data lives in {Fallback} instead",
            ServiceUser, root, fallback);
        return fallback;
    }

    private static async Task<bool> ServiceUserCanUseAsync(string folder, CancellationToken cancellationToken)
    {
        await RunAsync("chown", [$"{ServiceUser}:", folder], cancellationToken);
        // `test` as the service user fails when any folder above is not traversable for it.
        var probe = await RunAsync("runuser", ["-u", ServiceUser, "--", "test", "-x", folder, "-a", "-w", folder], cancellationToken);
        return probe.ExitCode == 0;
    }

    private static string? ServiceUserHome()
    {
        if (!File.Exists("/etc/passwd"))
            return null;
        var line = File.ReadLines("/etc/passwd").FirstOrDefault(l => l.StartsWith(ServiceUser + ":", StringComparison.Ordinal));
        var fields = line?.Split(':');
        return fields is { Length: >= 6 } && fields[5].Length > 0 ? fields[5] : null;
    }

    private Task ChownAsync(string path, CancellationToken cancellationToken) =>
        RunAsync("chown", [$"{ServiceUser}:", path], cancellationToken);

    private Task<ProcessResult> RunServerCommandAsync(string tool, IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var exe = Path.Combine(_binDir, tool);
        return _asRoot
            ? RunAsync("runuser", ["-u", ServiceUser, "--", exe, .. args], cancellationToken)
            : RunAsync(exe, args, cancellationToken);
    }

    private sealed record ProcessResult(int ExitCode, string Output);

    private static async Task<ProcessResult> RunAsync(string fileName, IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            // The service user cannot necessarily read the caller's working folder.
            WorkingDirectory = "/",
        };
        foreach (var arg in args)
            info.ArgumentList.Add(arg);
        // Messages in English whatever the machine's locale, so logs are searchable.
        info.Environment["LC_ALL"] = "C";

        using var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {fileName}");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        return new ProcessResult(process.ExitCode, await stdout + await stderr);
    }
}
