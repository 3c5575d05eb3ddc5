using System.Text.RegularExpressions;

namespace ChatSurvey.BotHost.Interview;

/// <summary>
/// The serial number printed on a paper ballot: letters, digits and <c>. / -</c>, starting with a letter or digit, at most
/// 40 characters — the schema's <c>responses_paper_serial_format</c> — kept in upper case so that "a-01" and "A-01" are
/// one ballot. Unique within a wave (<c>responses_paper_serial_per_wave_key</c>).
/// </summary>
public static partial class PaperSerial
{
    public const int MaxLength = 40;

    /// <summary>The serial as stored (trimmed, upper case), or null when nothing was typed.</summary>
    public static string? Normalize(string? typed)
    {
        var trimmed = typed?.Trim();
        return string.IsNullOrEmpty(trimmed) ? null : trimmed.ToUpperInvariant();
    }

    public static bool IsValid(string serial) => Format().IsMatch(serial);

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9./-]{0,39}$", RegexOptions.CultureInvariant)]
    private static partial Regex Format();
}
