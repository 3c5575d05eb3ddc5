using ChatSurvey.Dispatcher.Database;
using ChatSurvey.TestSupport;
using DbUp;
using DbUp.Engine;
using Microsoft.Extensions.Logging.Abstractions;

namespace ChatSurvey.Dispatcher.Tests.Database;

public sealed class MigrationTests
{
    /// <summary>
    /// The names databases in the field hold in <c>schema_versions</c> for the scripts shipped before the move out of
    /// the Domain project (0001–0009). Literal on purpose: they must never follow a rename.
    /// </summary>
    private static readonly string[] JournalledInTheField =
    [
        "ChatSurvey.Domain.Storage.Migrations.0001_initial_schema.sql",
        "ChatSurvey.Domain.Storage.Migrations.0003_sms_outbox.sql",
        "ChatSurvey.Domain.Storage.Migrations.0005_sending.sql",
        "ChatSurvey.Domain.Storage.Migrations.0006_waves.sql",
        "ChatSurvey.Domain.Storage.Migrations.0007_directline.sql",
        "ChatSurvey.Domain.Storage.Migrations.0008_score_snapshots.sql",
        "ChatSurvey.Domain.Storage.Migrations.0009_accounts.sql",
    ];

    [Fact]
    public void ScriptNames_Should_BeTheHistoricalJournalNames_When_ScriptsLiveInDispatcher()
    {
        string[] expected =
        [
            .. JournalledInTheField,
            "ChatSurvey.Domain.Storage.Migrations.0010_account_lockout.sql",
            "ChatSurvey.Domain.Storage.Migrations.0011_official_figures.sql",
            "ChatSurvey.Domain.Storage.Migrations.0012_no_planning_status.sql",
        ];

        // Later scripts follow under the same prefix; these ten are the ones shipped so far.
        Assert.Equal(expected, DatabaseMigrator.ScriptNames().Take(expected.Length));
    }

    [Fact]
    public async Task Migrate_Should_ApplyOnlyNewerScripts_When_JournalListsTheOldNames()
    {
        await using var database = await CreateEmptyAsync();
        // A database as the Domain-era build left it: 0001–0009 applied by DbUp and journalled under their old names.
        var fieldUpgrade = DeployChanges.To
            .PostgresqlDatabase(database.ConnectionString)
            .WithScripts(JournalledInTheField.Select(name => new SqlScript(name, ReadScript(name))))
            .JournalToPostgresqlTable("public", "schema_versions")
            .WithTransactionPerScript()
            .LogToNowhere()
            .Build()
            .PerformUpgrade();
        Assert.True(fieldUpgrade.Successful, fieldUpgrade.Error?.Message);

        var applied = await DatabaseMigrator.MigrateAsync(database.ConnectionString, NullLogger.Instance, TestContext.Current.CancellationToken);

        Assert.Equal(DatabaseMigrator.ScriptNames().Except(JournalledInTheField), applied);
        Assert.Contains("ChatSurvey.Domain.Storage.Migrations.0010_account_lockout.sql", applied);
        Assert.Equal((long)DatabaseMigrator.ScriptNames().Count, await CountAsync(database, "SELECT count(*) FROM schema_versions"));
        Assert.Equal(1L, await CountAsync(database,
            "SELECT count(*) FROM information_schema.columns WHERE table_name = 'accounts' AND column_name = 'failed_sign_ins'"));
    }

    private static string ReadScript(string name)
    {
        using var stream = typeof(DatabaseMigrator).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"No embedded script {name}: the journal names no longer match the scripts.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

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
