using System.Buffers;
using ChatSurvey.Domain.Problems;
using ChatSurvey.Domain.Time;

namespace ChatSurvey.Dispatcher.Import;

/// <summary>
/// A row that passed validation: codes resolved to ids, phone in E.164, text trimmed, dates read. The result date is
/// null only for a dossier posted before its result (the integration API); <see cref="ResultAt"/> is the result's
/// instant when the row gives its time of day.
/// </summary>
internal readonly record struct ValidTransaction(
    int Row,
    long AgencyId,
    long ProcedureId,
    string DossierCode,
    string Phone,
    DateOnly? ResultDate,
    string? ApplicantName,
    string ApplicantType,
    DateTimeOffset? ResultAt = null,
    DateOnly? ReceivedOn = null,
    DateOnly? DueOn = null,
    string? DossierStatus = null);

/// <summary>
/// What differs between the sources of rows. Files and the admin JSON batch need a result date and may name an agency
/// that has since been retired (history); dossiers from the one-stop-shop integration may arrive before their result and
/// must belong to an agency in service.
/// </summary>
internal sealed record RowRules(bool ResultDateRequired, bool RetiredAgenciesRefused)
{
    public static RowRules Import { get; } = new(ResultDateRequired: true, RetiredAgenciesRefused: false);

    public static RowRules Integration { get; } = new(ResultDateRequired: false, RetiredAgenciesRefused: true);
}

