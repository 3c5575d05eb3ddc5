using System.Globalization;
using ChatSurvey.Dispatcher.Waves;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ChatSurvey.BotHost.Admin;

public sealed record CreateWaveRequest(
    string? Name,
    string? Questionnaire,
    string? ResultsFrom,
    string? ResultsTo,
    IReadOnlyList<WaveAgencyRequest?>? Agencies,
    decimal? ExpectedResponseRate,
    SendWindowRequest? SendWindow,
    int? ReminderAfterHours,
    int? ExpireAfterDays,
    int? CooldownDays,
    int? Seed);

public sealed record WaveAgencyRequest(string? AgencyCode, int? Target);

public sealed record SendWindowRequest(string? Start, string? End);

public sealed record WaveCreated(long Id);

/// <summary>
/// <c>/api/admin/waves</c> (DESIGN.md §5): create a draft, start (plans the invitations in the same request), pause,
/// resume, cancel, progress and responses. A status change that the wave's status does not allow answers 409.
/// </summary>
internal static class WavesApi
{
    public const int MaxNameLength = 200;
    public const int MaxResponsesPage = 10_000;

    public static RouteGroupBuilder MapWavesApi(this RouteGroupBuilder admin)
    {
        var waves = admin.MapGroup("/waves").WithTags("Waves");
        waves.MapPost("/", CreateAsync).WithName("CreateWave");
        waves.MapGet("/{id:long}", GetAsync).WithName("GetWaveProgress");
        waves.MapGet("/{id:long}/responses", ResponsesAsync).WithName("GetWaveResponses");
        waves.MapPost("/{id:long}/start", (long id, WavePlanner planner, CancellationToken ct) =>
            ChangeAsync(planner.StartAsync(id, ct), "start", "draft"));
        waves.MapPost("/{id:long}/pause", (long id, WaveStore store, CancellationToken ct) =>
            ChangeAsync(store.PauseAsync(id, ct), "pause", "running"));
        waves.MapPost("/{id:long}/resume", (long id, WaveStore store, CancellationToken ct) =>
            ChangeAsync(store.ResumeAsync(id, ct), "resume", "paused"));
        waves.MapPost("/{id:long}/cancel", (long id, WaveStore store, CancellationToken ct) =>
            ChangeAsync(store.CancelAsync(id, ct), "cancel", "draft, running or paused"));
        return admin;
    }

    internal static async Task<Results<Created<WaveCreated>, ValidationProblem>> CreateAsync(
        CreateWaveRequest request, WaveStore store, CancellationToken cancellationToken)
    {
        var (draft, errors) = Validate(request);
        if (draft is null)
            return TypedResults.ValidationProblem(errors);

        var result = await store.CreateAsync(draft, cancellationToken);
        if (result.Id is not { } id)
            return TypedResults.ValidationProblem(result.Errors);
        return TypedResults.Created($"/api/admin/waves/{id}", new WaveCreated(id));
    }

    internal static async Task<Results<Ok<WaveProgress>, ProblemHttpResult>> GetAsync(
        long id, WaveStore store, CancellationToken cancellationToken) =>
        await store.GetProgressAsync(id, cancellationToken) is { } progress
            ? TypedResults.Ok(progress)
            : NotFound(id);

