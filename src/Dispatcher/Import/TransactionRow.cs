using System.Text.Json.Serialization;
using ChatSurvey.Domain.Problems;

namespace ChatSurvey.Dispatcher.Import;

/// <summary>
/// One dossier as the one-stop-shop system exports it, before validation: every field is the raw text (a JSON batch
/// element of <c>POST /api/admin/transactions</c>, a CSV/XLSX data row with the same columns or their Vietnamese
/// names, or a dossier posted to the integration API). <c>AgencyCode</c> is the agency's code or its one-stop-shop unit
/// code; <c>ResultDate</c> is the day (and maybe the time) the result was handed over, <c>ReceivedOn</c> and
/// <c>DueOn</c> the days the dossier was received and its result promised, all Vietnam time in a form
/// <see cref="DossierDates"/> reads; <c>ApplicantType</c> is <c>citizen</c> (the default when empty) or
/// <c>organization</c>, or the portal's 1 and 2. <c>ProcedureName</c> is not stored (the catalogue names procedures):
/// it only words the reason when the procedure's code is unknown.
/// </summary>
public sealed record TransactionRow(
    string? DossierCode,
    string? AgencyCode,
    string? ProcedureCode,
    string? Phone,
    string? ResultDate,
    string? ApplicantName = null,
    string? ApplicantType = null,
    string? ProcedureName = null,
    string? ReceivedOn = null,
    string? DueOn = null,
    string? DossierStatus = null);

/// <summary>
/// A <see cref="TransactionRow"/> with the number the report gives it. For files it is the row the user sees in a
/// spreadsheet: the header is row 1, so the first data row is row 2, and blank rows keep their numbers.
/// </summary>
public readonly record struct ImportRow(int Row, TransactionRow Transaction)
{
    /// <summary>
    /// Numbers the elements of a JSON batch by their 0-based index in the array, so a client finds a rejected
    /// element as <c>body[row]</c>.
    /// </summary>
    public static IEnumerable<ImportRow> FromBatch(IEnumerable<TransactionRow> transactions) =>
        transactions.Select((transaction, index) => new ImportRow(index, transaction));
}

/// <summary>
/// A row that was not imported: its number, the API name of the first offending field and why — <see cref="Reason"/> in
/// the API's English, <see cref="Code"/> and <see cref="Args"/> the <see cref="ChatSurvey.Domain.Problems.Problem"/> it was worded from (absent
/// in reports stored before codes were).
/// </summary>
public sealed record RejectedRow(int Row, string Field, string Reason, string? Code = null, IReadOnlyList<string>? Args = null)
{
    public static RejectedRow For(int row, Problem problem)
    {
        ArgumentNullException.ThrowIfNull(problem);
        return new(row, problem.Field, problem.English, problem.Code, problem.Args);
    }

    /// <summary>The problem behind <see cref="Reason"/>, or null when the row carries no code the table knows.</summary>
    [JsonIgnore]
    public Problem? Problem => ProblemTexts.IsKnown(Code, Args?.Count ?? 0) ? new Problem(Field, Code!, Args ?? []) : null;

    public bool Equals(RejectedRow? other) =>
        other is not null && Row == other.Row && Field == other.Field && Reason == other.Reason && Code == other.Code
        && (Args ?? []).SequenceEqual(other.Args ?? []);

    public override int GetHashCode() => HashCode.Combine(Row, Field, Reason, Code);
}

/// <summary>The API names of the columns, used as <see cref="RejectedRow.Field"/> whatever the file's header spelling.</summary>
public static class TransactionFields
{
    public const string DossierCode = "dossierCode";
    public const string AgencyCode = "agencyCode";
    public const string ProcedureCode = "procedureCode";
    public const string Phone = "phone";
    public const string ResultDate = "resultDate";
    public const string ApplicantName = "applicantName";
    public const string ApplicantType = "applicantType";
    public const string ProcedureName = "procedureName";
    public const string ReceivedOn = "receivedOn";
    public const string DueOn = "dueOn";
    public const string DossierStatus = "dossierStatus";

    /// <summary>The columns a file must have (the others may be left out).</summary>
    public static IReadOnlyList<string> Required { get; } = [DossierCode, AgencyCode, ProcedureCode, Phone, ResultDate];

    /// <summary>All columns in the order of the API shape (that of <see cref="TransactionRow"/>).</summary>
    public static IReadOnlyList<string> All { get; } =
        [.. Required, ApplicantName, ApplicantType, ProcedureName, ReceivedOn, DueOn, DossierStatus];
}

public enum ImportSource
{
    Api,
    Csv,
    Xlsx,

    /// <summary>A batch posted by a one-stop-shop system with an integration key (<c>POST /api/integrations/dossiers</c>).</summary>
    Integration,
}

public enum ImportStatus
{
    Queued,
    Running,
    Succeeded,
    Failed,
}

/// <summary>
/// The outcome of one import. Every data row is counted once:
/// <c>TotalRows = Accepted + Duplicates + RejectedCount</c>. <c>Duplicates</c> are valid rows not inserted because
/// their (agency, dossier code) was already in the table or came earlier in the same import (the first occurrence
/// wins). <c>Rejected</c> lists the rejected rows in file order, at most
/// <see cref="TransactionImporter.MaxRejectedListed"/> of them; <c>RejectedNotListed</c> counts the others.
/// </summary>
public sealed record ImportReport(
    long ImportId,
    int TotalRows,
    int Accepted,
    int Duplicates,
    IReadOnlyList<RejectedRow> Rejected,
    int RejectedNotListed = 0)
{
    public int RejectedCount => Rejected.Count + RejectedNotListed;
}

/// <summary>
/// An import as <c>GET /api/admin/imports/{id}</c> shows it. The report counts stay 0 until it has succeeded.
/// <see cref="Error"/> is the failure in English; <see cref="Failure"/> the problem it was worded from, when known.
/// <see cref="Header"/> is how an uploaded file's header row was read (null for batches and older imports);
/// <see cref="IntegrationKeyName"/> names the key that posted an integration batch.
/// </summary>
public sealed record ImportInfo(
    long Id,
    ImportSource Source,
    string? FileName,
    ImportStatus Status,
    ImportReport Report,
    string? Error,
    DateTimeOffset CreatedAt,
    DateTimeOffset? FinishedAt,
    Problem? Failure = null,
    HeaderReading? Header = null,
    string? IntegrationKeyName = null);

/// <summary>An import in a list: its counts as stored (0 until it has succeeded), without the rejected rows.</summary>
public sealed record ImportSummary(
    long Id,
    ImportSource Source,
    string? FileName,
    ImportStatus Status,
    int TotalRows,
    int Accepted,
    int Duplicates,
    DateTimeOffset CreatedAt,
    DateTimeOffset? FinishedAt,
    string? IntegrationKeyName = null)
{
    public int Rejected => TotalRows - Accepted - Duplicates;
}

/// <summary>
/// The file cannot be read as a transactions file at all (no header, missing columns, not an XLSX workbook, gone);
/// <see cref="Problem"/> says which, and the message is its English wording.
/// </summary>
public sealed class ImportFileException : Exception
{
    public ImportFileException()
    {
    }

    public ImportFileException(string message)
        : base(message)
    {
    }

    public ImportFileException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public ImportFileException(Problem problem, Exception? innerException = null)
        : base((problem ?? throw new ArgumentNullException(nameof(problem))).English, innerException) => Problem = problem;

    /// <summary>The problem (field <c>file</c>), or null when only a message was given.</summary>
    public Problem? Problem { get; }
}
