namespace ChatSurvey.Benchmarks.Harness;

/// <summary>
/// One benchmark scenario: measures the product beside its floor (the same work done the plainest way, on the same
/// database server, interleaved in the same run) and returns the figures. Scenarios are found by reflection: a public
/// non-abstract class with a parameterless constructor implementing this interface is run by <c>Program</c>.
/// </summary>
public interface IScenario
{
    /// <summary>Short lower-case name used by <c>--only</c> (e.g. <c>sms</c>, <c>dispatch</c>, <c>import</c>).</summary>
    string Name { get; }

    /// <summary>Order in the report (smaller first).</summary>
    int Order { get; }

    Task<IReadOnlyList<Figure>> RunAsync(BenchContext context, CancellationToken cancellationToken);
}
