using ChatSurvey.Dispatcher.Import;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Npgsql;

namespace ChatSurvey.BotHost.Admin;

/// <summary><c>POST /api/admin/transactions</c>: the report of a JSON batch (docs/design.md#admin-api).</summary>
public sealed record BatchImportResponse(int Accepted, int Duplicates, IReadOnlyList<RejectedRow> Rejected);

public sealed record ImportQueued(long ImportId);

/// <summary>Why an upload was refused: the API's English message and the imports page's Vietnamese one.</summary>
internal sealed record UploadProblem(string Message, string Vietnamese);

/// <summary>
/// <c>GET /api/admin/imports/{id}</c>: status and report; the counts stay 0 until the import has succeeded. While it
/// runs, <c>RowsLoaded</c> is how many valid rows it has loaded so far (null otherwise).
/// </summary>
public sealed record ImportStatusResponse(
    long Id,
    string Status,
    string Source,
    string? FileName,
    int TotalRows,
    int Accepted,
    int Duplicates,
    IReadOnlyList<RejectedRow> Rejected,
    int RejectedNotListed,
    string? Error,
    DateTimeOffset CreatedAt,
    DateTimeOffset? FinishedAt,
    long? RowsLoaded = null);

/// <summary>
/// Transactions in (docs/design.md#data-flow, step 1): a JSON batch is imported in the request; an uploaded CSV or XLSX file is
/// stored with a queued import and loaded by <see cref="ImportJob"/> on the "import" queue. Either way the import is
/// all or nothing and its report lists every rejected row.
/// </summary>
internal static class TransactionsApi
{
    public const long MaxUploadBytes = 256L * 1024 * 1024;

    public static RouteGroupBuilder MapTransactionsApi(this RouteGroupBuilder admin)
    {
        admin.MapPost("/transactions", ImportBatchAsync).WithName("ImportTransactionBatch").WithTags("Transactions");
        admin.MapPost("/transactions/import", UploadAsync)
            .WithName("UploadTransactionFile")
            .WithTags("Transactions")
            .WithMetadata(new RequestSizeLimitAttribute(MaxUploadBytes))
            .WithFormOptions(multipartBodyLengthLimit: MaxUploadBytes);
        admin.MapGet("/imports/{id:long}", GetImportAsync).WithName("GetImport").WithTags("Transactions");
        return admin;
    }

    internal static async Task<Ok<BatchImportResponse>> ImportBatchAsync(
        IReadOnlyList<TransactionRow?> rows, NpgsqlDataSource dataSource, TransactionImporter importer, CancellationToken cancellationToken)
    {
        // A null element is a row with every field missing: it is rejected like any other bad row.
        var batch = ImportRow.FromBatch(rows.Select(row => row ?? new TransactionRow(null, null, null, null, null)));
        var report = await importer.ImportAsync(dataSource, batch, ImportSource.Api, null, cancellationToken);
        return TypedResults.Ok(new BatchImportResponse(report.Accepted, report.Duplicates, report.Rejected));
    }

    internal static async Task<Results<Accepted<ImportQueued>, ValidationProblem>> UploadAsync(
        IFormFile? file, NpgsqlDataSource dataSource, ImportJobScheduler scheduler, CancellationToken cancellationToken)
    {
        var (source, problem) = await CheckFileAsync(file);
        if (problem is not null)
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["file"] = [problem.Message] });

        var importId = await StoreAsync(file!, source!.Value, dataSource, scheduler, cancellationToken);
        return TypedResults.Accepted($"/api/admin/imports/{importId}", new ImportQueued(importId));
    }

    /// <summary>The upload rules shared by the API and the imports page: present, not empty, CSV or XLSX.</summary>
    internal static async Task<(ImportSource? Source, UploadProblem? Problem)> CheckFileAsync(IFormFile? file)
    {
        if (file is null)
        {
            return (null, new("Required: a multipart form field 'file' holding a CSV or XLSX file.",
                "Hãy chọn một tệp CSV hoặc XLSX."));
        }

        if (file.Length == 0)
            return (null, new("The file is empty.", "Tệp rỗng (0 byte)."));

        var source = await DetectAsync(file);
        return source is null
            ? (null, new("Must be a CSV (.csv) or XLSX (.xlsx) file.", "Chỉ nhận tệp CSV (.csv) hoặc Excel XLSX (.xlsx)."))
            : (source, null);
    }

    /// <summary>Stores the file with a queued import and hands it to the import job; returns the import id.</summary>
    internal static async Task<long> StoreAsync(
        IFormFile file, ImportSource source, NpgsqlDataSource dataSource, ImportJobScheduler scheduler, CancellationToken cancellationToken)
    {
        long importId;
        await using (var content = file.OpenReadStream())
            importId = await new ImportStore(dataSource).CreateWithFileAsync(source, Path.GetFileName(file.FileName), content, cancellationToken);
        scheduler.Enqueue(importId);
        return importId;
    }

    internal static async Task<Results<Ok<ImportStatusResponse>, ProblemHttpResult>> GetImportAsync(
        long id, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        if (await new ImportStore(dataSource).GetAsync(id, cancellationToken) is not { } import)
            return TypedResults.Problem(title: "No such import.", detail: $"There is no import {id}.", statusCode: StatusCodes.Status404NotFound);
        var report = import.Report;
        var rowsLoaded = import.Status == ImportStatus.Running
            ? await new ImportStore(dataSource).RowsLoadedAsync(id, cancellationToken)
            : null;
        return TypedResults.Ok(new ImportStatusResponse(
            import.Id, ImportStore.ToText(import.Status), ImportStore.ToText(import.Source), import.FileName, report.TotalRows,
            report.Accepted, report.Duplicates, report.Rejected, report.RejectedNotListed, import.Error, import.CreatedAt,
            import.FinishedAt, rowsLoaded));
    }

    /// <summary>By extension, else by content: an XLSX workbook is a ZIP archive ("PK\3\4"); text/csv is CSV.</summary>
    private static async Task<ImportSource?> DetectAsync(IFormFile file)
    {
        var extension = Path.GetExtension(file.FileName);
        if (extension.Equals(".csv", StringComparison.OrdinalIgnoreCase))
            return ImportSource.Csv;
        if (extension.Equals(".xlsx", StringComparison.OrdinalIgnoreCase))
            return ImportSource.Xlsx;

        var head = new byte[4];
        await using (var stream = file.OpenReadStream())
            await stream.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false);
        if (head is [0x50, 0x4B, 0x03, 0x04])
            return ImportSource.Xlsx;
        return file.ContentType.StartsWith("text/csv", StringComparison.OrdinalIgnoreCase)
            || file.ContentType.StartsWith("text/plain", StringComparison.OrdinalIgnoreCase)
            ? ImportSource.Csv
            : null;
    }
}
