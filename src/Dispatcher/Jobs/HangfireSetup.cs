using System.Globalization;
using ChatSurvey.Dispatcher.Database;
using Hangfire;
using Hangfire.AspNetCore;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;
using Microsoft.Extensions.Options;

namespace ChatSurvey.Dispatcher.Jobs;

internal static class HangfireSetup
{
    public const string SchemaName = "hangfire";

    /// <summary>
    /// Hangfire on the survey database, in its own schema, prepared at start-up. The client (<see cref="IBackgroundJobClient"/>,
    /// <see cref="IRecurringJobManager"/>) is always registered; the server only with <c>Dispatcher:Enabled</c>.
    /// </summary>
    public static void AddHangfireDispatcher(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<DispatcherOptions>().BindConfiguration(DispatcherOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<DispatcherOptions>, DispatcherOptionsValidator>();

        // This host's own storage, from this host's connection string. Hangfire's default registration hands out the
        // static JobStorage.Current, which the last host to configure wins when several hosts share a process (the
        // test suite): jobs would then be queued in another host's database. Registered first, so AddHangfire keeps it.
        services.AddSingleton<JobStorage>(sp =>
        {
            _ = sp.GetRequiredService<IGlobalConfiguration>(); // serializer and log settings first, as Hangfire's own does
            var options = sp.GetRequiredService<IOptions<DispatcherOptions>>().Value;
            // Read when the storage is built, after AddSurveyDatabaseAsync has settled the connection string.
            var connectionString = sp.GetRequiredService<IConfiguration>().GetConnectionString(SurveyDatabaseExtensions.ConnectionStringName)
                ?? throw new InvalidOperationException("ConnectionStrings:Survey is not set.");
            var storageOptions = new PostgreSqlStorageOptions
            {
                SchemaName = SchemaName,
                PrepareSchemaIfNecessary = true,
                EnableLongPolling = true,
                QueuePollInterval = options.QueuePollInterval,
                // A worker that dies mid-job (SIGKILL) stops extending its fetch; the job runs again soon after.
                UseSlidingInvisibilityTimeout = true,
                InvisibilityTimeout = TimeSpan.FromMinutes(5),
            };
            return new PostgreSqlStorage(new NpgsqlConnectionFactory(connectionString, storageOptions), storageOptions);
        });
        services.AddHangfire((sp, configuration) => configuration
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseLogProvider(new HostLogProvider(sp.GetRequiredService<ILoggerFactory>()))
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings());

        services.AddHostedService<HangfireSchemaStartup>();
        var enabled = builder.Configuration.GetValue($"{DispatcherOptions.Section}:{nameof(DispatcherOptions.Enabled)}", true);
        if (!enabled)
            return;
        services.AddHangfireServer((sp, server) =>
        {
            var options = sp.GetRequiredService<IOptions<DispatcherOptions>>().Value;
            // Jobs are built from this host's container. Hangfire's default is the static JobActivator.Current, which the
            // last host to configure wins when several share a process (the test suite): jobs ran, and failed, in
            // another host's (even a disposed) container.
            server.Activator = new AspNetCoreJobActivator(sp.GetRequiredService<IServiceScopeFactory>());
            server.Queues = JobQueues.All;
            server.WorkerCount = options.WorkerCount;
            server.ServerName = string.Create(CultureInfo.InvariantCulture, $"{Environment.MachineName}:{Environment.ProcessId}");
            server.SchedulePollingInterval = TimeSpan.FromSeconds(5);
        });
        services.AddHostedService<RecurringJobsRegistration>();
    }
}

/// <summary>Builds the Hangfire storage at start-up, which creates or upgrades the <c>hangfire</c> schema.</summary>
internal sealed class HangfireSchemaStartup(IServiceProvider services) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _ = services.GetRequiredService<JobStorage>();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
