using Npgsql;
using NpgsqlTypes;

namespace ChatSurvey.Domain.Scoring;

/// <summary>
/// One free-text comment (the questionnaire's <c>comment</c> question). It carries no respondent data: no phone, no
/// name, no invitation or response id — only when, where, through which channel and from which kind of ballot
/// (<see cref="Provenance"/>, <c>responses.provenance</c>) it came. The text is the citizen's own words and may itself
/// contain personal data; callers that show it redact it first.
/// </summary>
public sealed record CommentItem(
    DateTimeOffset AnsweredAt,
    string AgencyCode,
    string AgencyName,
    string? ProcedureName,
    string Channel,
    string Text,
    string Provenance);

/// <summary>A page of comments, newest first, and how many the filter holds in all.</summary>
public sealed record CommentPage(int Total, IReadOnlyList<CommentItem> Items);

/// <summary>
/// The citizens' comments for a <see cref="ScoreFilter"/> (wave, agency, period and the same ballots as
/// <see cref="ScoringQuery"/>: valid ballots, or the open ones), so the results page and the exports show the comments
/// behind the same figures.
/// A comment is a non-blank text answer to a question whose role is <c>comment</c> in the response's questionnaire.
/// </summary>
public static class CommentsQuery
{
    private const string Matching =
        $$"""
        FROM answers a
        JOIN responses r ON r.id = a.response_id
        JOIN agencies ag ON ag.id = r.agency_id
        JOIN questionnaires qn ON qn.id = r.questionnaire_id
        -- The procedure comes through the ballot's dossier (its own, or its invitation's); an open response has none.
        LEFT JOIN invitations i ON i.id = r.invitation_id
        LEFT JOIN transactions t ON t.id = coalesce(r.transaction_id, i.transaction_id)
        LEFT JOIN procedures p ON p.id = t.procedure_id
        WHERE a.kind = 'text'
          AND length(btrim(a.text_value)) > 0
          AND EXISTS (
              SELECT 1
              FROM jsonb_array_elements(
                  CASE WHEN jsonb_typeof(qn.definition -> 'questions') = 'array' THEN qn.definition -> 'questions' ELSE '[]'::jsonb END
              ) q
              WHERE q ->> 'code' = a.question_code AND q ->> 'role' = 'comment')
          AND (@wave_id IS NULL OR r.wave_id = @wave_id)
          AND (@agency_code IS NULL OR ag.code = @agency_code)
          AND (@period_from IS NULL OR r.completed_at >= @period_from)
          AND (@period_to IS NULL OR r.completed_at < @period_to)
          AND {{Ballots.Predicate}}
        """;

    /// <summary>
    /// The comments of <paramref name="filter"/>, newest first (by answer time), skipping <paramref name="skip"/> and
    /// returning at most <paramref name="take"/>. The procedure is known only for ballots with a dossier.
    /// </summary>
    public static async Task<CommentPage> ListAsync(
        NpgsqlDataSource dataSource, ScoreFilter filter, int skip, int take, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentOutOfRangeException.ThrowIfNegative(skip);
        ArgumentOutOfRangeException.ThrowIfNegative(take);

        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(Command($"SELECT count(*)::integer {Matching}", filter));
        var page = Command(
            $"""
            SELECT a.answered_at, ag.code, ag.name, p.name, r.channel, btrim(a.text_value), r.provenance
            {Matching}
            ORDER BY a.answered_at DESC, a.id DESC
            OFFSET @skip LIMIT @take
            """, filter);
        page.Parameters.Add(new NpgsqlParameter("skip", NpgsqlDbType.Integer) { Value = skip });
        page.Parameters.Add(new NpgsqlParameter("take", NpgsqlDbType.Integer) { Value = take });
        batch.BatchCommands.Add(page);

        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        var total = reader.GetInt32(0);
        await reader.NextResultAsync(cancellationToken);
        var items = new List<CommentItem>();
        while (await reader.ReadAsync(cancellationToken))
        {
            items.Add(new CommentItem(
                reader.GetFieldValue<DateTimeOffset>(0),
                reader.GetString(1),
                reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetString(3),
                reader.GetString(4),
                reader.GetString(5),
                reader.GetString(6)));
        }

        return new CommentPage(total, items);
    }

    private static NpgsqlBatchCommand Command(string sql, ScoreFilter filter)
    {
        var command = new NpgsqlBatchCommand(sql);
        Ballots.AddFilterParameters(command.Parameters, filter);
        return command;
    }
}
