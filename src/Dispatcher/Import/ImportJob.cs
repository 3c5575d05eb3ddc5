using System.Data;
using System.Runtime.CompilerServices;
using ChatSurvey.Domain.Problems;
using Hangfire;
using Npgsql;
using NpgsqlTypes;

namespace ChatSurvey.Dispatcher.Import;

/// <summary>
/// Loads an uploaded transactions file (<c>POST /api/admin/transactions/import</c>). Takes the import's id and re-reads
/// everything from the database, so it may run in any process and any number of times: an import that has succeeded
/// returns its stored report, one that failed or was interrupted is loaded afresh (all or nothing).
/// </summary>
public sealed class ImportJob(NpgsqlDataSource dataSource, TimeProvider clock)
{
    public const string Queue = "import";

    [Queue(Queue)]
    [AutomaticRetry(Attempts = 3)]
    public async Task<ImportReport> RunAsync(long importId, CancellationToken cancellationToken)
    {
        var import = await new ImportStore(dataSource).GetAsync(importId, cancellationToken)
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
        await ImportFiles.DeleteAsync(dataSource, importId, cancellationToken);
        return report;
    }

    private async IAsyncEnumerable<ImportRow> ReadCsvAsync(long importId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var file = await ImportFiles.OpenAsync(dataSource, importId, cancellationToken);
        await foreach (var row in CsvTransactionReader.ReadAsync(file.Content, cancellationToken))
            yield return row;
    }

    private async IAsyncEnumerable<ImportRow> ReadXlsxAsync(long importId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        // MiniExcel needs a seekable stream (the ZIP directory is at the end of the file).
        using var workbook = new MemoryStream();
        await using (var file = await ImportFiles.OpenAsync(dataSource, importId, cancellationToken))
            await file.Content.CopyToAsync(workbook, cancellationToken);
        workbook.Position = 0;
        foreach (var row in XlsxTransactionReader.Read(workbook))
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return row;
        }
    }
}

/// <summary>The <c>import_files</c> table: an uploaded file from its upload until its import has succeeded.</summary>
public static class ImportFiles
{
    /// <summary>Records a queued import of <paramref name="source"/> and its file in one transaction; returns the import id.</summary>
    public static async Task<long> CreateAsync(
        NpgsqlDataSource dataSource, ImportSource source, string? fileName, Stream content, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(content);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var command = new NpgsqlCommand(
            """
            WITH import AS (
                INSERT INTO imports (source, file_name, status) VALUES ($1, $2, 'queued') RETURNING id
            )
            INSERT INTO import_files (import_id, content) SELECT id, $3 FROM import RETURNING import_id
            """, connection, transaction);
        command.CommandTimeout = 0;
        command.Parameters.AddWithValue(ImportStore.ToText(source));
        command.Parameters.AddWithValue(NpgsqlDbType.Text, (object?)fileName ?? DBNull.Value);
        // Npgsql streams a Stream parameter into the bytea without a second copy in memory.
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Bytea, Value = content });
        var importId = (long)(await command.ExecuteScalarAsync(cancellationToken))!;
        await transaction.CommitAsync(cancellationToken);
        return importId;
    }

    /// <summary>Opens the stored file; throws <see cref="ImportFileException"/> when it is gone.</summary>
    internal static async Task<StoredFile> OpenAsync(NpgsqlDataSource dataSource, long importId, CancellationToken cancellationToken)
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

    internal static async Task DeleteAsync(NpgsqlDataSource dataSource, long importId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("DELETE FROM import_files WHERE import_id = $1");
        command.Parameters.AddWithValue(importId);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

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

        client.Enqueue<ImportJob>(ImportJob.Queue, job => job.RunAsync(importId, CancellationToken.None));
        return true;
    }
}
