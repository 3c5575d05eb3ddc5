using ChatSurvey.Domain.Time;
using ChatSurvey.Dispatcher.Transactions;
using Npgsql;

namespace ChatSurvey.Dispatcher.Import;

/// <summary>
/// Imports transactions: validates each row, bulk-loads the valid ones with binary COPY into a temporary staging
/// table and moves them, chunk by chunk while the file goes on being read, into <c>transactions</c>, keeping the first
/// occurrence of each (agency, dossier code) (<see cref="TransactionBulkLoad"/>); the import's status and report are
/// <see cref="ImportStore"/>'s. Everything, the import's report included, is one database
/// transaction: an import is loaded entirely or not at all. Rows are streamed, so memory does not grow with the file.
/// </summary>
public sealed class TransactionImporter(TimeProvider timeProvider)
{
    public const int DefaultMaxRejectedListed = 10_000;

    /// <summary>Rows per chunk the load moves into <c>transactions</c> while the next ones are read (<see cref="ChunkRows"/>).</summary>
    public const int DefaultChunkRows = 100_000;

    /// <summary>How many rejected rows the report lists; the others are only counted.</summary>
    public int MaxRejectedListed { get; init; } = DefaultMaxRejectedListed;

    /// <summary>
    /// How many valid rows are staged before they are moved into <c>transactions</c>, while the file goes on being read:
    /// more rows per move visit the indexes more in order, fewer let reading and moving overlap longer. At most one chunk
    /// waits in memory.
    /// </summary>
    public int ChunkRows { get; init; } = DefaultChunkRows;

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
            await new ImportStore(dataSource).MarkRunningAsync(importId, cancellationToken);
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

    private async Task<ImportReport> LoadAsync(
        NpgsqlDataSource dataSource, long importId, IAsyncEnumerable<ImportRow> rows, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        // Locks the import for the whole load: a second run of the same job waits here, then finds it done.
        if (await ImportStore.LockAsync(connection, transaction, importId, cancellationToken) == ImportStatus.Succeeded)
            return (await ImportStore.ReadAsync(connection, transaction, importId, cancellationToken))!.Report;

        // Names the session for this transaction only (is_local), so ImportStore.RowsLoadedAsync can find its COPY.
        await using (var name = new NpgsqlCommand("SELECT set_config('application_name', $1, true)", connection, transaction))
        {
            name.Parameters.AddWithValue(ImportStore.SessionName(importId));
            await name.ExecuteScalarAsync(cancellationToken);
        }

        var validator = (await ImportCatalogue.LoadAsync(connection, transaction, cancellationToken))
            .Validator(VietnamTime.Today(timeProvider), RowRules.Import);

        var totalRows = 0;
        var validRows = 0;
        var rejected = new List<RejectedRow>();
        var rejectedNotListed = 0;
        int accepted;
        await using (var load = await TransactionStore.BeginBulkLoadAsync(
                         connection, transaction, importId, ChunkRows,
                         (staged, token) => ImportStore.ReportStagedAsync(connection, transaction, importId, staged, token), cancellationToken))
        {
            await foreach (var row in rows.WithCancellation(cancellationToken))
            {
                cancellationToken.ThrowIfCancellationRequested();
                totalRows++;
                if (validator.TryValidate(row, out var valid, out var rejection))
                {
                    validRows++;
                    await load.WriteAsync(valid, cancellationToken);
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

            accepted = await load.CompleteAsync(cancellationToken);
        }

        var report = new ImportReport(importId, totalRows, accepted, validRows - accepted, rejected, rejectedNotListed);
        await ImportStore.MarkSucceededAsync(connection, transaction, report, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return report;
    }

    private static async Task MarkFailedAsync(NpgsqlDataSource dataSource, long importId, Exception exception)
    {
        var error = ImportFailure.ToColumn(exception);

        // The load's transaction is rolled back by now; this runs on its own, even when the caller cancelled.
        try
        {
            await new ImportStore(dataSource).MarkFailedAsync(importId, error, CancellationToken.None);
        }
        catch (Exception)
        {
            // The database is unreachable too: the caller gets the original error, and the import stays "running"
            // until a retry of the job loads it.
        }
    }
}
