using System.Globalization;
using ChatSurvey.BotHost.PublicResults;
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
/// resume, cancel, publish and unpublish, progress and responses. A change that the wave's status does not allow answers 409.
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
        var (draft, errors) = Validate(request);
        if (draft is null)
            return TypedResults.ValidationProblem(errors);

        var result = await store.CreateAsync(draft, cancellationToken);
        if (result.Id is not { } id)
            return TypedResults.ValidationProblem(result.Errors);
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

    /// <summary>
    /// The checks that need no database, in the order of the request's fields; defaults from DESIGN.md §5. Errors are keyed
    /// by the API's field names; <paramref name="texts"/> words them (English for the API, Vietnamese for the admin pages).
    /// </summary>
    internal static (WaveDraft? Draft, Dictionary<string, string[]> Errors) Validate(CreateWaveRequest request, WaveValidationTexts? texts = null)
    {
        var t = texts ?? WaveValidationTexts.English;
        var errors = new Dictionary<string, string[]>();
        void Error(string field, string message) => errors[field] = [message];

        var name = request.Name?.Trim();
        if (string.IsNullOrEmpty(name))
            Error("name", t.Required);
        else if (name.Length > MaxNameLength)
            Error("name", t.NameTooLong(MaxNameLength));

        var questionnaire = request.Questionnaire?.Trim();
        if (string.IsNullOrEmpty(questionnaire))
            Error("questionnaire", t.QuestionnaireRequired(string.Join(", ", WaveQuestionnaires.Codes)));
        else if (!WaveQuestionnaires.Codes.Contains(questionnaire))
            Error("questionnaire", t.QuestionnaireUnknown(questionnaire, string.Join(", ", WaveQuestionnaires.Codes)));

        var from = ParseDate(request.ResultsFrom, "resultsFrom", errors, t);
        var to = ParseDate(request.ResultsTo, "resultsTo", errors, t);
        if (from is not null && to is not null && from > to)
            Error("resultsTo", t.PeriodReversed(from.Value));

        var agencies = new List<WaveAgencyTarget>();
        if (request.Agencies is null || request.Agencies.Count == 0)
        {
            Error("agencies", t.AgenciesRequired);
        }
        else
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (var i = 0; i < request.Agencies.Count; i++)
            {
                var agency = request.Agencies[i];
                var code = agency?.AgencyCode?.Trim();
                if (string.IsNullOrEmpty(code))
                    Error($"agencies[{i}].agencyCode", t.Required);
                else if (!seen.Add(code))
                    Error($"agencies[{i}].agencyCode", t.AgencyRepeated(code));
                if (agency?.Target is not > 0)
                    Error($"agencies[{i}].target", t.TargetNotPositive);
                if (!string.IsNullOrEmpty(code) && agency?.Target is > 0)
                    agencies.Add(new WaveAgencyTarget(code, agency.Target.Value));
            }
        }

        var rate = request.ExpectedResponseRate ?? 0.3m;
        if (!(rate > 0 && rate <= 1))
            Error("expectedResponseRate", t.RateOutOfRange);
        else if (decimal.Round(rate, 3) == 0)
            Error("expectedResponseRate", t.RateTooSmall);

        var windowStart = ParseTime(request.SendWindow?.Start, new TimeOnly(8, 0), "sendWindow.start", errors, t);
        var windowEnd = ParseTime(request.SendWindow?.End, new TimeOnly(20, 0), "sendWindow.end", errors, t);
        if (windowStart is not null && windowEnd is not null && windowStart >= windowEnd)
            Error("sendWindow.end", t.WindowReversed(windowStart.Value));

        var reminder = request.ReminderAfterHours ?? 48;
        if (reminder < 0)
            Error("reminderAfterHours", t.ReminderNegative);
        var expire = request.ExpireAfterDays ?? 3;
        if (expire <= 0)
            Error("expireAfterDays", t.ExpiryNotPositive);
        var cooldown = request.CooldownDays ?? 90;
        if (cooldown < 0)
            Error("cooldownDays", t.CooldownNegative);

        if (errors.Count > 0)
            return (null, errors);
        var seed = request.Seed ?? Random.Shared.Next();
        return (new WaveDraft(name!, questionnaire!, from!.Value, to!.Value, agencies, decimal.Round(rate, 3),
            windowStart!.Value, windowEnd!.Value, reminder, expire, cooldown, seed), errors);
    }

    private static DateOnly? ParseDate(string? text, string field, Dictionary<string, string[]> errors, WaveValidationTexts t)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            errors[field] = [t.DateRequired];
            return null;
        }

        if (DateOnly.TryParseExact(text.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date))
            return date;
        errors[field] = [t.DateInvalid];
        return null;
    }

    private static TimeOnly? ParseTime(string? text, TimeOnly fallback, string field, Dictionary<string, string[]> errors, WaveValidationTexts t)
    {
        if (text is null)
            return fallback;
        if (TimeOnly.TryParseExact(text.Trim(), ["HH:mm", "HH:mm:ss"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var time))
            return time;
        errors[field] = [t.TimeInvalid];
        return null;
    }
}


