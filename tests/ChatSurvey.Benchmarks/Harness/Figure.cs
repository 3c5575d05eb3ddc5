using System.Globalization;

namespace ChatSurvey.Benchmarks.Harness;

/// <summary>
/// One line of the report: what the product achieved, its floor measured in the same run (null when the scenario has
/// none), and the target the issue sets. <see cref="Ratio"/> is product ÷ floor when higher is better (throughput),
/// floor ÷ product when lower is better (time), so a ratio of 1 means "as fast as the floor" either way.
/// </summary>
/// <param name="Scenario">The scenario's row label, e.g. "SMS turn, closed loop c=16".</param>
/// <param name="Metric">What is measured, e.g. "turns/s", "p99 ms", "s", "MB".</param>
/// <param name="Product">The product's figure (median of the runs).</param>
/// <param name="Floor">The floor's figure (median of its runs), or null.</param>
/// <param name="HigherIsBetter">True for throughput, false for durations and memory.</param>
/// <param name="Target">The target for this line in words, e.g. "ratio ≥ 0.8" or "&lt; 300 MB".</param>
/// <param name="Met">Whether the target holds in this run (null when the line has no target).</param>
/// <param name="Note">Anything needed to read the figure (counts checked, errors, sizes).</param>
public sealed record Figure(
    string Scenario,
    string Metric,
    double Product,
    double? Floor,
    bool HigherIsBetter,
    string? Target = null,
    bool? Met = null,
    string? Note = null)
{
    public double? Ratio => Floor is not { } floor || floor == 0 || Product == 0
        ? null
        : HigherIsBetter ? Product / floor : floor / Product;

    public static string Format(double value) => value switch
    {
        // Counts (failures, segments, answers) read as counts.
        _ when value == Math.Floor(value) && Math.Abs(value) < 1e15 => value.ToString("N0", CultureInfo.InvariantCulture),
        >= 1000 => value.ToString("N0", CultureInfo.InvariantCulture),
        >= 100 => value.ToString("F0", CultureInfo.InvariantCulture),
        >= 10 => value.ToString("F1", CultureInfo.InvariantCulture),
        _ => value.ToString("F2", CultureInfo.InvariantCulture),
    };
}
