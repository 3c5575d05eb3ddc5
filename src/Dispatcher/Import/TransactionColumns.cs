using System.Collections.Frozen;
using ChatSurvey.Domain.Problems;
using ChatSurvey.Domain.Sms;

namespace ChatSurvey.Dispatcher.Import;

/// <summary>One column of a file's header row: its text and the field it is read as (null: the column is ignored).</summary>
public sealed record HeaderColumn(string Header, string? Field);

/// <summary>
/// How a file's header row was read: every column in file order with the field it gives, and the required fields no
/// column gives (the file cannot be imported while any is missing).
/// </summary>
public sealed record HeaderReading(IReadOnlyList<HeaderColumn> Columns, IReadOnlyList<string> Missing)
{
    /// <summary>Why the file cannot be imported (field <c>file</c>), or null when no required column is missing.</summary>
    public Problem? MissingColumns => Missing.Count == 0
        ? null
        : Problem.Of("file", ProblemCodes.ImportMissingColumns,
            Missing, TransactionFields.All, TransactionFields.Required, TransactionFields.All.Except(TransactionFields.Required));
}

/// <summary>
/// Where each field is in a file's columns. A header names a field by its API name or by the Vietnamese name of the
/// one-stop-shop exports ("Mã hồ sơ", "Ngày hẹn trả" …, also the portal's <c>MaHoSo</c>, <c>NgayHenTra</c> …), ignoring
/// case, diacritics, spaces, underscores and hyphens: <c>dossierCode</c>, <c>dossier_code</c>, <c>Dossier Code</c>,
/// "Mã hồ sơ" and "MA HO SO" all name the same column. The first column naming a field is the one read; the others,
/// and columns naming nothing, are ignored.
/// </summary>
internal sealed class TransactionColumns
{
    private const int Absent = -1;
    private readonly int[] _indexes;

    private TransactionColumns(int[] indexes) => _indexes = indexes;

    /// <summary>
    /// The names each field is known by besides its API name and its portal name (<see cref="PortalFields"/>): the column
    /// titles of one-stop-shop exports.
    /// </summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<string>> VietnameseNames { get; } = new Dictionary<string, IReadOnlyList<string>>
    {
        [TransactionFields.DossierCode] = ["Mã hồ sơ", "Số hồ sơ"],
        [TransactionFields.AgencyCode] = ["Đơn vị", "Mã đơn vị"],
        [TransactionFields.ProcedureCode] = ["Mã thủ tục", "Mã TTHC"],
        [TransactionFields.Phone] = ["Số điện thoại", "Điện thoại"],
        [TransactionFields.ResultDate] = ["Ngày trả kết quả", "Ngày trả"],
        [TransactionFields.ApplicantName] = ["Chủ hồ sơ", "Tên người nộp"],
        [TransactionFields.ApplicantType] = ["Loại đối tượng"],
        [TransactionFields.ProcedureName] = ["Tên thủ tục", "Tên TTHC"],
        [TransactionFields.ReceivedOn] = ["Ngày tiếp nhận"],
        [TransactionFields.DueOn] = ["Ngày hẹn trả", "Ngày hẹn trả kết quả"],
        [TransactionFields.DossierStatus] = ["Trạng thái hồ sơ", "Trạng thái"],
    };

    // Every spelling, normalised, to its field's position in TransactionFields.All.
    private static readonly FrozenDictionary<string, int> Names = BuildNames();

    /// <summary>Reads a header row: which field each column gives, and which required fields are missing.</summary>
    public static HeaderReading Read(IReadOnlyList<string?> header)
    {
        ArgumentNullException.ThrowIfNull(header);
        return Map(header).Reading;
    }

    /// <summary>Maps a header; throws <see cref="ImportFileException"/> when a required column is missing.</summary>
    public static TransactionColumns FromHeader(IReadOnlyList<string?> header)
    {
        ArgumentNullException.ThrowIfNull(header);
        var (indexes, reading) = Map(header);
        return reading.MissingColumns is { } missing ? throw new ImportFileException(missing) : new TransactionColumns(indexes);
    }

    /// <summary>The row made of the cells of a record; <paramref name="cell"/> reads a column, null or empty when absent.</summary>
    public TransactionRow ToRow<TSource>(TSource source, Func<TSource, int, string?> cell)
    {
        string? Get(int field) => _indexes[field] == Absent ? null : cell(source, _indexes[field]);
        return new TransactionRow(Get(0), Get(1), Get(2), Get(3), Get(4), Get(5), Get(6), Get(7), Get(8), Get(9), Get(10));
    }

    /// <summary>Whether every cell of the row is empty: such rows are skipped but keep their numbers.</summary>
    public static bool IsBlank(TransactionRow row) =>
        string.IsNullOrWhiteSpace(row.DossierCode) && string.IsNullOrWhiteSpace(row.AgencyCode)
        && string.IsNullOrWhiteSpace(row.ProcedureCode) && string.IsNullOrWhiteSpace(row.Phone)
        && string.IsNullOrWhiteSpace(row.ResultDate) && string.IsNullOrWhiteSpace(row.ApplicantName)
        && string.IsNullOrWhiteSpace(row.ApplicantType) && string.IsNullOrWhiteSpace(row.ProcedureName)
        && string.IsNullOrWhiteSpace(row.ReceivedOn) && string.IsNullOrWhiteSpace(row.DueOn)
        && string.IsNullOrWhiteSpace(row.DossierStatus);

    /// <summary>A header as it is compared (<see cref="VietnameseText.MatchKey"/>).</summary>
    internal static string Normalize(string? name) => VietnameseText.MatchKey(name);

    private static (int[] Indexes, HeaderReading Reading) Map(IReadOnlyList<string?> header)
    {
        var indexes = new int[TransactionFields.All.Count];
        Array.Fill(indexes, Absent);
        var columns = new List<HeaderColumn>(header.Count);
        for (var column = 0; column < header.Count; column++)
        {
            string? field = null;
            if (Names.TryGetValue(Normalize(header[column]), out var position) && indexes[position] == Absent)
            {
                // The first column with a name wins; a later one naming the same field is ignored.
                indexes[position] = column;
                field = TransactionFields.All[position];
            }

            columns.Add(new HeaderColumn(header[column]?.Trim() ?? "", field));
        }

        var missing = TransactionFields.Required.Where(required => indexes[IndexOf(required)] == Absent).ToList();
        return (indexes, new HeaderReading(columns, missing));
    }

    private static int IndexOf(string field)
    {
        for (var i = 0; i < TransactionFields.All.Count; i++)
        {
            if (TransactionFields.All[i] == field)
                return i;
        }

        throw new ArgumentOutOfRangeException(nameof(field), field, "Not a transaction field.");
    }

    private static FrozenDictionary<string, int> BuildNames()
    {
        var names = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var position = 0; position < TransactionFields.All.Count; position++)
        {
            var field = TransactionFields.All[position];
            foreach (var name in VietnameseNames[field].Prepend(PortalFields.Of(field)).Prepend(field))
            {
                // Two fields sharing a spelling would make a header ambiguous: a mistake in the table above.
                if (!names.TryAdd(Normalize(name), position) && names[Normalize(name)] != position)
                    throw new InvalidOperationException($"The header name '{name}' is given to two fields.");
            }
        }

        return names.ToFrozenDictionary(StringComparer.Ordinal);
    }
}
