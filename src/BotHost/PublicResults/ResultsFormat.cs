using System.Globalization;
using ChatSurvey.Domain.Time;

namespace ChatSurvey.BotHost.PublicResults;

/// <summary>
/// How the results pages write figures: Vietnamese conventions (comma decimals, dot thousands), times in Hai Phong,
/// and the scoring rules in Vietnamese, stated beside the figures (docs/methodology.md#indices). Missing figures show as a dash.
/// </summary>
internal static class ResultsFormat
{
    public static readonly CultureInfo Vietnamese = CultureInfo.GetCultureInfo("vi-VN");

    public const string None = "—";

    public const string IndexRule =
        "Chỉ số hài lòng = tỷ lệ câu trả lời hợp lệ chọn mức 4 (hài lòng) hoặc 5 (rất hài lòng), tính theo phần trăm. " +
        "Chỉ số của yếu tố gộp các câu trả lời về các tiêu chí của yếu tố đó (hoặc câu hỏi chung của yếu tố khi phiếu " +
        "không hỏi tiêu chí). Chỉ số chung của đơn vị = trung bình cộng chỉ số các yếu tố (chưa có trọng số chính thức). " +
        "Điểm trung bình theo thang 1–5.";

    public const string IntervalRule =
        "Khoảng tin cậy 95% (Wilson) cho biết mức dao động có thể của chỉ số do chọn mẫu.";

    /// <summary>
    /// Which ballots the figures count, in Vietnamese (docs/methodology.md, "Official figures"); the flags are those the
    /// report says it excluded (<see cref="Domain.Scoring.ScoreReport.ExcludedFlags"/>).
    /// </summary>
    public static string BallotRule(IReadOnlyList<string>? excludedFlags)
    {
        var rule = "Chỉ tính phiếu hợp lệ: phiếu đã hoàn thành của người được chọn mẫu và mời khảo sát, phiếu do tình nguyện " +
                   "viên phỏng vấn hoặc phiếu giấy, và phiếu trực tuyến đã xác minh bằng mã hồ sơ. Phiếu chưa trả lời hết và " +
                   "ý kiến chưa xác minh không được tính vào bất kỳ số liệu chính thức nào.";
        var flags = excludedFlags ?? [];
        if (flags.Contains(Domain.Scoring.BallotFlags.Speeder))
            rule += " Phiếu trả lời quá nhanh bị loại.";
        if (flags.Contains(Domain.Scoring.BallotFlags.StraightLiner))
            rule += " Phiếu chọn cùng một mức cho mọi câu bị loại.";
        return rule;
    }

    /// <summary>What the open (unverified) answers are, in Vietnamese, wherever they are shown apart.</summary>
    public const string OpenRule =
        "Ý kiến chưa xác minh: phiếu trực tuyến không kèm lời mời (mã QR tại quầy, trang web của cơ quan) và chưa khớp với " +
        "hồ sơ nào. Chỉ để tham khảo: không tính vào chỉ số chính thức, không xếp hạng, không công bố.";

    /// <summary>"Kết quả chính thức" for a completed wave's frozen figures, "Tạm tính" otherwise.</summary>
    public static string FiguresKind(bool final) => final ? "Kết quả chính thức" : "Tạm tính";

    public static string LowSampleRule(int minimum) =>
        $"Dấu * : ít hơn {minimum.ToString(Vietnamese)} câu trả lời hợp lệ, chỉ số chưa đủ tin cậy.";

    /// <summary>An index or interval bound in percent, one decimal: 66,7.</summary>
    public static string Percent(double? value) => value is { } v ? v.ToString("0.0", Vietnamese) : None;

    /// <summary>A mean rating, two decimals: 3,67.</summary>
    public static string Mean(double? value) => value is { } v ? v.ToString("0.00", Vietnamese) : None;

    /// <summary>The 95 % interval: 20,8–93,9.</summary>
    public static string Interval(double? low, double? high) =>
        low is null || high is null ? None : $"{Percent(low)}–{Percent(high)}";

    public static string Count(int value) => value.ToString("#,0", Vietnamese);

    public static string Rate(double? fraction) => fraction is { } f ? (100 * f).ToString("0.0", Vietnamese) + "%" : None;

    public static DateTimeOffset Local(DateTimeOffset instant) => VietnamTime.ToLocal(instant);

    /// <summary>A time in Hai Phong: 14:05 ngày 03/02/2026.</summary>
    public static string Time(DateTimeOffset instant) =>
        Local(instant).ToString("HH:mm 'ngày' dd/MM/yyyy", Vietnamese);

    public static string Date(DateOnly date) => date.ToString("dd/MM/yyyy", Vietnamese);

    public static string Channel(string channel) => channel switch
    {
        "sms" => "SMS",
        "webchat" or "directline" => "Web chat",
        _ => channel,
    };

    public static string WaveStatus(string status) => status switch
    {
        "draft" => "Nháp",
        "running" => "Đang chạy",
        "paused" => "Tạm dừng",
        "completed" => "Đã kết thúc",
        "cancelled" => "Đã hủy",
        _ => status,
    };

    /// <summary>Who a ballot is from (<c>responses.provenance</c>), as the administrators' exports name it.</summary>
    public static string Provenance(string provenance) => provenance switch
    {
        Domain.Statuses.Provenance.Sampled => "Chọn mẫu, mời qua SMS",
        Domain.Statuses.Provenance.Interviewer => "Phỏng vấn trực tiếp hoặc phiếu giấy",
        Domain.Statuses.Provenance.Verified => "Đã xác minh mã hồ sơ",
        Domain.Statuses.Provenance.Open => "Chưa xác minh",
        _ => provenance,
    };

    /// <summary>An integrity flag in Vietnamese, its code in brackets: "trả lời quá nhanh (speeder)".</summary>
    public static string Flag(string flag) => flag switch
    {
        Domain.Scoring.BallotFlags.Speeder => "trả lời quá nhanh (speeder)",
        Domain.Scoring.BallotFlags.StraightLiner => "chọn cùng một mức cho mọi câu (straight_liner)",
        _ => flag,
    };
}
