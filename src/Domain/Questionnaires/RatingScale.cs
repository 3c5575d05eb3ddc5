namespace ChatSurvey.Domain.Questionnaires;

/// <summary>One level of the SIPAS scale: its stored value, its web label (with diacritics) and its SMS label (ASCII).</summary>
public sealed record RatingLevel(int Value, string Web, string Sms);

/// <summary>
/// The SIPAS 5-level satisfaction scale (docs/methodology.md#the-scale). Ratings are stored as 1…5; the index counts
/// answers of <see cref="SatisfiedFrom"/> or more as satisfied.
/// </summary>
/// <remarks>
/// Label matching for free-text replies must try the longest label first: "hai long" is a suffix of both
/// "rat hai long" and "khong hai long", and "khong hai long" is a suffix of "rat khong hai long".
/// </remarks>
public static class RatingScale
{
    public const int Min = 1;

    public const int Max = 5;

    /// <summary>"Hài lòng" and "Rất hài lòng" count as satisfied (docs/methodology.md#indices).</summary>
    public const int SatisfiedFrom = 4;

    /// <summary>The five levels in order, <see cref="Min"/> first.</summary>
    public static IReadOnlyList<RatingLevel> Levels { get; } =
    [
        new(1, "Rất không hài lòng", "Rat khong hai long"),
        new(2, "Không hài lòng", "Khong hai long"),
        new(3, "Bình thường", "Binh thuong"),
        new(4, "Hài lòng", "Hai long"),
        new(5, "Rất hài lòng", "Rat hai long"),
    ];

    /// <summary>Web labels, index 0 = level 1.</summary>
    public static IReadOnlyList<string> WebLabels { get; } = [.. Levels.Select(l => l.Web)];

    /// <summary>SMS labels (ASCII, GSM-7), index 0 = level 1.</summary>
    public static IReadOnlyList<string> SmsLabels { get; } = [.. Levels.Select(l => l.Sms)];

    public static bool IsValid(int value) => value is >= Min and <= Max;

    /// <exception cref="ArgumentOutOfRangeException">When <paramref name="value"/> is not 1…5.</exception>
    public static RatingLevel Level(int value)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(value, Min);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(value, Max);
        return Levels[value - Min];
    }

    /// <summary>The web button label, e.g. "4 · Hài lòng".</summary>
    public static string WebOptionLabel(int value) => $"{value} · {Level(value).Web}";
}
