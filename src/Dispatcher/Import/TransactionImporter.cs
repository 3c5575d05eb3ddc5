using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace ChatSurvey.Dispatcher.Import;

/// <summary>
/// Imports transactions: validates each row, bulk-loads the valid ones with binary COPY into a temporary staging
/// table, then moves them into <c>transactions</c> with one <c>INSERT … ON CONFLICT DO NOTHING</c> that keeps the
/// first occurrence of each (agency, dossier code). Everything, the import's report included, is one database
/// transaction: an import is loaded entirely or not at all. Rows are streamed, so memory does not grow with the file.
/// </summary>
public sealed class TransactionImporter(TimeProvider timeProvider)
{
    public const int DefaultMaxRejectedListed = 10_000;

    /// <summary>How many rejected rows the report lists; the others are only counted.</summary>
    public int MaxRejectedListed { get; init; } = DefaultMaxRejectedListed;

    /// <summary>Records a new import and runs it (the JSON batch API, or a file imported in one call).</summary>
    public async Task<ImportReport> ImportAsync(
        NpgsqlDataSource dataSource,
        IAsyncEnumerable<ImportRow> rows,
        ImportSource source,
        string? fileName,
        CancellationToken cancellationToken)
    {
        var importId = await new ImportStore(dataSource).CreateAsync(source, fileName, cancellationToken);
        return await RunAsync(dataSource, importId, rows, cancellationToken);
    }

    /// <inheritdoc cref="ImportAsync(NpgsqlDataSource, IAsyncEnumerable{ImportRow}, ImportSource, string?, CancellationToken)"/>
    public Task<ImportReport> ImportAsync(
        NpgsqlDataSource dataSource,
        IEnumerable<ImportRow> rows,
        ImportSource source,
        string? fileName,
        CancellationToken cancellationToken) =>
        ImportAsync(dataSource, rows.ToAsyncEnumerable(), source, fileName, cancellationToken);

    /// <summary>
    /// Runs an import recorded with <see cref="ImportStore.CreateAsync"/> (the file import job). Safe to run again, as
    /// jobs are: an import that has succeeded returns its stored report and reads no rows; one that failed or was
    /// interrupted is loaded afresh. Concurrent runs of one import take turns on its row.
    /// On failure the import is marked failed with the error and the exception is rethrown.
    /// </summary>
    public async Task<ImportReport> RunAsync(
        NpgsqlDataSource dataSource, long importId, IAsyncEnumerable<ImportRow> rows, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(rows);

        try
        {
            await MarkRunningAsync(dataSource, importId, cancellationToken);
            return await LoadAsync(dataSource, importId, rows, cancellationToken);
        }
        catch (Exception e)
        {
            await MarkFailedAsync(dataSource, importId, e);
            throw;
        }
    }

    /// <inheritdoc cref="RunAsync(NpgsqlDataSource, long, IAsyncEnumerable{ImportRow}, CancellationToken)"/>
    public Task<ImportReport> RunAsync(
        NpgsqlDataSource dataSource, long importId, IEnumerable<ImportRow> rows, CancellationToken cancellationToken) =>
        RunAsync(dataSource, importId, rows.ToAsyncEnumerable(), cancellationToken);

    /// <summary>Today in Hai Phong (Asia/Ho_Chi_Minh), the latest result date a row may have.</summary>
    public static DateOnly Today(TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        var local = TimeZoneInfo.ConvertTime(timeProvider.GetUtcNow(), HaiPhongTime);
        return DateOnly.FromDateTime(local.DateTime);
    }

    private static readonly TimeZoneInfo HaiPhongTime = FindHaiPhongTime();

