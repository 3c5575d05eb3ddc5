namespace ChatSurvey.Domain.Problems;

/// <summary>
/// The stable codes of <see cref="Problem"/>s. A code names a rule, not a sentence: it is stored with import reports
/// (<c>imports.rejected</c>, <c>imports.error</c>), so a code is never renamed or given other arguments. The arguments
/// each code takes are those of its wording in <see cref="ProblemTexts"/>.
/// </summary>
public static class ProblemCodes
{
    /// <summary>A value that must be given is missing.</summary>
    public const string Required = "required";

    // The catalogue (agencies and procedures).
    public const string CatalogueCodeFormat = "catalogue.code_format";
    public const string CatalogueNameFormat = "catalogue.name_format";
    public const string CatalogueKindUnknown = "catalogue.kind_unknown";
    public const string CatalogueOwnParent = "catalogue.own_parent";
    public const string CatalogueParentUnknown = "catalogue.parent_unknown";
    public const string CatalogueParentCycle = "catalogue.parent_cycle";
    public const string CatalogueShortNameFormat = "catalogue.short_name_format";
    public const string CatalogueShortNameUnderivable = "catalogue.short_name_underivable";
    public const string CatalogueFieldTooLong = "catalogue.field_too_long";
    public const string CatalogueCodeTaken = "catalogue.code_taken";
    public const string CatalogueUnitCodeTaken = "catalogue.unit_code_taken";
    public const string CatalogueAgencyUnknown = "catalogue.agency_unknown";

    // A catalogue CSV (agencies) uploaded on the catalogue page or to POST /api/admin/agencies/import.
    public const string CatalogueFileMissing = "catalogue.file_missing";
    public const string CatalogueFileTooLarge = "catalogue.file_too_large";
    public const string CatalogueFileUnreadable = "catalogue.file_unreadable";
    public const string CatalogueFileTooManyRows = "catalogue.file_too_many_rows";
    public const string CatalogueCodeRepeated = "catalogue.code_repeated";
    public const string CatalogueRetiredValue = "catalogue.retired_value";

    // An uploaded transactions file, before it is stored.
    public const string UploadMissing = "upload.missing";
    public const string UploadEmpty = "upload.empty";
    public const string UploadType = "upload.type";

    // A transactions file that cannot be read at all, or an import that failed.
    public const string ImportNoHeader = "import.no_header";
    public const string ImportSheetEmpty = "import.sheet_empty";
    public const string ImportNotXlsx = "import.not_xlsx";
    public const string ImportMissingColumns = "import.missing_columns";
    public const string ImportFileGone = "import.file_gone";
    public const string ImportCancelled = "import.cancelled";
    public const string ImportFailed = "import.failed";

    // A rejected transaction row (the reason follows the field's name).
    public const string RowRequired = "row.required";
    public const string RowTooLong = "row.too_long";
    public const string RowControlCharacters = "row.control_characters";
    public const string RowUnknownAgency = "row.unknown_agency";
    public const string RowUnknownProcedure = "row.unknown_procedure";
    public const string RowPhoneInvalid = "row.phone_invalid";
    public const string RowDateInvalid = "row.date_invalid";
    public const string RowDateTooEarly = "row.date_too_early";
    public const string RowDateInFuture = "row.date_in_future";
    public const string RowApplicantType = "row.applicant_type";
    public const string RowUnknownProcedureNamed = "row.unknown_procedure_named";
    public const string RowRetiredAgency = "row.retired_agency";
    public const string RowDossierDecided = "row.dossier_decided";

    // A batch posted to the one-stop-shop integration API, as a whole.
    public const string IntegrationBodyInvalid = "integration.body_invalid";
    public const string IntegrationBatchTooLarge = "integration.batch_too_large";

    // Integration keys.
    public const string IntegrationKeyNameFormat = "integration_key.name_format";
    public const string IntegrationKeyUnknown = "integration_key.unknown";

