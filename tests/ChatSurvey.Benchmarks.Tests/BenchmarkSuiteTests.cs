using System.Diagnostics;
using System.Reflection;
using System.Text;
using ChatSurvey.Benchmarks.Harness;

namespace ChatSurvey.Benchmarks.Tests;

/// <summary>
/// The speed and load suite must keep running (docs/performance.md): its <c>--quick</c> mode, run as the README says
/// but from its build output, ends with exit code 0 and reports every scenario class that exists. How fast it went is
/// not checked here: CI machines are shared and smoke sizes measure nothing.
/// </summary>
public sealed class BenchmarkSuiteTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(10);

    [Fact]
    public void Scenarios_Should_BeRunnableByTheProgram_When_TheyImplementIScenario()
    {
        var types = ScenarioTypes();

        Assert.NotEmpty(types);
        foreach (var type in types)
            Assert.True(type.IsPublic && type.GetConstructor(Type.EmptyTypes) is not null,
                $"{type.FullName} implements IScenario but the program only runs public classes with a parameterless constructor.");
        var names = types.Select(t => ((IScenario)Activator.CreateInstance(t)!).Name).ToList();
        Assert.Equal(names.Count, names.Distinct(StringComparer.OrdinalIgnoreCase).Count());
    }

    [Fact]
    public async Task QuickRun_Should_ExitZeroAndReportEveryScenario_When_RunFromItsBuildOutput()
    {
        var names = ScenarioTypes()
            .Where(t => t.IsPublic && t.GetConstructor(Type.EmptyTypes) is not null)
            .Select(t => ((IScenario)Activator.CreateInstance(t)!).Name)
            .ToList();
        var work = Directory.CreateTempSubdirectory("chatsurvey-bench-smoke-");
        try
        {
            var table = Path.Combine(work.FullName, "results-quick.md");
            var (exitCode, output, errors) = await RunAsync(["--quick", "--out", table], work.FullName);
            var transcript = $"exit code {exitCode}\n--- stdout\n{output}\n--- stderr\n{errors}";

            Assert.True(exitCode == 0, "The quick run failed.\n" + transcript);
            var sections = Sections(output);
            foreach (var name in names)
            {
                Assert.True(sections.TryGetValue(name, out var lines), $"Scenario {name} did not run.\n" + transcript);
                Assert.True(lines.Any(IsFigureRow), $"Scenario {name} reported no figure.\n" + transcript);
            }

            var markdown = await File.ReadAllTextAsync(table, TestContext.Current.CancellationToken);
            Assert.Contains("| scenario | metric | product | floor | ratio | target | met | note |", markdown, StringComparison.Ordinal);
            Assert.Equal(sections.Values.Sum(s => s.Count(IsFigureRow)), markdown.Split('\n').Count(l => l.StartsWith("| ", StringComparison.Ordinal)) - 1);
        }
        finally
        {
            try
            {
                work.Delete(recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private static List<Type> ScenarioTypes() =>
        [.. typeof(IScenario).Assembly.GetTypes().Where(t => t is { IsClass: true, IsAbstract: false } && typeof(IScenario).IsAssignableFrom(t))];

    /// <summary>A figure line as the program prints it under its scenario: indented, not an info line (<c>·</c>).</summary>
    private static bool IsFigureRow(string line) =>
        line.StartsWith("  ", StringComparison.Ordinal) && !line.StartsWith("  ·", StringComparison.Ordinal) && line.Trim().Length > 0;

    /// <summary>The lines printed under each <c>== name</c> header, up to the next header or the table.</summary>
    private static Dictionary<string, List<string>> Sections(string output)
    {
        var sections = new Dictionary<string, List<string>>(StringComparer.OrdinalIgnoreCase);
        List<string>? current = null;
        foreach (var line in output.Split('\n').Select(l => l.TrimEnd('\r')))
        {
            if (line.StartsWith("== ", StringComparison.Ordinal))
                sections[line[3..].Trim()] = current = [];
            else if (line.Length == 0)
                current = null;
            else
                current?.Add(line);
        }

        return sections;
    }

    private static async Task<(int ExitCode, string Output, string Errors)> RunAsync(string[] arguments, string workingDirectory)
    {
        var dll = typeof(BenchmarkSuiteTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "BenchmarksDll").Value!;
        Assert.True(File.Exists(dll), $"The suite is not built at {dll}.");
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        info.ArgumentList.Add(dll);
        foreach (var argument in arguments)
            info.ArgumentList.Add(argument);
        using var process = Process.Start(info)!;
        var output = new StringBuilder();
        var errors = new StringBuilder();
        var reading = Task.WhenAll(
            process.StandardOutput.ReadToEndAsync().ContinueWith(t => output.Append(t.Result), TaskScheduler.Default),
            process.StandardError.ReadToEndAsync().ContinueWith(t => errors.Append(t.Result), TaskScheduler.Default));
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        deadline.CancelAfter(Deadline);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
            await reading;
            Assert.Fail($"The quick run did not end within {Deadline.TotalMinutes:F0} minutes.\n--- stdout\n{output}\n--- stderr\n{errors}");
        }

        await reading;
        return (process.ExitCode, output.ToString(), errors.ToString());
    }
}
