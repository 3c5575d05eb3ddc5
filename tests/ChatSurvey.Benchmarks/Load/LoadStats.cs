using System.Collections.Concurrent;
using System.Globalization;
using ChatSurvey.Benchmarks.Harness;

namespace ChatSurvey.Benchmarks.Load;

/// <summary>How one request ended, as the load generator sees it.</summary>
public enum Outcome
{
    /// <summary>2xx (for a turn: its reply is there, inline or visible).</summary>
    Ok,

    /// <summary>4xx: the suite sent something the server refuses — a defect of the benchmark or its configuration.</summary>
    ClientError,

    /// <summary>5xx.</summary>
    ServerError,

    /// <summary>No answer within the client's deadline (Twilio waits 15 s for a webhook).</summary>
    Timeout,

    /// <summary>The connection failed.</summary>
    NetworkError,
}

/// <summary>Counts and latencies of one load run; thread-safe.</summary>
public sealed class LoadStats
{
    private readonly Lock _gate = new();
    private readonly List<double> _latencies = new(64 * 1024);
    private readonly ConcurrentDictionary<int, int> _statuses = new();
    private int _ok;
    private int _clientErrors;
    private int _serverErrors;
    private int _timeouts;
    private int _networkErrors;
    private int _deferred;
    private string? _firstClientError;

    public TimeSpan Elapsed { get; set; }

    public int Ok => Volatile.Read(ref _ok);

    public int ClientErrors => Volatile.Read(ref _clientErrors);

    public int ServerErrors => Volatile.Read(ref _serverErrors);

    public int Timeouts => Volatile.Read(ref _timeouts);

    public int NetworkErrors => Volatile.Read(ref _networkErrors);

    /// <summary>SMS: webhooks answered 200 with an empty TwiML (the reply goes later, by REST).</summary>
    public int Deferred => Volatile.Read(ref _deferred);

    public int Failures => ClientErrors + ServerErrors + Timeouts + NetworkErrors;

    public int Total => Ok + Failures;

    /// <summary>The first 4xx answer (status and body), to name the defect when a run is refused.</summary>
    public string? FirstClientError => _firstClientError;

    /// <summary>Successful turns per second over <see cref="Elapsed"/>.</summary>
    public double PerSecond => Elapsed > TimeSpan.Zero ? Ok / Elapsed.TotalSeconds : 0;

    public IReadOnlyDictionary<int, int> Statuses => _statuses;

    public void Record(Outcome outcome, double milliseconds, int status = 0, string? detail = null)
    {
        switch (outcome)
        {
            case Outcome.Ok:
                Interlocked.Increment(ref _ok);
                break;
            case Outcome.ClientError:
                Interlocked.Increment(ref _clientErrors);
                Interlocked.CompareExchange(ref _firstClientError, $"{status}: {detail}", null);
                break;
            case Outcome.ServerError:
                Interlocked.Increment(ref _serverErrors);
                break;
            case Outcome.Timeout:
                Interlocked.Increment(ref _timeouts);
                break;
            default:
                Interlocked.Increment(ref _networkErrors);
                break;
        }

        if (status != 0)
            _statuses.AddOrUpdate(status, 1, (_, n) => n + 1);
        lock (_gate)
            _latencies.Add(milliseconds);
    }

    public void RecordDeferred() => Interlocked.Increment(ref _deferred);

    /// <summary>Latency quantile over every request, failed ones included (a timeout counts as its deadline).</summary>
    public double Quantile(double q)
    {
        lock (_gate)
            return Measure.Quantile(_latencies, q);
    }

    /// <summary>Throws when the server refused the suite's own requests (4xx): the run would measure nothing.</summary>
    public void ThrowOnClientErrors(string what)
    {
        if (ClientErrors > 0)
            throw new InvalidOperationException($"{what}: {ClientErrors} requests refused with 4xx (first: {FirstClientError}); the benchmark's requests or configuration are wrong.");
        if (Ok == 0)
            throw new InvalidOperationException($"{what}: no request succeeded ({Describe()}).");
    }

    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"{Total} requests in {Elapsed.TotalSeconds:F1} s: {Ok} ok{(Deferred > 0 ? $" ({Deferred} with the reply deferred)" : "")}, {ServerErrors} 5xx, {Timeouts} timeouts, {NetworkErrors} network errors, {ClientErrors} 4xx; p50 {Quantile(0.5):F1} ms, p99 {Quantile(0.99):F1} ms");
}
