using ChatSurvey.Domain.Conversations;
using ChatSurvey.Domain.Questionnaires;
using ChatSurvey.Domain.Sms;
using CsCheck;

namespace ChatSurvey.Domain.Tests.Conversations;

/// <summary>
/// Random conversations (valid answers, scale words, keywords, garbage, back, skip, "không áp dụng", several answers,
/// long silences)
/// against the engine's invariants. Beside the engine runs <see cref="Life"/>, a model of the survey's life kept from
/// the inputs alone, so each step's status and the outcome of each sequence are known exactly in advance.
/// Deterministic: a fixed PCG seed drives the CsCheck generators.
/// </summary>
public sealed class SurveyEnginePropertyTests
{
    private const int Sequences = 3000;

    private static readonly Questionnaire[] Questionnaires =
    [
        TestSurveys.Small,
        QuestionnaireCatalogue.Default(QuestionnaireCatalogue.Sms),
        QuestionnaireCatalogue.Default(QuestionnaireCatalogue.Full),
        TestSurveys.NotApplicable,
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
        (2, Gen.OneOf("khong ap dung", "Không Áp Dụng", "kad", "0 4 kad 5")),
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
        var outcomes = new Dictionary<string, int>();
        for (var i = 0; i < Sequences; i++)
        {
            var scenario = Scenarios.Generate(pcg, null!, out _);
            try
            {
                var outcome = Run(scenario);
                outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
            }
            catch (Exception error) when (error is not OutOfMemoryException)
            {
                throw new InvalidOperationException($"Sequence {i} failed: {scenario}", error);
            }
        }

        // Every kind of ending was reached, so no branch of the expectations above went untried.
        Assert.Equal(
            ["Completed: completed", "Expired: expired", "InProgress, heard lately: completed", "InProgress, silent too long: expired", "NotStarted: completed"],
            outcomes.Keys.Order(StringComparer.Ordinal));
    }

    /// <summary>Runs one sequence; answers the state it ended the random steps in and how it then ended.</summary>
    private static string Run(Scenario scenario)
    {
        var questionnaire = Questionnaires[scenario.Questionnaire];
        var options = new EngineOptions { MaxReasks = scenario.MaxReasks };
        var now = TestSurveys.T0;
        var life = new Life(scenario.NotStarted ? SurveyStatus.NotStarted : SurveyStatus.InProgress, now, options);
        var progress = scenario.NotStarted
            ? SurveyProgress.NotStarted(questionnaire, now)
            : Check(questionnaire, null, SurveyEngine.Start(questionnaire, scenario.Channel, now), scenario.Channel);
        life.AssertMatches(progress);

        foreach (var (text, gap) in scenario.Steps)
        {
            now += gap;
            (progress, life) = Step(questionnaire, progress, text, scenario.Channel, now, options, life);
        }

        // Silence past the expiry, then an answer: an unstarted survey starts, one in progress expires, an ended one stays.
        var (late, _) = Step(questionnaire, progress, "5", scenario.Channel, now + options.Expiry + TimeSpan.FromSeconds(1), options, life);
        Assert.Equal(
            life.Status switch
            {
                SurveyStatus.NotStarted => SurveyStatus.InProgress,
                SurveyStatus.InProgress => SurveyStatus.Expired,
                var ended => ended,
            },
            late.Status);

        // Then (from before the silence) valid answers, one a minute: a survey still open is completed, unless the
        // citizen was last heard more than the expiry before the first of them (only opt-outs came since, and an opt-out
        // changes nothing); an ended one stays as it is.
        var first = now + TimeSpan.FromMinutes(1);
        var stale = life.Status == SurveyStatus.InProgress && first - life.LastActivity > options.Expiry;
        var expected = life.Status switch
        {
            SurveyStatus.Expired => SurveyStatus.Expired,
            SurveyStatus.InProgress when stale => SurveyStatus.Expired,
            _ => SurveyStatus.Completed,
        };
        var outcome = life.Status == SurveyStatus.InProgress
            ? $"InProgress, {(stale ? "silent too long" : "heard lately")}: {expected.ToString().ToLowerInvariant()}"
            : $"{life.Status}: {expected.ToString().ToLowerInvariant()}";
        for (var bound = questionnaire.Questions.Count + 2; bound > 0 && IsOpen(progress); bound--)
        {
            now += TimeSpan.FromMinutes(1);
            var answer = progress.CurrentQuestion is { } code
                ? TestSurveys.ValidAnswer(questionnaire.Questions.Single(q => q.Code == code))
                : "xin chào";
            (progress, life) = Step(questionnaire, progress, answer, scenario.Channel, now, options, life);
        }

        Assert.Equal(expected, progress.Status);
        return outcome;
    }

