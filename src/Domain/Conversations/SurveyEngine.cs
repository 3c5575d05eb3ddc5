using System.Collections.Concurrent;
using System.Collections.Immutable;
using ChatSurvey.Domain.Questionnaires;
using ChatSurvey.Domain.Sms;

namespace ChatSurvey.Domain.Conversations;

/// <summary>
/// The conversation engine: a pure function of (questionnaire, progress, inbound text, channel, time) to
/// (new progress, replies, answers, signal). No I/O and no clock: the host loads the progress, calls
/// <see cref="Handle"/>, stores the answers and the new progress in one transaction, then sends the replies.
/// </summary>
/// <remarks>
/// <para>Invariants of every step:</para>
/// <list type="bullet">
/// <item>It yields at most one answer per question (<see cref="EngineResult.Answers"/> has distinct codes), and the
/// new <see cref="SurveyProgress.Answers"/> is the old one with exactly those answers set.</item>
/// <item>An answer once recorded is never lost: a later step can only replace it with a new answer to the same
/// question, which happens only after "back" (or a multi-answer that runs over an answered question after "back").
/// Running out of re-asks on such a question keeps its old answer instead of recording it missing.</item>
/// <item>Progress moves toward completion or expiry: an answer, a skip or an exhausted re-ask moves to a later
/// question; an unusable reply spends one of at most <see cref="EngineOptions.MaxReasks"/> re-asks; "back" only
/// pops <see cref="SurveyProgress.History"/>; every other message leaves the position alone, and a message later
/// than <see cref="EngineOptions.Expiry"/> after the last one expires an in-progress survey.</item>
/// <item>Opt-out, opt-in and help are honoured in every status, before expiry, and change no answer; opt-out
/// changes nothing at all.</item>
/// <item>Completed and Expired are final; every step returns at least one reply. On SMS each reply is transliterated
/// GSM-7; the engine's own texts fit one segment each, questions do when the questionnaire's prompts do.</item>
/// </list>
/// </remarks>
public static class SurveyEngine
{
    /// <summary>
    /// Starts a survey: the intro and the first applicable question (a questionnaire with none is completed at once).
    /// Use it when the first question is shown, e.g. in a two-way SMS invitation, so that the first reply answers it.
    /// </summary>
    public static EngineResult Start(Questionnaire questionnaire, SurveyChannel channel, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(questionnaire);
        return Begin(questionnaire, SurveyProgress.NotStarted(questionnaire, now), channel, now);
    }

    /// <summary>Handles one inbound message. See the class remarks for the invariants.</summary>
    /// <exception cref="ArgumentException">The progress belongs to another questionnaire or version.</exception>
    /// <exception cref="InvalidOperationException">The progress names a question the questionnaire lacks.</exception>
    public static EngineResult Handle(
        Questionnaire questionnaire,
        SurveyProgress progress,
        string inboundText,
        SurveyChannel channel,
        DateTimeOffset now,
        EngineOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(questionnaire);
        ArgumentNullException.ThrowIfNull(progress);
        inboundText ??= "";
        options ??= EngineOptions.Default;
        options.Validate();
        if (progress.QuestionnaireCode != questionnaire.Code || progress.QuestionnaireVersion != questionnaire.Version)
        {
            throw new ArgumentException(
                $"Progress is for {progress.QuestionnaireCode} v{progress.QuestionnaireVersion}, not {questionnaire.Code} v{questionnaire.Version}.",
                nameof(progress));
        }

        var step = new Step(questionnaire, channel, now);
        var command = AnswerParser.ParseCommand(inboundText);
        var live = progress.Status == SurveyStatus.InProgress && now - progress.LastActivityAt <= options.Expiry;
        var current = live ? step.Flow.Get(progress.CurrentQuestion ?? throw MissingCurrent(progress)) : null;

        switch (command)
        {
            case InboundCommand.OptOut:
                return new EngineResult(progress, [step.Text(EngineTexts.OptOut)], [], EngineSignal.OptOut);

            case InboundCommand.OptIn:
                return current is null
                    ? new EngineResult(progress, [step.Text(EngineTexts.OptIn)], [], EngineSignal.OptIn)
                    : new EngineResult(
                        Touch(progress, now),
                        step.Prompt(current, progress.Answers, essential: true, EngineTexts.OptIn),
                        [],
                        EngineSignal.OptIn);

            case InboundCommand.Help:
                return current is null
                    ? new EngineResult(progress, [step.Text(EngineTexts.Help)], [], EngineSignal.Help)
                    : new EngineResult(
                        Touch(progress, now),
                        step.Prompt(current, progress.Answers, essential: true, EngineTexts.Help),
                        [],
                        EngineSignal.Help);
        }

        switch (progress.Status)
        {
            case SurveyStatus.NotStarted:
                return Begin(questionnaire, progress, channel, now);
            case SurveyStatus.Completed:
                return new EngineResult(progress, [step.Text(EngineTexts.AlreadyCompleted)], [], EngineSignal.None);
            case SurveyStatus.Expired:
                return new EngineResult(progress, [step.Text(EngineTexts.Expired)], [], EngineSignal.None);
        }

        if (current is null)
        {
            var expired = progress with { Status = SurveyStatus.Expired, CurrentQuestion = null, InvalidAttempts = 0 };
            return new EngineResult(expired, [step.Text(EngineTexts.Expired)], [], EngineSignal.Expired);
        }

        return command == InboundCommand.Back
            ? Back(step, progress, current)
            : Answer(step, progress, current, inboundText, options);
    }

