using ChatSurvey.Domain.Statuses;
using System.Globalization;
using ChatSurvey.Domain.Time;

namespace ChatSurvey.BotHost.Pages.Admin.Waves;

/// <summary>How the wave pages and the dashboard word and format a wave's status and figures.</summary>
public static class WaveText
{
    public static CultureInfo Vietnamese { get; } = CultureInfo.GetCultureInfo("vi-VN");

    public static string Status(string status) => status switch
    {
        WaveStatus.Draft => "Nháp",
        WaveStatus.Running => "Đang chạy",
        WaveStatus.Paused => "Tạm dừng",
        WaveStatus.Completed => "Đã kết thúc",
        WaveStatus.Cancelled => "Đã hủy",
        _ => status,
    };

    public static string Date(DateOnly date) => date.ToString("dd/MM/yyyy", CultureInfo.InvariantCulture);

    public static string Period(DateOnly from, DateOnly to) => $"{Date(from)} – {Date(to)}";

    /// <summary>A moment in Hai Phong's time, e.g. 05/03/2025 14:07.</summary>
    public static string Time(DateTimeOffset? at) =>
        at is { } value ? VietnamTime.ToLocal(value).ToString("dd/MM/yyyy HH:mm", CultureInfo.InvariantCulture) : "—";

    public static string Number(long value) => value.ToString("N0", Vietnamese);

    /// <summary>A share as a percentage with one decimal (vi-VN: 37,5 %), or a dash when there is no denominator.</summary>
    public static string Percent(long part, long whole) => whole == 0 ? "—" : Percent((double)part / whole);

    public static string Percent(double? share) =>
        share is { } value ? (value * 100).ToString("0.#", Vietnamese) + " %" : "—";

    /// <summary>Hours with one decimal (vi-VN: 2,5 giờ), or a dash when there is none.</summary>
    public static string Hours(double? hours) =>
        hours is { } value ? value.ToString("0.#", Vietnamese) + " giờ" : "—";

    /// <summary>The value of a progress bar: part of whole, capped at whole (a wave may complete more than its target).</summary>
    public static long Bar(long part, long whole) => Math.Min(part, whole);
}
