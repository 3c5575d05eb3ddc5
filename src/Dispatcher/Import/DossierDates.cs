using System.Globalization;
using ChatSurvey.Domain.Time;

namespace ChatSurvey.Dispatcher.Import;

/// <summary>
/// The dates of a dossier as one-stop-shop systems write them, all Vietnam wall-clock time
/// (<see cref="VietnamTime"/>): <c>dd/MM/yyyy</c> (day first, one-digit day and month allowed), ISO <c>yyyy-MM-dd</c>,
/// either with a time of day (<c>HH:mm</c> or <c>HH:mm:ss</c>, after a space or ISO's <c>T</c>), the national portal's
/// <c>yyyyMMddHHmmss</c>, and an ISO instant with its offset (<c>2025-03-01T09:30:00+07:00</c>, <c>…Z</c>), which is
/// read as the Vietnam date and time of that instant.
/// </summary>
public static class DossierDates
{
    private static readonly string[] DateFormats = ["d/M/yyyy", "yyyy-MM-dd"];

    private static readonly string[] LocalDateTimeFormats =
    [
        "yyyyMMddHHmmss",
        "d/M/yyyy H:mm", "d/M/yyyy H:mm:ss",
        "yyyy-MM-dd H:mm", "yyyy-MM-dd H:mm:ss",
        "yyyy-MM-dd'T'H:mm", "yyyy-MM-dd'T'H:mm:ss", "yyyy-MM-dd'T'H:mm:ss.FFFFFFF",
    ];

    private static readonly string[] InstantFormats = ["yyyy-MM-dd'T'H:mm:ssK", "yyyy-MM-dd'T'H:mm:ss.FFFFFFFK", "yyyy-MM-dd'T'H:mmK"];

    /// <summary>
    /// Reads <paramref name="text"/> (trimmed); false when it is none of the forms or not a real date. The time is null
    /// when the text gives only a day.
    /// </summary>
    public static bool TryParse(string? text, out DateOnly date, out TimeOnly? time)
    {
        date = default;
        time = null;
        text = text?.Trim();
        if (string.IsNullOrEmpty(text))
            return false;

        if (DateOnly.TryParseExact(text, DateFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out date))
            return true;

        if (DateTime.TryParseExact(text, LocalDateTimeFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var local))
        {
            date = DateOnly.FromDateTime(local);
            time = TimeOnly.FromDateTime(local);
            return true;
        }

        if ((text.EndsWith('Z') || text.EndsWith('z') || HasOffset(text))
            && DateTimeOffset.TryParseExact(text, InstantFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var instant))
        {
            var vietnam = VietnamTime.ToLocal(instant);
            date = DateOnly.FromDateTime(vietnam.DateTime);
            time = TimeOnly.FromDateTime(vietnam.DateTime);
            return true;
        }

        date = default;
        return false;
    }

    // "+07:00", "-03:00", "+0700" at the end of an ISO instant (not the date's own hyphens).
    private static bool HasOffset(string text) =>
        text.Length > 6 && text.IndexOf('T', StringComparison.OrdinalIgnoreCase) > 0
        && text.LastIndexOfAny(['+', '-']) > text.IndexOf('T', StringComparison.OrdinalIgnoreCase);
}
