using System.Diagnostics;

namespace ChatSurvey.Benchmarks.Harness;

/// <summary>Median-of-runs helpers: product and floor are run alternately so both see the same machine state.</summary>
public static class Measure
{
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0)
            throw new ArgumentException("No values.", nameof(values));
        var mid = sorted.Length / 2;
        return sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    /// <summary>The value at quantile <paramref name="q"/> (0..1), nearest rank.</summary>
    public static double Quantile(IReadOnlyList<double> values, double q)
    {
        if (values.Count == 0)
            return double.NaN;
        var sorted = values.Order().ToArray();
        var rank = (int)Math.Ceiling(q * sorted.Length) - 1;
        return sorted[Math.Clamp(rank, 0, sorted.Length - 1)];
    }

    /// <summary>
    /// Runs <paramref name="product"/> and <paramref name="floor"/> alternately <paramref name="repeats"/> times (product
    /// first, then floor, …) and returns the median of each.
    /// </summary>
    public static async Task<(double Product, double Floor)> InterleavedAsync(
        int repeats, Func<int, Task<double>> product, Func<int, Task<double>> floor)
    {
        ArgumentNullException.ThrowIfNull(product);
        ArgumentNullException.ThrowIfNull(floor);
        var p = new List<double>(repeats);
        var f = new List<double>(repeats);
        for (var i = 0; i < repeats; i++)
        {
            p.Add(await product(i));
            f.Add(await floor(i));
        }

        return (Median(p), Median(f));
    }

    /// <summary>Seconds an action takes on the wall clock.</summary>
    public static async Task<double> SecondsAsync(Func<Task> action)
    {
        ArgumentNullException.ThrowIfNull(action);
        var watch = Stopwatch.StartNew();
        await action();
        return watch.Elapsed.TotalSeconds;
    }
}
