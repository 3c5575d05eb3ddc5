using System.Collections.Concurrent;
using System.Diagnostics;
using ChatSurvey.TestSupport.Twilio;

namespace ChatSurvey.Dispatcher.Tests.Jobs;

/// <summary>
/// A worker-only process (<c>src/Dispatcher</c>, as <c>dotnet run --project src/Dispatcher</c> starts it) on the test
/// database, sending through the Twilio fake. <see cref="Kill"/> is SIGKILL: no shutdown code runs.
/// </summary>
internal sealed class WorkerProcess : IDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    private WorkerProcess(Process process)
    {
        _process = process;
    }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>The last lines the worker wrote, for failure messages.</summary>
    public string Tail => string.Join('\n', _output.TakeLast(40));

    public static WorkerProcess Start(string connectionString, TwilioFake fake, params (string Key, string Value)[] settings)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
        };
        start.ArgumentList.Add(LocateWorker());
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        start.Environment["ConnectionStrings__Survey"] = connectionString;
        start.Environment["Storage__SeedDemoData"] = "false";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        start.Environment["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information";
        start.Environment["App__PublicBaseUrl"] = "https://khaosat.haiphong.test";
        foreach (var (key, value) in fake.ConfigurationValues())
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        foreach (var (key, value) in settings)
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;

        var process = new Process { StartInfo = start };
        var worker = new WorkerProcess(process);
        process.OutputDataReceived += (_, e) => worker.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => worker.Keep(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return worker;
    }

    /// <summary>SIGKILL, and wait until the process is gone.</summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    public void Dispose()
    {
        if (!_process.HasExited)
            Kill();
        _process.Dispose();
    }

    private void Keep(string? line)
    {
        if (line is null)
            return;
        _output.Enqueue(line);
        while (_output.Count > 200)
            _output.TryDequeue(out _);
    }

    /// <summary>
    /// The built worker: copied beside the tests (a referenced executable brings its runtimeconfig and deps), else the
    /// Dispatcher project's own output, in an artifacts folder or in src/Dispatcher/bin.
    /// </summary>
    private static string LocateWorker()
    {
        const string name = "ChatSurvey.Dispatcher.dll";
        var here = AppContext.BaseDirectory;
        string[] candidates =
        [
            Path.Combine(here, name),
            Path.GetFullPath(Path.Combine(here, "..", "..", "ChatSurvey.Dispatcher", "debug", name)),
            Path.GetFullPath(Path.Combine(here, "..", "..", "..", "..", "..", "src", "Dispatcher", "bin", "Debug", "net10.0", name)),
        ];
        return candidates.FirstOrDefault(c => File.Exists(c) && File.Exists(Path.ChangeExtension(c, ".runtimeconfig.json")))
            ?? throw new FileNotFoundException($"The Dispatcher worker is not built; looked at {string.Join(", ", candidates)}.");
    }
}