    /// <summary>
    /// The web prompt of the question <paramref name="progress"/> waits on, numbered as the engine showed it, without a
    /// lead; null unless in progress. For a page that shows the current question again (a reload) without a step.
    /// </summary>
    /// <exception cref="ArgumentException">The progress belongs to another questionnaire or version.</exception>
    public static WebPrompt? CurrentPrompt(Questionnaire questionnaire, SurveyProgress progress)
    {
        ArgumentNullException.ThrowIfNull(questionnaire);
        ArgumentNullException.ThrowIfNull(progress);
        if (progress.QuestionnaireCode != questionnaire.Code || progress.QuestionnaireVersion != questionnaire.Version)
            throw new ArgumentException($"Progress is for {progress.QuestionnaireCode} v{progress.QuestionnaireVersion}, not {questionnaire.Code} v{questionnaire.Version}.", nameof(progress));
        if (progress.Status != SurveyStatus.InProgress)
            return null;
        var flow = new QuestionFlow(questionnaire);
        var question = flow.Get(progress.CurrentQuestion ?? throw MissingCurrent(progress));
        var (number, total) = flow.Position(question, progress.Answers);
        return QuestionPrompt.Web(questionnaire, question, number, total);
    }

    private static EngineResult Begin(Questionnaire questionnaire, SurveyProgress progress, SurveyChannel channel, DateTimeOffset now)
    {
        var step = new Step(questionnaire, channel, now);
        var started = progress with
        {
            Status = SurveyStatus.InProgress,
            StartedAt = now,
            LastActivityAt = now,
            InvalidAttempts = 0,
        };
        var intro = step.Localized(questionnaire.Intro);
        var first = step.Flow.First(started.Answers);
        if (first is null)
        {
            var done = started with { Status = SurveyStatus.Completed, CurrentQuestion = null, CompletedAt = now };
            return new EngineResult(done, [intro, step.Localized(questionnaire.Thanks)], [], EngineSignal.Completed);
        }

        return new EngineResult(
            started with { CurrentQuestion = first.Code },
            [intro, .. step.Prompt(first, started.Answers, essential: false)],
            [],
            EngineSignal.None);
    }

    private static EngineResult Back(Step step, SurveyProgress progress, Question current)
    {
        if (progress.History.IsEmpty)
        {
            return new EngineResult(
                Touch(progress, step.Now),
                step.Prompt(current, progress.Answers, essential: false, EngineTexts.FirstQuestion),
                [],
                EngineSignal.None);
        }

        var previous = step.Flow.Get(progress.History[^1]);
        var back = Touch(progress, step.Now) with
        {
            CurrentQuestion = previous.Code,
            History = progress.History.RemoveAt(progress.History.Count - 1),
            InvalidAttempts = 0,
        };
        return new EngineResult(back, step.Prompt(previous, back.Answers, essential: false), [], EngineSignal.None);
    }

