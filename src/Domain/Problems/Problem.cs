using System.Globalization;

namespace ChatSurvey.Domain.Problems;

/// <summary>
/// A broken rule of some input: the field it is about (the API's name, e.g. <c>parentCode</c> or
/// <c>agencies[1].target</c>), a stable <see cref="Code"/> from <see cref="ProblemCodes"/>, and the values its wording
/// quotes, as invariant text. The wording lives once, in <see cref="ProblemTexts"/>: <see cref="English"/> is the API's
/// (problem details, stored import reports), <see cref="Vietnamese"/> the admin pages'.
/// </summary>
/// <remarks>Invariant: <see cref="Args"/> has as many values as the code's wording takes (checked by <see cref="Of"/>).</remarks>
public sealed record Problem(string Field, string Code, IReadOnlyList<string> Args)
{
    /// <summary>
    /// A problem with its arguments formatted invariantly: numbers as digits, dates <c>yyyy-MM-dd</c>, times <c>HH:mm</c>.
    /// Throws when the code is unknown or takes another number of arguments: that is a bug of the caller.
    /// </summary>
    public static Problem Of(string field, string code, params ReadOnlySpan<object> args)
    {
        var text = new string[args.Length];
        for (var i = 0; i < args.Length; i++)
            text[i] = Format(args[i]);
        if (!ProblemTexts.IsKnown(code, text.Length))
            throw new ArgumentException($"'{code}' is not a problem code taking {text.Length} argument(s).", nameof(code));
        return new Problem(field, code, text);
    }

    /// <summary>The API's wording (problem details <c>errors</c>, import reports).</summary>
    public string English => ProblemTexts.English(Code, Args);

    /// <summary>The admin pages' wording.</summary>
    public string Vietnamese => ProblemTexts.Vietnamese(Code, Args);

    /// <summary>The <c>errors</c> of a validation problem response: the English messages by field, in order.</summary>
    public static Dictionary<string, string[]> ToErrors(IEnumerable<Problem> problems) =>
        problems.GroupBy(p => p.Field).ToDictionary(g => g.Key, g => g.Select(p => p.English).ToArray());

    public bool Equals(Problem? other) =>
        other is not null && Field == other.Field && Code == other.Code && Args.SequenceEqual(other.Args);

    public override int GetHashCode() => HashCode.Combine(Field, Code, Args.Count);

    private static string Format(object value) => value switch
    {
        string text => text,
        DateOnly date => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        TimeOnly time => time.ToString("HH:mm", CultureInfo.InvariantCulture),
        IEnumerable<string> list => string.Join(", ", list),
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
