using CsvHelper;

namespace ChatSurvey.BotHost.Admin;

/// <summary>
/// The CSV files the admin pages offer for download, written with CsvHelper: RFC 4180 (comma separated, CRLF, quotes
/// where needed), UTF-8 with a byte order mark so Excel reads the diacritics. A field with a semicolon is quoted as
/// well, for spreadsheets whose list separator is ";".
/// </summary>
internal static class SpreadsheetCsv
{
    /// <summary>
    /// The records, the first usually a header. With <paramref name="escapeFormulas"/>, text that a spreadsheet would run
    /// as a formula (<c>= + - @</c> …) is prefixed with <c>'</c>; leave it off for files meant to be uploaded again.
    /// </summary>
    public static async Task<byte[]> WriteAsync(IEnumerable<string?[]> records, bool escapeFormulas, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(records);
        var options = CsvWriterOptions.Default with
        {
            WriteByteOrderMark = true,
            Injection = escapeFormulas ? CsvInjection.Escape : CsvInjection.None,
            ShouldQuote = (field, _, _, _) => field.Contains(';'),
        };
        using var stream = new MemoryStream();
        await using (var csv = CsvWriter.Create(stream, options, leaveOpen: true))
        {
            foreach (var record in records)
                await csv.WriteRecordAsync(record, cancellationToken);
            await csv.FlushAsync(cancellationToken);
        }

        return stream.ToArray();
    }
}
