using ChatSurvey.Domain.Conversations;
using ChatSurvey.Domain.Questionnaires;

namespace ChatSurvey.Domain.Tests.Conversations;

/// <summary><see cref="SurveyEngine.CurrentPrompt"/>: the question waiting, shown again without a step (an interview page's reload).</summary>
public sealed class CurrentPromptTests
{
    private static readonly Questionnaire Small = TestSurveys.Small;

    [Fact]
    public void CurrentPrompt_Should_EqualTheLastStepsQuestion_When_InProgress()
    {
        var progress = SurveyEngine.Start(Small, SurveyChannel.Web, TestSurveys.T0).Progress;
        foreach (var answer in new[] { "4", "5", "3", "no" })
        {
            var step = SurveyEngine.Handle(Small, progress, answer, SurveyChannel.Web, TestSurveys.T0.AddSeconds(5));
            progress = step.Progress;
            var shown = Assert.Single(step.Replies);

            var prompt = SurveyEngine.CurrentPrompt(Small, progress);

            Assert.NotNull(prompt);
            Assert.Equal(shown.Text, prompt.Text);
            Assert.Equal(shown.Options, prompt.Buttons);
        }

        // After "no" at the gate the two conditional questions are gone from the count: OVERALL is 5 of 9.
        Assert.StartsWith("Câu 5/9", SurveyEngine.CurrentPrompt(Small, progress)!.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void CurrentPrompt_Should_BeNull_When_NotInProgress()
    {
        var notStarted = SurveyProgress.NotStarted(Small, TestSurveys.T0);
        var completed = notStarted with { Status = SurveyStatus.Completed, CompletedAt = TestSurveys.T0 };

        Assert.Null(SurveyEngine.CurrentPrompt(Small, notStarted));
        Assert.Null(SurveyEngine.CurrentPrompt(Small, completed));
        Assert.Throws<ArgumentException>(() => SurveyEngine.CurrentPrompt(Small, notStarted with { QuestionnaireVersion = 99 }));
    }
}