    private static bool IsOpen(SurveyProgress progress) =>
        progress.Status is SurveyStatus.InProgress or SurveyStatus.NotStarted;

    /// <summary>One message: the engine's step, checked against the invariants and against the model's expectation.</summary>
    private static (SurveyProgress Progress, Life Life) Step(
        Questionnaire questionnaire, SurveyProgress before, string text, SurveyChannel channel, DateTimeOffset now, EngineOptions options,
        Life life)
    {
        var result = SurveyEngine.Handle(questionnaire, before, text, channel, now, options);
        var after = Check(questionnaire, before, result, channel);
        var expected = life.After(text, now, after);
        expected.AssertMatches(after);
        return (after, expected);
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
        AnswerKind.NotApplicable => question.Kind == QuestionKind.Rating && question.AllowNotApplicable,
        AnswerKind.Missing => true,
        _ => false,
    };

    /// <summary>
    /// The survey's life as the engine's contract states it, kept from the inputs alone: whether it has started, when the
    /// citizen was last heard (an opt-out changes nothing at all), and whether it has ended. Only completion is read from
    /// the engine, since it depends on the question flow (tested on its own): it may follow an answer, and nothing else.
    /// </summary>
    private sealed record Life(SurveyStatus Status, DateTimeOffset LastActivity, EngineOptions Options)
    {
        /// <summary>The life after <paramref name="text"/> arrived at <paramref name="now"/>; <paramref name="engine"/> says whether it completed.</summary>
        public Life After(string text, DateTimeOffset now, SurveyProgress engine)
        {
            var command = AnswerParser.ParseCommand(text);
            if (command == InboundCommand.OptOut)
                return this;
            var keyword = command is InboundCommand.OptIn or InboundCommand.Help;
            switch (Status)
            {
                case SurveyStatus.NotStarted:
                    // Any message but a keyword starts the survey (intro and first question).
                    return keyword ? this : this with { Status = SurveyStatus.InProgress, LastActivity = now };
                case SurveyStatus.InProgress when now - LastActivity > Options.Expiry:
                    // Too late: a keyword is answered without touching the survey; anything else expires it.
                    return keyword ? this : this with { Status = SurveyStatus.Expired };
                case SurveyStatus.InProgress:
                    var heard = this with { LastActivity = now > LastActivity ? now : LastActivity };
                    return command == InboundCommand.None && engine.Status == SurveyStatus.Completed
                        ? heard with { Status = SurveyStatus.Completed }
                        : heard;
                default:
                    return this; // completed and expired are final
            }
        }

        public void AssertMatches(SurveyProgress engine)
        {
            Assert.Equal(Status, engine.Status);
            Assert.Equal(LastActivity, engine.LastActivityAt);
        }
    }

    private sealed record Scenario(int Questionnaire, SurveyChannel Channel, bool NotStarted, int MaxReasks, (string Text, TimeSpan Gap)[] Steps)
    {
        public override string ToString() =>
            $"questionnaire {Questionnaires[Questionnaire].Code}, {Channel}, notStarted {NotStarted}, maxReasks {MaxReasks}, steps "
            + string.Join(" | ", Steps.Select(s => $"[{s.Text}] +{s.Gap}"));
    }
}
