using System.Globalization;
using ChatSurvey.BotHost.Admin;
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
[RequestSizeLimit(TransactionsApi.MaxUploadBytes)]
[RequestFormLimits(MultipartBodyLengthLimit = TransactionsApi.MaxUploadBytes)]
public sealed class IndexModel(NpgsqlDataSource dataSource, ImportJobScheduler scheduler, TimeProvider clock) : PageModel
{
    public const int RecentCount = 30;

    [BindProperty]
    public IFormFile? Upload { get; set; }

    public string? UploadError { get; private set; }

    public IReadOnlyList<ImportListRow> Recent { get; private set; } = [];

    public static string MaxUploadText => $"{TransactionsApi.MaxUploadBytes / (1024 * 1024)} MB";

    public async Task OnGetAsync(CancellationToken cancellationToken) => Recent = await ReadRecentAsync(cancellationToken);

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        var (source, problem) = await TransactionsApi.CheckFileAsync(Upload);
        UploadError = problem?.Vietnamese ?? await CheckHeaderAsync(Upload!, source!.Value, cancellationToken);
        if (UploadError is not null)
        {
            Recent = await ReadRecentAsync(cancellationToken);
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }

        var importId = await TransactionsApi.StoreAsync(Upload!, source!.Value, dataSource, scheduler, cancellationToken);
        return RedirectToPage("Details", new { id = importId });
    }

    /// <summary>A CSV file with the header and two example rows, with codes from the catalogue when there are some.</summary>
    public async Task<FileContentResult> OnGetSampleAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT (SELECT code FROM agencies ORDER BY code LIMIT 1), (SELECT code FROM procedures ORDER BY code LIMIT 1)
            """);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        var agency = reader.IsDBNull(0) ? "HP-STP" : reader.GetString(0);
        var procedure = reader.IsDBNull(1) ? "DEMO-LLTP" : reader.GetString(1);
        var today = VietnamTime.Today(clock);
        var csv = Csv.Lines(
        [
            string.Join(',', TransactionFields.All),
            string.Create(CultureInfo.InvariantCulture, $"HS-0001,{Csv.Cell(agency)},{Csv.Cell(procedure)},0912345678,{today.AddDays(-2):yyyy-MM-dd},Nguyễn Văn An,citizen"),
            string.Create(CultureInfo.InvariantCulture, $"HS-0002,{Csv.Cell(agency)},{Csv.Cell(procedure)},+84983456789,{today.AddDays(-1):yyyy-MM-dd},Công ty TNHH Hoa Phượng,organization"),
        ]);
        return File(Csv.Utf8WithBom(csv), "text/csv; charset=utf-8", "mau-giao-dich.csv");
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
            return ImportTexts.Error(e.Message);
        }
    }

    private async Task<IReadOnlyList<ImportListRow>> ReadRecentAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT id, source, file_name, status, total_rows, accepted, duplicates, created_at, finished_at
            FROM imports
            ORDER BY id DESC
            LIMIT $1
            """);
        command.Parameters.AddWithValue(RecentCount);
        var rows = new List<ImportListRow>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var total = reader.GetInt32(4);
            var accepted = reader.GetInt32(5);
            var duplicates = reader.GetInt32(6);
            rows.Add(new ImportListRow(
                reader.GetInt64(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2), reader.GetString(3),
                total, accepted, duplicates, total - accepted - duplicates,
                reader.GetFieldValue<DateTimeOffset>(7), reader.IsDBNull(8) ? null : reader.GetFieldValue<DateTimeOffset>(8)));
        }

        return rows;
    }

    public sealed record ImportListRow(
        long Id, string Source, string? FileName, string Status, int TotalRows, int Accepted, int Duplicates, int Rejected,
        DateTimeOffset CreatedAt, DateTimeOffset? FinishedAt);
}
