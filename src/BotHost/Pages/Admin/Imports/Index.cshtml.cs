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
/// header is read here as well, so a file without the required columns is refused at once instead of failing later
/// in the job.
/// </summary>
[RequestSizeLimit(TransactionUploads.MaxUploadBytes)]
[RequestFormLimits(MultipartBodyLengthLimit = TransactionUploads.MaxUploadBytes)]
public sealed class IndexModel(NpgsqlDataSource dataSource, CatalogueStore catalogue, ImportJobScheduler scheduler, TimeProvider clock) : PageModel
{
    public const int RecentCount = 30;

    [BindProperty]
    public IFormFile? Upload { get; set; }

    public string? UploadError { get; private set; }

    public IReadOnlyList<ImportSummary> Recent { get; private set; } = [];

    public static string MaxUploadText => $"{TransactionUploads.MaxUploadBytes / (1024 * 1024)} MB";

    public async Task OnGetAsync(CancellationToken cancellationToken) => Recent = await ReadRecentAsync(cancellationToken);

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        var (source, problem) = await TransactionUploads.CheckFileAsync(Upload);
        UploadError = problem?.Vietnamese ?? await CheckHeaderAsync(Upload!, source!.Value, cancellationToken);
        if (UploadError is not null)
        {
            Recent = await ReadRecentAsync(cancellationToken);
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }

        var importId = await TransactionUploads.StoreAsync(Upload!, source!.Value, dataSource, scheduler, cancellationToken);
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
            ["HS-0001", agency, procedure, "0912345678", Day(-2), "Nguyễn Văn An", TransactionRowValidator.Citizen],
            ["HS-0002", agency, procedure, "+84983456789", Day(-1), "Công ty TNHH Hoa Phượng", TransactionRowValidator.Organization],
        ], escapeFormulas: false, cancellationToken);
        return File(csv, "text/csv; charset=utf-8", "mau-giao-dich.csv");
    }

    /// <summary>Reads the header (and the first row) with the job's own reader; the reason in Vietnamese, or null.</summary>
    private static async Task<string?> CheckHeaderAsync(IFormFile file, ImportSource source, CancellationToken cancellationToken)
    {
        await using var stream = file.OpenReadStream();
        try
        {
            if (source == ImportSource.Csv)
            {
                await using var rows = CsvTransactionReader.ReadAsync(stream, cancellationToken).GetAsyncEnumerator(cancellationToken);
                await rows.MoveNextAsync();
            }
            else
            {
                using var rows = XlsxTransactionReader.Read(stream).GetEnumerator();
                rows.MoveNext();
            }

            return null;
        }
        catch (ImportFileException e)
        {
            return e.Problem?.Vietnamese ?? e.Message;
        }
    }

    private Task<IReadOnlyList<ImportSummary>> ReadRecentAsync(CancellationToken cancellationToken) =>
        new ImportStore(dataSource).ListRecentAsync(RecentCount, cancellationToken);
}
