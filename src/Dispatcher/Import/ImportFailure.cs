using System.Text.Json;
using ChatSurvey.Domain.Problems;

namespace ChatSurvey.Dispatcher.Import;

/// <summary>
/// Why an import failed, as <c>imports.error</c> keeps it: a small JSON object with the problem's code, its arguments
/// and the English message (<c>{"code":…,"args":[…],"message":…}</c>), so the API answers in English and the pages in
/// Vietnamese without parsing sentences. Errors stored before codes were are plain English text and read as such.
/// </summary>
internal static class ImportFailure
{
    /// <summary>The problem behind a failed import: cancelled, an unreadable file, or anything else (named by type).</summary>
    public static Problem? Of(Exception exception) => exception switch
    {
        OperationCanceledException => Problem.Of("file", ProblemCodes.ImportCancelled),
        ImportFileException file => file.Problem,
        _ => Problem.Of("file", ProblemCodes.ImportFailed, exception.GetType().Name, exception.Message),
    };

    /// <summary>The column's text for a failure: the problem's JSON, or the exception's message when it has none.</summary>
    public static string ToColumn(Exception exception) =>
        Of(exception) is { } problem
            ? JsonSerializer.Serialize(new Stored(problem.Code, problem.Args, problem.English), ImportStore.Json)
            : exception.Message;

    /// <summary>The English message and, when the column holds one the table knows, the problem.</summary>
    public static (string Message, Problem? Problem) FromColumn(string text)
    {
        if (!text.StartsWith('{'))
            return (text, null);
        try
        {
            var stored = JsonSerializer.Deserialize<Stored>(text, ImportStore.Json);
            if (stored is { Message: { } message })
            {
                var args = stored.Args ?? [];
                return ProblemTexts.IsKnown(stored.Code, args.Count)
                    ? (message, new Problem("file", stored.Code!, args))
                    : (message, null);
            }
        }
        catch (JsonException)
        {
            // Not ours: show the text as it is.
        }

        return (text, null);
    }

    private sealed record Stored(string? Code, IReadOnlyList<string>? Args, string? Message);
}
