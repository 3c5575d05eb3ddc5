using ChatSurvey.Domain.Statuses;
using System.Globalization;
using System.Security.Claims;
using System.Text.RegularExpressions;
using ChatSurvey.BotHost.Admin;
using ChatSurvey.Dispatcher.Sms;
using ChatSurvey.Domain.Scoring;
using Npgsql;

namespace ChatSurvey.BotHost.Pages.Admin.Results;

public sealed record WaveOption(long Id, string Name, string Status, DateOnly ResultsFrom, DateOnly ResultsTo);

public sealed record AgencyOption(string Code, string Name);

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
        NpgsqlDataSource dataSource, ClaimsPrincipal user, string? wave, string? agency, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string>();
        var requestedAgency = string.IsNullOrWhiteSpace(agency) ? null : agency.Trim();
        var viewerAgency = user.ViewerAgency();
        if (viewerAgency is not null && (viewerAgency.Length == 0 || (requestedAgency is not null && !user.MayRead(requestedAgency))))
            return new ResultsSelection([], null, [], null, true, errors, Forbidden: true);

        var waves = await WavesAsync(dataSource, cancellationToken);
        WaveOption? selectedWave = null;
        if (string.IsNullOrWhiteSpace(wave))
        {
            // The latest wave that has (or had) results coming in; else the latest of any kind.
            selectedWave = waves.FirstOrDefault(w => w.Status is "running" or "completed") ?? (waves.Count > 0 ? waves[0] : null);
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
            agencies = await AgenciesAsync(dataSource, null, viewerAgency, cancellationToken);
            return new ResultsSelection(waves, selectedWave, agencies, viewerAgency, true, errors, false);
        }

        if (selectedWave is not null)
            agencies = await AgenciesAsync(dataSource, selectedWave.Id, requestedAgency, cancellationToken);
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

    // Drafts and waves still being planned have no responses: they are not offered.
    private static async Task<IReadOnlyList<WaveOption>> WavesAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            $"""
            SELECT id, name, status, results_from, results_to
            FROM waves
            WHERE status IN ('{WaveStatus.Running}', '{WaveStatus.Paused}', '{WaveStatus.Completed}', '{WaveStatus.Cancelled}')
            ORDER BY coalesce(started_at, created_at) DESC, id DESC
            """);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var waves = new List<WaveOption>();
        while (await reader.ReadAsync(cancellationToken))
        {
            waves.Add(new WaveOption(reader.GetInt64(0), reader.GetString(1), reader.GetString(2),
                reader.GetFieldValue<DateOnly>(3), reader.GetFieldValue<DateOnly>(4)));
        }

        return waves;
    }

    // The agencies of a wave (a quota or a response in it), plus the requested one if it exists at all, so that an
    // agency without responses yet can still be chosen.
    private static async Task<IReadOnlyList<AgencyOption>> AgenciesAsync(
        NpgsqlDataSource dataSource, long? waveId, string? alsoCode, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT a.code, a.name
            FROM agencies a
            WHERE a.code = $2
               OR ($1::bigint IS NOT NULL AND (
                      EXISTS (SELECT 1 FROM wave_quotas q WHERE q.wave_id = $1 AND q.agency_id = a.id)
                   OR EXISTS (SELECT 1 FROM responses r WHERE r.wave_id = $1 AND r.agency_id = a.id)))
            ORDER BY a.name, a.code
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)waveId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Bigint });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)alsoCode ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var agencies = new List<AgencyOption>();
        while (await reader.ReadAsync(cancellationToken))
            agencies.Add(new AgencyOption(reader.GetString(0), reader.GetString(1)));
        return agencies;
    }
}
