using System.Globalization;
using ChatSurvey.BotHost.Admin;
using ChatSurvey.Dispatcher.Import;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Npgsql;

namespace ChatSurvey.BotHost.Pages.Admin.Imports;

/// <summary>
/// <c>/admin/imports/{id}</c>: an import's status while its job runs (imports.js polls <c>GET /api/admin/imports/{id}</c>,
/// the same <see cref="ImportStore"/> reads) and then its report, with every listed rejected row as a CSV download.
/// An uploaded file's header reading (kept from the upload) shows from the start, before the job loads a row.
/// Reasons and errors show in Vietnamese from their problem codes.
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
        var records = import.Rejected.Select(row => new[] { row.Row.ToString(CultureInfo.InvariantCulture), row.Field, row.Reason, Reason(row) });
        var csv = await SpreadsheetCsv.WriteAsync([["row", "field", "reason", "ly_do"], .. records], escapeFormulas: true, cancellationToken);
        return File(csv, "text/csv; charset=utf-8", $"nhap-{id}-dong-bi-loai.csv");
    }

    /// <summary>A rejected row's reason in Vietnamese; a report stored before reasons had codes keeps its English.</summary>
    public static string Reason(RejectedRow row) => row.Problem?.Vietnamese ?? row.Reason;

    private async Task<ImportView?> ReadAsync(long id, CancellationToken cancellationToken)
    {
        var store = new ImportStore(dataSource);
        if (await store.GetAsync(id, cancellationToken) is not { } import)
            return null;
        var rowsLoaded = import.Status == ImportStatus.Running ? await store.RowsLoadedAsync(id, cancellationToken) : null;
        var report = import.Report;
        return new ImportView(
            import.Id, ImportStore.ToText(import.Status), ImportStore.ToText(import.Source), import.FileName, report.TotalRows,
            report.Accepted, report.Duplicates, report.TotalRows - report.Accepted - report.Duplicates, report.Rejected, report.RejectedNotListed,
            import.Failure?.Vietnamese ?? import.Error, import.CreatedAt, import.FinishedAt, rowsLoaded, import.Header,
            import.FileName ?? ImportTexts.Origin(import.Source, import.IntegrationKeyName));
    }

    /// <summary>An import as the page shows it; <see cref="Error"/> is in Vietnamese when its code is known.</summary>
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
        long? RowsLoaded,
        HeaderReading? Header,
        string Title)
    {
        public bool Finished => Status is "succeeded" or "failed";
    }
}
