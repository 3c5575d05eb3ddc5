using System.Runtime.CompilerServices;
using System.Text.Json;
using ChatSurvey.Domain.Conversations;
using ChatSurvey.Domain.Questionnaires;
using ChatSurvey.Domain.Scoring;
using Npgsql;
using NpgsqlTypes;

namespace ChatSurvey.BotHost.PublicResults;

/// <summary>
/// One line of <c>answers.csv</c>: one answer of one valid ballot. <see cref="BallotId"/> is the ballot's random
/// <c>responses.public_ballot_id</c> as <see cref="OpenDataQuery.BallotId"/> writes it (never the phone, invitation,
/// conversation or dossier); <see cref="Value"/> is the
/// rating <c>1</c>–<c>5</c>, <see cref="OpenDataQuery.NotApplicable"/>, or the chosen option's value (<c>yes</c>/<c>no</c>
/// for a yes/no question); <see cref="CompletedOn"/> is the day the ballot completed, in Vietnam.
/// </summary>
public sealed record OpenAnswer(
    string BallotId,
    string AgencyCode,
    string Block,
    string QuestionnaireCode,
    int QuestionnaireVersion,
    string QuestionCode,
    string Value,
    string Channel,
    string Provenance,
    DateOnly CompletedOn);

/// <summary>
/// The answers behind a wave's published figures, for the open-data file <c>answers.csv</c> (docs/methodology.md,
/// "Open data"). The ballots are chosen by the one predicate of the figures (<see cref="Ballots"/>, with the filter's
/// flag exclusions and period) among those of the questionnaire version behind the figures; of their answers only what a figure can be computed from is given: ratings and "không
/// áp dụng" (<c>N/A</c>) of rating questions, and the answers of yes/no and choice questions whose value is one of the
/// question's own options (<c>yes</c>/<c>no</c>, an option value of the questionnaire), so no free text can ever appear:
/// never a text answer (comments), never a skipped or missing one. Rows come by ballot id, then in questionnaire order,
/// so their order says nothing about when or where a ballot was cast.
/// </summary>
public sealed class OpenDataQuery(NpgsqlDataSource dataSource)
{
    /// <summary>How a "không áp dụng" answer is written.</summary>
    public const string NotApplicable = "N/A";

    /// <summary>The letters that stand for the hexadecimal digits 0–f in a ballot id, in ascending order.</summary>
    public const string BallotIdLetters = "bcdfghjkmnpqrstv";

    /// <summary>
    /// A ballot id as the file writes it: the UUID in its usual 8-4-4-4-12 layout with <see cref="BallotIdLetters"/> in
    /// place of the hexadecimal digits, so that no id holds a run of digits that looks like a phone number (a plain UUID's
    /// last group is all digits once in a few hundred ballots). The letters are in ascending order, so ids sort as the
    /// UUIDs do.
    /// </summary>
    public static string BallotId(Guid id)
    {
        Span<char> text = stackalloc char[36];
        id.TryFormat(text, out _, "D");
        foreach (ref var c in text)
        {
            if (c != '-')
                c = BallotIdLetters[c <= '9' ? c - '0' : c - 'a' + 10];
        }

        return new string(text);
    }

