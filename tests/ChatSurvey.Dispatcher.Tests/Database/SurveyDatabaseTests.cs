using ChatSurvey.Dispatcher.Database;
using ChatSurvey.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace ChatSurvey.Dispatcher.Tests.Database;

/// <summary>The worker-only process prepares the database exactly as BotHost does.</summary>
public sealed class SurveyDatabaseTests
{
    [Theory]
    [InlineData(true, 130L)]
    [InlineData(false, 0L)]
    public async Task WorkerHost_Should_MigrateAndSeedAsConfigured_When_Started(bool seed, long expectedAgencies)
    {
        var server = await PostgresServer.GetAsync();
        await using var database = await server.CreateDatabaseAsync(migrated: false);
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration["ConnectionStrings:Survey"] = database.ConnectionString;
        builder.Configuration["Storage:SeedDemoData"] = seed.ToString();
        await builder.AddSurveyDatabaseAsync(TestContext.Current.CancellationToken);

        using (var host = builder.Build())
        {
            await host.StartAsync(TestContext.Current.CancellationToken);
            var dataSource = host.Services.GetRequiredService<NpgsqlDataSource>();
            await using var command = dataSource.CreateCommand("SELECT count(*) FROM agencies");
            Assert.Equal(expectedAgencies, (long)(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken))!);
            await host.StopAsync(TestContext.Current.CancellationToken);
        }

        // Starting again on the same database changes nothing (idempotent migrations and seed).
        var again = Host.CreateApplicationBuilder();
        again.Configuration["ConnectionStrings:Survey"] = database.ConnectionString;
        again.Configuration["Storage:SeedDemoData"] = seed.ToString();
        await again.AddSurveyDatabaseAsync(TestContext.Current.CancellationToken);
        using var second = again.Build();
        await second.StartAsync(TestContext.Current.CancellationToken);
        await using var count = database.DataSource.CreateCommand("SELECT count(*) FROM agencies");
        Assert.Equal(expectedAgencies, (long)(await count.ExecuteScalarAsync(TestContext.Current.CancellationToken))!);
        await second.StopAsync(TestContext.Current.CancellationToken);
    }
}
