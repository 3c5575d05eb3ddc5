using ChatSurvey.Domain.Problems;
using ChatSurvey.Domain.Sms;
using CsvHelper;

namespace ChatSurvey.Dispatcher.Catalogue;

/// <summary>A catalogue file read: its agency rows, or the problem that kept it from being read (then no rows).</summary>
public sealed record CatalogueFile(IReadOnlyList<AgencyImportRow> Rows, Problem? Problem);

/// <summary>
/// Reads a catalogue file of agencies: a CSV with the columns <c>code</c>, <c>name</c>, <c>kind</c>, <c>parent_code</c>
/// and optionally <c>retired</c> (any other column, such as the shipped file's <c>source</c>, is ignored). UTF-8 with or
/// without a byte order mark, the separator detected, RFC 4180 quoting (names with commas are quoted). Header names
/// match ignoring case, spaces, underscores and hyphens (<c>parentCode</c>, <c>Parent code</c>). Rows are numbered as a
/// spreadsheet shows them (header row 1); blank rows are skipped but keep their numbers. The rules of each row are
/// <see cref="CatalogueStore.ImportAgenciesAsync"/>'s.
/// </summary>
public static class CatalogueCsv
{
    /// <summary>The largest file accepted (Hai Phong's 130 agencies take about 20 KB).</summary>
    public const int MaxFileBytes = 1024 * 1024;

    /// <summary>The columns a file must have, as the shipped catalogue names them.</summary>
    public static IReadOnlyList<string> RequiredColumns { get; } = ["code", "name", "kind", "parent_code"];

    /// <summary>The column a file may add.</summary>
    public const string RetiredColumn = "retired";

    private static readonly CsvReaderOptions Options = new()
    {
        SkipEmptyLines = false,
        MalformedData = CsvMalformedDataHandling.Throw,
    };

    /// <summary>Reads the whole file (at most <see cref="MaxFileBytes"/>, which the caller checks); the stream is left open.</summary>
    public static async Task<CatalogueFile> ReadAsync(Stream stream, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var rows = new List<AgencyImportRow>();
        var row = 0; // the last row read: the header is row 1
        try
        {
            await using var csv = CsvReader.Create(stream, Options, leaveOpen: true);
            await csv.ReadHeaderAsync(cancellationToken);
            row = 1;
            if (csv.Headers.Count == 0 || csv.Headers.All(string.IsNullOrWhiteSpace))
                return new CatalogueFile([], Problem.Of("file", ProblemCodes.ImportNoHeader));

            var header = csv.Headers.Select(VietnameseText.MatchKey).ToList();
            var indexes = RequiredColumns.Select(c => header.IndexOf(VietnameseText.MatchKey(c))).ToArray();
            var missing = RequiredColumns.Where((_, i) => indexes[i] < 0).ToList();
            if (missing.Count > 0)
            {
                return new CatalogueFile([], Problem.Of("file", ProblemCodes.ImportMissingColumns,
                    missing, RequiredColumns.Append(RetiredColumn).ToList(), RequiredColumns, new[] { RetiredColumn }));
            }

            var retired = header.IndexOf(VietnameseText.MatchKey(RetiredColumn));
            while (await csv.ReadAsync(cancellationToken))
            {
                row = checked((int)csv.RowNumber + 1);
                string? Cell(int index) => index < csv.FieldCount ? csv.GetString(index) : "";
                var entry = new AgencyEntry(Cell(indexes[0]), Cell(indexes[1]), Cell(indexes[2]), Cell(indexes[3]));
                var retiredCell = retired < 0 ? null : Cell(retired);
                if (string.IsNullOrWhiteSpace(entry.Code) && string.IsNullOrWhiteSpace(entry.Name)
                    && string.IsNullOrWhiteSpace(entry.Kind) && string.IsNullOrWhiteSpace(entry.ParentCode)
                    && string.IsNullOrWhiteSpace(retiredCell))
                    continue;
                if (rows.Count == CatalogueStore.MaxImportRows)
                    return new CatalogueFile([], Problem.Of("file", ProblemCodes.CatalogueFileTooManyRows, CatalogueStore.MaxImportRows));
                rows.Add(new AgencyImportRow(row, entry, retiredCell));
            }
        }
        catch (CsvFormatException)
        {
            return new CatalogueFile([], Problem.Of("file", ProblemCodes.CatalogueFileUnreadable, row + 1));
        }

        return new CatalogueFile(rows, null);
    }
}