    private const string Sql =
        $$"""
        SELECT r.public_ballot_id, ag.code, ag.block, qn.code, qn.version, a.question_code,
               CASE a.kind WHEN @rating_answer THEN a.rating::text WHEN @not_applicable_answer THEN @not_applicable ELSE a.choice END,
               r.channel, r.provenance, r.completed_at
        FROM responses r
        JOIN agencies ag ON ag.id = r.agency_id
        JOIN questionnaires qn ON qn.id = r.questionnaire_id
        CROSS JOIN LATERAL jsonb_array_elements(
            CASE WHEN jsonb_typeof(qn.definition -> 'questions') = 'array' THEN qn.definition -> 'questions' ELSE '[]'::jsonb END
        ) WITH ORDINALITY AS q(value, ord)
        JOIN answers a ON a.response_id = r.id AND a.question_code = q.value ->> 'code'
        WHERE r.wave_id = @wave_id
          AND (@agency_code IS NULL OR ag.code = @agency_code)
          AND (@period_from IS NULL OR r.completed_at >= @period_from)
          AND (@period_to IS NULL OR r.completed_at < @period_to)
          AND r.questionnaire_id = @questionnaire_id
          AND {{Ballots.Predicate}}
          -- Profile answers (age group, gender, how the dossier was submitted) are left out: with the agency and the day
          -- they could single a person out in a small commune, and no published figure is made from them.
          AND q.value ->> 'role' IS DISTINCT FROM 'profile'
          AND CASE
                WHEN a.kind = @not_applicable_answer THEN q.value ->> 'kind' IN (@rating_question, @yes_no_question, @choice_question)
                WHEN a.kind = @rating_answer THEN q.value ->> 'kind' = @rating_question
                WHEN a.kind = @yes_no_answer THEN q.value ->> 'kind' = @yes_no_question AND a.choice IN (@yes, @no)
                WHEN a.kind = @choice_answer THEN q.value ->> 'kind' = @choice_question AND EXISTS (
                    SELECT 1
                    FROM jsonb_array_elements(
                        CASE WHEN jsonb_typeof(q.value -> 'options') = 'array' THEN q.value -> 'options' ELSE '[]'::jsonb END) AS o(option)
                    WHERE o.option ->> 'value' = a.choice)
                ELSE FALSE
              END
        ORDER BY r.public_ballot_id, q.ord
        """;

    /// <summary>
    /// The answers of <paramref name="filter"/>'s ballots, streamed in file order: its wave and its questionnaire version
    /// (the one behind the figures) are required. The rows come from one statement, so they are one consistent snapshot
    /// of the ballots.
    /// </summary>
    public async IAsyncEnumerable<OpenAnswer> ReadAsync(
        ScoreFilter filter, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        if (filter.WaveId is null || filter.QuestionnaireId is null)
            throw new ArgumentException("The open data are per wave and questionnaire version: the filter must name both.", nameof(filter));

        await using var command = dataSource.CreateCommand(Sql);
        Ballots.AddFilterParameters(command.Parameters, filter);
        command.Parameters.Add(new NpgsqlParameter("questionnaire_id", NpgsqlDbType.Bigint) { Value = filter.QuestionnaireId.Value });
        Text(command, "rating_answer", RecordedAnswer.StorageName(AnswerKind.Rating));
        Text(command, "yes_no_answer", RecordedAnswer.StorageName(AnswerKind.YesNo));
        Text(command, "choice_answer", RecordedAnswer.StorageName(AnswerKind.Choice));
        Text(command, "not_applicable_answer", RecordedAnswer.StorageName(AnswerKind.NotApplicable));
        Text(command, "rating_question", StorageName(QuestionKind.Rating));
        Text(command, "yes_no_question", StorageName(QuestionKind.YesNo));
        Text(command, "choice_question", StorageName(QuestionKind.Choice));
        Text(command, "not_applicable", NotApplicable);
        Text(command, "yes", RecordedAnswer.Yes);
        Text(command, "no", RecordedAnswer.No);

        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            yield return new OpenAnswer(
                BallotId(reader.GetGuid(0)),
                reader.GetString(1),
                reader.GetString(2),
                reader.GetString(3),
                reader.GetInt32(4),
                reader.GetString(5),
                reader.GetString(6),
                reader.GetString(7),
                reader.GetString(8),
                Domain.Time.VietnamTime.DateOf(reader.GetFieldValue<DateTimeOffset>(9)));
        }
    }

    private static void Text(NpgsqlCommand command, string name, string value) =>
        command.Parameters.Add(new NpgsqlParameter(name, NpgsqlDbType.Text) { Value = value });

    // A question's kind as questionnaire JSON writes it ("rating", "yes_no", "choice"): the enum's own JSON name.
    private static string StorageName(QuestionKind kind) => JsonSerializer.Serialize(kind).Trim('"');
}
