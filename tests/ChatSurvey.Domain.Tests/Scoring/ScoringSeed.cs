using Npgsql;

namespace ChatSurvey.Domain.Tests.Scoring;

/// <summary>
/// Rows for scoring tests, written straight into the tables the way the product's stores leave them. Answer values:
/// "1"–"5" a rating, "-" skipped, "?" missing, "na" không áp dụng, "c:x" the choice x, "t:x" the text x.
/// </summary>
public sealed class ScoringSeed(NpgsqlDataSource dataSource)
{
    public sealed class SeedContext(string tag, long procedure, long questionnaire)
    {
        private int _next;

        public string Tag { get; } = tag;

        public long Procedure { get; } = procedure;

        public long Questionnaire { get; } = questionnaire;

        public int Next() => ++_next;
    }

    public Task<long> InsertWaveAsync(long questionnaire) => ScalarAsync<long>(
        "INSERT INTO waves (name, questionnaire_id, results_from, results_to, seed) VALUES ('W', @q, DATE '2026-10-01', DATE '2026-10-31', 7) RETURNING id",
        ("q", questionnaire));

    public async Task<long> InsertInvitationAsync(SeedContext context, long wave, long agency, string status, DateTimeOffset? deliveredAt)
    {
        var n = context.Next();
        var phone = $"+8491{n:D7}"; // unique within the wave, which is all the schema asks
        var transaction = await ScalarAsync<long>(
            """
            INSERT INTO transactions (agency_id, procedure_id, dossier_code, phone, result_date)
            VALUES (@a, @p, @d, @phone, DATE '2026-09-30') RETURNING id
            """,
            ("a", agency), ("p", context.Procedure), ("d", $"HS-{context.Tag}-{n}"), ("phone", phone));
        return await ScalarAsync<long>(
            """
            INSERT INTO invitations (wave_id, transaction_id, agency_id, phone, code, status, planned_at, delivered_at, created_at)
            VALUES (@w, @t, @a, @phone, @code, @s, @planned, @delivered, @planned) RETURNING id
            """,
            ("w", wave), ("t", transaction), ("a", agency), ("phone", phone), ("code", $"c-{context.Tag}-{n}"), ("s", status),
            ("planned", new DateTimeOffset(2026, 10, 2, 1, 0, 0, TimeSpan.Zero)), ("delivered", deliveredAt));
    }

    public const string Verified = "verified";

    /// <summary>A response to an invitation is sampled; one without is open (unverified).</summary>
    public Task<long> InsertResponseAsync(
        SeedContext context, long wave, long agency, long? invitation, string status, DateTimeOffset at, params (string Code, string Value)[] answers) =>
        InsertResponseAsync(context, wave, agency, invitation, status, at, invitation is null ? "open" : "sampled", answers);

    public Task<long> InsertResponseAsync(
        SeedContext context, long wave, long agency, long? invitation, string status, DateTimeOffset at, string provenance,
        params (string Code, string Value)[] answers) =>
        InsertResponseAsync(context, wave, agency, invitation, status, at, provenance, false, false, answers);

    /// <summary>
    /// One response with its answers. A verified or interviewer ballot speaks for a dossier of its own (a transaction
    /// of the agency), as the schema requires.
    /// </summary>
    public async Task<long> InsertResponseAsync(
        SeedContext context, long wave, long agency, long? invitation, string status, DateTimeOffset at, string provenance,
        bool speeder, bool straightLiner, params (string Code, string Value)[] answers)
    {
        var n = context.Next();
        var conversation = $"conv-{context.Tag}-{n}";
        await ScalarAsync<int>(
            "INSERT INTO conversations (id, channel, agency_id, questionnaire_id) VALUES (@id, 'test', @a, @q) RETURNING 1",
            ("id", conversation), ("a", agency), ("q", context.Questionnaire));
        long? dossier = provenance is Verified or "interviewer"
            ? await ScalarAsync<long>(
                """
                INSERT INTO transactions (agency_id, procedure_id, dossier_code, phone, result_date)
                VALUES (@a, @p, @d, NULL, DATE '2026-09-30') RETURNING id
                """, ("a", agency), ("p", context.Procedure), ("d", $"HS-{context.Tag}-r{n}"))
            : null;
        var response = await ScalarAsync<long>(
            """
            INSERT INTO responses (conversation_id, invitation_id, wave_id, agency_id, questionnaire_id, channel, status, started_at,
                                   completed_at, provenance, transaction_id, speeder, straight_liner)
            VALUES (@conv, @inv, @w, @a, @q, 'sms', @s, @started, @completed, @provenance, @dossier, @speeder, @straight) RETURNING id
            """,
            ("conv", conversation), ("inv", invitation), ("w", wave), ("a", agency), ("q", context.Questionnaire), ("s", status),
            ("started", at.AddMinutes(-10)), ("completed", status == "completed" ? at : null), ("provenance", provenance),
            ("dossier", dossier), ("speeder", speeder), ("straight", straightLiner));
        foreach (var (code, value) in answers)
        {
            var (kind, rating, choice, text) = value switch
            {
                "-" => ("skipped", (short?)null, (string?)null, (string?)null),
                "?" => ("missing", null, null, null),
                "na" => ("not_applicable", null, null, null),
                _ when value.StartsWith("c:", StringComparison.Ordinal) => ("choice", null, value[2..], null),
                _ when value.StartsWith("t:", StringComparison.Ordinal) => ("text", null, null, value[2..]),
                _ => ("rating", short.Parse(value, System.Globalization.CultureInfo.InvariantCulture), null, null),
            };
            await ScalarAsync<int>(
                "INSERT INTO answers (response_id, question_code, kind, rating, choice, text_value) VALUES (@r, @c, @k, @rating, @choice, @text) RETURNING 1",
                ("r", response), ("c", code), ("k", kind), ("rating", rating), ("choice", choice), ("text", text));
        }

        return response;
    }

    public async Task<T> ScalarAsync<T>(string sql, params (string Name, object? Value)[] parameters)
    {
        await using var command = dataSource.CreateCommand(sql);
        foreach (var (name, value) in parameters)
            command.Parameters.Add(new NpgsqlParameter(name, value ?? DBNull.Value));
        return (T)(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken))!;
    }
}
