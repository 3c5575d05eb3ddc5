using System.Globalization;
using ChatSurvey.Domain.Conversations;
using ChatSurvey.Domain.Questionnaires;

namespace ChatSurvey.Benchmarks.Load;

/// <summary>One answer a respondent sends: the question it answers, and how many replies the bot sends back.</summary>
public sealed record ScriptStep(string QuestionCode, QuestionKind Kind, int Replies);

/// <summary>
/// The valid answers that complete a questionnaire on one channel, found by driving the product's own engine
/// (<see cref="SurveyEngine"/>): every message the load generator sends is a real answer to the question the bot is
/// waiting on. Values vary with the respondent (<c>variant</c>), so an answer recorded against the wrong question or
/// respondent shows in the SQL check; the questions asked do not depend on them (checked for every variant).
/// </summary>
public sealed class SurveyScript
{
    private SurveyScript(IReadOnlyList<ScriptStep> steps, int greetingReplies)
    {
        Steps = steps;
        GreetingReplies = greetingReplies;
    }

    /// <summary>The answers in order; the last completes the ballot.</summary>
    public IReadOnlyList<ScriptStep> Steps { get; }

    /// <summary>
    /// Replies of the turn that opens the survey before any answer: 0 on SMS, where the invitation already asked the
    /// first question; on the web the intro and the first question.
    /// </summary>
    public int GreetingReplies { get; }

    /// <summary>What respondent <paramref name="variant"/> types for step <paramref name="step"/>.</summary>
    public string Answer(int step, int variant) => Steps[step].Kind switch
    {
        QuestionKind.Rating => Rating(step, variant).ToString(CultureInfo.InvariantCulture),
        QuestionKind.Text => Comment(variant),
        QuestionKind.YesNo or QuestionKind.Choice => "1",
        _ => throw new InvalidOperationException($"No scripted answer for {Steps[step].Kind}."),
    };

    public static int Rating(int step, int variant) => (variant + step) % 5 + 1;

    public static string Comment(int variant) => string.Create(CultureInfo.InvariantCulture, $"Gop y so {variant}");

    public static SurveyScript For(Questionnaire questionnaire, SurveyChannel channel)
    {
        ArgumentNullException.ThrowIfNull(questionnaire);
        SurveyScript? first = null;
        for (var variant = 0; variant < 5; variant++)
        {
            var script = Drive(questionnaire, channel, variant);
            if (first is null)
                first = script;
            else if (!first.Steps.SequenceEqual(script.Steps))
                throw new InvalidOperationException($"{questionnaire.Code}: the questions asked depend on the answers; the scripted load assumes they do not.");
        }

        return first!;
    }

    private static SurveyScript Drive(Questionnaire questionnaire, SurveyChannel channel, int variant)
    {
        var now = new DateTimeOffset(2025, 9, 1, 9, 0, 0, TimeSpan.FromHours(7));
        int greeting;
        SurveyProgress progress;
        if (channel == SurveyChannel.Sms)
        {
            progress = SurveyEngine.Start(questionnaire, channel, now).Progress;
            greeting = 0;
        }
        else
        {
            var start = SurveyEngine.Handle(questionnaire, SurveyProgress.NotStarted(questionnaire, now), "", channel, now);
            progress = start.Progress;
            greeting = start.Replies.Count;
        }

        var steps = new List<ScriptStep>();
        var partial = new SurveyScript(steps, greeting);
        while (progress.Status == SurveyStatus.InProgress)
        {
            var code = progress.CurrentQuestion!;
            var question = questionnaire.Questions.Single(q => q.Code == code);
            steps.Add(new ScriptStep(code, question.Kind, 0));
            now = now.AddSeconds(10);
            var result = SurveyEngine.Handle(questionnaire, progress, partial.Answer(steps.Count - 1, variant), channel, now);
            if (result.Answers.Count != 1 || result.Answers[0].QuestionCode != code)
                throw new InvalidOperationException($"{questionnaire.Code}: the scripted answer to {code} was not recorded as one answer to it.");
            steps[^1] = steps[^1] with { Replies = result.Replies.Count };
            progress = result.Progress;
        }

        if (progress.Status != SurveyStatus.Completed)
            throw new InvalidOperationException($"{questionnaire.Code}: the scripted answers end in {progress.Status}, not completed.");
        return new SurveyScript(steps, greeting);
    }
}