    // A new wave.
    public const string WaveNameTooLong = "wave.name_too_long";
    public const string WaveQuestionnaireRequired = "wave.questionnaire_required";
    public const string WaveQuestionnaireUnknown = "wave.questionnaire_unknown";
    public const string WaveQuestionnaireNotStored = "wave.questionnaire_not_stored";
    public const string WaveDateRequired = "wave.date_required";
    public const string WaveDateInvalid = "wave.date_invalid";
    public const string WavePeriodReversed = "wave.period_reversed";
    public const string WaveAgenciesRequired = "wave.agencies_required";
    public const string WaveAgencyRepeated = "wave.agency_repeated";
    public const string WaveAgencyUnknown = "wave.agency_unknown";
    public const string WaveAgencyRetired = "wave.agency_retired";
    public const string WaveTargetNotPositive = "wave.target_not_positive";
    public const string WaveTargetNotWhole = "wave.target_not_whole";
    public const string WaveRateNotPercent = "wave.rate_not_percent";
    public const string WaveRateOutOfRange = "wave.rate_out_of_range";
    public const string WaveRateTooSmall = "wave.rate_too_small";
    public const string WaveTimeInvalid = "wave.time_invalid";
    public const string WaveWindowReversed = "wave.window_reversed";
    public const string WaveReminderNegative = "wave.reminder_negative";
    public const string WaveExpiryNotPositive = "wave.expiry_not_positive";
    public const string WaveCooldownNegative = "wave.cooldown_negative";
    public const string WaveModeUnknown = "wave.mode_unknown";
    public const string WaveInviteWithinOutOfRange = "wave.invite_within_out_of_range";
    public const string WholeNumber = "whole_number";

    // The SMS simulator's "reply as the citizen".
    public const string SimulatorPhoneInvalid = "simulator.phone_invalid";
    public const string SimulatorBody = "simulator.body";

    // Sign-in accounts.
    public const string AccountUnknown = "account.unknown";
    public const string AccountUserNameFormat = "account.user_name_format";
    public const string AccountUserNameTaken = "account.user_name_taken";
    public const string AccountRoleUnknown = "account.role_unknown";
    public const string AccountAgencyRequired = "account.agency_required";
    public const string AccountAgencyUnknown = "account.agency_unknown";
    public const string AccountPasswordTooShort = "account.password_too_short";
    public const string AccountPasswordTooLong = "account.password_too_long";
    public const string AccountRoleVolunteerOnly = "account.role_volunteer_only";

    // Volunteers (the interviewer accounts' profiles), their union units and targets, and a volunteers CSV.
    public const string VolunteerNameFormat = "volunteer.name_format";
    public const string VolunteerPhoneInvalid = "volunteer.phone_invalid";
    public const string VolunteerUnitFormat = "volunteer.unit_format";
    public const string VolunteerAgenciesRequired = "volunteer.agencies_required";
    public const string VolunteerAgencyUnknown = "volunteer.agency_unknown";
    public const string VolunteerAgencyRetired = "volunteer.agency_retired";
    public const string VolunteerTargetNotPositive = "volunteer.target_not_positive";
    public const string VolunteerUnknown = "volunteer.unknown";
    public const string UnionUnitUnknown = "volunteer.unit_unknown";
    public const string VolunteerFileMissing = "volunteer.file_missing";
    public const string VolunteerFileTooLarge = "volunteer.file_too_large";
    public const string VolunteerFileUnreadable = "volunteer.file_unreadable";
    public const string VolunteerFileTooManyRows = "volunteer.file_too_many_rows";
    public const string VolunteerFileNoRows = "volunteer.file_no_rows";
    public const string VolunteerUserNameRepeated = "volunteer.user_name_repeated";

    // Back-check calls (phúc tra phiếu) on volunteers' ballots.
    public const string BackCheckOutcomeUnknown = "back_check.outcome_unknown";
    public const string BackCheckNoteTooLong = "back_check.note_too_long";
    public const string BackCheckNotInterview = "back_check.not_interview";
}
