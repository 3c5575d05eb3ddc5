using System.Collections.Immutable;
using ChatSurvey.Domain.Questionnaires;

namespace ChatSurvey.Domain.Conversations;

/// <summary>Question order and conditions (<see cref="Question.AskIf"/>) over the answers so far.</summary>
internal sealed class QuestionFlow
{
    private readonly Questionnaire _questionnaire;
    private readonly Dictionary<string, int> _index;

    public QuestionFlow(Questionnaire questionnaire)
    {
        _questionnaire = questionnaire;
        _index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < questionnaire.Questions.Count; i++)
        {
            _index.TryAdd(questionnaire.Questions[i].Code, i);
        }
    }

    public Question Get(string code) =>
        _index.TryGetValue(code, out var i)
            ? _questionnaire.Questions[i]
            : throw new InvalidOperationException(
                $"Question '{code}' is not in questionnaire {_questionnaire.Code} v{_questionnaire.Version}.");

    /// <summary>The first question to ask, or null when none applies.</summary>
    public Question? First(ImmutableDictionary<string, RecordedAnswer> answers) => NextFrom(0, answers);

    /// <summary>The next question after <paramref name="question"/> whose condition holds, or null at the end.</summary>
    public Question? Next(Question question, ImmutableDictionary<string, RecordedAnswer> answers) =>
        NextFrom(_index[question.Code] + 1, answers);

    /// <summary>
    /// "Câu n/N": conditional questions count until their gate is answered otherwise, so the total only ever
    /// shrinks as the citizen answers.
    /// </summary>
    public (int Number, int Total) Position(Question question, ImmutableDictionary<string, RecordedAnswer> answers)
    {
        var at = _index[question.Code];
        int number = 0, total = 0;
        for (var i = 0; i < _questionnaire.Questions.Count; i++)
        {
            var q = _questionnaire.Questions[i];
            if (i == at || MayBeAsked(q, answers))
            {
                total++;
                if (i <= at)
                {
                    number++;
                }
            }
        }

        return (number, total);
    }

    private Question? NextFrom(int start, ImmutableDictionary<string, RecordedAnswer> answers)
    {
        for (var i = start; i < _questionnaire.Questions.Count; i++)
        {
            if (IsAsked(_questionnaire.Questions[i], answers))
            {
                return _questionnaire.Questions[i];
            }
        }

        return null;
    }

    /// <summary>True when the question's condition holds: the gate's recorded yes/no or choice equals the value.</summary>
    private static bool IsAsked(Question question, ImmutableDictionary<string, RecordedAnswer> answers) =>
        question.AskIf is not { } condition
        || (answers.TryGetValue(condition.Question, out var answer)
            && answer.Kind is AnswerKind.YesNo or AnswerKind.Choice
            && string.Equals(answer.Choice, condition.EqualsValue, StringComparison.OrdinalIgnoreCase));

    private static bool MayBeAsked(Question question, ImmutableDictionary<string, RecordedAnswer> answers) =>
        question.AskIf is not { } condition || !answers.ContainsKey(condition.Question) || IsAsked(question, answers);
}
