using System.Globalization;
using DbUp;
using DbUp.Engine.Output;
using Npgsql;

namespace ChatSurvey.Dispatcher.Database;

/// <summary>
/// Brings a database to the current schema with DbUp: the numbered scripts under Database/Migrations,
/// each applied once, in its own transaction, and recorded in <c>schema_versions</c>.
/// A session-level advisory lock makes concurrent starts (several BotHost or worker processes) take turns,
/// so the second one finds the work done.
/// </summary>
public static class DatabaseMigrator
{
    /// <summary>
    /// Prefix of every script's name in the <c>schema_versions</c> journal. The scripts lived in the Domain project
    /// when the first databases were created, and DbUp journals a script under its embedded resource name: the
    /// project file keeps that name (<c>LogicalName</c>) so that those databases do not run every script again.
    /// </summary>
    public const string ScriptNamePrefix = "ChatSurvey.Domain.Storage.Migrations.";

    // Any constant unique to ChatSurvey; pg_advisory_lock keys are per database.
    private const long MigrationLockKey = 0x43_68_61_74_53_76_01;

    /// <summary>The journal names of the shipped scripts, in the order they apply.</summary>
    public static IReadOnlyList<string> ScriptNames() =>
        [.. typeof(DatabaseMigrator).Assembly.GetManifestResourceNames()
            .Where(IsScript)
            .Order(StringComparer.Ordinal)];

    private static bool IsScript(string resourceName) =>
        resourceName.StartsWith(ScriptNamePrefix, StringComparison.Ordinal)
        && resourceName.EndsWith(".sql", StringComparison.Ordinal);

    /// <summary>Applies pending scripts; returns the names of the scripts applied by this call.</summary>
    public static async Task<IReadOnlyList<string>> MigrateAsync(
        string connectionString, ILogger logger, CancellationToken cancellationToken = default)
    {
        await using var lockConnection = new NpgsqlConnection(connectionString);
        await lockConnection.OpenAsync(cancellationToken);
        await using (var acquire = new NpgsqlCommand("SELECT pg_advisory_lock($1)", lockConnection))
        {
            acquire.Parameters.AddWithValue(MigrationLockKey);
            acquire.CommandTimeout = 0;
            await acquire.ExecuteNonQueryAsync(cancellationToken);
        }

        try
        {
            var engine = DeployChanges.To
                .PostgresqlDatabase(connectionString)
                .WithScriptsEmbeddedInAssembly(typeof(DatabaseMigrator).Assembly, IsScript)
                .JournalToPostgresqlTable("public", "schema_versions")
                .WithTransactionPerScript()
                .LogTo(new UpgradeLog(logger))
                .Build();

            var result = engine.PerformUpgrade();
            if (!result.Successful)
                throw new InvalidOperationException($"Database migration failed in {result.ErrorScript?.Name}: {result.Error?.Message}", result.Error);
            var applied = result.Scripts.Select(s => s.Name).ToList();
            if (applied.Count > 0)
                logger.LogInformation("Applied {Count} migration(s): {Scripts}", applied.Count, string.Join(", ", applied));
            return applied;
        }
        finally
        {
            await using var release = new NpgsqlCommand("SELECT pg_advisory_unlock($1)", lockConnection);
            release.Parameters.AddWithValue(MigrationLockKey);
            await release.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }

    private sealed class UpgradeLog(ILogger logger) : IUpgradeLog
    {
        public void LogTrace(string format, params object[] args) => logger.LogTrace("{Message}", Format(format, args));

        public void LogDebug(string format, params object[] args) => logger.LogDebug("{Message}", Format(format, args));

        public void LogInformation(string format, params object[] args) => logger.LogDebug("{Message}", Format(format, args));

        public void LogWarning(string format, params object[] args) => logger.LogWarning("{Message}", Format(format, args));

        public void LogError(string format, params object[] args) => logger.LogError("{Message}", Format(format, args));

        public void LogError(Exception ex, string format, params object[] args) => logger.LogError(ex, "{Message}", Format(format, args));

        private static string Format(string format, object[] args) =>
            args.Length == 0 ? format : string.Format(CultureInfo.InvariantCulture, format, args);
    }
}
