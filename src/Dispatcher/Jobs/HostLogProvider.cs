using Hangfire.AspNetCore;
using Hangfire.Logging;

namespace ChatSurvey.Dispatcher.Jobs;

/// <summary>
/// Hangfire's log provider is process-wide (static) while logger factories belong to hosts. Where several hosts live in
/// one process (the HTTP tests), a host may be gone while another still logs through Hangfire: then its disposed
/// factory would throw on every job client created. This provider answers with a silent logger in that case.
/// </summary>
internal sealed class HostLogProvider(ILoggerFactory loggerFactory) : ILogProvider
{
    private readonly AspNetCoreLogProvider _inner = new(loggerFactory);

    public ILog GetLogger(string name)
    {
        try
        {
            return _inner.GetLogger(name);
        }
        catch (ObjectDisposedException)
        {
            return SilentLog.Instance;
        }
    }

    private sealed class SilentLog : ILog
    {
        public static readonly SilentLog Instance = new();

        public bool Log(Hangfire.Logging.LogLevel logLevel, Func<string>? messageFunc, Exception? exception = null) => false;
    }
}
