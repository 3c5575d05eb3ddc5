using ChatSurvey.Domain.Problems;
using ChatSurvey.Domain.Sms;
using CsvHelper;

namespace ChatSurvey.BotHost.Volunteers;

/// <summary>A volunteers file read: its rows, or the problem that kept it from being read (then no rows).</summary>
public sealed record VolunteerFile(IReadOnlyList<VolunteerImportRow> Rows, Problem? Problem);

/// <summary>
/// Reads a volunteers file: a CSV with the columns <c>userName</c>, <c>password</c>, <c>name</c>, <c>phone</c>,
/// <c>unionUnit</c> and <c>agencyCodes</c> (several codes separated by <c>;</c>), as <c>POST /api/admin/volunteers</c>
/// names its fields. UTF-8 with or without a byte order mark, the separator detected, RFC 4180 quoting. Header names
/// match ignoring case, spaces, underscores and hyphens (<c>user_name</c>, <c>Union unit</c>). Rows are numbered as a
/// spreadsheet shows them (header row 1); blank rows are skipped but keep their numbers. The rules of each row are
/// <see cref="VolunteerStore.ImportAsync"/>'s.
/// </summary>
public static class VolunteerCsv
{
    /// <summary>The largest file accepted (a thousand volunteers take about 100 KB).</summary>
    public const int MaxFileBytes = 1024 * 1024;

    /// <summary>The columns, all required (the phone may be written as people write it: it is normalised).</summary>
    public static IReadOnlyList<string> Columns { get; } = ["userName", "password", "name", "phone", "unionUnit", "agencyCodes"];

    /// <summary>The separator between the agency codes of one volunteer.</summary>
    public const char AgencySeparator = ';';

    private static readonly CsvReaderOptions Options = new()
    {
        SkipEmptyLines = false,
        MalformedData = CsvMalformedDataHandling.Throw,
        // The file holds passwords: never copy a cell into an exception (and so a log).
        IncludeValuesInExceptions = false,
    };

    /// <summary>Reads the whole file (at most <see cref="MaxFileBytes"/>, which the caller checks); the stream is left open.</summary>
    public static async Task<VolunteerFile> ReadAsync(Stream stream, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var rows = new List<VolunteerImportRow>();
        var row = 0; // the last row read: the header is row 1
        try
        {
            await using var csv = CsvReader.Create(stream, Options, leaveOpen: true);
            await csv.ReadHeaderAsync(cancellationToken);
            row = 1;
            if (csv.Headers.Count == 0 || csv.Headers.All(string.IsNullOrWhiteSpace))
                return new VolunteerFile([], Problem.Of("file", ProblemCodes.ImportNoHeader));

            var header = csv.Headers.Select(VietnameseText.MatchKey).ToList();
            var indexes = Columns.Select(c => header.IndexOf(VietnameseText.MatchKey(c))).ToArray();
            var missing = Columns.Where((_, i) => indexes[i] < 0).ToList();
            if (missing.Count > 0)
                return new VolunteerFile([], Problem.Of("file", ProblemCodes.ImportMissingColumns, missing, Columns, Columns, "—"));

            while (await csv.ReadAsync(cancellationToken))
            {
                row = checked((int)csv.RowNumber + 1);
                var cells = indexes.Select(i => i < csv.FieldCount ? csv.GetString(i) : "").ToArray();
                if (cells.All(string.IsNullOrWhiteSpace))
                    continue;
                if (rows.Count == VolunteerStore.MaxImportRows)
                    return new VolunteerFile([], Problem.Of("file", ProblemCodes.VolunteerFileTooManyRows, VolunteerStore.MaxImportRows));
                rows.Add(new VolunteerImportRow(row, new NewVolunteer(
                    cells[0], cells[1], cells[2], cells[3], cells[4],
                    (cells[5] ?? "").Split(AgencySeparator, StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))));
            }
        }
        catch (CsvFormatException)
        {
            return new VolunteerFile([], Problem.Of("file", ProblemCodes.VolunteerFileUnreadable, row + 1));
        }

        return rows.Count == 0
            ? new VolunteerFile([], Problem.Of("file", ProblemCodes.VolunteerFileNoRows))
            : new VolunteerFile(rows, null);
    }
}
