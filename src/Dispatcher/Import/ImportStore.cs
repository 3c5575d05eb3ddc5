using System.Data;
using System.Text.Json;
using ChatSurvey.Domain.Problems;
using Npgsql;
using NpgsqlTypes;

namespace ChatSurvey.Dispatcher.Import;

/// <summary>
/// The <c>imports</c> table (one row per file upload or JSON batch, with its status and report) and <c>import_files</c>
/// (an uploaded file from its upload until its import has succeeded): the only code that writes them. An import goes
/// queued → running → succeeded or failed (<see cref="ImportStatus"/>); a succeeded one never changes again.
/// </summary>
public sealed class ImportStore(NpgsqlDataSource dataSource)
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Records a queued import (before its job runs) and returns its id.</summary>
    public async Task<long> CreateAsync(ImportSource source, string? fileName, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            "INSERT INTO imports (source, file_name, status) VALUES ($1, $2, $3) RETURNING id");
        command.Parameters.AddWithValue(ToText(source));
        command.Parameters.AddWithValue(NpgsqlDbType.Text, (object?)fileName ?? DBNull.Value);
        command.Parameters.AddWithValue(ToText(ImportStatus.Queued));
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>
    /// Records a running import of a batch posted with integration key <paramref name="integrationKeyId"/>, in the
    /// caller's transaction (the batch is saved and reported together or not at all); returns its id.
    /// </summary>
    internal static async Task<long> CreateIntegrationAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, long integrationKeyId, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "INSERT INTO imports (source, status, integration_key_id) VALUES ($1, $2, $3) RETURNING id", connection, transaction);
        command.Parameters.AddWithValue(ToText(ImportSource.Integration));
        command.Parameters.AddWithValue(ToText(ImportStatus.Running));
        command.Parameters.AddWithValue(integrationKeyId);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>
    /// Records a queued import of <paramref name="source"/> and its file in one transaction; returns the import id.
    /// <paramref name="header"/> is how the file's header row was read at the upload, kept for the import's page.
    /// </summary>
    public async Task<long> CreateWithFileAsync(
        ImportSource source, string? fileName, Stream content, HeaderReading? header = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            """
            WITH import AS (
                INSERT INTO imports (source, file_name, status, header) VALUES ($1, $2, $4, $5) RETURNING id
            )
            INSERT INTO import_files (import_id, content) SELECT id, $3 FROM import RETURNING import_id
            """, connection, transaction);
        command.CommandTimeout = 0;
        command.Parameters.AddWithValue(ToText(source));
        command.Parameters.AddWithValue(NpgsqlDbType.Text, (object?)fileName ?? DBNull.Value);
        // Npgsql streams a Stream parameter into the bytea without a second copy in memory.
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Bytea, Value = content });
        command.Parameters.AddWithValue(ToText(ImportStatus.Queued));
        command.Parameters.AddWithValue(NpgsqlDbType.Jsonb, header is null ? DBNull.Value : JsonSerializer.Serialize(header, Json));
        var importId = (long)(await command.ExecuteScalarAsync(cancellationToken))!;
        await transaction.CommitAsync(cancellationToken);
        return importId;
    }

    /// <summary>Opens the stored file of an import; throws <see cref="ImportFileException"/> when it is gone.</summary>
    internal async Task<StoredFile> OpenFileAsync(long importId, CancellationToken cancellationToken)
    {
        var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        try
        {
            var command = new NpgsqlCommand("SELECT content FROM import_files WHERE import_id = $1", connection);
            command.CommandTimeout = 0;
            command.Parameters.AddWithValue(importId);
            var reader = await command.ExecuteReaderAsync(CommandBehavior.SequentialAccess, cancellationToken);
            if (!await reader.ReadAsync(cancellationToken))
            {
                await reader.DisposeAsync();
                await command.DisposeAsync();
                throw new ImportFileException(Problem.Of("file", ProblemCodes.ImportFileGone, importId));
            }

            return new StoredFile(connection, command, reader, reader.GetStream(0));
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>Deletes an import's file (once it has succeeded).</summary>
    internal async Task DeleteFileAsync(long importId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("DELETE FROM import_files WHERE import_id = $1");
        command.Parameters.AddWithValue(importId);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// Running (in its own transaction, so that <c>GET /imports/{id}</c> shows it), unless it has succeeded. Waits for a
    /// concurrent run of the same import, which holds its row until it commits, rather than time out.
    /// </summary>
    internal async Task MarkRunningAsync(long importId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("UPDATE imports SET status = $2, error = NULL WHERE id = $1 AND status <> $3");
        command.CommandTimeout = 0;
        command.Parameters.AddWithValue(importId);
        command.Parameters.AddWithValue(ToText(ImportStatus.Running));
        command.Parameters.AddWithValue(ToText(ImportStatus.Succeeded));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Failed with <paramref name="error"/>, unless it has succeeded.</summary>
    internal async Task MarkFailedAsync(long importId, string error, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "UPDATE imports SET status = $3, error = $2, finished_at = now() WHERE id = $1 AND status <> $4");
        command.Parameters.AddWithValue(importId);
        command.Parameters.AddWithValue(error);
        command.Parameters.AddWithValue(ToText(ImportStatus.Failed));
        command.Parameters.AddWithValue(ToText(ImportStatus.Succeeded));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// Locks the import's row until the caller's transaction ends (a second run of the same import waits here, then finds
    /// it done) and answers its status.
    /// </summary>
    /// <exception cref="InvalidOperationException">There is no such import.</exception>
    internal static async Task<ImportStatus> LockAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, long importId, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT status FROM imports WHERE id = $1 FOR UPDATE", connection, transaction);
        command.CommandTimeout = 0;
        command.Parameters.AddWithValue(importId);
        var status = await command.ExecuteScalarAsync(cancellationToken) as string
            ?? throw new InvalidOperationException($"Import {importId} does not exist.");
        return ParseStatus(status);
    }

    /// <summary>Succeeded with its report, in the load's transaction (the import is loaded and reported together or not at all).</summary>
    internal static async Task MarkSucceededAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, ImportReport report, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(report);
        await using var command = new NpgsqlCommand(
            """
            UPDATE imports
            SET status = $6, total_rows = $2, accepted = $3, duplicates = $4, rejected = $5, error = NULL, finished_at = now()
            WHERE id = $1
            """, connection, transaction);
        command.Parameters.AddWithValue(report.ImportId);
        command.Parameters.AddWithValue(report.TotalRows);
        command.Parameters.AddWithValue(report.Accepted);
        command.Parameters.AddWithValue(report.Duplicates);
        command.Parameters.AddWithValue(NpgsqlDbType.Jsonb, JsonSerializer.Serialize(report.Rejected, Json));
        command.Parameters.AddWithValue(ToText(ImportStatus.Succeeded));
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The import's status and report, or null when there is no such import.</summary>
    public async Task<ImportInfo?> GetAsync(long importId, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await ReadAsync(connection, null, importId, cancellationToken);
    }

    /// <summary>
    /// How many valid rows a running import has streamed into its staging table so far: the rows of the chunks already
    /// staged (<see cref="ReportStagedAsync"/>) and the current COPY's, read from PostgreSQL's COPY progress
    /// (<c>pg_stat_progress_copy</c>), for the session named by <see cref="SessionName"/>, so it works whichever process
    /// runs the job. Null when the import is not loading rows right now. Rejected rows are not counted, and the client's
    /// write buffer makes the figure lag a little.
    /// </summary>
    public async Task<long?> RowsLoadedAsync(long importId, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT a.application_name, p.tuples_processed
            FROM pg_stat_activity a
            LEFT JOIN pg_stat_progress_copy p ON p.pid = a.pid
            WHERE a.application_name = $1 OR starts_with(a.application_name, $1 || ':')
            """);
        var session = SessionName(importId);
        command.Parameters.AddWithValue(session);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        long? loaded = null;
        while (await reader.ReadAsync(cancellationToken))
        {
            // "chatsurvey-import-{id}:{staged}" once a chunk has been staged (ReportStagedAsync).
            var name = reader.GetString(0);
            long? staged = name.Length > session.Length
                && long.TryParse(name.AsSpan(session.Length + 1), System.Globalization.CultureInfo.InvariantCulture, out var count)
                ? count
                : null;
            long? copying = reader.IsDBNull(1) ? null : reader.GetInt64(1);
            if (staged is not null || copying is not null)
                loaded = Math.Max(loaded ?? 0, (staged ?? 0) + (copying ?? 0));
        }

        return loaded;
    }

    /// <summary>
    /// Tells <see cref="RowsLoadedAsync"/> that <paramref name="staged"/> rows of the import were staged by earlier chunks:
    /// the load's session name (its transaction's only) carries the count.
    /// </summary>
    internal static async Task ReportStagedAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, long importId, long staged, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT set_config('application_name', $1, true)", connection, transaction);
        command.Parameters.AddWithValue(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{SessionName(importId)}:{staged}"));
        await command.ExecuteScalarAsync(cancellationToken);
    }

    /// <summary>The newest imports, newest first, with their counts (without the rejected rows).</summary>
    public async Task<IReadOnlyList<ImportSummary>> ListRecentAsync(int count, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT i.id, i.source, i.file_name, i.status, i.total_rows, i.accepted, i.duplicates, i.created_at, i.finished_at, k.name
            FROM imports i
            LEFT JOIN integration_keys k ON k.id = i.integration_key_id
            ORDER BY i.id DESC
            LIMIT $1
            """);
        command.Parameters.AddWithValue(count);
        var imports = new List<ImportSummary>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            imports.Add(new ImportSummary(
                reader.GetInt64(0), ParseSource(reader.GetString(1)), reader.IsDBNull(2) ? null : reader.GetString(2),
                ParseStatus(reader.GetString(3)), reader.GetInt32(4), reader.GetInt32(5), reader.GetInt32(6),
                reader.GetFieldValue<DateTimeOffset>(7), reader.IsDBNull(8) ? null : reader.GetFieldValue<DateTimeOffset>(8),
                reader.IsDBNull(9) ? null : reader.GetString(9)));
        }

        return imports;
    }

    /// <summary>The <c>application_name</c> an import's load sets for its own transaction.</summary>
    internal static string SessionName(long importId) => string.Create(System.Globalization.CultureInfo.InvariantCulture, $"chatsurvey-import-{importId}");

    internal static async Task<ImportInfo?> ReadAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, long importId, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            """
            SELECT i.source, i.file_name, i.status, i.total_rows, i.accepted, i.duplicates, i.rejected::text, i.error, i.created_at,
                   i.finished_at, i.header::text, k.name
            FROM imports i
            LEFT JOIN integration_keys k ON k.id = i.integration_key_id
            WHERE i.id = $1
            """, connection, transaction);
        command.Parameters.AddWithValue(importId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
            return null;

        var totalRows = reader.GetInt32(3);
        var accepted = reader.GetInt32(4);
        var duplicates = reader.GetInt32(5);
        var rejected = JsonSerializer.Deserialize<List<RejectedRow>>(reader.GetString(6), Json) ?? [];
        // Only the first rows are listed; the rest are the rows neither accepted, duplicate nor listed.
        var notListed = Math.Max(0, totalRows - accepted - duplicates - rejected.Count);
        (string? error, Problem? failure) = reader.IsDBNull(7) ? (null, null) : ImportFailure.FromColumn(reader.GetString(7));
        return new ImportInfo(
            importId,
            ParseSource(reader.GetString(0)),
            reader.IsDBNull(1) ? null : reader.GetString(1),
            ParseStatus(reader.GetString(2)),
            new ImportReport(importId, totalRows, accepted, duplicates, rejected, notListed),
            error,
            reader.GetFieldValue<DateTimeOffset>(8),
            reader.IsDBNull(9) ? null : reader.GetFieldValue<DateTimeOffset>(9),
            failure,
            reader.IsDBNull(10) ? null : JsonSerializer.Deserialize<HeaderReading>(reader.GetString(10), Json),
            reader.IsDBNull(11) ? null : reader.GetString(11));
    }

    internal static string ToText(ImportSource source) => source switch
    {
        ImportSource.Api => "api",
        ImportSource.Csv => "csv",
        ImportSource.Xlsx => "xlsx",
        ImportSource.Integration => "integration",
        _ => throw new ArgumentOutOfRangeException(nameof(source), source, "Unknown import source."),
    };

    internal static string ToText(ImportStatus status) => status switch
    {
        ImportStatus.Queued => "queued",
        ImportStatus.Running => "running",
        ImportStatus.Succeeded => "succeeded",
        ImportStatus.Failed => "failed",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, "Unknown import status."),
    };

    private static ImportSource ParseSource(string text) => text switch
    {
        "api" => ImportSource.Api,
        "csv" => ImportSource.Csv,
        "xlsx" => ImportSource.Xlsx,
        "integration" => ImportSource.Integration,
        _ => throw new InvalidOperationException($"Unknown import source '{text}' in the database."),
    };

    internal static ImportStatus ParseStatus(string text) => text switch
    {
        "queued" => ImportStatus.Queued,
        "running" => ImportStatus.Running,
        "succeeded" => ImportStatus.Succeeded,
        "failed" => ImportStatus.Failed,
        _ => throw new InvalidOperationException($"Unknown import status '{text}' in the database."),
    };

    internal sealed class StoredFile(NpgsqlConnection connection, NpgsqlCommand command, NpgsqlDataReader reader, Stream content)
        : IAsyncDisposable
    {
        public Stream Content => content;

        public async ValueTask DisposeAsync()
        {
            await content.DisposeAsync();
            await reader.DisposeAsync();
            await command.DisposeAsync();
            await connection.DisposeAsync();
        }
    }
}
