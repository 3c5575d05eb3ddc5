using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ChatSurvey.Dispatcher.Database;

public static class SurveyDatabaseExtensions
{
    public const string ConnectionStringName = "Survey";

    /// <summary>
    /// Registers the one <see cref="NpgsqlDataSource"/> of the process. With <c>ConnectionStrings:Survey</c> empty it first
    /// starts (or adopts) the embedded PostgreSQL cluster under <c>Storage:LocalDataDir</c> and uses that.
    /// Throws <see cref="PostgresNotInstalledException"/> when that is needed and no server binaries exist.
    /// </summary>
    public static async Task AddSurveyDatabaseAsync(this IHostApplicationBuilder builder, CancellationToken cancellationToken = default)
    {
        builder.Services.AddOptions<StorageOptions>()
            .BindConfiguration(StorageOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        var connectionString = builder.Configuration.GetConnectionString(ConnectionStringName);
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            // The cluster starts before the host is built, so its settings are checked here rather than at ValidateOnStart.
            var storage = ValidStorage(builder.Configuration);
            var dataDir = storage.LocalDataDir;
            var root = Path.Combine(builder.Environment.ContentRootPath, string.IsNullOrWhiteSpace(dataDir) ? ".data" : dataDir);
            using var loggerFactory = LoggerFactory.Create(logging => logging.AddConsole());
            var cluster = await LocalPostgresCluster.StartAsync(
                new LocalPostgresOptions
                {
                    DataRoot = root,
                    Memory = PostgresMemorySettings.ForMachine(PostgresMemorySettings.MachineMemoryBytes()).With(storage),
                },
                loggerFactory.CreateLogger("ChatSurvey.LocalPostgres"),
                cancellationToken);
            builder.Services.AddSingleton(cluster);
            connectionString = cluster.ConnectionString;
            builder.Configuration[$"ConnectionStrings:{ConnectionStringName}"] = connectionString;
        }

        var sized = Sized(connectionString);
        builder.Services.AddSingleton(_ => new NpgsqlDataSourceBuilder(sized)
        {
            Name = "survey",
        }.Build());
        builder.Services.AddHostedService<SurveyDatabase>();
    }

    /// <summary>
    /// The pool the service needs unless the connection string says otherwise (docs/design.md#inbound-messages): room
    /// above the bot's turn slots and the jobs (<c>Maximum Pool Size</c> 64), a short wait for a connection
    /// (<c>Timeout</c> 5 s) so overload shows fast, and automatic preparation of the statements every turn repeats
    /// (<c>Max Auto Prepare</c> 64), which spares PostgreSQL parsing and planning them each time.
    /// </summary>
    public static string Sized(string connectionString)
    {
        var settings = new NpgsqlConnectionStringBuilder(connectionString);
        var given = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString };
        bool Given(params string[] names) => names.Any(given.ContainsKey);
        if (!Given("Maximum Pool Size", "Max Pool Size", "MaxPoolSize"))
            settings.MaxPoolSize = 64;
        if (!Given("Timeout"))
            settings.Timeout = 5;
        if (!Given("Max Auto Prepare", "MaxAutoPrepare"))
            settings.MaxAutoPrepare = 64;
        return settings.ConnectionString;
    }

    /// <summary>The <c>Storage</c> section, or <see cref="OptionsValidationException"/> naming every invalid key.</summary>
    internal static StorageOptions ValidStorage(IConfiguration configuration)
    {
        var storage = configuration.GetSection(StorageOptions.Section).Get<StorageOptions>() ?? new StorageOptions();
        var results = new List<ValidationResult>();
        if (!Validator.TryValidateObject(storage, new ValidationContext(storage), results, validateAllProperties: true))
        {
            throw new OptionsValidationException(
                StorageOptions.Section, typeof(StorageOptions), results.Select(r => r.ErrorMessage ?? "Invalid Storage setting."));
        }

        return storage;
    }
}
