using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace ChatSurvey.Benchmarks.Harness;

/// <summary>
/// A server the suite runs in its own process (the product, a floor): started with its environment, its output copied
/// to a log file in <see cref="BenchContext.LogDirectory"/>, ready once an HTTP endpoint answers 200, killed (with its children) when
/// disposed — also when a scenario fails.
/// </summary>
public sealed class ChildProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Task _output;
    private readonly Task _error;

    private ChildProcess(string name, Process process, string logFile, Task output, Task error)
    {
        Name = name;
        _process = process;
        LogFile = logFile;
        _output = output;
        _error = error;
    }

    public string Name { get; }

    public int Id => _process.Id;

    public string LogFile { get; }

    public bool HasExited => _process.HasExited;

    /// <summary>Starts <paramref name="fileName"/> with <paramref name="arguments"/>, stdout and stderr into <c>{name}.log</c>.</summary>
    public static ChildProcess Start(
        BenchContext context, string name, string fileName, IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string?> environment, string? workingDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        var info = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? context.WorkDirectory,
        };
        foreach (var argument in arguments)
            info.ArgumentList.Add(argument);
        foreach (var (key, value) in environment)
            info.Environment[key] = value;
        var process = Process.Start(info) ?? throw new InvalidOperationException($"Could not start {fileName}.");
        Directory.CreateDirectory(context.LogDirectory);
        var logFile = Path.Combine(context.LogDirectory, name + ".log");
        var log = new FileStream(logFile, FileMode.Create, FileAccess.Write, FileShare.ReadWrite, 64 * 1024, useAsync: true);
        var writer = new SemaphoreSlim(1, 1);
        // Raw copies, no line parsing: the runner is also the load generator and must not spend its cores on logs.
        var output = CopyAsync(process.StandardOutput.BaseStream, log, writer);
        var error = CopyAsync(process.StandardError.BaseStream, log, writer);
        _ = Task.WhenAll(output, error).ContinueWith(_ => log.Dispose(), TaskScheduler.Default);
        return new ChildProcess(name, process, logFile, output, error);
    }

    /// <summary>The command that runs an app's <c>.dll</c> with the same host this process runs on.</summary>
    public static (string FileName, List<string> Arguments) DotnetCommand(string dll)
    {
        var host = Environment.ProcessPath;
        var dotnet = host is not null && Path.GetFileNameWithoutExtension(host).Equals("dotnet", StringComparison.OrdinalIgnoreCase)
            ? host
            : "dotnet";
        return (dotnet, [dll]);
    }

    /// <summary>A free TCP port on the loopback interface.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Waits until <paramref name="url"/> answers 200; fails with the log's tail when the process exits or the deadline passes.</summary>
    public async Task WaitReadyAsync(Uri url, TimeSpan deadline, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var watch = Stopwatch.StartNew();
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (_process.HasExited)
                throw new InvalidOperationException($"{Name} exited with code {_process.ExitCode} before it was ready.\n{Tail()}");
            try
            {
                using var response = await http.GetAsync(url, cancellationToken);
                if (response.StatusCode == HttpStatusCode.OK)
                    return;
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
            }

            if (watch.Elapsed > deadline)
                throw new TimeoutException($"{Name} was not ready at {url} after {deadline.TotalSeconds:F0} s.\n{Tail()}");
            await Task.Delay(100, cancellationToken);
        }
    }

    /// <summary>Resident memory (VmRSS) in MB, from <c>/proc/{pid}/status</c> (the working set elsewhere); null once exited.</summary>
    public double? ResidentMegabytes()
    {
        if (_process.HasExited)
            return null;
        var status = $"/proc/{_process.Id}/status";
        try
        {
            if (File.Exists(status))
            {
                foreach (var line in File.ReadLines(status))
                {
                    if (!line.StartsWith("VmRSS:", StringComparison.Ordinal))
                        continue;
                    var kb = long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
                    return kb / 1024.0;
                }
            }

            _process.Refresh();
            return _process.WorkingSet64 / (1024.0 * 1024.0);
        }
        catch (IOException)
        {
            return null;
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>The last lines of the log, for error messages.</summary>
    public string Tail(int lines = 40)
    {
        try
        {
            using var stream = new FileStream(LogFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            var all = reader.ReadToEnd().Split('\n');
            return string.Join('\n', all.TakeLast(lines));
        }
        catch (IOException)
        {
            return "(no log)";
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
            }
        }
        catch (InvalidOperationException)
        {
        }
        catch (TimeoutException)
        {
        }

        try
        {
            await Task.WhenAll(_output, _error).WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (TimeoutException)
        {
        }
        catch (IOException)
        {
        }

        _process.Dispose();
    }

    private static async Task CopyAsync(Stream from, FileStream to, SemaphoreSlim gate)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await from.ReadAsync(buffer)) > 0)
            {
                await gate.WaitAsync();
                try
                {
                    await to.WriteAsync(buffer.AsMemory(0, read));
                    await to.FlushAsync();
                }
                finally
                {
                    gate.Release();
                }
            }
        }
        catch (IOException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
    }
}

/// <summary>Samples a process's resident memory every <c>interval</c> until disposed; keeps the maximum.</summary>
public sealed class MemorySampler : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private double _max;
    private int _samples;

    public MemorySampler(ChildProcess process, TimeSpan interval)
    {
        ArgumentNullException.ThrowIfNull(process);
        _loop = Task.Run(async () =>
        {
            using var timer = new PeriodicTimer(interval);
            try
            {
                do
                {
                    if (process.ResidentMegabytes() is { } mb)
                    {
                        _max = Math.Max(_max, mb);
                        _samples++;
                    }
                }
                while (await timer.WaitForNextTickAsync(_stop.Token));
            }
            catch (OperationCanceledException)
            {
            }
        });
    }

    public double MaxMegabytes => _max;

    public int Samples => _samples;

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        _stop.Dispose();
    }
}
