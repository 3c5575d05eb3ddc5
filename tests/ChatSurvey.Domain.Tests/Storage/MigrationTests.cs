using ChatSurvey.Domain.Storage;
using ChatSurvey.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;

namespace ChatSurvey.Domain.Tests.Storage;

public sealed class MigrationTests
{
    [Fact]
    public async Task Migrate_Should_CreateEveryTable_When_DatabaseIsEmpty()
    {
        await using var database = await CreateEmptyAsync();

        var applied = await DatabaseMigrator.MigrateAsync(database.ConnectionString, NullLogger.Instance, TestContext.Current.CancellationToken);

        Assert.Contains(applied, name => name.EndsWith("0001_initial_schema.sql", StringComparison.Ordinal));
        var tables = await TablesAsync(database);
        foreach (var table in new[]
                 {
                     "agencies", "procedures", "imports", "transactions", "questionnaires", "waves", "wave_quotas",
                     "invitations", "conversations", "responses", "answers", "opt_outs", "inbound_messages", "bot_state",
                     "schema_versions",
                 })
        {
            Assert.Contains(table, tables);
        }
    }

    [Fact]
    public async Task Migrate_Should_ApplyNothing_When_DatabaseIsUpToDate()
    {
        await using var database = await CreateEmptyAsync();
        var first = await DatabaseMigrator.MigrateAsync(database.ConnectionString, NullLogger.Instance, TestContext.Current.CancellationToken);

        var second = await DatabaseMigrator.MigrateAsync(database.ConnectionString, NullLogger.Instance, TestContext.Current.CancellationToken);

        Assert.NotEmpty(first);
        Assert.Empty(second);
        Assert.Equal((long)first.Count, await CountAsync(database, "SELECT count(*) FROM schema_versions"));
    }

    [Fact]
    public async Task Migrate_Should_ApplyEachScriptOnce_When_ProcessesStartTogether()
    {
        await using var database = await CreateEmptyAsync();

        var runs = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
            DatabaseMigrator.MigrateAsync(database.ConnectionString, NullLogger.Instance, TestContext.Current.CancellationToken))));

        var applied = runs.SelectMany(r => r).ToList();
        Assert.Equal(applied.Distinct().Count(), applied.Count);
        Assert.Single(runs, r => r.Count > 0);
        Assert.Equal((long)applied.Count, await CountAsync(database, "SELECT count(*) FROM schema_versions"));
    }

    private static async Task<TestDatabase> CreateEmptyAsync()
    {
        var server = await PostgresServer.GetAsync();
        return await server.CreateDatabaseAsync(migrated: false);
    }

    private static async Task<HashSet<string>> TablesAsync(TestDatabase database)
    {
        await using var command = database.DataSource.CreateCommand(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'");
        await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        var names = new HashSet<string>(StringComparer.Ordinal);
        while (await reader.ReadAsync(TestContext.Current.CancellationToken))
            names.Add(reader.GetString(0));
        return names;
    }

    private static async Task<long> CountAsync(TestDatabase database, string sql)
    {
        await using var command = database.DataSource.CreateCommand(sql);
        return (long)(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken))!;
    }
}
