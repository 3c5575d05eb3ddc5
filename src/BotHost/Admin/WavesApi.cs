using ChatSurvey.BotHost.PublicResults;
using ChatSurvey.Dispatcher.Waves;
using ChatSurvey.Domain.Statuses;
using ChatSurvey.Domain.Problems;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ChatSurvey.BotHost.Admin;

/// <summary><c>POST /api/admin/waves/{id}/top-up</c>: how many more invitations per agency (all optional).</summary>
public sealed record TopUpRequest(IReadOnlyList<TopUpRequestAgency?>? Agencies);

public sealed record TopUpRequestAgency(string? AgencyCode, int? Count);

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
    int? Seed,
    string? Mode = null,
    int? InviteWithinHours = null);

public sealed record WaveAgencyRequest(string? AgencyCode, int? Target);

public sealed record SendWindowRequest(string? Start, string? End);

public sealed record WaveCreated(long Id);

/// <summary>
/// <c>/api/admin/waves</c> (docs/design.md#admin-api): create a draft, start (plans the invitations in the same request), pause,
/// resume, cancel, top up, publish and unpublish, progress and responses. A change that the wave's status does not allow
/// answers 409.
/// </summary>
internal static class WavesApi
{
    public const int MaxResponsesPage = 10_000;
    public const int MaxTopUpPerAgency = 100_000;

    public static RouteGroupBuilder MapWavesApi(this RouteGroupBuilder admin)
    {
        var waves = admin.MapGroup("/waves").WithTags("Waves");
        waves.MapPost("/", CreateAsync).WithName("CreateWave");
        waves.MapGet("/{id:long}", GetAsync).WithName("GetWaveProgress");
        waves.MapGet("/{id:long}/agencies", AgenciesAsync).WithName("GetWaveAgencies");
        waves.MapGet("/{id:long}/responses", ResponsesAsync).WithName("GetWaveResponses");
        waves.MapGet("/{id:long}/pacing", PacingAsync).WithName("GetWavePacing");
        waves.MapPost("/{id:long}/start", (long id, WavePlanner planner, CancellationToken ct) =>
            ChangeAsync(planner.StartAsync(id, ct), "start", WaveStatus.Draft));
        waves.MapPost("/{id:long}/pause", (long id, WaveStore store, CancellationToken ct) =>
            ChangeAsync(store.PauseAsync(id, ct), "pause", WaveStatus.Running));
        waves.MapPost("/{id:long}/resume", (long id, WaveStore store, CancellationToken ct) =>
            ChangeAsync(store.ResumeAsync(id, ct), "resume", WaveStatus.Paused));
        waves.MapPost("/{id:long}/cancel", (long id, WaveStore store, CancellationToken ct) =>
            ChangeAsync(store.CancelAsync(id, ct), "cancel", $"{WaveStatus.Draft}, {WaveStatus.Running} or {WaveStatus.Paused}"));
        waves.MapPost("/{id:long}/top-up", TopUpAsync).WithName("TopUpWave");
        waves.MapPost("/{id:long}/publish", (long id, WaveStore store, PublicResultsSource source, CancellationToken ct) =>
            PublicationAsync(store.PublishAsync(id, ct), source, "be published")).WithName("PublishWave");
        waves.MapPost("/{id:long}/unpublish", (long id, WaveStore store, PublicResultsSource source, CancellationToken ct) =>
            PublicationAsync(store.UnpublishAsync(id, ct), source, "be unpublished")).WithName("UnpublishWave");
        return admin;
    }

    /// <summary>
    /// Publish or unpublish: 200 with the wave's publication state, 404 for an unknown wave, 409 for a draft or
    /// cancelled one. The public list of this process forgets its cached copy at once.
    /// </summary>
    private static async Task<Results<Ok<WavePublication>, ProblemHttpResult>> PublicationAsync(
        Task<WavePublicationResult> change, PublicResultsSource source, string action)
    {
        var result = await change;
        switch (result.Outcome)
        {
            case WaveChangeOutcome.Changed:
                source.ForgetWaves();
                return TypedResults.Ok(result.Publication!);
            case WaveChangeOutcome.NotFound:
                return NotFound(null);
            default:
                return TypedResults.Problem(
                    title: $"The wave cannot {action}.",
                    detail: $"The wave is {result.CurrentStatus}; only a {string.Join(", ", WaveStore.PublishableStatuses)} wave can {action}.",
                    statusCode: StatusCodes.Status409Conflict,
                    extensions: new Dictionary<string, object?> { ["waveStatus"] = result.CurrentStatus });
        }
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
        long id, WaveStore store, CancellationToken cancellationToken)
    {
        if (await store.GetProgressAsync(id, cancellationToken) is not { } progress)
            return NotFound(id);
        var publication = await store.GetPublicationAsync(id, cancellationToken);
        return TypedResults.Ok(progress with { Published = publication?.Published == true, Final = publication?.Final == true });
    }

