using ChatSurvey.Dispatcher.Waves;
using ChatSurvey.Domain.Problems;
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
    public const int MaxResponsesPage = 10_000;

    public static RouteGroupBuilder MapWavesApi(this RouteGroupBuilder admin)
    {
        var waves = admin.MapGroup("/waves").WithTags("Waves");
        waves.MapPost("/", CreateAsync).WithName("CreateWave");
        waves.MapGet("/{id:long}", GetAsync).WithName("GetWaveProgress");
        waves.MapGet("/{id:long}/agencies", AgenciesAsync).WithName("GetWaveAgencies");
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
        var (draft, problems) = WaveRequests.Validate(request);
        if (draft is null)
            return TypedResults.ValidationProblem(Problem.ToErrors(problems));

        var result = await store.CreateAsync(draft, cancellationToken);
        if (result.Id is not { } id)
            return TypedResults.ValidationProblem(Problem.ToErrors(result.Problems));
        return TypedResults.Created($"/api/admin/waves/{id}", new WaveCreated(id));
    }

    internal static async Task<Results<Ok<WaveProgress>, ProblemHttpResult>> GetAsync(
        long id, WaveStore store, CancellationToken cancellationToken) =>
        await store.GetProgressAsync(id, cancellationToken) is { } progress
            ? TypedResults.Ok(progress)
            : NotFound(id);

    internal static async Task<Results<Ok<IReadOnlyList<WaveAgencyProgress>>, ProblemHttpResult>> AgenciesAsync(
        long id, WaveQueries queries, CancellationToken cancellationToken) =>
        await queries.GetAgenciesAsync(id, cancellationToken) is { } agencies
            ? TypedResults.Ok(agencies)
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
}
