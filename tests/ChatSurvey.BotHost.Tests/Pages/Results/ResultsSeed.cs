using Npgsql;

namespace ChatSurvey.BotHost.Tests.Pages.Results;

/// <summary>
/// Results seeded straight in SQL (the engine has its own tests): a running, published wave on <c>sipas-full</c> with
/// completed SMS responses to delivered invitations (valid ballots). Hand-computed figures (ratings 4–5 count as satisfied):
///
///   resp  agency  E1.C1 E1.C2 E2.C1  comment
///   1     A1        5     4     3    "Cán bộ hướng dẫn nhiệt tình, có gì gọi tôi 0912 345 678"
///   2     A1        4     2     5    "Phòng chờ hơi chật."
///   3     A1        2     1     4    —
///   4     A2        5     5     5    "Rất hài lòng với cách phục vụ."
///   5     A2        4     3     2    —
///
/// A1: E1.C1 2/3 = 66,7 %; E1.C2 1/3 = 33,3 %; E1 (mean of its criteria) 50,0 %, mean 3,00; E2 = E2.C1 2/3 = 66,7 %,
///     mean 4,00; index (50 + 66,7) / 2 = 58,3 %, mean 3,50.
/// A2: E1.C1 2/2, E1.C2 1/2 → E1 75,0 %; E2 1/2 = 50,0 %; index 62,5 %.  Ranking: A2 before A1.
/// Whole wave: each figure the mean of the agencies' (E1 (50 + 75) / 2 = 62,5 %).
/// </summary>
internal static class ResultsSeed
{
    public const string AgencyA1 = "A1";
    public const string AgencyA1Name = "Sở Tư pháp";
    public const string AgencyA2 = "A2";
    public const string AgencyA2Name = "UBND quận Lê Chân";
    public const string WaveName = "Đợt khảo sát quý I/2026";

    public static readonly string[] Phones = ["+84912345601", "+84912345602", "+84912345603", "+84912345604", "+84912345605"];

    public static readonly string[] Comments =
    [
        "Cán bộ hướng dẫn nhiệt tình, có gì gọi tôi 0912 345 678",
        "Phòng chờ hơi chật.",
        "Rất hài lòng với cách phục vụ.",
    ];

    /// <summary>The phone written inside comment 1, which must never be shown as typed.</summary>
    public const string PhoneInComment = "0912 345 678";

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    /// <summary>Seeds the catalogue, the wave and the five responses; returns the wave id. Needs the host started (questionnaires).</summary>
    public static async Task<long> SeedAsync(NpgsqlDataSource dataSource)
    {
        await ExecuteAsync(dataSource,
            $"""
            INSERT INTO agencies (code, name, kind) VALUES ('{AgencyA1}', '{AgencyA1Name}', 'department'), ('{AgencyA2}', '{AgencyA2Name}', 'district');
            INSERT INTO procedures (code, name, short_name) VALUES ('P1', 'Đăng ký khai sinh', 'Dang ky khai sinh');
            """);
        var wave = await ScalarAsync<long>(dataSource,
            """
            INSERT INTO waves (name, questionnaire_id, status, results_from, results_to, seed, started_at, published_at)
            SELECT $1, id, 'running', DATE '2026-01-01', DATE '2026-03-31', 1, now(), now()
            FROM questionnaires WHERE code = 'sipas-full' ORDER BY version DESC LIMIT 1
            RETURNING id
            """, WaveName);
        await ExecuteAsync(dataSource,
            """
            INSERT INTO wave_quotas (wave_id, agency_id, target) SELECT $1, id, 10 FROM agencies WHERE code IN ('A1', 'A2')
            """, wave);
        // A draft created later must not become the default wave.
        await ExecuteAsync(dataSource,
            """
            INSERT INTO waves (name, questionnaire_id, status, results_from, results_to, seed)
            SELECT 'Đợt nháp', id, 'draft', DATE '2026-04-01', DATE '2026-06-30', 2 FROM questionnaires WHERE code = 'sipas-full' LIMIT 1
            """);

        var start = new DateTimeOffset(2026, 4, 2, 9, 0, 0, TimeSpan.FromHours(7));
        await AddResponseAsync(dataSource, wave, AgencyA1, Phones[0], 5, 4, 3, Comments[0], start);
        await AddResponseAsync(dataSource, wave, AgencyA1, Phones[1], 4, 2, 5, Comments[1], start.AddHours(1));
        await AddResponseAsync(dataSource, wave, AgencyA1, Phones[2], 2, 1, 4, null, start.AddHours(2));
        await AddResponseAsync(dataSource, wave, AgencyA2, Phones[3], 5, 5, 5, Comments[2], start.AddHours(3));
        await AddResponseAsync(dataSource, wave, AgencyA2, Phones[4], 4, 3, 2, null, start.AddHours(4));
        return wave;
    }