    internal static async Task<Results<Ok<IReadOnlyList<WaveAgencyProgress>>, ProblemHttpResult>> AgenciesAsync(
        long id, WaveQueries queries, CancellationToken cancellationToken) =>
        await queries.GetAgenciesAsync(id, cancellationToken) is { } agencies
            ? TypedResults.Ok(agencies)
            : NotFound(id);

    /// <summary>
    /// How the wave invites: for every wave the hours from result to invitation (median, 90th percentile), and for a
    /// continuous wave each agency's pacing (docs/methodology.md, "Continuous waves").
    /// </summary>
    internal static async Task<Results<Ok<WavePacing>, ProblemHttpResult>> PacingAsync(
        long id, ContinuousDecider decider, CancellationToken cancellationToken) =>
        await decider.GetPacingAsync(id, cancellationToken) is { } pacing ? TypedResults.Ok(pacing) : NotFound(id);

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

    /// <summary>
    /// Draws more invitations for agencies below their target from the same seeded order (never re-inviting anyone).
    /// Body optional: <c>{"agencies":[{"agencyCode","count"}]}</c>; without it each agency gets what it still needs.
    /// </summary>
    internal static async Task<Results<Ok<TopUp>, ProblemHttpResult, ValidationProblem>> TopUpAsync(
        long id, HttpRequest http, WavePlanner planner, CancellationToken cancellationToken)
    {
        Dictionary<string, int>? counts = null;
        if (http.ContentLength is > 0 || http.Headers.TransferEncoding.Count > 0)
        {
            TopUpRequest? request;
            try
            {
                request = await http.ReadFromJsonAsync<TopUpRequest>(cancellationToken);
            }
            catch (Exception e) when (e is System.Text.Json.JsonException or InvalidOperationException)
            {
                return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["body"] = ["Must be JSON: {\"agencies\":[{\"agencyCode\",\"count\"}]}."] });
            }

            if (request?.Agencies is { } agencies)
            {
                var errors = new Dictionary<string, string[]>();
                counts = [];
                for (var i = 0; i < agencies.Count; i++)
                {
                    var item = agencies[i];
                    if (string.IsNullOrWhiteSpace(item?.AgencyCode))
                        errors[$"agencies[{i}].agencyCode"] = ["Required."];
                    else if (item.Count is not (>= 0 and <= MaxTopUpPerAgency))
                        errors[$"agencies[{i}].count"] = [$"Must be between 0 and {MaxTopUpPerAgency}."];
                    else if (!counts.TryAdd(item.AgencyCode.Trim(), item.Count.Value))
                        errors[$"agencies[{i}].agencyCode"] = ["Appears more than once."];
                }

                if (errors.Count > 0)
                    return TypedResults.ValidationProblem(errors);
            }
        }

        var result = await planner.TopUpAsync(id, counts, cancellationToken);
        return result.Outcome switch
        {
            TopUpOutcome.Drawn => TypedResults.Ok(result.TopUp!),
            TopUpOutcome.NotFound => NotFound(id),
            TopUpOutcome.Continuous => TypedResults.Problem(
                title: "A continuous wave has no top-up.",
                detail: "A continuous wave decides each dossier as it arrives, with a probability paced to reach each agency's target; "
                    + "there is no reserve to draw from.",
                statusCode: StatusCodes.Status409Conflict,
                extensions: new Dictionary<string, object?> { ["waveMode"] = WaveMode.Continuous }),
            TopUpOutcome.UnknownAgencies => TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["agencies"] = [$"Not agencies of this wave: {string.Join(", ", result.Unknown)}."],
            }),
            _ => TypedResults.Problem(
                title: "The wave cannot be topped up now.",
                detail: $"The wave is {result.CurrentStatus}; only a running or paused wave draws more invitations.",
                statusCode: StatusCodes.Status409Conflict,
                extensions: new Dictionary<string, object?> { ["waveStatus"] = result.CurrentStatus }),
        };
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

    /// <summary>404 (problem details) for a wave that does not exist.</summary>
    internal static ProblemHttpResult NotFound(long? id) =>
        TypedResults.Problem(title: "No such wave.", detail: id is null ? null : $"There is no wave {id}.",
            statusCode: StatusCodes.Status404NotFound);
}
