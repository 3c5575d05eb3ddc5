namespace ChatSurvey.Domain.Questionnaires;

/// <summary>
/// One broken rule in a questionnaire definition. <see cref="Subject"/> is the question code for a question's
/// problem (or "questions[i]" when the code itself is missing), "element E1", "option …", "intro", "thanks",
/// "questionnaire" for the whole definition, or "json" when the document could not be read.
/// </summary>
public sealed record QuestionnaireProblem(string Subject, string Message)
{
    public override string ToString() => $"{Subject}: {Message}";
}

/// <summary>A questionnaire definition was refused; <see cref="Problems"/> lists every broken rule, not only the first.</summary>
public sealed class QuestionnaireValidationException : Exception
{
    public QuestionnaireValidationException()
        : this([])
    {
    }

    public QuestionnaireValidationException(string message)
        : base(message)
    {
        Problems = [];
    }

    public QuestionnaireValidationException(string message, Exception innerException)
        : base(message, innerException)
    {
        Problems = [];
    }

    public QuestionnaireValidationException(IReadOnlyList<QuestionnaireProblem> problems, Exception? innerException = null)
        : base(Describe(problems), innerException)
    {
        Problems = problems;
    }

    public IReadOnlyList<QuestionnaireProblem> Problems { get; }

    private static string Describe(IReadOnlyList<QuestionnaireProblem> problems)
    {
        ArgumentNullException.ThrowIfNull(problems);
        return problems.Count == 0
            ? "The questionnaire definition is invalid."
            : $"The questionnaire definition is invalid ({problems.Count} problem{(problems.Count == 1 ? "" : "s")}):"
              + string.Concat(problems.Select(p => Environment.NewLine + "- " + p));
    }
}
