using System.Globalization;
using ChatSurvey.Domain.Problems;
using MiniExcelLibs;

namespace ChatSurvey.Dispatcher.Import;

/// <summary>
/// Streams the transactions of the first sheet of an XLSX workbook with MiniExcel, row by row. The header is the
/// first row that is not blank. Date cells become <c>YYYY-MM-DD</c> (with <c>THH:mm:ss</c> when they hold a time of
/// day), text cells stay as typed (<c>31/03/2025</c> is read by <see cref="DossierDates"/>), number cells their digits (a phone typed as a
/// number has lost its leading 0, which the phone rules put back).
/// </summary>
public static class XlsxTransactionReader
{
    /// <summary>
    /// The data rows, numbered as the spreadsheet shows them (header row 1, first data row 2). Blank rows are skipped.
    /// Throws <see cref="ImportFileException"/> when the workbook cannot be read, is empty or lacks a required column.
    /// </summary>
    /// <param name="stream">The workbook, left open. A seekable stream (a file) is read in place; another one is first
    /// copied into memory by the ZIP reader.</param>
    public static IEnumerable<ImportRow> Read(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var rows = OpenFirstSheet(stream).GetEnumerator();
        TransactionColumns? columns = null;
        string[] keys = [];
        var rowNumber = 0;

        while (MoveNext(rows))
        {
            // MiniExcel yields every row from A1 on, filling in rows the sheet leaves out, so the count is the row number.
            rowNumber++;
            var cells = rows.Current;
            if (columns is null)
            {
                if (cells.Values.All(value => string.IsNullOrWhiteSpace(Text(value))))
                    continue;
                keys = [.. cells.Keys];
                columns = TransactionColumns.FromHeader([.. keys.Select(key => Text(cells[key]))]);
                continue;
            }

            var row = columns.ToRow(cells, (values, index) => index < keys.Length && values.TryGetValue(keys[index], out var value) ? Text(value) : null);
            if (!TransactionColumns.IsBlank(row))
                yield return new ImportRow(rowNumber, row);
        }

        if (columns is null)
            throw new ImportFileException(Problem.Of("file", ProblemCodes.ImportSheetEmpty));
    }

    /// <summary>
    /// How the first sheet's header row (its first row that is not blank) reads, without reading further. Throws
    /// <see cref="ImportFileException"/> when the workbook cannot be read or the sheet is empty.
    /// </summary>
    public static HeaderReading ReadHeader(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var rows = OpenFirstSheet(stream).GetEnumerator();
        while (MoveNext(rows))
        {
            var cells = rows.Current;
            if (cells.Values.All(value => string.IsNullOrWhiteSpace(Text(value))))
                continue;
            return TransactionColumns.Read([.. cells.Keys.Select(key => Text(cells[key]))]);
        }

        throw new ImportFileException(Problem.Of("file", ProblemCodes.ImportSheetEmpty));
    }

    private static IEnumerable<IDictionary<string, object?>> OpenFirstSheet(Stream stream)
    {
        try
        {
            // Without a sheet name MiniExcel reads the first sheet; without a header row the keys are column letters.
            return MiniExcel.Query(stream, useHeaderRow: false, excelType: ExcelType.XLSX)
                .Cast<IDictionary<string, object?>>();
        }
        catch (Exception e) when (e is InvalidDataException or IOException)
        {
            throw new ImportFileException(Problem.Of("file", ProblemCodes.ImportNotXlsx), e);
        }
    }

    private static bool MoveNext(IEnumerator<IDictionary<string, object?>> rows)
    {
        try
        {
            return rows.MoveNext();
        }
        catch (Exception e) when (e is InvalidDataException or System.Xml.XmlException)
        {
            throw new ImportFileException(Problem.Of("file", ProblemCodes.ImportNotXlsx), e);
        }
    }

    private static string? Text(object? value) => value switch
    {
        null => null,
        string text => text,
        // A date cell is a day; with a time of day (a result handed over at 14:30) the time is kept, as ISO.
        DateTime date when date.TimeOfDay == TimeSpan.Zero => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        DateTime date => date.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture),
        DateOnly date => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        double number when number == Math.Floor(number) && Math.Abs(number) < 1e15 =>
            ((long)number).ToString(CultureInfo.InvariantCulture),
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };
}