    /// <summary>One completed SMS response to a delivered invitation, with three criterion ratings and an optional comment.</summary>
    public static async Task AddResponseAsync(
        NpgsqlDataSource dataSource, long wave, string agency, string phone, int e1c1, int e1c2, int e2c1, string? comment,
        DateTimeOffset at)
    {
        var conversation = "conv-" + phone.TrimStart('+');
        await ExecuteAsync(dataSource,
            """
            WITH ag AS (SELECT id FROM agencies WHERE code = $2),
            tx AS (
                INSERT INTO transactions (agency_id, procedure_id, dossier_code, phone, result_date, applicant_name)
                SELECT ag.id, (SELECT id FROM procedures WHERE code = 'P1'), 'HS-' || $3, $3, DATE '2026-02-01', 'Nguyễn Văn Bí Mật'
                FROM ag RETURNING id, agency_id),
            inv AS (
                INSERT INTO invitations (wave_id, transaction_id, agency_id, phone, code, status, planned_at, sent_at, delivered_at)
                SELECT $1, tx.id, tx.agency_id, $3, 'c' || substr(md5($3), 1, 10), 'delivered', $4, $4, $4 FROM tx
                RETURNING id, agency_id),
            conv AS (
                INSERT INTO conversations (id, channel, invitation_id, agency_id, questionnaire_id)
                SELECT $5, 'sms', inv.id, inv.agency_id, w.questionnaire_id FROM inv, waves w WHERE w.id = $1
                RETURNING id, invitation_id, agency_id, questionnaire_id)
            INSERT INTO responses (conversation_id, invitation_id, wave_id, agency_id, questionnaire_id, channel, status, started_at, completed_at, provenance)
            SELECT conv.id, conv.invitation_id, $1, conv.agency_id, conv.questionnaire_id, 'sms', 'completed', $4, $4,
                   CASE WHEN conv.invitation_id IS NULL THEN 'open' ELSE 'sampled' END FROM conv
            """, wave, agency, phone, at.ToUniversalTime(), conversation);
        await ExecuteAsync(dataSource,
            """
            INSERT INTO answers (response_id, question_code, kind, rating, text_value, answered_at)
            SELECT r.id, a.code, a.kind, a.rating, a.text_value, $2
            FROM responses r,
                 (VALUES ('E1.C1', 'rating', $3::smallint, NULL::text), ('E1.C2', 'rating', $4, NULL), ('E2.C1', 'rating', $5, NULL),
                         ('COMMENT', CASE WHEN $6::text IS NULL THEN 'skipped' ELSE 'text' END, NULL, $6)) AS a(code, kind, rating, text_value)
            WHERE r.conversation_id = $1
            """, conversation, at.ToUniversalTime(), (short)e1c1, (short)e1c2, (short)e2c1, (object?)comment ?? DBNull.Value);
    }

    public static async Task ExecuteAsync(NpgsqlDataSource dataSource, string sql, params object[] parameters)
    {
        await using var command = dataSource.CreateCommand(sql);
        foreach (var parameter in parameters)
            command.Parameters.AddWithValue(parameter);
        await command.ExecuteNonQueryAsync(Cancel);
    }

    public static async Task<T> ScalarAsync<T>(NpgsqlDataSource dataSource, string sql, params object[] parameters)
    {
        await using var command = dataSource.CreateCommand(sql);
        foreach (var parameter in parameters)
            command.Parameters.AddWithValue(parameter);
        return (T)(await command.ExecuteScalarAsync(Cancel))!;
    }
}
