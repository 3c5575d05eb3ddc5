using System.Collections.Concurrent;
using ChatSurvey.Dispatcher.Sms;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ChatSurvey.Dispatcher.Tests.Sms;

/// <summary>A clock that moves only when told to.</summary>
internal sealed class ManualClock(DateTimeOffset start) : TimeProvider
{
    private long _utcTicks = start.UtcTicks;

    public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _utcTicks), TimeSpan.Zero);

    public void Advance(TimeSpan by) => Interlocked.Add(ref _utcTicks, by.Ticks);
}

/// <summary>Keeps every formatted log line, to check what reaches the log.</summary>
internal sealed class RecordingLoggerProvider : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();

    public IReadOnlyList<string> Lines => [.. _lines];

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _lines);

    public void Dispose()
    {
    }

    private sealed class Logger(string category, ConcurrentQueue<string> lines) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)}");
    }
}

/// <summary>A host with only <c>AddSmsGateway</c> and the given configuration (no appsettings, no environment variables).</summary>
internal static class SmsHost
{
    public static IHost Build(
        IEnumerable<KeyValuePair<string, string?>> configuration,
        RecordingLoggerProvider? logs = null,
        Action<IServiceCollection>? services = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, EnvironmentName = "Test" });
        builder.Configuration.AddInMemoryCollection(configuration);
        builder.Logging.SetMinimumLevel(LogLevel.Trace);
        if (logs is not null)
            builder.Logging.AddProvider(logs);
        services?.Invoke(builder.Services);
        builder.AddSmsGateway();
        return builder.Build();
    }

    public static IEnumerable<KeyValuePair<string, string?>> With(
        this IEnumerable<KeyValuePair<string, string?>> configuration, string key, string? value) =>
        configuration.Where(c => c.Key != key).Append(new(key, value));
}
