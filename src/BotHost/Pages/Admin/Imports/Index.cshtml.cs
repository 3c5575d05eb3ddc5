using System.Globalization;
using ChatSurvey.BotHost.Admin;
using ChatSurvey.Dispatcher.Catalogue;
using ChatSurvey.Dispatcher.Import;
using ChatSurvey.Domain.Time;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Npgsql;

namespace ChatSurvey.BotHost.Pages.Admin.Imports;

/// <summary>
/// <c>/admin/imports</c>: the upload form and the recent imports. An upload takes the path of
/// <c>POST /api/admin/transactions/import</c> (same checks, same size limit, same queued import and job), and the
/// header is read here as well, so a file without the required columns is refused at once, with how each column was
/// read, instead of failing later in the job. The reading is kept with the import: its page shows it from the upload
/// on, before the job loads a row.
/// </summary>
[RequestSizeLimit(TransactionUploads.MaxUploadBytes)]
[RequestFormLimits(MultipartBodyLengthLimit = TransactionUploads.MaxUploadBytes)]
public sealed class IndexModel(NpgsqlDataSource dataSource, CatalogueStore catalogue, ImportJobScheduler scheduler, TimeProvider clock) : PageModel
{
    public const int RecentCount = 30;

    [BindProperty]
    public IFormFile? Upload { get; set; }

    public string? UploadError { get; private set; }

    /// <summary>How a refused file's header row was read (shown beside the error), when it has one.</summary>
    public HeaderReading? Header { get; private set; }

    public IReadOnlyList<ImportSummary> Recent { get; private set; } = [];

    public static string MaxUploadText => $"{TransactionUploads.MaxUploadBytes / (1024 * 1024)} MB";

    public async Task OnGetAsync(CancellationToken cancellationToken) => Recent = await ReadRecentAsync(cancellationToken);

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        var (source, problem) = await TransactionUploads.CheckFileAsync(Upload);
        if (problem is null)
        {
            (Header, problem) = await TransactionUploads.ReadHeaderAsync(Upload!, source!.Value, cancellationToken);
            problem ??= Header!.MissingColumns;
        }

        if (problem is not null)
        {
            UploadError = problem.Vietnamese;
            Recent = await ReadRecentAsync(cancellationToken);
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }

        var importId = await TransactionUploads.StoreAsync(Upload!, source!.Value, Header, dataSource, scheduler, cancellationToken);
        return RedirectToPage("Details", new { id = importId });
    }

    /// <summary>A CSV file with the header and two example rows, with codes from the catalogue when there are some.</summary>
    public async Task<FileContentResult> OnGetSampleAsync(CancellationToken cancellationToken)
    {
        var (firstAgency, firstProcedure) = await catalogue.FirstCodesAsync(cancellationToken);
        var agency = firstAgency ?? "HP-STP";
        var procedure = firstProcedure ?? "DEMO-LLTP";
        var today = VietnamTime.Today(clock);
        string Day(int offset) => today.AddDays(offset).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        // Meant to be filled in and uploaded again, so nothing is escaped: "+84…" is a phone, not a formula.
        var csv = await SpreadsheetCsv.WriteAsync(
        [
            [.. TransactionFields.All],
            ["HS-0001", agency, procedure, "0912345678", Day(-2), "Nguyễn Văn An", TransactionRowValidator.Citizen, "", Day(-9), Day(-3), ""],
            ["HS-0002", agency, procedure, "+84983456789", Day(-1), "Công ty TNHH Hoa Phượng", TransactionRowValidator.Organization, "", Day(-6), Day(-1), ""],
        ], escapeFormulas: false, cancellationToken);
        return File(csv, "text/csv; charset=utf-8", "mau-giao-dich.csv");
    }

    private Task<IReadOnlyList<ImportSummary>> ReadRecentAsync(CancellationToken cancellationToken) =>
        new ImportStore(dataSource).ListRecentAsync(RecentCount, cancellationToken);
}
