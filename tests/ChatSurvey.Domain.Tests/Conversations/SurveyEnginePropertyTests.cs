using ChatSurvey.Domain.Conversations;
using ChatSurvey.Domain.Questionnaires;
using ChatSurvey.Domain.Sms;
using CsCheck;

namespace ChatSurvey.Domain.Tests.Conversations;

/// <summary>
/// Random conversations (valid answers, scale words, keywords, garbage, back, skip, several answers, long silences)
/// against the engine's invariants. Deterministic: a fixed PCG seed drives the CsCheck generators.
/// </summary>
public sealed class SurveyEnginePropertyTests
{
    private const int Sequences = 3000;

    private static readonly Questionnaire[] Questionnaires =
    [
        TestSurveys.Small,
        QuestionnaireCatalogue.Default(QuestionnaireCatalogue.Sms),
        QuestionnaireCatalogue.Default(QuestionnaireCatalogue.Full),
    ];

    private static readonly Gen<string> Message = Gen.Frequency(
        (10, Gen.Int[1, 5].Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture))),
        (4, Gen.OneOf("rất hài lòng", "Rat hai long!", "hài lòng", "binh thuong", "Không hài lòng.", "RAT KHONG HAI LONG", "chưa hài lòng", "5 - rất hài lòng")),
        (4, Gen.OneOf("có", "co", "Không", "khong", "yes", "no", "1", "2")),
        (3, Gen.OneOf("3", "4", "6", "Thủ tục hành chính", "Người dân", "E2", "nam")),
        (3, Gen.Int[0, 6].Array[2, 5].Select(a => string.Join(" ", a))),
        (2, Gen.Int[1, 5].Array[2, 4].Select(a => string.Join(",", a))),
        (3, Gen.OneOf("lai", "quay lại", "QUAY LAI")),
        (3, Gen.OneOf("0", "bỏ qua", "bo qua")),
        (2, Gen.OneOf("STOP", "tc", "TỪ CHỐI", "huy", "START", "bd", "hd", "?", "Hướng dẫn")),
        (2, Gen.OneOf("Cán bộ nhiệt tình", "ok", "đúng", "", "   ", "!!!", "👍", new string('x', 1200))),
        (3, Gen.String));

    private static readonly Gen<TimeSpan> Gap = Gen.Frequency(
        (30, Gen.Int[0, 180].Select(m => TimeSpan.FromMinutes(m))),
        (1, Gen.Int[1, 5].Select(d => TimeSpan.FromDays(d) + TimeSpan.FromSeconds(1))));

    private static readonly Gen<Scenario> Scenarios =
        Gen.Select(
            Gen.Int[0, Questionnaires.Length - 1],
            Gen.Bool,
            Gen.Frequency((9, Gen.Const(false)), (1, Gen.Const(true))),
            Gen.Int[0, 3],
            Gen.Select(Message, Gap).Array[0, 30],
            (q, web, notStarted, reasks, steps) => new Scenario(q, web ? SurveyChannel.Web : SurveyChannel.Sms, notStarted, reasks, steps));

    [Fact]
    public void Handle_Should_KeepInvariantsAndFinish_When_InputIsRandom()
    {
        var pcg = new PCG(1, 20251006);
        for (var i = 0; i < Sequences; i++)
        {
            var scenario = Scenarios.Generate(pcg, null!, out _);
            try
            {
                Run(scenario);
            }
            catch (Exception error) when (error is not OutOfMemoryException)
            {
                throw new InvalidOperationException($"Sequence {i} failed: {scenario}", error);
            }
        }
    }

    private static void Run(Scenario scenario)
    {
        var questionnaire = Questionnaires[scenario.Questionnaire];
        var options = new EngineOptions { MaxReasks = scenario.MaxReasks };
        var now = TestSurveys.T0;
        var progress = scenario.NotStarted
            ? SurveyProgress.NotStarted(questionnaire, now)
            : Check(questionnaire, null, SurveyEngine.Start(questionnaire, scenario.Channel, now), scenario.Channel);

        foreach (var (text, gap) in scenario.Steps)
        {
            now += gap;
            progress = Step(questionnaire, progress, text, scenario.Channel, now, options);
        }

        // Silence then any message: a survey still open must expire.
        var late = Step(questionnaire, progress, "5", scenario.Channel, now + options.Expiry + TimeSpan.FromSeconds(1), options);
        Assert.Contains(late.Status, new[] { SurveyStatus.Completed, SurveyStatus.Expired, SurveyStatus.InProgress });
        Assert.True(
            late.Status != SurveyStatus.InProgress || progress.Status == SurveyStatus.NotStarted,
            "an in-progress survey did not expire after the expiry period");

        // Valid answers, one a minute: completion (or expiry, if the last message was an opt-out after a long silence).
        for (var bound = questionnaire.Questions.Count + 2; bound > 0 && IsOpen(progress); bound--)
        {
            now += TimeSpan.FromMinutes(1);
            var answer = progress.CurrentQuestion is { } code
                ? TestSurveys.ValidAnswer(questionnaire.Questions.Single(q => q.Code == code))
                : "xin chào";
            progress = Step(questionnaire, progress, answer, scenario.Channel, now, options);
        }

        Assert.Contains(progress.Status, new[] { SurveyStatus.Completed, SurveyStatus.Expired });
    }

    private static bool IsOpen(SurveyProgress progress) =>
        progress.Status is SurveyStatus.InProgress or SurveyStatus.NotStarted;

    private static SurveyProgress Step(
        Questionnaire questionnaire, SurveyProgress before, string text, SurveyChannel channel, DateTimeOffset now, EngineOptions options)
    {
        var result = SurveyEngine.Handle(questionnaire, before, text, channel, now, options);
        return Check(questionnaire, before, result, channel);
    }

    /// <summary>Checks one step's invariants and returns the progress as the host would reload it (through JSON).</summary>
    private static SurveyProgress Check(Questionnaire questionnaire, SurveyProgress? before, EngineResult result, SurveyChannel channel)
    {
        var after = result.Progress;
        var codes = questionnaire.Questions.Select(q => q.Code).ToList();

        // Never two answers for one question in a step.
        Assert.Equal(result.Answers.Count, result.Answers.Select(a => a.QuestionCode).Distinct().Count());
        Assert.NotEmpty(result.Replies);
        if (channel == SurveyChannel.Sms)
        {
            Assert.All(result.Replies, r => Assert.Equal(new SmsMeasure(SmsEncoding.Gsm7, Gsm7.Measure(r.Text).Units, 1), Gsm7.Measure(r.Text)));
        }

        var previous = before?.Answers ?? [];

        // Nothing lost: the new answers are the old ones with exactly this step's upserts applied.
        Assert.Equal(
            previous.SetItems(result.Answers.Select(a => KeyValuePair.Create(a.QuestionCode, a))).OrderBy(p => p.Key),
            after.Answers.OrderBy(p => p.Key));

        foreach (var answer in result.Answers)
        {
            var question = questionnaire.Questions.Single(q => q.Code == answer.QuestionCode);
            Assert.True(Fits(question, answer), $"{answer} does not fit {question.Code}");
            if (previous.ContainsKey(answer.QuestionCode))
            {
                // Only a question at or after the one being asked (reached again through "back") is answered again,
                // and never with "missing".
                Assert.NotEqual(AnswerKind.Missing, answer.Kind);
                Assert.True(codes.IndexOf(answer.QuestionCode) >= codes.IndexOf(before!.CurrentQuestion!));
            }
        }

        if (before is { Status: SurveyStatus.Completed or SurveyStatus.Expired })
        {
            Assert.Empty(result.Answers);
            Assert.Equal(before.Status, after.Status);
        }

        Assert.Equal(result.Signal == EngineSignal.Completed, after.Status == SurveyStatus.Completed && before?.Status != SurveyStatus.Completed);
        Assert.Equal(result.Signal == EngineSignal.Expired, after.Status == SurveyStatus.Expired && before?.Status != SurveyStatus.Expired);
        Assert.Equal(after.Status == SurveyStatus.InProgress, after.CurrentQuestion is not null);
        Assert.True(after.InvalidAttempts >= 0);
        Assert.Equal(after.History.Count, after.History.Distinct().Count());

        return SurveyProgress.FromJson(after.ToJson());
    }

    private static bool Fits(Question question, RecordedAnswer answer) => answer.Kind switch
    {
        AnswerKind.Rating => question.Kind == QuestionKind.Rating && answer.Rating is >= 1 and <= 5,
        AnswerKind.YesNo => question.Kind == QuestionKind.YesNo && answer.Choice is "yes" or "no",
        AnswerKind.Choice => question.Kind == QuestionKind.Choice && question.Options.Any(o => o.Value == answer.Choice),
        AnswerKind.Text => question.Kind == QuestionKind.Text && answer.Text is { Length: > 0 and <= AnswerParser.MaxTextLength },
        AnswerKind.Skipped => question.Optional,
        AnswerKind.Missing => true,
        _ => false,
    };

    private sealed record Scenario(int Questionnaire, SurveyChannel Channel, bool NotStarted, int MaxReasks, (string Text, TimeSpan Gap)[] Steps)
    {
        public override string ToString() =>
            $"questionnaire {Questionnaires[Questionnaire].Code}, {Channel}, notStarted {NotStarted}, maxReasks {MaxReasks}, steps "
            + string.Join(" | ", Steps.Select(s => $"[{s.Text}] +{s.Gap}"));
    }
}
