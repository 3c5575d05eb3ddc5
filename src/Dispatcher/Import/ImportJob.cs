using System.Runtime.CompilerServices;
using ChatSurvey.Dispatcher.Jobs;
using Hangfire;
using Npgsql;

namespace ChatSurvey.Dispatcher.Import;

/// <summary>
/// Loads an uploaded transactions file (<c>POST /api/admin/transactions/import</c>). Takes the import's id and re-reads
/// everything from the database, so it may run in any process and any number of times: an import that has succeeded
/// returns its stored report, one that failed or was interrupted is loaded afresh (all or nothing).
/// </summary>
public sealed class ImportJob(NpgsqlDataSource dataSource, TimeProvider clock)
{
    [Queue(JobQueues.Import)]
    [AutomaticRetry(Attempts = 3)]
    public async Task<ImportReport> RunAsync(long importId, CancellationToken cancellationToken)
    {
        var store = new ImportStore(dataSource);
        var import = await store.GetAsync(importId, cancellationToken)
            ?? throw new InvalidOperationException($"Import {importId} does not exist.");
        if (import.Status == ImportStatus.Succeeded)
            return import.Report;

        var rows = import.Source switch
        {
            ImportSource.Csv => ReadCsvAsync(importId, cancellationToken),
            ImportSource.Xlsx => ReadXlsxAsync(importId, cancellationToken),
            _ => throw new InvalidOperationException($"Import {importId} is a JSON batch; it has no file to load."),
        };
        var report = await new TransactionImporter(clock).RunAsync(dataSource, importId, rows, cancellationToken);
        await store.DeleteFileAsync(importId, cancellationToken);
        return report;
    }

    private async IAsyncEnumerable<ImportRow> ReadCsvAsync(long importId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var file = await new ImportStore(dataSource).OpenFileAsync(importId, cancellationToken);
        await foreach (var row in CsvTransactionReader.ReadAsync(file.Content, cancellationToken))
            yield return row;
    }

    private async IAsyncEnumerable<ImportRow> ReadXlsxAsync(long importId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // MiniExcel needs a seekable stream (the ZIP directory is at the end of the file).
        using var workbook = new MemoryStream();
        await using (var file = await new ImportStore(dataSource).OpenFileAsync(importId, cancellationToken))
            await file.Content.CopyToAsync(workbook, cancellationToken);
        workbook.Position = 0;
        foreach (var row in XlsxTransactionReader.Read(workbook))
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return row;
        }
    }
}

/// <summary>
/// Hands an import to Hangfire's "import" queue. Until a Hangfire client is registered in the host, the import stays
/// queued (and <see cref="ImportJob"/> can be run directly); the upload API does not depend on a running server.
/// </summary>
public sealed class ImportJobScheduler(IServiceProvider services, ILogger<ImportJobScheduler> logger)
{
    /// <summary>Enqueues the import; returns false when no Hangfire client is registered.</summary>
    public bool Enqueue(long importId)
    {
        var client = services.GetService<IBackgroundJobClient>();
        if (client is null)
        {
            logger.LogWarning("No Hangfire client is registered: import {ImportId} stays queued", importId);
            return false;
        }

        client.Enqueue<ImportJob>(JobQueues.Import, job => job.RunAsync(importId, CancellationToken.None));
        return true;
    }
}
