using System.Buffers;
using System.Globalization;
using ChatSurvey.Domain.Problems;

namespace ChatSurvey.Dispatcher.Import;

/// <summary>A row that passed validation: codes resolved to ids, phone in E.164, text trimmed.</summary>
internal readonly record struct ValidTransaction(
    int Row,
    long AgencyId,
    long ProcedureId,
    string DossierCode,
    string Phone,
    DateOnly ResultDate,
    string? ApplicantName,
    string ApplicantType);

/// <summary>
/// The rules a transaction row must meet. Fields are checked in the order of the API shape and the first broken rule
/// is the row's reason, so each rejected row has one entry in the report.
/// </summary>
internal sealed class TransactionRowValidator(
    IReadOnlyDictionary<string, long> agencyIds,
    IReadOnlyDictionary<string, long> procedureIds,
    DateOnly today)
{
    public const int MaxDossierCodeLength = 64;
    public const int MaxApplicantNameLength = 200;
    public static readonly DateOnly EarliestResultDate = new(2000, 1, 1);

    public const string Citizen = "citizen";
    public const string Organization = "organization";

    /// <summary>Validates a row; exactly one of <paramref name="valid"/> and <paramref name="rejected"/> is set.</summary>
    public bool TryValidate(in ImportRow row, out ValidTransaction valid, out RejectedRow? rejected)
    {
        valid = default;
        rejected = Check(row.Row, row.Transaction, out valid);
        return rejected is null;
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

        var procedureCode = row.ProcedureCode?.Trim();
        if (string.IsNullOrEmpty(procedureCode))
            return Reject(TransactionFields.ProcedureCode, ProblemCodes.RowRequired);
        if (!procedureIds.TryGetValue(procedureCode, out var procedureId))
            return Reject(TransactionFields.ProcedureCode, ProblemCodes.RowUnknownProcedure, Shorten(procedureCode));

        // The number itself stays out of the reason: the report is kept and shown, and phones are personal data.
        if (string.IsNullOrWhiteSpace(row.Phone))
            return Reject(TransactionFields.Phone, ProblemCodes.RowRequired);
        if (!PhoneNormalizer.TryNormalize(row.Phone, out var phone))
            return Reject(TransactionFields.Phone, ProblemCodes.RowPhoneInvalid);

        var resultDateText = row.ResultDate?.Trim();
        if (string.IsNullOrEmpty(resultDateText))
            return Reject(TransactionFields.ResultDate, ProblemCodes.RowRequired);
        if (!DateOnly.TryParseExact(resultDateText, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var resultDate))
            return Reject(TransactionFields.ResultDate, ProblemCodes.RowDateInvalid);
        if (resultDate < EarliestResultDate)
            return Reject(TransactionFields.ResultDate, ProblemCodes.RowDateTooEarly, EarliestResultDate);
        if (resultDate > today)
            return Reject(TransactionFields.ResultDate, ProblemCodes.RowDateInFuture, today);

        var applicantName = CollapseWhitespace(row.ApplicantName);
        if (applicantName is not null && applicantName.Length > MaxApplicantNameLength)
            return Reject(TransactionFields.ApplicantName, ProblemCodes.RowTooLong, MaxApplicantNameLength);
        if (applicantName is not null && !IsPlainText(applicantName))
            return Reject(TransactionFields.ApplicantName, ProblemCodes.RowControlCharacters);

        var applicantType = row.ApplicantType?.Trim();
        if (string.IsNullOrEmpty(applicantType))
            applicantType = Citizen;
        else if (applicantType.Equals(Citizen, StringComparison.OrdinalIgnoreCase))
            applicantType = Citizen;
        else if (applicantType.Equals(Organization, StringComparison.OrdinalIgnoreCase))
            applicantType = Organization;
        else
            return Reject(TransactionFields.ApplicantType, ProblemCodes.RowApplicantType, Citizen, Organization);

        valid = new ValidTransaction(rowNumber, agencyId, procedureId, dossierCode, phone, resultDate, applicantName, applicantType);
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
    private static string Shorten(string code) => code.Length <= 64 ? code : code[..64] + "…";
}
