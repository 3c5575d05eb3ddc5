using System.Globalization;
using System.Text;
using ChatSurvey.Benchmarks.Floor;
using ChatSurvey.Benchmarks.Harness;

// The speed and load suite (docs/performance.md). Usage:
//   dotnet run -c Release --project tests/ChatSurvey.Benchmarks [-- --quick] [--only sms,dispatch] [--out FILE] [--list]
// Prints each scenario's figure beside its floor measured in the same run, and the ratio; writes the same table as
// Markdown (default artifacts/benchmarks/results.md). Exit code 0 when every scenario ran (a target not met is reported,
// not an error: this is a measurement, not a timed test); 1 when a scenario threw.
// The suite also starts itself as the turn floor's server process: --floor-server (see Floor/FloorServer).
if (args.Length > 0 && args[0] == "--floor-server")
    return await FloorServer.RunAsync(args[1..]);

var quick = args.Contains("--quick");
var only = Option(args, "--only")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.OrdinalIgnoreCase);
var output = Option(args, "--out") ?? Path.Combine("artifacts", "benchmarks", quick ? "results-quick.md" : "results.md");

var scenarios = typeof(IScenario).Assembly.GetTypes()
    .Where(t => t is { IsClass: true, IsAbstract: false, IsPublic: true } && typeof(IScenario).IsAssignableFrom(t)
                && t.GetConstructor(Type.EmptyTypes) is not null)
    .Select(t => (IScenario)Activator.CreateInstance(t)!)
    .Where(s => only is null || only.Contains(s.Name))
    .OrderBy(s => s.Order).ThenBy(s => s.Name, StringComparer.Ordinal)
    .ToList();
if (args.Contains("--list"))
{
    foreach (var scenario in scenarios)
        Console.WriteLine(scenario.Name);
    return 0;
}

if (scenarios.Count == 0)
{
    Console.Error.WriteLine("No scenario matches --only.");
    return 2;
}

using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancellation.Cancel();
};

var started = DateTimeOffset.Now;
Console.WriteLine($"ChatSurvey benchmarks ({(quick ? "quick" : "full")}) — {Environment.ProcessorCount} cores, {started:yyyy-MM-dd HH:mm zzz}");
var figures = new List<Figure>();
var failures = new List<string>();
await using (var context = await BenchContext.StartAsync(quick, Console.Out, cancellation.Token))
{
    context.LogDirectory = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(output))!, "logs");
    foreach (var scenario in scenarios)
    {
        Console.WriteLine($"== {scenario.Name}");
        var watch = System.Diagnostics.Stopwatch.StartNew();
        try
        {
            var result = await scenario.RunAsync(context, cancellation.Token);
            foreach (var figure in result)
                Console.WriteLine("  " + Row(figure));
            figures.AddRange(result);
            context.Info(string.Create(CultureInfo.InvariantCulture, $"{scenario.Name} took {watch.Elapsed.TotalSeconds:F1} s"));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            failures.Add(scenario.Name);
            Console.Error.WriteLine($"  scenario {scenario.Name} failed: {e}");
        }
    }
}

var markdown = Table(figures, quick, started);
Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
await File.WriteAllTextAsync(output, markdown);
Console.WriteLine();
Console.WriteLine(markdown);
Console.WriteLine($"Written to {Path.GetFullPath(output)}");
Console.WriteLine($"{figures.Count} figures, {figures.Count(f => f.Met == false)} targets not met, {failures.Count} scenarios failed{(failures.Count > 0 ? ": " + string.Join(", ", failures) : "")}");
return failures.Count == 0 ? 0 : 1;

static string? Option(string[] args, string name)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}

static string Row(Figure f) =>
    $"{f.Scenario}: {Figure.Format(f.Product)} {f.Metric}"
    + (f.Floor is { } floor ? $" · floor {Figure.Format(floor)} · ratio {f.Ratio?.ToString("F2", CultureInfo.InvariantCulture) ?? "—"}" : "")
    + (f.Target is null ? "" : $" · target {f.Target}: {(f.Met == true ? "met" : f.Met == false ? "NOT met" : "—")}")
    + (f.Note is null ? "" : $" ({f.Note})");

static string Table(List<Figure> figures, bool quick, DateTimeOffset started)
{
    var text = new StringBuilder()
        .AppendLine(CultureInfo.InvariantCulture, $"Run {started:yyyy-MM-dd HH:mm zzz}, {(quick ? "quick (smoke sizes: not a measurement)" : "full")}, {Environment.ProcessorCount} cores, {Environment.OSVersion}, .NET {Environment.Version}")
        .AppendLine()
        .AppendLine("| scenario | metric | product | floor | ratio | target | met | note |")
        .AppendLine("|---|---|---|---|---|---|---|---|");
    foreach (var f in figures)
    {
        text.AppendLine(CultureInfo.InvariantCulture,
            $"| {f.Scenario} | {f.Metric} | {Figure.Format(f.Product)} | {(f.Floor is { } floor ? Figure.Format(floor) : "—")} | {f.Ratio?.ToString("F2", CultureInfo.InvariantCulture) ?? "—"} | {f.Target ?? "—"} | {(f.Met switch { true => "yes", false => "**no**", _ => "—" })} | {f.Note ?? ""} |");
    }

    return text.ToString();
}