/// <summary>
/// The rules a transaction row must meet. Fields are checked in the order of the API shape and the first broken rule
/// is the row's reason, so each rejected row has one entry in the report. <paramref name="agencyIds"/> holds every
/// agency's code and one-stop-shop unit code (<see cref="ImportCatalogue"/>); <paramref name="retiredAgencyIds"/> the
/// agencies no longer in service.
/// </summary>
internal sealed class TransactionRowValidator(
    IReadOnlyDictionary<string, long> agencyIds,
    IReadOnlyDictionary<string, long> procedureIds,
    DateOnly today,
    RowRules? rules = null,
    IReadOnlySet<long>? retiredAgencyIds = null)
{
    public const int MaxDossierCodeLength = 64;
    public const int MaxApplicantNameLength = 200;
    public const int MaxDossierStatusLength = 100;
    public static readonly DateOnly EarliestResultDate = new(2000, 1, 1);

    public const string Citizen = "citizen";
    public const string Organization = "organization";

    private readonly RowRules _rules = rules ?? RowRules.Import;

    /// <summary>Validates a row; exactly one of <paramref name="valid"/> and <paramref name="rejected"/> is set.</summary>
    public bool TryValidate(in ImportRow row, out ValidTransaction valid, out RejectedRow? rejected)
    {
        valid = default;
        rejected = Check(row.Row, row.Transaction, out valid);
        return rejected is null;
    }

    /// <summary>
    /// The applicant type a cell names: empty is <c>citizen</c>; <c>citizen</c> / <c>organization</c> (any case), the
    /// portal's <c>1</c> / <c>2</c>, or the Vietnamese words ("công dân", "cá nhân", "người dân" / "tổ chức",
    /// "doanh nghiệp"), with or without diacritics. Null when it names neither.
    /// </summary>
    public static string? ApplicantTypeOf(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
            return Citizen;
        return TransactionColumns.Normalize(text) switch
        {
            "citizen" or "1" or "congdan" or "canhan" or "nguoidan" => Citizen,
            "organization" or "organisation" or "2" or "tochuc" or "doanhnghiep" => Organization,
            _ => null,
        };
    }

    private RejectedRow? Check(int rowNumber, TransactionRow row, out ValidTransaction valid)
    {
        valid = default;
        RejectedRow Reject(string field, string code, params ReadOnlySpan<object> args) =>
            RejectedRow.For(rowNumber, Problem.Of(field, code, args));

        var dossierCode = row.DossierCode?.Trim();
        if (string.IsNullOrEmpty(dossierCode))
            return Reject(TransactionFields.DossierCode, ProblemCodes.RowRequired);
        if (dossierCode.Length > MaxDossierCodeLength)
            return Reject(TransactionFields.DossierCode, ProblemCodes.RowTooLong, MaxDossierCodeLength);
        if (!IsPlainText(dossierCode))
            return Reject(TransactionFields.DossierCode, ProblemCodes.RowControlCharacters);

        var agencyCode = row.AgencyCode?.Trim();
        if (string.IsNullOrEmpty(agencyCode))
            return Reject(TransactionFields.AgencyCode, ProblemCodes.RowRequired);
        if (!agencyIds.TryGetValue(agencyCode, out var agencyId))
            return Reject(TransactionFields.AgencyCode, ProblemCodes.RowUnknownAgency, Shorten(agencyCode));
        if (_rules.RetiredAgenciesRefused && retiredAgencyIds?.Contains(agencyId) == true)
            return Reject(TransactionFields.AgencyCode, ProblemCodes.RowRetiredAgency, Shorten(agencyCode));

        var procedureCode = row.ProcedureCode?.Trim();
        if (string.IsNullOrEmpty(procedureCode))
            return Reject(TransactionFields.ProcedureCode, ProblemCodes.RowRequired);
        if (!procedureIds.TryGetValue(procedureCode, out var procedureId))
        {
            // Procedures come from the catalogue only: their SMS labels reach citizens, so no row creates one.
            var procedureName = CollapseWhitespace(row.ProcedureName);
            return procedureName is not null && IsPlainText(procedureName)
                ? Reject(TransactionFields.ProcedureCode, ProblemCodes.RowUnknownProcedureNamed, Shorten(procedureCode), Shorten(procedureName, 120))
                : Reject(TransactionFields.ProcedureCode, ProblemCodes.RowUnknownProcedure, Shorten(procedureCode));
        }

        // The number itself stays out of the reason: the report is kept and shown, and phones are personal data.
        if (string.IsNullOrWhiteSpace(row.Phone))
            return Reject(TransactionFields.Phone, ProblemCodes.RowRequired);
        if (!PhoneNormalizer.TryNormalize(row.Phone, out var phone))
            return Reject(TransactionFields.Phone, ProblemCodes.RowPhoneInvalid);

        DateOnly? resultDate = null;
        DateTimeOffset? resultAt = null;
        if (string.IsNullOrWhiteSpace(row.ResultDate))
        {
            if (_rules.ResultDateRequired)
                return Reject(TransactionFields.ResultDate, ProblemCodes.RowRequired);
        }
        else
        {
            if (!DossierDates.TryParse(row.ResultDate, out var date, out var time))
                return Reject(TransactionFields.ResultDate, ProblemCodes.RowDateInvalid);
            if (date < EarliestResultDate)
                return Reject(TransactionFields.ResultDate, ProblemCodes.RowDateTooEarly, EarliestResultDate);
            if (date > today)
                return Reject(TransactionFields.ResultDate, ProblemCodes.RowDateInFuture, today);
            resultDate = date;
            resultAt = time is { } at ? VietnamTime.ToUtc(date, at) : null;
        }

        var applicantName = CollapseWhitespace(row.ApplicantName);
        if (applicantName is not null && applicantName.Length > MaxApplicantNameLength)
            return Reject(TransactionFields.ApplicantName, ProblemCodes.RowTooLong, MaxApplicantNameLength);
        if (applicantName is not null && !IsPlainText(applicantName))
            return Reject(TransactionFields.ApplicantName, ProblemCodes.RowControlCharacters);

        if (ApplicantTypeOf(row.ApplicantType) is not { } applicantType)
            return Reject(TransactionFields.ApplicantType, ProblemCodes.RowApplicantType, Citizen, Organization);

        // The day the dossier was received cannot be in the future; the day its result is promised can.
        DateOnly? receivedOn = null;
        if (!string.IsNullOrWhiteSpace(row.ReceivedOn))
        {
            if (!DossierDates.TryParse(row.ReceivedOn, out var date, out _))
                return Reject(TransactionFields.ReceivedOn, ProblemCodes.RowDateInvalid);
            if (date < EarliestResultDate)
                return Reject(TransactionFields.ReceivedOn, ProblemCodes.RowDateTooEarly, EarliestResultDate);
            if (date > today)
                return Reject(TransactionFields.ReceivedOn, ProblemCodes.RowDateInFuture, today);
            receivedOn = date;
        }

        DateOnly? dueOn = null;
        if (!string.IsNullOrWhiteSpace(row.DueOn))
        {
            if (!DossierDates.TryParse(row.DueOn, out var date, out _))
                return Reject(TransactionFields.DueOn, ProblemCodes.RowDateInvalid);
            if (date < EarliestResultDate)
                return Reject(TransactionFields.DueOn, ProblemCodes.RowDateTooEarly, EarliestResultDate);
            dueOn = date;
        }

        var dossierStatus = CollapseWhitespace(row.DossierStatus);
        if (dossierStatus is not null && dossierStatus.Length > MaxDossierStatusLength)
            return Reject(TransactionFields.DossierStatus, ProblemCodes.RowTooLong, MaxDossierStatusLength);
        if (dossierStatus is not null && !IsPlainText(dossierStatus))
            return Reject(TransactionFields.DossierStatus, ProblemCodes.RowControlCharacters);

        valid = new ValidTransaction(
            rowNumber, agencyId, procedureId, dossierCode, phone, resultDate, applicantName, applicantType, resultAt, receivedOn, dueOn,
            dossierStatus);
        return null;
    }

    /// <summary>
    /// No control characters and no broken surrogate pairs: PostgreSQL text cannot hold U+0000 and UTF-8 cannot encode a
    /// lone surrogate, and one such value would otherwise fail the whole COPY.
    /// </summary>
    private static bool IsPlainText(string text)
    {
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (char.IsControl(c) || char.IsLowSurrogate(c))
                return false;
            if (char.IsHighSurrogate(c))
            {
                if (i + 1 >= text.Length || !char.IsLowSurrogate(text[i + 1]))
                    return false;
                i++;
            }
        }

        return true;
    }

    /// <summary>A name as one line: a cell with line breaks or tabs (Alt+Enter in Excel) keeps its words.</summary>
    private static string? CollapseWhitespace(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
            return null;
        text = text.Trim();
        if (!text.AsSpan().ContainsAny(LineBreaksAndTabs) && !text.Contains("  ", StringComparison.Ordinal))
            return text;
        return string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
    }

    private static readonly SearchValues<char> LineBreaksAndTabs = SearchValues.Create("\r\n\t\v\f");

    // Codes are at most 64 characters in the catalogue; a longer value is quoted in part.
    private static string Shorten(string code, int length = 64) => code.Length <= length ? code : code[..length] + "…";
}