    internal static async Task<Results<Ok<IReadOnlyList<WaveResponse>>, ProblemHttpResult, ValidationProblem>> ResponsesAsync(
        long id, WaveStore store, CancellationToken cancellationToken, int? skip = null, int? take = null)
    {
        if (skip < 0)
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["skip"] = ["Must not be negative."] });
        if (take is < 1 or > MaxResponsesPage)
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["take"] = [$"Must be between 1 and {MaxResponsesPage}."] });
        return await store.GetResponsesAsync(id, skip ?? 0, take ?? MaxResponsesPage, cancellationToken) is { } responses
            ? TypedResults.Ok(responses)
            : NotFound(id);
    }

    private static async Task<Results<Ok<WaveStatusChange>, ProblemHttpResult>> ChangeAsync(
        Task<WaveChangeResult> change, string action, string allowedFrom)
    {
        var result = await change;
        return result.Outcome switch
        {
            WaveChangeOutcome.Changed => TypedResults.Ok(result.Change!),
            WaveChangeOutcome.NotFound => NotFound(null),
            _ => TypedResults.Problem(
                title: $"The wave cannot {action} now.",
                detail: $"The wave is {result.CurrentStatus}; only a {allowedFrom} wave can {action}.",
                statusCode: StatusCodes.Status409Conflict,
                extensions: new Dictionary<string, object?> { ["waveStatus"] = result.CurrentStatus }),
        };
    }

    private static ProblemHttpResult NotFound(long? id) =>
        TypedResults.Problem(title: "No such wave.", detail: id is null ? null : $"There is no wave {id}.",
            statusCode: StatusCodes.Status404NotFound);

    /// <summary>The checks that need no database, in the order of the request's fields; defaults from DESIGN.md §5.</summary>
    internal static (WaveDraft? Draft, Dictionary<string, string[]> Errors) Validate(CreateWaveRequest request)
    {
        var errors = new Dictionary<string, string[]>();
        void Error(string field, string message) => errors[field] = [message];

        var name = request.Name?.Trim();
        if (string.IsNullOrEmpty(name))
            Error("name", "Required.");
        else if (name.Length > MaxNameLength)
            Error("name", $"Must be at most {MaxNameLength} characters.");

        var questionnaire = request.Questionnaire?.Trim();
        if (string.IsNullOrEmpty(questionnaire))
            Error("questionnaire", $"Required: {string.Join(", ", WaveQuestionnaires.Codes)}.");
        else if (!WaveQuestionnaires.Codes.Contains(questionnaire))
            Error("questionnaire", $"Unknown questionnaire '{questionnaire}'; expected {string.Join(", ", WaveQuestionnaires.Codes)}.");

        var from = ParseDate(request.ResultsFrom, "resultsFrom", errors);
        var to = ParseDate(request.ResultsTo, "resultsTo", errors);
        if (from is not null && to is not null && from > to)
            Error("resultsTo", $"Must not be before resultsFrom ({from:yyyy-MM-dd}).");

        var agencies = new List<WaveAgencyTarget>();
        if (request.Agencies is null || request.Agencies.Count == 0)
        {
            Error("agencies", "At least one agency with a target is required.");
        }
        else
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (var i = 0; i < request.Agencies.Count; i++)
            {
                var agency = request.Agencies[i];
                var code = agency?.AgencyCode?.Trim();
                if (string.IsNullOrEmpty(code))
                    Error($"agencies[{i}].agencyCode", "Required.");
                else if (!seen.Add(code))
                    Error($"agencies[{i}].agencyCode", $"Agency '{code}' is listed more than once.");
                if (agency?.Target is not > 0)
                    Error($"agencies[{i}].target", "Must be a whole number greater than 0.");
                if (!string.IsNullOrEmpty(code) && agency?.Target is > 0)
                    agencies.Add(new WaveAgencyTarget(code, agency.Target.Value));
            }
        }

        var rate = request.ExpectedResponseRate ?? 0.3m;
        if (!(rate > 0 && rate <= 1))
            Error("expectedResponseRate", "Must be greater than 0 and at most 1.");
        else if (decimal.Round(rate, 3) == 0)
            Error("expectedResponseRate", "Must be at least 0.001.");

        var windowStart = ParseTime(request.SendWindow?.Start, new TimeOnly(8, 0), "sendWindow.start", errors);
        var windowEnd = ParseTime(request.SendWindow?.End, new TimeOnly(20, 0), "sendWindow.end", errors);
        if (windowStart is not null && windowEnd is not null && windowStart >= windowEnd)
            Error("sendWindow.end", $"Must be after sendWindow.start ({windowStart:HH\\:mm}); times are Asia/Ho_Chi_Minh.");

        var reminder = request.ReminderAfterHours ?? 48;
        if (reminder < 0)
            Error("reminderAfterHours", "Must not be negative (0 sends no reminder).");
        var expire = request.ExpireAfterDays ?? 3;
        if (expire <= 0)
            Error("expireAfterDays", "Must be greater than 0.");
        var cooldown = request.CooldownDays ?? 90;
        if (cooldown < 0)
            Error("cooldownDays", "Must not be negative.");

        if (errors.Count > 0)
            return (null, errors);
        var seed = request.Seed ?? Random.Shared.Next();
        return (new WaveDraft(name!, questionnaire!, from!.Value, to!.Value, agencies, decimal.Round(rate, 3),
            windowStart!.Value, windowEnd!.Value, reminder, expire, cooldown, seed), errors);
    }

    private static DateOnly? ParseDate(string? text, string field, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            errors[field] = ["Required, written YYYY-MM-DD."];
            return null;
        }

        if (DateOnly.TryParseExact(text.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
            return date;
        errors[field] = ["Must be a real date written YYYY-MM-DD."];
        return null;
    }

    private static TimeOnly? ParseTime(string? text, TimeOnly fallback, string field, Dictionary<string, string[]> errors)
    {
        if (text is null)
            return fallback;
        if (TimeOnly.TryParseExact(text.Trim(), ["HH:mm", "HH:mm:ss"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var time))
            return time;
        errors[field] = ["Must be a time of day written HH:mm (Asia/Ho_Chi_Minh)."];
        return null;
    }
}
