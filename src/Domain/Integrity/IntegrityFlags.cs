using ChatSurvey.Domain.Conversations;

namespace ChatSurvey.Domain.Integrity;

/// <summary>
/// The integrity flags of a completed ballot (<c>responses.speeder</c>, <c>responses.straight_liner</c>). Pure: the
/// bot computes them from the engine's progress in the turn that completes the ballot, and the turn writes them.
/// </summary>
/// <param name="Speeder">Completed faster than <see cref="IntegrityOptions.SpeederSecondsPerQuestion"/> per answered question.</param>
/// <param name="StraightLiner">
/// Every rating identical, over at least <see cref="StraightLineMinRatings"/> rating answers. "Không áp dụng" answers are
/// not ratings: they neither break a line nor count toward the minimum.
/// </param>
public sealed record IntegrityFlags(bool Speeder, bool StraightLiner)
{
    /// <summary>Fewer identical ratings than this are not a pattern (a short form is often all 5s in good faith).</summary>
    public const int StraightLineMinRatings = 8;

    public static IntegrityFlags None { get; } = new(false, false);

    /// <summary>
    /// Flags a ballot that started at <paramref name="startedAt"/> (its first question shown) and completed at
    /// <paramref name="completedAt"/> with <paramref name="answers"/>. An answered question is one with a rating, a
    /// choice, a yes/no, a text or "Không áp dụng" (the citizen read it and chose); skipped and missing ones take no time
    /// to speak of and do not count.
    /// </summary>
    public static IntegrityFlags Compute(
        DateTimeOffset startedAt, DateTimeOffset completedAt, IEnumerable<RecordedAnswer> answers, IntegrityOptions options)
    {
        ArgumentNullException.ThrowIfNull(answers);
        ArgumentNullException.ThrowIfNull(options);
        var list = answers as IReadOnlyCollection<RecordedAnswer> ?? answers.ToList();
        var answered = list.Count(a => a.Kind is not (AnswerKind.Skipped or AnswerKind.Missing));
        var speeder = options.SpeederSecondsPerQuestion > 0 && answered > 0
            && (completedAt - startedAt).TotalSeconds < options.SpeederSecondsPerQuestion * answered;

        var ratings = list.Where(a => a.Kind == AnswerKind.Rating).Select(a => a.Rating).ToList();
        var straightLiner = ratings.Count >= StraightLineMinRatings && ratings.Distinct().Count() == 1;
        return new IntegrityFlags(speeder, straightLiner);
    }

    /// <summary>The flags' names as the admin API lists them: <c>speeder</c>, <c>straight_liner</c>.</summary>
    public IReadOnlyList<string> Names => Of(Speeder, StraightLiner);

    /// <summary>The names of the flags that are set, in a fixed order.</summary>
    public static IReadOnlyList<string> Of(bool speeder, bool straightLiner) => (speeder, straightLiner) switch
    {
        (true, true) => [SpeederName, StraightLinerName],
        (true, false) => [SpeederName],
        (false, true) => [StraightLinerName],
        _ => [],
    };

    public const string SpeederName = "speeder";
    public const string StraightLinerName = "straight_liner";
}