    private static TimeZoneInfo FindHaiPhongTime()
    {
        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById("Asia/Ho_Chi_Minh");
        }
        catch (Exception e) when (e is TimeZoneNotFoundException or InvalidTimeZoneException)
        {
            // Viet Nam has kept UTC+7 without daylight saving since 1975: a fixed offset is the same zone.
            return TimeZoneInfo.CreateCustomTimeZone("Asia/Ho_Chi_Minh", TimeSpan.FromHours(7), "Indochina Time", "Indochina Time");
        }
    }

    private async Task<ImportReport> LoadAsync(
        NpgsqlDataSource dataSource, long importId, IAsyncEnumerable<ImportRow> rows, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        // Locks the import for the whole load: a second run of the same job waits here, then finds it done.
        await using (var claim = new NpgsqlCommand("SELECT status FROM imports WHERE id = $1 FOR UPDATE", connection, transaction))
        {
            claim.CommandTimeout = 0;
            claim.Parameters.AddWithValue(importId);
            var status = await claim.ExecuteScalarAsync(cancellationToken) as string
                ?? throw new InvalidOperationException($"Import {importId} does not exist.");
            if (ImportStore.ParseStatus(status) == ImportStatus.Succeeded)
                return (await ImportStore.ReadAsync(connection, transaction, importId, cancellationToken))!.Report;
        }

        // Names the session for this transaction only (is_local), so ImportStore.RowsLoadedAsync can find its COPY.
        await using (var name = new NpgsqlCommand("SELECT set_config('application_name', $1, true)", connection, transaction))
        {
            name.Parameters.AddWithValue(ImportStore.SessionName(importId));
            await name.ExecuteScalarAsync(cancellationToken);
        }

        var validator = new TransactionRowValidator(
            await LoadCodesAsync(connection, transaction, "SELECT code, id FROM agencies", cancellationToken),
            await LoadCodesAsync(connection, transaction, "SELECT code, id FROM procedures", cancellationToken),
            Today(timeProvider));

        await using (var staging = new NpgsqlCommand(
            """
            CREATE TEMP TABLE import_staging (
                row             integer NOT NULL,
                agency_id       bigint NOT NULL,
                procedure_id    bigint NOT NULL,
                dossier_code    text NOT NULL,
                phone           text NOT NULL,
                result_date     date NOT NULL,
                applicant_name  text,
                applicant_type  text NOT NULL
            ) ON COMMIT DROP
            """, connection, transaction))
        {
            await staging.ExecuteNonQueryAsync(cancellationToken);
        }

        var totalRows = 0;
        var validRows = 0;
        var rejected = new List<RejectedRow>();
        var rejectedNotListed = 0;
        await using (var copy = await connection.BeginBinaryImportAsync(
            """
            COPY import_staging (row, agency_id, procedure_id, dossier_code, phone, result_date, applicant_name, applicant_type)
            FROM STDIN (FORMAT BINARY)
            """, cancellationToken))
        {
            copy.Timeout = TimeSpan.Zero;
            await foreach (var row in rows.WithCancellation(cancellationToken))
            {
                cancellationToken.ThrowIfCancellationRequested();
                totalRows++;
                if (validator.TryValidate(row, out var valid, out var rejection))
                {
                    validRows++;
                    await copy.StartRowAsync(cancellationToken);
                    await copy.WriteAsync(valid.Row, NpgsqlDbType.Integer, cancellationToken);
                    await copy.WriteAsync(valid.AgencyId, NpgsqlDbType.Bigint, cancellationToken);
                    await copy.WriteAsync(valid.ProcedureId, NpgsqlDbType.Bigint, cancellationToken);
                    await copy.WriteAsync(valid.DossierCode, NpgsqlDbType.Text, cancellationToken);
                    await copy.WriteAsync(valid.Phone, NpgsqlDbType.Text, cancellationToken);
                    await copy.WriteAsync(valid.ResultDate, NpgsqlDbType.Date, cancellationToken);
                    if (valid.ApplicantName is null)
                        await copy.WriteNullAsync(cancellationToken);
                    else
                        await copy.WriteAsync(valid.ApplicantName, NpgsqlDbType.Text, cancellationToken);
                    await copy.WriteAsync(valid.ApplicantType, NpgsqlDbType.Text, cancellationToken);
                }
                else if (rejected.Count < MaxRejectedListed)
                {
                    rejected.Add(rejection!);
                }
                else
                {
                    rejectedNotListed++;
                }
            }

            await copy.CompleteAsync(cancellationToken);
        }

        // Row order makes the first occurrence of a repeated (agency, dossier code) the one inserted.
        int accepted;
        await using (var insert = new NpgsqlCommand(
            """
            INSERT INTO transactions (agency_id, procedure_id, dossier_code, phone, result_date, applicant_name, applicant_type, import_id)
            SELECT agency_id, procedure_id, dossier_code, phone, result_date, applicant_name, applicant_type, $1
            FROM import_staging
            ORDER BY row
            ON CONFLICT (agency_id, dossier_code) DO NOTHING
            """, connection, transaction))
        {
            insert.CommandTimeout = 0;
            insert.Parameters.AddWithValue(importId);
            accepted = await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        var report = new ImportReport(importId, totalRows, accepted, validRows - accepted, rejected, rejectedNotListed);
        await using (var finish = new NpgsqlCommand(
            """
            UPDATE imports
            SET status = 'succeeded', total_rows = $2, accepted = $3, duplicates = $4, rejected = $5, error = NULL, finished_at = now()
            WHERE id = $1
            """, connection, transaction))
        {
            finish.Parameters.AddWithValue(importId);
            finish.Parameters.AddWithValue(report.TotalRows);
            finish.Parameters.AddWithValue(report.Accepted);
            finish.Parameters.AddWithValue(report.Duplicates);
            finish.Parameters.AddWithValue(NpgsqlDbType.Jsonb, JsonSerializer.Serialize(rejected, ImportStore.Json));
            await finish.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return report;
    }

    private static async Task<Dictionary<string, long>> LoadCodesAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        var codes = new Dictionary<string, long>(StringComparer.Ordinal);
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            codes[reader.GetString(0)] = reader.GetInt64(1);
        return codes;
    }

    private static async Task MarkRunningAsync(NpgsqlDataSource dataSource, long importId, CancellationToken cancellationToken)
    {
        // Outside the import's transaction, so that GET /imports/{id} shows it running.
        await using var running = dataSource.CreateCommand(
            "UPDATE imports SET status = 'running', error = NULL WHERE id = $1 AND status <> 'succeeded'");
        // A concurrent run of the same import holds its row until it commits: wait for it rather than time out.
        running.CommandTimeout = 0;
        running.Parameters.AddWithValue(importId);
        await running.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task MarkFailedAsync(NpgsqlDataSource dataSource, long importId, Exception exception)
    {
        var error = ImportFailure.ToColumn(exception);

        // The load's transaction is rolled back by now; this runs on its own, even when the caller cancelled.
        try
        {
            await using var failed = dataSource.CreateCommand(
                "UPDATE imports SET status = 'failed', error = $2, finished_at = now() WHERE id = $1 AND status <> 'succeeded'");
            failed.Parameters.AddWithValue(importId);
            failed.Parameters.AddWithValue(error);
            await failed.ExecuteNonQueryAsync(CancellationToken.None);
        }
        catch (Exception)
        {
            // The database is unreachable too: the caller gets the original error, and the import stays "running"
            // until a retry of the job loads it.
        }
    }
}
