using System.Text.Json.Serialization;

namespace ChatSurvey.Domain.Conversations;

/// <summary>
/// How the citizen talks to the survey. It decides how replies are written: SMS replies are ASCII ("không dấu"),
/// GSM-7, one segment each, with no buttons; web replies keep Vietnamese diacritics and carry buttons.
/// </summary>
[JsonConverter(typeof(JsonStringEnumConverter<SurveyChannel>))]
public enum SurveyChannel
{
    [JsonStringEnumMemberName("sms")] Sms,

    [JsonStringEnumMemberName("web")] Web,
}
