using ChatSurvey.Dispatcher.Catalogue;
using ChatSurvey.Domain.Catalogue;
using ChatSurvey.Domain.Questionnaires;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ChatSurvey.Dispatcher.Database;

/// <summary>
/// Owns the database's life in a host: migrates and seeds before any other service starts
/// (so the web server never answers on an old schema), and stops the embedded cluster last.
/// </summary>
internal sealed class SurveyDatabase(
    NpgsqlDataSource dataSource,
    IConfiguration configuration,
    IOptions<StorageOptions> options,
    ILogger<SurveyDatabase> logger,
    LocalPostgresCluster? embedded = null) : IHostedLifecycleService
{
    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        // The data source hides the password from its ConnectionString; DbUp needs the full one.
        var connectionString = configuration.GetConnectionString(SurveyDatabaseExtensions.ConnectionStringName)!;
        await DatabaseMigrator.MigrateAsync(connectionString, logger, cancellationToken);
        // The shipped questionnaires are product data, not demo data: always present.
        var questionnaires = await QuestionnaireStore.EnsureDefaultsAsync(dataSource, cancellationToken);
        if (questionnaires > 0)
            logger.LogInformation("Stored {Count} default questionnaire version(s)", questionnaires);
        if (options.Value.SeedDemoData)
        {
            // The seed adds current agencies and writes no times: the system clock is never read.
            var added = await new CatalogueStore(dataSource, TimeProvider.System).SeedAsync(DemoCatalogue.Agencies(), DemoCatalogue.Procedures(), cancellationToken);
            if (added > 0)
                logger.LogInformation("Seeded {Count} demo catalogue rows (Hai Phong agencies and procedures)", added);
        }
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StoppedAsync(CancellationToken cancellationToken)
    {
        await dataSource.DisposeAsync();
        if (embedded is not null)
            await embedded.StopAsync(cancellationToken);
    }
}
