using System.Globalization;
using ChatSurvey.Dispatcher.Waves;
using ChatSurvey.Domain.Problems;
using ChatSurvey.Domain.Statuses;

namespace ChatSurvey.BotHost.Admin;

/// <summary>
/// The checks of a new wave that need no database, shared by <c>POST /api/admin/waves</c> and the new-wave page; the
/// database's own (a stored questionnaire, known agencies) are <see cref="WaveStore.CreateAsync"/>'s.
/// </summary>
internal static class WaveRequests
{
    public const int MaxNameLength = 200;

    /// <summary>
    /// Checks <paramref name="request"/> in the order of its fields, with the defaults docs/design.md#admin-api lists. Problems name
    /// the API's fields (<c>name</c>, <c>agencies[1].target</c> …), one per field; the draft is null when there is any.
    /// </summary>
    public static (WaveDraft? Draft, IReadOnlyList<Problem> Problems) Validate(CreateWaveRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var problems = new Dictionary<string, Problem>(StringComparer.Ordinal);
        void Add(string field, string code, params ReadOnlySpan<object> args) => problems[field] = Problem.Of(field, code, args);

        var name = request.Name?.Trim();
        if (string.IsNullOrEmpty(name))
            Add("name", ProblemCodes.Required);
        else if (name.Length > MaxNameLength)
            Add("name", ProblemCodes.WaveNameTooLong, MaxNameLength);

        var questionnaire = request.Questionnaire?.Trim();
        if (string.IsNullOrEmpty(questionnaire))
            Add("questionnaire", ProblemCodes.WaveQuestionnaireRequired, WaveQuestionnaires.Codes);
        else if (!WaveQuestionnaires.Codes.Contains(questionnaire))
            Add("questionnaire", ProblemCodes.WaveQuestionnaireUnknown, questionnaire, WaveQuestionnaires.Codes);

        var from = ParseDate(request.ResultsFrom, "resultsFrom", Add);
        var to = ParseDate(request.ResultsTo, "resultsTo", Add);
        if (from is not null && to is not null && from > to)
            Add("resultsTo", ProblemCodes.WavePeriodReversed, from.Value);

        var agencies = new List<WaveAgencyTarget>();
        if (request.Agencies is null || request.Agencies.Count == 0)
        {
            Add("agencies", ProblemCodes.WaveAgenciesRequired);
        }
        else
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (var i = 0; i < request.Agencies.Count; i++)
            {
                var agency = request.Agencies[i];
                var code = agency?.AgencyCode?.Trim();
                if (string.IsNullOrEmpty(code))
                    Add($"agencies[{i}].agencyCode", ProblemCodes.Required);
                else if (!seen.Add(code))
                    Add($"agencies[{i}].agencyCode", ProblemCodes.WaveAgencyRepeated, code);
                if (agency?.Target is not > 0)
                    Add($"agencies[{i}].target", ProblemCodes.WaveTargetNotPositive);
                if (!string.IsNullOrEmpty(code) && agency?.Target is > 0)
                    agencies.Add(new WaveAgencyTarget(code, agency.Target.Value));
            }
        }

        var rate = request.ExpectedResponseRate ?? 0.3m;
        if (!(rate > 0 && rate <= 1))
            Add("expectedResponseRate", ProblemCodes.WaveRateOutOfRange);
        else if (decimal.Round(rate, 3) == 0)
            Add("expectedResponseRate", ProblemCodes.WaveRateTooSmall);

        var windowStart = ParseTime(request.SendWindow?.Start, new TimeOnly(8, 0), "sendWindow.start", Add);
        var windowEnd = ParseTime(request.SendWindow?.End, new TimeOnly(20, 0), "sendWindow.end", Add);
        if (windowStart is not null && windowEnd is not null && windowStart >= windowEnd)
            Add("sendWindow.end", ProblemCodes.WaveWindowReversed, windowStart.Value);

        var reminder = request.ReminderAfterHours ?? 48;
        if (reminder < 0)
            Add("reminderAfterHours", ProblemCodes.WaveReminderNegative);
        var expire = request.ExpireAfterDays ?? 3;
        if (expire <= 0)
            Add("expireAfterDays", ProblemCodes.WaveExpiryNotPositive);
        var cooldown = request.CooldownDays ?? 90;
        if (cooldown < 0)
            Add("cooldownDays", ProblemCodes.WaveCooldownNegative);

        var mode = string.IsNullOrWhiteSpace(request.Mode) ? WaveMode.Batch : request.Mode.Trim();
        if (!WaveMode.All.Contains(mode))
            Add("mode", ProblemCodes.WaveModeUnknown, WaveMode.All);
        var within = request.InviteWithinHours ?? WaveDraft.DefaultInviteWithinHours;
        if (within is < 1 or > WaveDraft.MaxInviteWithinHours)
            Add("inviteWithinHours", ProblemCodes.WaveInviteWithinOutOfRange, 1, WaveDraft.MaxInviteWithinHours);

        if (problems.Count > 0)
            return (null, [.. problems.Values]);
        var seed = request.Seed ?? Random.Shared.Next();
        return (new WaveDraft(name!, questionnaire!, from!.Value, to!.Value, agencies, decimal.Round(rate, 3),
            windowStart!.Value, windowEnd!.Value, reminder, expire, cooldown, seed, mode, within), []);
    }

    private delegate void AddProblem(string field, string code, params ReadOnlySpan<object> args);

    private static DateOnly? ParseDate(string? text, string field, AddProblem add)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            add(field, ProblemCodes.WaveDateRequired);
            return null;
        }

        if (DateOnly.TryParseExact(text.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
            return date;
        add(field, ProblemCodes.WaveDateInvalid);
        return null;
    }

    private static TimeOnly? ParseTime(string? text, TimeOnly fallback, string field, AddProblem add)
    {
        if (text is null)
            return fallback;
        if (TimeOnly.TryParseExact(text.Trim(), ["HH:mm", "HH:mm:ss"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var time))
            return time;
        add(field, ProblemCodes.WaveTimeInvalid);
        return null;
    }
}
