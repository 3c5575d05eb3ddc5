using System.Globalization;
using ChatSurvey.Dispatcher.Import;
using ChatSurvey.Domain.Time;

namespace ChatSurvey.BotHost.Pages.Admin.Imports;

/// <summary>
/// Vietnamese labels and formats for the import pages. Rejected rows' reasons and import errors carry problem codes,
/// worded in Vietnamese by <see cref="ChatSurvey.Domain.Problems.ProblemTexts"/>.
/// </summary>
public static class ImportTexts
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
        TransactionFields.ProcedureName => "Tên thủ tục",
        TransactionFields.ReceivedOn => "Ngày tiếp nhận",
        TransactionFields.DueOn => "Ngày hẹn trả",
        TransactionFields.DossierStatus => "Trạng thái hồ sơ",
        _ => field,
    };

    /// <summary>How a header column was read, for the header table: the field (Vietnamese, then its API name) or "ignored".</summary>
    public static string ReadAs(HeaderColumn column) => column.Field switch
    {
        null => "bỏ qua (không dùng)",
        TransactionFields.ProcedureName => $"{Field(column.Field)} ({column.Field}) — chỉ để đối chiếu khi mã thủ tục chưa có trong danh mục",
        _ => $"{Field(column.Field)} ({column.Field})",
    };

    /// <summary>Where an import came from, when it has no file name.</summary>
    public static string Origin(ImportSource source, string? integrationKeyName) => source switch
    {
        ImportSource.Integration => $"(hệ thống một cửa: {integrationKeyName})",
        ImportSource.Api => "(API JSON)",
        _ => "(không tên)",
    };

    /// <summary>Hai Phong local time, as the counters read it.</summary>
    public static string Time(DateTimeOffset at) => VietnamTime.ToLocal(at).ToString("dd/MM/yyyy HH:mm", Vietnamese);

    public static string Number(int value) => value.ToString("N0", Vietnamese);
}
