using ChatSurvey.Domain.Statuses;
using System.Globalization;
using System.Security.Claims;
using System.Text.RegularExpressions;
using ChatSurvey.BotHost.Admin;
using ChatSurvey.Dispatcher.Sms;
using ChatSurvey.Domain.Scoring;
using ChatSurvey.Dispatcher.Waves;

namespace ChatSurvey.BotHost.Pages.Admin.Results;

/// <summary>
/// The wave and agency the results page and its exports show, resolved from the query string and the account: an
/// administrator picks any agency (or all), an agency viewer is held to their own and is refused any other
/// (<see cref="Forbidden"/>). <see cref="Errors"/> holds the fields that could not be resolved, keyed by field name.
/// </summary>
public sealed record ResultsSelection(
    IReadOnlyList<WaveOption> Waves,
    WaveOption? Wave,
    IReadOnlyList<AgencyOption> Agencies,
    string? AgencyCode,
    bool AgencyFixed,
    IReadOnlyDictionary<string, string> Errors,
    bool Forbidden)
{
    public bool IsValid => !Forbidden && Errors.Count == 0 && Wave is not null;

    /// <summary>The scoring filter: one agency, or the whole wave.</summary>
    public ScoreFilter Filter => new() { WaveId = Wave?.Id, AgencyCode = AgencyCode };
}

internal static partial class ResultsSelectionQuery
{
    public static async Task<ResultsSelection> ResolveAsync(
        WaveQueries queries, ClaimsPrincipal user, string? wave, string? agency, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string>();
        var requestedAgency = string.IsNullOrWhiteSpace(agency) ? null : agency.Trim();
        var viewerAgency = user.ViewerAgency();
        if (viewerAgency is not null && (viewerAgency.Length == 0 || (requestedAgency is not null && !user.MayRead(requestedAgency))))
            return new ResultsSelection([], null, [], null, true, errors, Forbidden: true);

        var waves = await queries.ResultWavesAsync(cancellationToken);
        WaveOption? selectedWave = null;
        if (string.IsNullOrWhiteSpace(wave))
        {
            // The latest wave that has (or had) results coming in; else the latest of any kind.
            selectedWave = waves.FirstOrDefault(w => w.Status is WaveStatus.Running or WaveStatus.Completed) ?? (waves.Count > 0 ? waves[0] : null);
        }
        else if (!long.TryParse(wave.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var waveId))
        {
            errors["wave"] = "Mã đợt khảo sát phải là một số nguyên dương.";
        }
        else if ((selectedWave = waves.FirstOrDefault(w => w.Id == waveId)) is null)
        {
            errors["wave"] = $"Không có đợt khảo sát số {waveId}.";
        }

        IReadOnlyList<AgencyOption> agencies = [];
        if (viewerAgency is not null)
        {
            agencies = await queries.AgencyOptionsAsync(null, viewerAgency, cancellationToken);
            return new ResultsSelection(waves, selectedWave, agencies, viewerAgency, true, errors, false);
        }

        if (selectedWave is not null)
            agencies = await queries.AgencyOptionsAsync(selectedWave.Id, requestedAgency, cancellationToken);
        if (requestedAgency is not null && agencies.All(a => a.Code != requestedAgency))
            errors["agency"] = $"Không có đơn vị mã {requestedAgency}.";
        return new ResultsSelection(waves, selectedWave, agencies, requestedAgency, false, errors, false);
    }

    /// <summary>
    /// Masks anything in a citizen's comment that looks like a phone number (E.164 or Vietnamese local format, with or
    /// without spaces, dots or dashes) before it is shown or exported: comments are read by agency staff and exported.
    /// </summary>
    public static string Redact(string text) =>
        PhoneMask.Redact(PhoneInText().Replace(text, match => PhoneMask.Mask(DigitsOnly(match.Value))));

    private static string DigitsOnly(string value) =>
        (value.StartsWith('+') ? "+" : "") + new string(value.Where(char.IsAsciiDigit).ToArray());

    [GeneratedRegex(@"(?<![\w+])(?:\+?84|0)(?:[ .\-]?[0-9]){8,10}(?![0-9])", RegexOptions.CultureInvariant)]
    private static partial Regex PhoneInText();
}