    private static EngineResult Answer(Step step, SurveyProgress progress, Question current, string text, EngineOptions options)
    {
        var parsed = AnswerParser.Parse(current, text);
        var recorded = new List<RecordedAnswer>();
        var answers = progress.Answers;
        var history = progress.History;
        var last = current;
        var gaveUp = false;

        var parts = current.Kind == QuestionKind.Rating ? AnswerParser.SplitAnswers(text) : [];
        if (parts.Count > 1 && AnswerParser.Parse(current, parts[0]) is { Answer: { } first })
        {
            // Several answers in one message fill the following rating questions in order, up to the first that
            // does not fit; the rest of the message is dropped.
            Record(first);
            foreach (var part in parts.Skip(1))
            {
                var next = step.Flow.Next(last, answers);
                if (next is not { Kind: QuestionKind.Rating } || AnswerParser.Parse(next, part) is not { Answer: { } answer })
                {
                    break;
                }

                history = history.Add(last.Code);
                last = next;
                Record(answer);
            }
        }
        else if (parsed.Answer is { } answer)
        {
            Record(answer);
        }
        else if (progress.InvalidAttempts < options.MaxReasks)
        {
            var lead = parsed.Error == AnswerError.SkipNotAllowed ? EngineTexts.CannotSkip : EngineTexts.Unclear;
            return new EngineResult(
                Touch(progress, step.Now) with { InvalidAttempts = progress.InvalidAttempts + 1 },
                step.Prompt(current, answers, essential: true, parsed.Hint!, lead),
                [],
                EngineSignal.None);
        }
        else
        {
            gaveUp = true;
            if (!answers.ContainsKey(current.Code))
            {
                Record(RecordedAnswer.Missing(current.Code));
            }
        }

        var moved = Touch(progress, step.Now) with { Answers = answers, InvalidAttempts = 0 };
        var following = step.Flow.Next(last, answers);
        history = history.Add(last.Code);
        if (following is null)
        {
            var done = moved with
            {
                Status = SurveyStatus.Completed,
                CurrentQuestion = null,
                History = history,
                CompletedAt = step.Now,
            };
            return new EngineResult(done, [step.Localized(step.Questionnaire.Thanks)], recorded, EngineSignal.Completed);
        }

        var replies = gaveUp
            ? step.Prompt(following, answers, essential: false, EngineTexts.MovedOn)
            : step.Prompt(following, answers, essential: false);
        return new EngineResult(
            moved with { CurrentQuestion = following.Code, History = history },
            replies,
            recorded,
            EngineSignal.None);

        void Record(RecordedAnswer answer)
        {
            recorded.Add(answer);
            answers = answers.SetItem(answer.QuestionCode, answer);
        }
    }

    private static SurveyProgress Touch(SurveyProgress progress, DateTimeOffset now) =>
        now > progress.LastActivityAt ? progress with { LastActivityAt = now } : progress;

    private static InvalidOperationException MissingCurrent(SurveyProgress progress) =>
        new($"Progress for {progress.QuestionnaireCode} v{progress.QuestionnaireVersion} is in progress without a current question.");

    /// <summary>
    /// The SMS form of an engine text or parser hint. Transliteration goes through ICU normalisation, which is slow,
    /// and these texts are a small fixed set (never citizen input), so each is transliterated once.
    /// </summary>
    private static string SmsText(string web) => SmsTexts.GetOrAdd(web, VietnameseText.ToGsm7);

    private static readonly ConcurrentDictionary<string, string> SmsTexts = new(StringComparer.Ordinal);

    /// <summary>Everything one step needs to write replies for its channel.</summary>
    private sealed class Step(Questionnaire questionnaire, SurveyChannel channel, DateTimeOffset now)
    {
        public Questionnaire Questionnaire { get; } = questionnaire;

        public QuestionFlow Flow { get; } = new(questionnaire);

        public DateTimeOffset Now { get; } = now;

        public BotReply Text(string web) => BotReply.Plain(channel == SurveyChannel.Sms ? SmsText(web) : web);

        public BotReply Localized(LocalizedText text) =>
            BotReply.Plain(channel == SurveyChannel.Sms ? VietnameseText.ToGsm7(text.Sms ?? text.Web) : text.Web);

        /// <summary>
        /// The question, led by the first of <paramref name="leads"/>. On SMS the leads are tried in order in front
        /// of the prompt within one segment; when none fits, an essential lead goes as its own message first and a
        /// non-essential one is dropped, so no message ever needs two segments.
        /// </summary>
        public IReadOnlyList<BotReply> Prompt(
            Question question, ImmutableDictionary<string, RecordedAnswer> answers, bool essential, params string[] leads)
        {
            var (number, total) = Flow.Position(question, answers);
            if (channel == SurveyChannel.Web)
            {
                var web = QuestionPrompt.Web(Questionnaire, question, number, total);
                var text = leads.Length == 0 ? web.Text : leads[0] + "\n\n" + web.Text;
                return [new BotReply(text, web.Buttons)];
            }

            var sms = VietnameseText.ToGsm7(QuestionPrompt.Sms(Questionnaire, question, number, total));
            foreach (var lead in leads)
            {
                var combined = SmsText(lead) + " " + sms;
                if (Gsm7.Measure(combined).Segments <= 1)
                {
                    return [BotReply.Plain(combined)];
                }
            }

            return leads.Length > 0 && essential
                ? [Text(leads[0]), BotReply.Plain(sms)]
                : [BotReply.Plain(sms)];
        }
    }
}