/// <summary>
/// How <see cref="WavesApi.Validate"/> words its errors: the rules live once, the API answers in English and the admin
/// pages in Vietnamese. The Vietnamese form asks for the response rate in percent, so its wording says percent.
/// </summary>
internal sealed class WaveValidationTexts
{
    public static WaveValidationTexts English { get; } = new()
    {
        Required = "Required.",
        NameTooLong = max => $"Must be at most {max} characters.",
        QuestionnaireRequired = codes => $"Required: {codes}.",
        QuestionnaireUnknown = (code, codes) => $"Unknown questionnaire '{code}'; expected {codes}.",
        DateRequired = "Required, written YYYY-MM-DD.",
        DateInvalid = "Must be a real date written YYYY-MM-DD.",
        PeriodReversed = from => $"Must not be before resultsFrom ({from:yyyy-MM-dd}).",
        AgenciesRequired = "At least one agency with a target is required.",
        AgencyRepeated = code => $"Agency '{code}' is listed more than once.",
        TargetNotPositive = "Must be a whole number greater than 0.",
        RateOutOfRange = "Must be greater than 0 and at most 1.",
        RateTooSmall = "Must be at least 0.001.",
        TimeInvalid = "Must be a time of day written HH:mm (Asia/Ho_Chi_Minh).",
        WindowReversed = start => $"Must be after sendWindow.start ({start:HH\\:mm}); times are Asia/Ho_Chi_Minh.",
        ReminderNegative = "Must not be negative (0 sends no reminder).",
        ExpiryNotPositive = "Must be greater than 0.",
        CooldownNegative = "Must not be negative.",
    };

    public static WaveValidationTexts Vietnamese { get; } = new()
    {
        Required = "Bắt buộc nhập.",
        NameTooLong = max => $"Tên dài tối đa {max} ký tự.",
        QuestionnaireRequired = _ => "Hãy chọn bộ câu hỏi.",
        QuestionnaireUnknown = (code, _) => $"Bộ câu hỏi '{code}' không dùng được cho đợt khảo sát.",
        DateRequired = "Bắt buộc nhập ngày.",
        DateInvalid = "Ngày không hợp lệ.",
        PeriodReversed = from => $"Ngày kết thúc không được trước ngày bắt đầu ({from.ToString("dd/MM/yyyy", CultureInfo.InvariantCulture)}).",
        AgenciesRequired = "Nhập chỉ tiêu cho ít nhất một đơn vị.",
        AgencyRepeated = code => $"Đơn vị {code} bị lặp lại.",
        TargetNotPositive = "Chỉ tiêu phải là số nguyên lớn hơn 0.",
        RateOutOfRange = "Tỷ lệ phản hồi phải lớn hơn 0% và không quá 100%.",
        RateTooSmall = "Tỷ lệ phản hồi phải từ 0,1% trở lên.",
        TimeInvalid = "Giờ không hợp lệ (dạng HH:mm, giờ Việt Nam).",
        WindowReversed = start => $"Giờ kết thúc phải sau giờ bắt đầu ({start:HH\\:mm}).",
        ReminderNegative = "Không được âm (0 = không nhắc).",
        ExpiryNotPositive = "Phải lớn hơn 0.",
        CooldownNegative = "Không được âm.",
    };

    public required string Required { get; init; }
    public required Func<int, string> NameTooLong { get; init; }
    public required Func<string, string> QuestionnaireRequired { get; init; }
    public required Func<string, string, string> QuestionnaireUnknown { get; init; }
    public required string DateRequired { get; init; }
    public required string DateInvalid { get; init; }
    public required Func<DateOnly, string> PeriodReversed { get; init; }
    public required string AgenciesRequired { get; init; }
    public required Func<string, string> AgencyRepeated { get; init; }
    public required string TargetNotPositive { get; init; }
    public required string RateOutOfRange { get; init; }
    public required string RateTooSmall { get; init; }
    public required string TimeInvalid { get; init; }
    public required Func<TimeOnly, string> WindowReversed { get; init; }
    public required string ReminderNegative { get; init; }
    public required string ExpiryNotPositive { get; init; }
    public required string CooldownNegative { get; init; }
}
