using ChatSurvey.Domain.Problems;

namespace ChatSurvey.Dispatcher.Import;

/// <summary>
/// Where each field is in a file's columns. Header names match the API names ignoring case, spaces, underscores and
/// hyphens, so <c>dossierCode</c>, <c>dossier_code</c> and <c>Dossier Code</c> all name the same column.
/// </summary>
internal sealed class TransactionColumns
{
    private const int Absent = -1;
    private readonly int[] _indexes;

    private TransactionColumns(int[] indexes) => _indexes = indexes;

    /// <summary>Maps a header; throws <see cref="ImportFileException"/> when a required column is missing.</summary>
    public static TransactionColumns FromHeader(IReadOnlyList<string?> header)
    {
        var indexes = new int[TransactionFields.All.Count];
        Array.Fill(indexes, Absent);
        for (var column = 0; column < header.Count; column++)
        {
            var name = Normalize(header[column]);
            for (var field = 0; field < TransactionFields.All.Count; field++)
            {
                // The first column with a name wins.
                if (indexes[field] == Absent && name == Normalize(TransactionFields.All[field]))
                    indexes[field] = column;
            }
        }

        var missing = TransactionFields.Required.Where((_, field) => indexes[field] == Absent).ToList();
        if (missing.Count > 0)
        {
            throw new ImportFileException(Problem.Of("file", ProblemCodes.ImportMissingColumns,
                missing, TransactionFields.All, TransactionFields.Required, TransactionFields.All.Except(TransactionFields.Required)));
        }

        return new TransactionColumns(indexes);
    }

    /// <summary>The row made of the cells of a record; <paramref name="cell"/> reads a column, null or empty when absent.</summary>
    public TransactionRow ToRow<TSource>(TSource source, Func<TSource, int, string?> cell)
    {
        string? Get(int field) => _indexes[field] == Absent ? null : cell(source, _indexes[field]);
        return new TransactionRow(Get(0), Get(1), Get(2), Get(3), Get(4), Get(5), Get(6));
    }

    /// <summary>Whether every cell of the row is empty: such rows are skipped but keep their numbers.</summary>
    public static bool IsBlank(TransactionRow row) =>
        string.IsNullOrWhiteSpace(row.DossierCode) && string.IsNullOrWhiteSpace(row.AgencyCode)
        && string.IsNullOrWhiteSpace(row.ProcedureCode) && string.IsNullOrWhiteSpace(row.Phone)
        && string.IsNullOrWhiteSpace(row.ResultDate) && string.IsNullOrWhiteSpace(row.ApplicantName)
        && string.IsNullOrWhiteSpace(row.ApplicantType);

    private static string Normalize(string? name) =>
        name is null ? "" : string.Concat(name.Where(char.IsLetterOrDigit)).ToLowerInvariant();
}
