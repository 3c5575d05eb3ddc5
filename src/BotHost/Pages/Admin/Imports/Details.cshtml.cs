using System.Globalization;
using ChatSurvey.BotHost.Admin;
using ChatSurvey.Dispatcher.Import;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Npgsql;

namespace ChatSurvey.BotHost.Pages.Admin.Imports;

/// <summary>
/// <c>/admin/imports/{id}</c>: an import's status while its job runs (imports.js polls <c>GET /api/admin/imports/{id}</c>,
/// the same <see cref="ImportStore"/> read) and then its report, with every listed rejected row as a CSV download.
/// </summary>
public sealed class DetailsModel(NpgsqlDataSource dataSource) : PageModel
{
    /// <summary>Rejected rows shown on the page; the download has all that the report lists.</summary>
    public const int RejectedOnPage = 500;

    public ImportView Import { get; private set; } = null!;

    public async Task<IActionResult> OnGetAsync(long id, CancellationToken cancellationToken)
    {
        if (await ReadAsync(id, cancellationToken) is not { } import)
            return NotFound();
        Import = import;
        return Page();
    }

    /// <summary>The rejected rows as CSV: row, field, reason (the API's words) and the reason in Vietnamese.</summary>
    public async Task<IActionResult> OnGetRejectedAsync(long id, CancellationToken cancellationToken)
    {
        if (await ReadAsync(id, cancellationToken) is not { } import)
            return NotFound();
        var lines = import.Rejected.Select(row => string.Join(',',
            row.Row.ToString(CultureInfo.InvariantCulture), Csv.Cell(row.Field), Csv.Cell(row.Reason), Csv.Cell(ImportTexts.Reason(row.Reason))));
        return File(Csv.Utf8WithBom(Csv.Lines(["row,field,reason,ly_do", .. lines])), "text/csv; charset=utf-8", $"nhap-{id}-dong-bi-loai.csv");
    }

    private async Task<ImportView?> ReadAsync(long id, CancellationToken cancellationToken)
    {
        // The API's own answer, so the page and the poll agree on every count.
        var result = await TransactionsApi.GetImportAsync(id, dataSource, cancellationToken);
        if (result.Result is not Microsoft.AspNetCore.Http.HttpResults.Ok<ImportStatusResponse> { Value: { } import })
            return null;
        return new ImportView(
            import.Id, import.Status, import.Source, import.FileName, import.TotalRows, import.Accepted, import.Duplicates,
            import.TotalRows - import.Accepted - import.Duplicates, import.Rejected, import.RejectedNotListed, import.Error,
            import.CreatedAt, import.FinishedAt, import.RowsLoaded);
    }

    public sealed record ImportView(
        long Id,
        string Status,
        string Source,
        string? FileName,
        int TotalRows,
        int Accepted,
        int Duplicates,
        int RejectedCount,
        IReadOnlyList<RejectedRow> Rejected,
        int RejectedNotListed,
        string? Error,
        DateTimeOffset CreatedAt,
        DateTimeOffset? FinishedAt,
        long? RowsLoaded)
    {
        public bool Finished => Status is "succeeded" or "failed";
    }
}
