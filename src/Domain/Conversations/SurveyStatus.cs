using System.Text.Json.Serialization;

namespace ChatSurvey.Domain.Conversations;

/// <summary>Where a conversation stands. Completed and Expired are final: no later step records an answer.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<SurveyStatus>))]
public enum SurveyStatus
{
    /// <summary>No question has been shown yet; the first inbound message is answered with the intro and the first question.</summary>
    [JsonStringEnumMemberName("not_started")] NotStarted,

    /// <summary><see cref="SurveyProgress.CurrentQuestion"/> has been shown and waits for its answer.</summary>
    [JsonStringEnumMemberName("in_progress")] InProgress,

    /// <summary>Every applicable question has an answer (possibly skipped or missing).</summary>
    [JsonStringEnumMemberName("completed")] Completed,

    /// <summary>The citizen was silent for longer than <see cref="EngineOptions.Expiry"/>; the answers so far stay a partial response.</summary>
    [JsonStringEnumMemberName("expired")] Expired,
}
