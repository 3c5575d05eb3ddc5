using ChatSurvey.Dispatcher.Import;
using ChatSurvey.Domain.Problems;
using Npgsql;

namespace ChatSurvey.BotHost.Admin;

/// <summary>
/// An uploaded transactions file, shared by <c>POST /api/admin/transactions/import</c> and the imports page: the same
/// size limit, the same checks, the same queued import and job.
/// </summary>
internal static class TransactionUploads
{
    public const long MaxUploadBytes = 256L * 1024 * 1024;

    /// <summary>The file's kind, or the problem (field <c>file</c>): missing, empty, neither CSV nor XLSX.</summary>
    public static async Task<(ImportSource? Source, Problem? Problem)> CheckFileAsync(IFormFile? file)
    {
        if (file is null)
            return (null, Problem.Of("file", ProblemCodes.UploadMissing));
        if (file.Length == 0)
            return (null, Problem.Of("file", ProblemCodes.UploadEmpty));
        return await DetectAsync(file) is { } source ? (source, null) : (null, Problem.Of("file", ProblemCodes.UploadType));
    }

    /// <summary>
    /// Stores the file with a queued import and hands it to the import job; returns the import id. <paramref name="header"/>
    /// is how its header row was read (<see cref="ReadHeaderAsync"/>), kept with the import for its page.
    /// </summary>
    public static async Task<long> StoreAsync(
        IFormFile file, ImportSource source, HeaderReading? header, NpgsqlDataSource dataSource, ImportJobScheduler scheduler,
        CancellationToken cancellationToken)
    {
        long importId;
        await using (var content = file.OpenReadStream())
        {
            importId = await new ImportStore(dataSource).CreateWithFileAsync(
                source, Path.GetFileName(file.FileName), content, header, cancellationToken);
        }

        scheduler.Enqueue(importId);
        return importId;
    }

    /// <summary>
    /// Reads the file's header row with the import job's own reader: how each column is read, or the problem (field
    /// <c>file</c>) when there is no header at all or the workbook cannot be read. Missing required columns are in the
    /// reading (<see cref="HeaderReading.Missing"/>), not a problem here.
    /// </summary>
    public static async Task<(HeaderReading? Reading, Problem? Problem)> ReadHeaderAsync(
        IFormFile file, ImportSource source, CancellationToken cancellationToken)
    {
        await using var stream = file.OpenReadStream();
        try
        {
            var reading = source == ImportSource.Csv
                ? await CsvTransactionReader.ReadHeaderAsync(stream, cancellationToken)
                : XlsxTransactionReader.ReadHeader(stream);
            return (reading, null);
        }
        catch (ImportFileException e) when (e.Problem is not null)
        {
            return (null, e.Problem);
        }
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
