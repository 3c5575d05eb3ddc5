using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using ChatSurvey.Dispatcher.Import;
using ChatSurvey.Domain.Time;

namespace ChatSurvey.BotHost.Pages.Admin.Imports;

/// <summary>
/// Vietnamese for the import pages. The importer keeps its reports and errors in English (the API's language, stored
/// with each import), so the pages translate the known sentences and show anything else as it is.
/// </summary>
public static partial class ImportTexts
{
    public static readonly CultureInfo Vietnamese = CultureInfo.GetCultureInfo("vi-VN");

    public static string Status(string status) => status switch
    {
        "queued" => "Đang chờ xử lý",
        "running" => "Đang nhập",
        "succeeded" => "Hoàn tất",
        "failed" => "Thất bại",
        _ => status,
    };

    public static string Field(string field) => field switch
    {
        TransactionFields.DossierCode => "Mã hồ sơ",
        TransactionFields.AgencyCode => "Mã đơn vị",
        TransactionFields.ProcedureCode => "Mã thủ tục",
        TransactionFields.Phone => "Số điện thoại",
        TransactionFields.ResultDate => "Ngày trả kết quả",
        TransactionFields.ApplicantName => "Tên người nộp",
        TransactionFields.ApplicantType => "Loại người nộp",
        _ => field,
    };

    /// <summary>Hai Phong local time, as the counters read it.</summary>
    public static string Time(DateTimeOffset at) => VietnamTime.ToLocal(at).ToString("dd/MM/yyyy HH:mm", Vietnamese);

    public static string Number(int value) => value.ToString("N0", Vietnamese);

    /// <summary>A rejected row's reason (<see cref="TransactionRowValidator"/>'s wording) in Vietnamese.</summary>
    public static string Reason(string reason)
    {
        if (reason == "is required")
            return "bắt buộc nhưng đang để trống";
        if (reason == "must not contain control characters")
            return "không được chứa ký tự điều khiển";
        if (reason == "is not a valid phone number")
            return "không phải số điện thoại hợp lệ";
        if (reason == "must be a real date written YYYY-MM-DD")
            return "phải là một ngày có thật, viết dạng YYYY-MM-DD (ví dụ 2025-03-31)";
        if (reason == "must be 'citizen' or 'organization'")
            return "phải là 'citizen' (người dân) hoặc 'organization' (tổ chức)";
        if (UnknownCode().Match(reason) is { Success: true } unknown)
        {
            return unknown.Groups["what"].Value == "agency"
                ? $"mã đơn vị '{unknown.Groups["code"].Value}' không có trong danh mục"
                : $"mã thủ tục '{unknown.Groups["code"].Value}' không có trong danh mục";
        }

        if (AtMost().Match(reason) is { Success: true } atMost)
            return $"tối đa {atMost.Groups["n"].Value} ký tự";
        if (NotBefore().Match(reason) is { Success: true } before)
            return $"không được trước ngày {before.Groups["date"].Value}";
        if (Future().Match(reason) is { Success: true } future)
            return $"không được là ngày trong tương lai (hôm nay ở Hải Phòng là {future.Groups["date"].Value})";
        return reason;
    }

    /// <summary>An import's error (<see cref="ImportFileException"/> or the importer's failure text) in Vietnamese.</summary>
    public static string Error(string error)
    {
        if (MissingColumns().Match(error) is { Success: true } missing)
        {
            return $"Dòng tiêu đề thiếu cột: {missing.Groups["columns"].Value}. "
                + $"Tệp cần có các cột {string.Join(", ", TransactionFields.Required)} "
                + $"(không bắt buộc: {TransactionFields.ApplicantName}, {TransactionFields.ApplicantType}).";
        }

        return error switch
        {
            "The file is empty: the first row must be the header." => "Tệp không có dữ liệu: dòng đầu tiên phải là dòng tiêu đề (tên các cột).",
            "The first sheet is empty: its first row must be the header." => "Trang tính đầu tiên trống: dòng đầu tiên phải là dòng tiêu đề (tên các cột).",
            "The file is not a readable XLSX workbook." => "Không đọc được tệp: đây không phải bảng tính Excel XLSX hợp lệ.",
            "The import was cancelled; nothing was loaded." => "Việc nhập đã bị huỷ; chưa có dòng nào được nạp.",
            _ when error.StartsWith("The import failed; nothing was loaded.", StringComparison.Ordinal) =>
                "Nhập thất bại; chưa có dòng nào được nạp. Chi tiết kỹ thuật: " + error["The import failed; nothing was loaded.".Length..].Trim(),
            _ when error.EndsWith("is no longer stored; upload it again.", StringComparison.Ordinal) =>
                "Tệp của lần nhập này không còn được lưu; hãy tải tệp lên lại.",
            _ => error,
        };
    }

    [GeneratedRegex("^unknown (?<what>agency|procedure) code '(?<code>.*)'$", RegexOptions.CultureInvariant | RegexOptions.Singleline)]
    private static partial Regex UnknownCode();

    [GeneratedRegex("^must be at most (?<n>[0-9]+) characters$", RegexOptions.CultureInvariant)]
    private static partial Regex AtMost();

    [GeneratedRegex("^must not be before (?<date>[0-9-]+)$", RegexOptions.CultureInvariant)]
    private static partial Regex NotBefore();

    [GeneratedRegex(@"^must not be in the future \(today is (?<date>[0-9-]+) in Hai Phong\)$", RegexOptions.CultureInvariant)]
    private static partial Regex Future();

    [GeneratedRegex(@"^The header has no column (?<columns>.+?)\. Expected columns:", RegexOptions.CultureInvariant)]
    private static partial Regex MissingColumns();
}

/// <summary>Writing CSV for spreadsheets: RFC 4180 quoting, and a UTF-8 byte order mark so Excel reads the diacritics.</summary>
public static class Csv
{
    public static string Cell(string? value) =>
        value is null ? "" : value.AsSpan().IndexOfAny(",\"\r\n;") >= 0 ? $"\"{value.Replace("\"", "\"\"", StringComparison.Ordinal)}\"" : value;

    /// <summary>Records ended by CRLF, as RFC 4180 has them.</summary>
    public static string Lines(IEnumerable<string> lines) => string.Concat(lines.Select(line => line + "\r\n"));

    public static byte[] Utf8WithBom(string text) => [.. Encoding.UTF8.GetPreamble(), .. Encoding.UTF8.GetBytes(text)];
}
