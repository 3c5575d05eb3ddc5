using ChatSurvey.Domain.Problems;

namespace ChatSurvey.BotHost.Admin;

/// <summary>
/// What every small CSV upload (the catalogue, the volunteers) checks before it is read, field <c>file</c>: there is a
/// file, it is not empty, it is within its size limit. The reader and the store then decide about its rows.
/// </summary>
internal static class CsvUploads
{
    /// <summary>The upload's problem, or null when it may be read.</summary>
    public static Problem? Check(IFormFile? file, string missingCode, int maxBytes, string tooLargeCode)
    {
        if (file is null)
            return Problem.Of("file", missingCode);
        if (file.Length == 0)
            return Problem.Of("file", ProblemCodes.UploadEmpty);
        return file.Length > maxBytes ? Problem.Of("file", tooLargeCode, maxBytes) : null;
    }

    /// <summary>Reads the checked upload with <paramref name="read"/>.</summary>
    public static async Task<T> ReadAsync<T>(IFormFile file, Func<Stream, CancellationToken, Task<T>> read, CancellationToken cancellationToken)
    {
        await using var stream = file.OpenReadStream();
        return await read(stream, cancellationToken);
    }
}
