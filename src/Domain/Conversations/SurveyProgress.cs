using System.Collections.Immutable;
using System.Text.Json;
using System.Text.Json.Serialization;
using ChatSurvey.Domain.Questionnaires;

namespace ChatSurvey.Domain.Conversations;

/// <summary>
/// The whole state of one citizen's conversation with one questionnaire version, stored between messages as JSON
/// (<see cref="ToJson"/>, <see cref="FromJson"/>; no type names). Only <see cref="SurveyEngine"/> makes new values.
/// </summary>
/// <remarks>
/// Invariants: <see cref="CurrentQuestion"/> is set exactly while <see cref="Status"/> is
/// <see cref="SurveyStatus.InProgress"/>; every <see cref="Answers"/> key is a question code of the questionnaire and
/// equals its answer's <see cref="RecordedAnswer.QuestionCode"/>; <see cref="History"/> holds the questions that were
/// shown and left, oldest first, so "back" pops its last entry; <see cref="InvalidAttempts"/> counts unusable replies
/// to the current question only.
/// </remarks>
public sealed record SurveyProgress
{
    /// <summary>The shape written by this code; <see cref="FromJson"/> refuses newer shapes.</summary>
    public const int CurrentSchemaVersion = 1;

    public int SchemaVersion { get; init; } = CurrentSchemaVersion;

    public required string QuestionnaireCode { get; init; }

    public required int QuestionnaireVersion { get; init; }

    public SurveyStatus Status { get; init; }

    /// <summary>The question shown last and waiting for an answer; null unless in progress.</summary>
    public string? CurrentQuestion { get; init; }

    /// <summary>Every answer recorded so far, by question code.</summary>
    public ImmutableDictionary<string, RecordedAnswer> Answers { get; init; } = ImmutableDictionary<string, RecordedAnswer>.Empty;

    /// <summary>Unusable replies to <see cref="CurrentQuestion"/> so far (each was answered with a re-ask).</summary>
    public int InvalidAttempts { get; init; }

    /// <summary>Questions shown and left, oldest first ("back" returns to the last one).</summary>
    public ImmutableList<string> History { get; init; } = [];

    /// <summary>When the first question was shown; null while not started.</summary>
    public DateTimeOffset? StartedAt { get; init; }

    /// <summary>The last inbound message that kept the conversation alive; expiry counts from here.</summary>
    public required DateTimeOffset LastActivityAt { get; init; }

    public DateTimeOffset? CompletedAt { get; init; }

    /// <summary>A conversation that has shown nothing yet, e.g. a web chat opened from a QR code.</summary>
    public static SurveyProgress NotStarted(Questionnaire questionnaire, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(questionnaire);
        return new SurveyProgress
        {
            QuestionnaireCode = questionnaire.Code,
            QuestionnaireVersion = questionnaire.Version,
            Status = SurveyStatus.NotStarted,
            LastActivityAt = now,
        };
    }

    public string ToJson() => JsonSerializer.Serialize(this, SurveyProgressJsonContext.Default.SurveyProgress);

    /// <exception cref="JsonException">The JSON is malformed, lacks a required field, or has a newer <see cref="SchemaVersion"/>.</exception>
    public static SurveyProgress FromJson(string json)
    {
        var progress = JsonSerializer.Deserialize(json, SurveyProgressJsonContext.Default.SurveyProgress)
            ?? throw new JsonException("Survey progress JSON is null.");
        if (progress.SchemaVersion is < 1 or > CurrentSchemaVersion)
        {
            throw new JsonException(
                $"Survey progress schemaVersion {progress.SchemaVersion} is not supported (this code reads 1 to {CurrentSchemaVersion}).");
        }

        return progress;
    }
}

/// <summary>Source-generated (no reflection) JSON for <see cref="SurveyProgress"/>: camelCase, strict about nulls and required fields.</summary>
[JsonSourceGenerationOptions(
    JsonSerializerDefaults.Web,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = true)]
[JsonSerializable(typeof(SurveyProgress))]
internal sealed partial class SurveyProgressJsonContext : JsonSerializerContext;

/// <summary>Engine settings; sessions expire 3 days after the last message by default (docs/methodology.md#expiry-and-reminder).</summary>
public sealed record EngineOptions
{
    public static EngineOptions Default { get; } = new();

    /// <summary>An in-progress survey expires when the next message comes later than this after the last one.</summary>
    public TimeSpan Expiry { get; init; } = TimeSpan.FromDays(3);

    /// <summary>How many times one question is asked again after an unusable reply before it is recorded as missing.</summary>
    public int MaxReasks { get; init; } = 2;

    internal void Validate()
    {
        if (Expiry <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(Expiry), Expiry, "EngineOptions.Expiry must be positive.");
        }

        if (MaxReasks < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxReasks), MaxReasks, "EngineOptions.MaxReasks must not be negative.");
        }
    }
}

/// <summary>What the host must do besides sending the replies.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<EngineSignal>))]
public enum EngineSignal
{
    [JsonStringEnumMemberName("none")] None,

    /// <summary>Record an opt-out for the sender (STOP, TC, TỪ CHỐI, HỦY, DỪNG) and send nothing more but the confirmation.</summary>
    [JsonStringEnumMemberName("opt_out")] OptOut,

    /// <summary>Remove the sender's opt-out (START, BD).</summary>
    [JsonStringEnumMemberName("opt_in")] OptIn,

    /// <summary>The citizen asked for help; nothing changed.</summary>
    [JsonStringEnumMemberName("help")] Help,

    /// <summary>This step completed the response.</summary>
    [JsonStringEnumMemberName("completed")] Completed,

    /// <summary>This step found the survey expired; the response stays partial.</summary>
    [JsonStringEnumMemberName("expired")] Expired,
}

/// <summary>One message to the citizen. <see cref="Options"/> are web buttons (empty on SMS).</summary>
public sealed record BotReply(string Text, IReadOnlyList<PromptOption> Options)
{
    public static BotReply Plain(string text) => new(text, []);
}

/// <summary>
/// The outcome of one step: the new state, the messages to send in order, the answers to upsert (keyed by question
/// code; produced by this step only, never two for one question), and what else the host must do.
/// </summary>
public sealed record EngineResult(
    SurveyProgress Progress,
    IReadOnlyList<BotReply> Replies,
    IReadOnlyList<RecordedAnswer> Answers,
    EngineSignal Signal);
