using System.Diagnostics;
using System.Globalization;

namespace ChatSurvey.TestSupport;

/// <summary>
/// Waits on a condition instead of sleeping: reads a value until it satisfies a test, and fails with what was awaited
/// and the last value read when the timeout passes first.
/// </summary>
public static class Eventually
{
    /// <summary>The default patience: the suite shares two cores between test hosts, browsers and PostgreSQL.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// Reads <paramref name="read"/> until <paramref name="done"/> holds and returns that value; after
    /// <paramref name="timeout"/> (default <see cref="DefaultTimeout"/>) fails with <paramref name="what"/> and the last value.
    /// </summary>
    public static async Task<T> UntilAsync<T>(
        Func<Task<T>> read, Func<T, bool> done, string what, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(read);
        ArgumentNullException.ThrowIfNull(done);
        var limit = timeout ?? DefaultTimeout;
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var value = await read();
            if (done(value))
                return value;
            if (clock.Elapsed > limit)
                throw new TimeoutException(string.Create(CultureInfo.InvariantCulture,
                    $"Waited {limit.TotalSeconds:0.#} s for {what}; the last value read was: {Describe(value)}"));
            await Task.Delay(PollInterval, cancellationToken);
        }
    }

    /// <summary>Waits until <paramref name="condition"/> is true; see <see cref="UntilAsync{T}"/>.</summary>
    public static Task UntilAsync(Func<Task<bool>> condition, string what, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
        UntilAsync(condition, ok => ok, what, timeout, cancellationToken);

    private static string Describe<T>(T value) => value switch
    {
        null => "null",
        string text => $"\"{text}\"",
        System.Collections.IEnumerable items and not string => "[" + string.Join(", ", items.Cast<object?>()) + "]",
        _ => value.ToString() ?? "",
    };
}
