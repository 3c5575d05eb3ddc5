using ChatSurvey.Dispatcher.Import;
using ChatSurvey.Domain.Problems;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Npgsql;

namespace ChatSurvey.BotHost.Admin;

/// <summary><c>POST /api/admin/transactions</c>: the report of a JSON batch (docs/design.md#admin-api).</summary>
public sealed record BatchImportResponse(int Accepted, int Duplicates, IReadOnlyList<RejectedRowResponse> Rejected);

/// <summary>A rejected row as the API reports it: its number, the first offending field and why (English).</summary>
public sealed record RejectedRowResponse(int Row, string Field, string Reason)
{
    internal static IReadOnlyList<RejectedRowResponse> From(IEnumerable<RejectedRow> rows) =>
        [.. rows.Select(r => new RejectedRowResponse(r.Row, r.Field, r.Reason))];
}

public sealed record ImportQueued(long ImportId);

/// <summary>
/// <c>GET /api/admin/imports/{id}</c>: status and report; the counts stay 0 until the import has succeeded. While it
/// runs, <c>RowsLoaded</c> is how many valid rows it has loaded so far (null otherwise). <c>Header</c> is how an uploaded
/// file's header row was read (each column and its field, the required ones missing).
/// </summary>
public sealed record ImportStatusResponse(
    long Id,
    string Status,
    string Source,
    string? FileName,
    int TotalRows,
    int Accepted,
    int Duplicates,
    IReadOnlyList<RejectedRowResponse> Rejected,
    int RejectedNotListed,
    string? Error,
    DateTimeOffset CreatedAt,
    DateTimeOffset? FinishedAt,
    long? RowsLoaded = null,
    HeaderReading? Header = null);

/// <summary>
/// Transactions in (docs/design.md#data-flow, step 1): a JSON batch is imported in the request; an uploaded CSV or XLSX file is
/// stored with a queued import and loaded by <see cref="ImportJob"/> on the "import" queue. Either way the import is
/// all or nothing and its report lists every rejected row.
/// </summary>
internal static class TransactionsApi
{
    public static RouteGroupBuilder MapTransactionsApi(this RouteGroupBuilder admin)
    {
        admin.MapPost("/transactions", ImportBatchAsync).WithName("ImportTransactionBatch").WithTags("Transactions");
        admin.MapPost("/transactions/import", UploadAsync)
            .WithName("UploadTransactionFile")
            .WithTags("Transactions")
            .WithMetadata(new RequestSizeLimitAttribute(TransactionUploads.MaxUploadBytes))
            .WithFormOptions(multipartBodyLengthLimit: TransactionUploads.MaxUploadBytes);
        admin.MapGet("/imports/{id:long}", GetImportAsync).WithName("GetImport").WithTags("Transactions");
        return admin;
    }

    internal static async Task<Ok<BatchImportResponse>> ImportBatchAsync(
        IReadOnlyList<TransactionRow?> rows, NpgsqlDataSource dataSource, TransactionImporter importer, CancellationToken cancellationToken)
    {
        // A null element is a row with every field missing: it is rejected like any other bad row.
        var batch = ImportRow.FromBatch(rows.Select(row => row ?? new TransactionRow(null, null, null, null, null)));
        var report = await importer.ImportAsync(dataSource, batch, ImportSource.Api, null, cancellationToken);
        return TypedResults.Ok(new BatchImportResponse(report.Accepted, report.Duplicates, RejectedRowResponse.From(report.Rejected)));
    }

    internal static async Task<Results<Accepted<ImportQueued>, ValidationProblem>> UploadAsync(
        IFormFile? file, NpgsqlDataSource dataSource, ImportJobScheduler scheduler, CancellationToken cancellationToken)
    {
        var (source, problem) = await TransactionUploads.CheckFileAsync(file);
        if (problem is not null)
            return TypedResults.ValidationProblem(Problem.ToErrors([problem]));

        // The header's reading is kept for the import's page; a file the job cannot read fails there, as it always has.
        var (header, _) = await TransactionUploads.ReadHeaderAsync(file!, source!.Value, cancellationToken);
        var importId = await TransactionUploads.StoreAsync(file!, source.Value, header, dataSource, scheduler, cancellationToken);
        return TypedResults.Accepted($"/api/admin/imports/{importId}", new ImportQueued(importId));
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
            report.Accepted, report.Duplicates, RejectedRowResponse.From(report.Rejected), report.RejectedNotListed, import.Error, import.CreatedAt,
            import.FinishedAt, rowsLoaded, import.Header));
    }
}
