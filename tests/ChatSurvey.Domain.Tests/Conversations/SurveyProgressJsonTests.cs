using System.Text.Json;
using ChatSurvey.Domain.Conversations;

namespace ChatSurvey.Domain.Tests.Conversations;

/// <summary>Progress is stored as versioned JSON with plain names, and reads back to the same state.</summary>
public sealed class SurveyProgressJsonTests
{
    [Fact]
    public void FromJson_Should_RestoreSameProgress_When_RoundTripped()
    {
        var chat = new Chat(TestSurveys.Small);
        chat.SendAll("4 5", "x", "lai", "3", "bad");
        var progress = chat.Progress;

        var restored = SurveyProgress.FromJson(progress.ToJson());

        Assert.Equal(progress.ToJson(), restored.ToJson());
        Assert.Equal(progress.Answers.OrderBy(a => a.Key), restored.Answers.OrderBy(a => a.Key));
        Assert.Equal(progress.History, restored.History);
        Assert.Equal(progress with { Answers = restored.Answers, History = restored.History }, restored);
    }

    [Fact]
    public void ToJson_Should_WriteVersionAndPlainNames_When_Serialised()
    {
        var chat = new Chat(TestSurveys.Small);
        chat.SendAll("4", "0");

        var json = JsonDocument.Parse(chat.Progress.ToJson()).RootElement;

        Assert.Equal(SurveyProgress.CurrentSchemaVersion, json.GetProperty("schemaVersion").GetInt32());
        Assert.Equal("in_progress", json.GetProperty("status").GetString());
        Assert.Equal("test-small", json.GetProperty("questionnaireCode").GetString());
        Assert.Equal(3, json.GetProperty("questionnaireVersion").GetInt32());
        Assert.Equal("rating", json.GetProperty("answers").GetProperty("A1").GetProperty("kind").GetString());
        Assert.Equal(1, json.GetProperty("invalidAttempts").GetInt32());
        Assert.DoesNotContain("$type", chat.Progress.ToJson(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"schemaVersion":2,"questionnaireCode":"q","questionnaireVersion":1,"lastActivityAt":"2025-10-06T09:00:00+07:00"}""")]
    [InlineData("""{"schemaVersion":1,"questionnaireVersion":1,"lastActivityAt":"2025-10-06T09:00:00+07:00"}""")]
    [InlineData("""{"schemaVersion":1,"questionnaireCode":"q","questionnaireVersion":1,"lastActivityAt":"2025-10-06T09:00:00+07:00","answers":null}""")]
    [InlineData("null")]
    public void FromJson_Should_Throw_When_JsonIsNewerOrIncomplete(string json)
    {
        Assert.ThrowsAny<JsonException>(() => SurveyProgress.FromJson(json));
    }

    [Theory]
    [InlineData(AnswerKind.Rating, "rating")]
    [InlineData(AnswerKind.YesNo, "yes_no")]
    [InlineData(AnswerKind.Choice, "choice")]
    [InlineData(AnswerKind.Text, "text")]
    [InlineData(AnswerKind.Skipped, "skipped")]
    [InlineData(AnswerKind.Missing, "missing")]
    public void StorageKind_Should_MatchAnswersTable_When_AnyKind(AnswerKind kind, string expected)
    {
        Assert.Equal(expected, new RecordedAnswer("Q", kind, null, null, null).StorageKind);
    }
}
