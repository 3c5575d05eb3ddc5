using System.Collections.Frozen;
using System.Globalization;
using ChatSurvey.Domain.Time;
using C = ChatSurvey.Domain.Problems.ProblemCodes;

namespace ChatSurvey.Domain.Problems;

/// <summary>
/// The one table of how each <see cref="ProblemCodes">problem code</see> is worded: English for the API (problem details,
/// import reports; clients and tests rely on these sentences) and Vietnamese for the admin pages. Arguments come as
/// invariant text (<see cref="Problem.Of"/>); the Vietnamese wording formats them for Vietnamese readers where it matters.
/// </summary>
public static class ProblemTexts
{
    private static readonly CultureInfo VietnameseCulture = CultureInfo.GetCultureInfo("vi-VN");

    private static readonly FrozenDictionary<string, Wording> Table = new Dictionary<string, Wording>(StringComparer.Ordinal)
    {
        [C.Required] = new(0, _ => "Required.", _ => "Bắt buộc nhập."),

        [C.CatalogueCodeFormat] = new(0,
            _ => "Required: 1–64 letters, digits, '.', '_' or '-', starting with a letter or digit.",
            _ => "Bắt buộc: 1–64 chữ cái không dấu, chữ số, '.', '_' hoặc '-', bắt đầu bằng chữ cái hoặc chữ số."),
        [C.CatalogueNameFormat] = new(1,
            a => $"Must be at most {a[0]} characters, without control characters.",
            a => $"Tối đa {a[0]} ký tự, không chứa ký tự điều khiển."),
        [C.CatalogueKindUnknown] = new(1, a => $"Must be one of {a[0]}.", _ => "Chọn một loại đơn vị trong danh sách."),
        [C.CatalogueOwnParent] = new(0,
            _ => "An agency cannot be its own parent.",
            _ => "Một đơn vị không thể là đơn vị cấp trên của chính nó."),
        [C.CatalogueParentUnknown] = new(1, a => $"Unknown agency code '{a[0]}'.", a => $"Không có đơn vị nào mang mã '{a[0]}'."),
        [C.CatalogueParentCycle] = new(2,
            a => $"'{a[0]}' is under '{a[1]}': that would make a cycle.",
            a => $"'{a[0]}' là đơn vị cấp dưới của '{a[1]}': không thể làm đơn vị cấp trên."),
        [C.CatalogueShortNameFormat] = new(1,
            a => $"Must be at most {a[0]} printable ASCII characters (no diacritics): it goes into SMS.",
            a => $"Tối đa {a[0]} ký tự ASCII, không dấu (tên này được gửi trong tin nhắn SMS)."),
        [C.CatalogueShortNameUnderivable] = new(0,
            _ => "Cannot be derived from the name; give one in plain ASCII.",
            _ => "Không tạo được từ tên thủ tục; hãy nhập tên ngắn không dấu."),
        [C.CatalogueFieldTooLong] = new(1, a => $"Must be at most {a[0]} characters.", a => $"Tối đa {a[0]} ký tự."),
        [C.CatalogueCodeTaken] = new(1,
            a => $"The code '{a[0]}' is already used.",
            a => $"Mã '{a[0]}' đã tồn tại. Dùng nút \"Sửa\" trong bảng để cập nhật."),
        // The unit code, the agency that has it.
        [C.CatalogueUnitCodeTaken] = new(2,
            a => $"The unit code '{a[0]}' is already used by agency '{a[1]}'.",
            a => $"Mã đơn vị của hệ thống một cửa '{a[0]}' đã được dùng cho đơn vị '{a[1]}'."),
        [C.CatalogueAgencyUnknown] = new(1, a => $"Unknown agency code '{a[0]}'.", a => $"Không có đơn vị nào mang mã '{a[0]}'."),

        [C.CatalogueFileMissing] = new(0,
            _ => "Required: a multipart form field 'file' holding a CSV file with the columns code, name, kind, parent_code.",
            _ => "Hãy chọn một tệp CSV có các cột code, name, kind, parent_code."),
        [C.CatalogueFileTooLarge] = new(1,
            a => $"The file must be at most {a[0]} bytes.",
            a => $"Tệp quá lớn: tối đa {VietnameseNumber(a[0])} byte."),
        // The spreadsheet row where reading stopped.
        [C.CatalogueFileUnreadable] = new(1,
            a => $"The file is not a readable CSV (row {a[0]}).",
            a => $"Không đọc được tệp CSV (dòng {a[0]}): kiểm tra dấu ngoặc kép và dấu phân cách."),
        [C.CatalogueFileTooManyRows] = new(1,
            a => $"The file must have at most {a[0]} rows.",
            a => $"Tệp có quá nhiều dòng: tối đa {VietnameseNumber(a[0])} đơn vị."),
        // The code and the row that first has it.
        [C.CatalogueCodeRepeated] = new(2,
            a => $"The code '{a[0]}' is already on row {a[1]}.",
            a => $"Mã '{a[0]}' đã có ở dòng {a[1]}."),
        [C.CatalogueRetiredValue] = new(0,
            _ => "Must be empty or one of 0, 1, false, true, no, yes, or a date written YYYY-MM-DD.",
            _ => "Cột retired chỉ nhận: để trống, 0/1, có/không, true/false hoặc ngày giải thể dạng YYYY-MM-DD."),

        [C.UploadMissing] = new(0,
            _ => "Required: a multipart form field 'file' holding a CSV or XLSX file.",
            _ => "Hãy chọn một tệp CSV hoặc XLSX."),
        [C.UploadEmpty] = new(0, _ => "The file is empty.", _ => "Tệp rỗng (0 byte)."),
        [C.UploadType] = new(0,
            _ => "Must be a CSV (.csv) or XLSX (.xlsx) file.",
            _ => "Chỉ nhận tệp CSV (.csv) hoặc Excel XLSX (.xlsx)."),

        [C.ImportNoHeader] = new(0,
            _ => "The file is empty: the first row must be the header.",
            _ => "Tệp không có dữ liệu: dòng đầu tiên phải là dòng tiêu đề (tên các cột)."),
        [C.ImportSheetEmpty] = new(0,
            _ => "The first sheet is empty: its first row must be the header.",
            _ => "Trang tính đầu tiên trống: dòng đầu tiên phải là dòng tiêu đề (tên các cột)."),
        [C.ImportNotXlsx] = new(0,
            _ => "The file is not a readable XLSX workbook.",
            _ => "Không đọc được tệp: đây không phải bảng tính Excel XLSX hợp lệ."),
        // Missing columns, every column, the required ones, the optional ones.
        [C.ImportMissingColumns] = new(4,
            a => $"The header has no column {a[0]}. Expected columns: {a[1]} (snake_case names work too).",
            a => $"Dòng tiêu đề thiếu cột: {a[0]}. Tệp cần có các cột {a[2]} (không bắt buộc: {a[3]})."),
        [C.ImportFileGone] = new(1,
            a => $"The file of import {a[0]} is no longer stored; upload it again.",
            _ => "Tệp của lần nhập này không còn được lưu; hãy tải tệp lên lại."),
        [C.ImportCancelled] = new(0,
            _ => "The import was cancelled; nothing was loaded.",
            _ => "Việc nhập đã bị huỷ; chưa có dòng nào được nạp."),
        // The exception's type name and message.
        [C.ImportFailed] = new(2,
            a => $"The import failed; nothing was loaded. {a[0]}: {a[1]}",
            a => $"Nhập thất bại; chưa có dòng nào được nạp. Chi tiết kỹ thuật: {a[0]}: {a[1]}"),

        [C.RowRequired] = new(0, _ => "is required", _ => "bắt buộc nhưng đang để trống"),
        [C.RowTooLong] = new(1, a => $"must be at most {a[0]} characters", a => $"tối đa {a[0]} ký tự"),
        [C.RowControlCharacters] = new(0, _ => "must not contain control characters", _ => "không được chứa ký tự điều khiển"),
        [C.RowUnknownAgency] = new(1, a => $"unknown agency code '{a[0]}'", a => $"mã đơn vị '{a[0]}' không có trong danh mục"),
        [C.RowUnknownProcedure] = new(1, a => $"unknown procedure code '{a[0]}'", a => $"mã thủ tục '{a[0]}' không có trong danh mục"),
        [C.RowPhoneInvalid] = new(0, _ => "is not a valid phone number", _ => "không phải số điện thoại hợp lệ"),
        [C.RowDateInvalid] = new(0,
            _ => "must be a real date written DD/MM/YYYY, YYYY-MM-DD or yyyyMMddHHmmss (Vietnam time)",
            _ => "phải là một ngày có thật, viết dạng DD/MM/YYYY hoặc YYYY-MM-DD (ví dụ 31/03/2025)"),
        [C.RowDateTooEarly] = new(1, a => $"must not be before {a[0]}", a => $"không được trước ngày {a[0]}"),
        [C.RowDateInFuture] = new(1,
            a => $"must not be in the future (today is {a[0]} in Hai Phong)",
            a => $"không được là ngày trong tương lai (hôm nay ở Hải Phòng là {a[0]})"),
        [C.RowApplicantType] = new(2,
            a => $"must be '{a[0]}' (1) or '{a[1]}' (2)",
            a => $"phải là 1 hoặc '{a[0]}' (người dân), 2 hoặc '{a[1]}' (tổ chức)"),
        // The code, the procedure's name as the row gives it.
        [C.RowUnknownProcedureNamed] = new(2,
            a => $"unknown procedure code '{a[0]}' ({a[1]}): an administrator adds it to the catalogue",
            a => $"mã thủ tục '{a[0]}' ({a[1]}) không có trong danh mục: quản trị viên cần thêm thủ tục này"),
        [C.RowRetiredAgency] = new(1,
            a => $"agency '{a[0]}' is retired",
            a => $"đơn vị '{a[0]}' đã ngừng hoạt động (giải thể hoặc sáp nhập)"),
        [C.RowDossierDecided] = new(0,
            _ => "has already been decided by a survey wave: the dossier is left unchanged",
            _ => "hồ sơ đã được đợt khảo sát xét chọn nên được giữ nguyên, không cập nhật"),

        [C.IntegrationBodyInvalid] = new(0,
            _ => "The body must be a JSON array of dossier objects.",
            _ => "Nội dung phải là một mảng JSON các hồ sơ."),
        // The limit, the count.
        [C.IntegrationBatchTooLarge] = new(2,
            a => $"At most {a[0]} dossiers per call; this one has {a[1]}. Nothing was stored.",
            a => $"Mỗi lần gửi tối đa {VietnameseNumber(a[0])} hồ sơ; lần này có {VietnameseNumber(a[1])}. Chưa lưu hồ sơ nào."),
        [C.IntegrationKeyNameFormat] = new(1,
            a => $"Required: 1–{a[0]} characters, without control characters.",
            a => $"Nhập tên khoá (tối đa {a[0]} ký tự), ví dụ tên hệ thống một cửa sẽ dùng khoá."),
        [C.IntegrationKeyUnknown] = new(0, _ => "No such integration key.", _ => "Không có khoá tích hợp này."),

        [C.WaveNameTooLong] = new(1, a => $"Must be at most {a[0]} characters.", a => $"Tên dài tối đa {a[0]} ký tự."),
        [C.WaveQuestionnaireRequired] = new(1, a => $"Required: {a[0]}.", _ => "Hãy chọn bộ câu hỏi."),
        [C.WaveQuestionnaireUnknown] = new(2,
            a => $"Unknown questionnaire '{a[0]}'; expected {a[1]}.",
            a => $"Bộ câu hỏi '{a[0]}' không dùng được cho đợt khảo sát."),
        [C.WaveQuestionnaireNotStored] = new(1,
            a => $"Unknown questionnaire '{a[0]}'.",
            _ => "Bộ câu hỏi này chưa được lưu trong hệ thống."),
        [C.WaveDateRequired] = new(0, _ => "Required, written YYYY-MM-DD.", _ => "Bắt buộc nhập ngày."),
        [C.WaveDateInvalid] = new(0, _ => "Must be a real date written YYYY-MM-DD.", _ => "Ngày không hợp lệ."),
        [C.WavePeriodReversed] = new(1,
            a => $"Must not be before resultsFrom ({a[0]}).",
            a => $"Ngày kết thúc không được trước ngày bắt đầu ({VietnameseDate(a[0])})."),
        [C.WaveAgenciesRequired] = new(0,
            _ => "At least one agency with a target is required.",
            _ => "Nhập chỉ tiêu cho ít nhất một đơn vị."),
        [C.WaveAgencyRepeated] = new(1, a => $"Agency '{a[0]}' is listed more than once.", a => $"Đơn vị {a[0]} bị lặp lại."),
        [C.WaveAgencyUnknown] = new(1, a => $"Unknown agency code '{a[0]}'.", a => $"Không có đơn vị mã {a[0]}."),
        [C.WaveAgencyRetired] = new(1,
            a => $"Agency '{a[0]}' is retired: it takes no new waves.",
            a => $"Đơn vị {a[0]} đã giải thể / ngừng khảo sát: không đưa vào đợt mới."),
        [C.WaveTargetNotPositive] = new(0, _ => "Must be a whole number greater than 0.", _ => "Chỉ tiêu phải là số nguyên lớn hơn 0."),
        [C.WaveTargetNotWhole] = new(0, _ => "Must be a whole number.", _ => "Chỉ tiêu phải là số nguyên."),
        [C.WaveRateNotPercent] = new(0, _ => "Must be a percentage, e.g. 30.", _ => "Hãy nhập một số phần trăm, ví dụ 30."),
        // The admin form asks for the rate in percent, the API for a share: the Vietnamese says percent.
        [C.WaveRateOutOfRange] = new(0,
            _ => "Must be greater than 0 and at most 1.",
            _ => "Tỷ lệ phản hồi phải lớn hơn 0% và không quá 100%."),
        [C.WaveRateTooSmall] = new(0, _ => "Must be at least 0.001.", _ => "Tỷ lệ phản hồi phải từ 0,1% trở lên."),
        [C.WaveTimeInvalid] = new(0,
            _ => $"Must be a time of day written HH:mm ({VietnamTime.ZoneId}).",
            _ => "Giờ không hợp lệ (dạng HH:mm, giờ Việt Nam)."),
        [C.WaveWindowReversed] = new(1,
            a => $"Must be after sendWindow.start ({a[0]}); times are {VietnamTime.ZoneId}.",
            a => $"Giờ kết thúc phải sau giờ bắt đầu ({a[0]})."),
        [C.WaveReminderNegative] = new(0, _ => "Must not be negative (0 sends no reminder).", _ => "Không được âm (0 = không nhắc)."),
        [C.WaveExpiryNotPositive] = new(0, _ => "Must be greater than 0.", _ => "Phải lớn hơn 0."),
        [C.WaveCooldownNegative] = new(0, _ => "Must not be negative.", _ => "Không được âm."),
        [C.WaveModeUnknown] = new(1,
            a => $"Must be one of {a[0]}.",
            _ => "Chọn cách mời: theo đợt (rút mẫu một lần) hoặc liên tục (mời khi hồ sơ có kết quả)."),
        [C.WaveInviteWithinOutOfRange] = new(2,
            a => $"Must be a whole number of hours from {a[0]} to {a[1]}.",
            a => $"Số giờ phải từ {a[0]} đến {a[1]}."),
        [C.WholeNumber] = new(0, _ => "Must be a whole number.", _ => "Hãy nhập một số nguyên."),

        [C.SimulatorPhoneInvalid] = new(0, _ => "A valid phone number is required.", _ => "Số điện thoại không hợp lệ."),
        [C.SimulatorBody] = new(1,
            a => $"Required, at most {a[0]} characters.",
            a => $"Nhập nội dung tin nhắn, tối đa {VietnameseNumber(a[0])} ký tự."),

        [C.AccountUnknown] = new(0, _ => "No such account.", _ => "Không có tài khoản này."),
        [C.AccountUserNameFormat] = new(0,
            _ => "2–64 characters: lower-case letters without diacritics, digits, '.', '_', '-' or '@'.",
            _ => "Tên đăng nhập gồm 2–64 ký tự: chữ thường không dấu, số, dấu chấm, gạch, @."),
        [C.AccountUserNameTaken] = new(1, a => $"The user name \"{a[0]}\" is taken.", a => $"Tên đăng nhập \"{a[0]}\" đã có."),
        [C.AccountRoleUnknown] = new(2,
            a => $"Must be {a[0]} or {a[1]}.",
            _ => "Vai trò phải là quản trị viên, người xem của đơn vị hoặc điều phối viên."),
        [C.AccountAgencyRequired] = new(0, _ => "An agency viewer needs an agency.", _ => "Người xem của đơn vị cần chọn đơn vị."),
        [C.AccountAgencyUnknown] = new(1, a => $"Unknown agency code \"{a[0]}\".", a => $"Không có đơn vị mã \"{a[0]}\"."),
        [C.AccountPasswordTooShort] = new(1, a => $"Must be at least {a[0]} characters.", a => $"Mật khẩu phải có ít nhất {a[0]} ký tự."),
        [C.AccountPasswordTooLong] = new(1, a => $"Must be at most {a[0]} characters.", a => $"Mật khẩu dài quá {a[0]} ký tự."),
        [C.AccountRoleVolunteerOnly] = new(0,
            _ => "A volunteer's interviewer account is created with the volunteer (POST /api/admin/volunteers).",
            _ => "Tài khoản tình nguyện viên được tạo cùng hồ sơ tình nguyện viên, ở trang Tình nguyện viên."),

        [C.VolunteerNameFormat] = new(1,
            a => $"Required, at most {a[0]} characters, without control characters.",
            a => $"Bắt buộc nhập họ tên, tối đa {a[0]} ký tự, không chứa ký tự điều khiển."),
        [C.VolunteerPhoneInvalid] = new(0,
            _ => "Required: a valid phone number.",
            _ => "Bắt buộc nhập số điện thoại hợp lệ."),
        [C.VolunteerUnitFormat] = new(1,
            a => $"Required: the union unit's name, at most {a[0]} characters, without control characters.",
            a => $"Bắt buộc nhập tên Đoàn cơ sở, tối đa {a[0]} ký tự."),
        [C.VolunteerAgenciesRequired] = new(0,
            _ => "At least one agency code is required: the agencies whose counters the volunteer interviews at.",
            _ => "Chọn ít nhất một đơn vị nơi tình nguyện viên phỏng vấn."),
        [C.VolunteerAgencyUnknown] = new(1, a => $"Unknown agency code '{a[0]}'.", a => $"Không có đơn vị mã {a[0]}."),
        [C.VolunteerAgencyRetired] = new(1,
            a => $"Agency '{a[0]}' is retired: no volunteer can be assigned to it.",
            a => $"Đơn vị {a[0]} đã giải thể / ngừng khảo sát: không phân công tình nguyện viên."),
        [C.VolunteerTargetNotPositive] = new(0,
            _ => "Must be empty (no target) or a whole number greater than 0.",
            _ => "Chỉ tiêu phải để trống (không đặt) hoặc là số nguyên lớn hơn 0."),
        [C.VolunteerUnknown] = new(0, _ => "No such volunteer.", _ => "Không có tình nguyện viên này."),
        [C.UnionUnitUnknown] = new(0, _ => "No such union unit.", _ => "Không có Đoàn cơ sở này."),
        [C.VolunteerFileMissing] = new(0,
            _ => "Required: a multipart form field 'file' holding a CSV file with the columns userName, password, name, phone, unionUnit, agencyCodes.",
            _ => "Hãy chọn một tệp CSV có các cột userName, password, name, phone, unionUnit, agencyCodes."),
        [C.VolunteerFileTooLarge] = new(1,
            a => $"The file must be at most {a[0]} bytes.",
            a => $"Tệp quá lớn: tối đa {VietnameseNumber(a[0])} byte."),
        // The spreadsheet row where reading stopped.
        [C.VolunteerFileUnreadable] = new(1,
            a => $"The file is not a readable CSV (row {a[0]}).",
            a => $"Không đọc được tệp CSV (dòng {a[0]}): kiểm tra dấu ngoặc kép và dấu phân cách."),
        [C.VolunteerFileTooManyRows] = new(1,
            a => $"The file must have at most {a[0]} rows.",
            a => $"Tệp có quá nhiều dòng: tối đa {VietnameseNumber(a[0])} tình nguyện viên."),
        [C.VolunteerFileNoRows] = new(0, _ => "The file has no volunteer rows.", _ => "Tệp không có dòng tình nguyện viên nào."),
        // The user name and the row that first has it.
        [C.VolunteerUserNameRepeated] = new(2,
            a => $"The user name '{a[0]}' is already on row {a[1]}.",
            a => $"Tên đăng nhập '{a[0]}' đã có ở dòng {a[1]}."),

        [C.BackCheckOutcomeUnknown] = new(1,
            a => $"Must be one of {a[0]}.",
            _ => "Chọn kết quả phúc tra: xác nhận hoặc không xác nhận."),
        [C.BackCheckNoteTooLong] = new(1, a => $"Must be at most {a[0]} characters.", a => $"Ghi chú tối đa {a[0]} ký tự."),
        [C.BackCheckNotInterview] = new(0,
            _ => "No completed volunteer's ballot has this id.",
            _ => "Không có phiếu hoàn thành nào của tình nguyện viên mang số này."),
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>Every code the table words.</summary>
    public static IReadOnlyCollection<string> Codes => Table.Keys;

    /// <summary>How many arguments <paramref name="code"/> takes, or null when the table does not know the code.</summary>
    public static int? Arity(string code) => Table.TryGetValue(code, out var wording) ? wording.Arity : null;

    /// <summary>Whether <paramref name="code"/> is in the table and takes <paramref name="argumentCount"/> arguments.</summary>
    public static bool IsKnown(string? code, int argumentCount) => code is not null && Arity(code) == argumentCount;

    /// <summary>The English wording; throws for a code the table does not know or the wrong number of arguments.</summary>
    public static string English(string code, IReadOnlyList<string> args) => Find(code, args).English(args);

    /// <summary>The Vietnamese wording; throws for a code the table does not know or the wrong number of arguments.</summary>
    public static string Vietnamese(string code, IReadOnlyList<string> args) => Find(code, args).Vietnamese(args);

    private static Wording Find(string code, IReadOnlyList<string> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (!Table.TryGetValue(code, out var wording) || wording.Arity != args.Count)
            throw new ArgumentException($"'{code}' is not a problem code taking {args.Count} argument(s).", nameof(code));
        return wording;
    }

    /// <summary>An invariant <c>yyyy-MM-dd</c> argument as Vietnamese readers write dates (31/03/2025).</summary>
    private static string VietnameseDate(string text) =>
        DateOnly.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date)
            ? date.ToString("dd/MM/yyyy", CultureInfo.InvariantCulture)
            : text;

    /// <summary>An invariant whole number with Vietnamese digit grouping (1.600).</summary>
    private static string VietnameseNumber(string text) =>
        long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number) ? number.ToString("N0", VietnameseCulture) : text;

    private delegate string Words(IReadOnlyList<string> args);

    private sealed record Wording(int Arity, Words English, Words Vietnamese);
}
