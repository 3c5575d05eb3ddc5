using ChatSurvey.Domain.Problems;
using ChatSurvey.Domain.Statuses;
using Npgsql;
using NpgsqlTypes;

namespace ChatSurvey.BotHost.Volunteers;

/// <summary>
/// The <c>back_checks</c> table, its only writer: the outcome of a back-check call (phúc tra phiếu) on a volunteer's
/// ballot, recorded by an administrator of the Department of Home Affairs. Recording again replaces the outcome (a
/// correction), with who and when. A <see cref="BackCheckOutcome.NotConfirmed"/> ballot leaves the official figures: the
/// official-ballot predicate reads this table.
/// </summary>
public sealed class BackCheckStore(NpgsqlDataSource dataSource, TimeProvider clock)
{
    public const int MaxNoteLength = 1000;

    /// <summary>Records the outcome for the completed volunteer's ballot <paramref name="responseId"/>, or returns what is wrong and changes nothing.</summary>
    public async Task<IReadOnlyList<Problem>> RecordAsync(
        long responseId, string? outcome, string? note, long? checkedBy, CancellationToken cancellationToken = default)
    {
        var problems = new List<Problem>();
        if (outcome is null || !BackCheckOutcome.All.Contains(outcome))
            problems.Add(Problem.Of("outcome", ProblemCodes.BackCheckOutcomeUnknown, BackCheckOutcome.All));
        var text = string.IsNullOrWhiteSpace(note) ? null : note.Trim();
        if (text is { Length: > MaxNoteLength })
            problems.Add(Problem.Of("note", ProblemCodes.BackCheckNoteTooLong, MaxNoteLength));
        if (problems.Count > 0)
            return problems;

        await using var command = dataSource.CreateCommand(
            """
            INSERT INTO back_checks (response_id, outcome, note, checked_by, checked_at)
            SELECT r.id, $2, $3, $4, $5 FROM responses r
            WHERE r.id = $1 AND r.provenance = $6 AND r.status = $7
            ON CONFLICT (response_id) DO UPDATE
                SET outcome = EXCLUDED.outcome, note = EXCLUDED.note, checked_by = EXCLUDED.checked_by, checked_at = EXCLUDED.checked_at
            """);
        command.Parameters.Add(new() { Value = responseId });
        command.Parameters.Add(new() { Value = outcome! });
        command.Parameters.Add(new() { Value = (object?)text ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = (object?)checkedBy ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bigint });
        command.Parameters.Add(new() { Value = clock.GetUtcNow() });
        command.Parameters.Add(new() { Value = Provenance.Interviewer });
        command.Parameters.Add(new() { Value = ResponseStatus.Completed });
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1 ? [] : [Problem.Of("responseId", ProblemCodes.BackCheckNotInterview)];
    }
}
