using System.Runtime.CompilerServices;
using ChatSurvey.Domain.Problems;
using CsvHelper;

namespace ChatSurvey.Dispatcher.Import;

/// <summary>
/// Streams the transactions of a CSV file: UTF-8 with or without a byte order mark (a UTF-16 mark is honoured too),
/// the separator detected (comma, semicolon, tab or pipe), RFC 4180 quoting. Records are read one at a time, so a
/// file of any size takes the same memory.
/// </summary>
public static class CsvTransactionReader
{
    private static readonly CsvReaderOptions Options = new()
    {
        // Blank lines are returned (and then skipped here) so that row numbers stay those of the spreadsheet.
        SkipEmptyLines = false,
        // Phone numbers are personal data: keep them out of exception messages and logs.
        IncludeValuesInExceptions = false,
    };

    /// <summary>
    /// How the file's header row reads (<see cref="TransactionColumns"/>), without reading further. Throws
    /// <see cref="ImportFileException"/> when the file is empty.
    /// </summary>
    public static async Task<HeaderReading> ReadHeaderAsync(Stream stream, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        await using var csv = CsvReader.Create(stream, Options, leaveOpen: true);
        await csv.ReadHeaderAsync(cancellationToken);
        if (csv.Headers.Count == 0)
            throw new ImportFileException(Problem.Of("file", ProblemCodes.ImportNoHeader));
        return TransactionColumns.Read(csv.Headers);
    }

    /// <summary>
    /// The data rows, numbered as a spreadsheet shows them (header row 1, first data row 2). Blank rows are skipped;
    /// empty and missing cells are null.
    /// Throws <see cref="ImportFileException"/> when the file is empty or lacks a required column.
    /// </summary>
    /// <param name="stream">The file; read sequentially and left open.</param>
    /// <param name="cancellationToken">Stops reading.</param>
    public static async IAsyncEnumerable<ImportRow> ReadAsync(
        Stream stream, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        await using var csv = CsvReader.Create(stream, Options, leaveOpen: true);
        await csv.ReadHeaderAsync(cancellationToken);
        if (csv.Headers.Count == 0)
            throw new ImportFileException(Problem.Of("file", ProblemCodes.ImportNoHeader));
        var columns = TransactionColumns.FromHeader(csv.Headers);

        while (await csv.ReadAsync(cancellationToken))
        {
            var row = columns.ToRow(csv, static (reader, index) => reader.IsEmpty(index) ? null : reader.GetString(index));
            if (!TransactionColumns.IsBlank(row))
                yield return new ImportRow(checked((int)csv.RowNumber + 1), row);
        }
    }
}
