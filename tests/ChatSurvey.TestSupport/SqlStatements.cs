using System.Collections.Concurrent;
using System.Diagnostics;

namespace ChatSurvey.TestSupport;

/// <summary>
/// Records the SQL statements this process sends to one database, from Npgsql's own tracing (the <c>Npgsql</c>
/// <see cref="ActivitySource"/>, tags <c>db.namespace</c> and <c>db.query.text</c>), so a test can count round trips or
/// the reads of a table without touching the code under test. Other databases (other test classes running at the same
/// time) are left out. Dispose to stop listening.
/// </summary>
public sealed class SqlStatements : IDisposable
{
    private readonly ActivityListener _listener;
    private readonly ConcurrentQueue<string> _statements = new();

    public SqlStatements(string databaseName)
    {
        ArgumentException.ThrowIfNullOrEmpty(databaseName);
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Npgsql",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
            ActivityStopped = activity =>
            {
                if (activity.GetTagItem("db.namespace") as string == databaseName && activity.GetTagItem("db.query.text") is string text)
                    _statements.Enqueue(text);
            },
        };
        ActivitySource.AddActivityListener(_listener);
    }

    /// <summary>Every statement (a batch counts once, with its statements' texts together) recorded so far.</summary>
    public IReadOnlyList<string> All => [.. _statements];

    /// <summary>How many recorded statements contain <paramref name="fragment"/> (ordinal, case-insensitive).</summary>
    public int Count(string fragment) => _statements.Count(s => s.Contains(fragment, StringComparison.OrdinalIgnoreCase));

    public void Dispose() => _listener.Dispose();
}
