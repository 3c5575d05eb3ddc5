using ChatSurvey.BotHost.Tests.Pages.Results;
using ChatSurvey.Domain.Statuses;
using Npgsql;

namespace ChatSurvey.BotHost.Tests.PublicResults;

/// <summary>
/// Two reporting blocks, seeded in SQL: a running, published wave on <c>sipas-full</c> with sampled SMS ballots
/// (delivered invitations) for two departments and three wards. Each ballot rates E1.C1 and E2.C1 alike (so every
/// element index equals the agency's), may say "không áp dụng" to E1.C2 and may answer IMPROVE. The hosts that use it
/// set <c>Scoring:MinimumBallots</c> to <see cref="MinimumBallots"/>.
///
///   agency  block        ratings     E1.C2   IMPROVE     index     rank in block
///   BK-D1   department   5 5 2       N/A ×3  E2 E2 E1    66,7 %    2
///   BK-D2   department   5 4 4 1     —       E3 E3 — —   75,0 %    1
///   BK-W1   ward         5 5 5       —       E1 E1 —     100,0 %   1
///   BK-W2   ward         4 2 1       —       —           33,3 %    2
///   BK-W3   ward         5 5         —       —           100,0 %   — (2 ballots, fewer than 3)
///
/// Blocks (mean of their agencies' indices): department (66,7 + 75) / 2 = 70,8 % over 7 ballots; ward
/// (100 + 33,3 + 100) / 3 = 77,8 % over 8 ballots, 3 agencies, 2 ranked. Overall: the mean of the 5 agencies = 75,0 %.
/// Improvements overall: 7 ballots answered — E1 3 (42,9 %), E2 2 (28,6 %), E3 2 (28,6 %); BK-D1: E2 66,7 %, E1 33,3 %.
/// One more ballot, on <c>sipas-sms</c>, is filed for BK-D1 in the wave: another questionnaire version, not counted.
/// </summary>
internal static class BlocksSeed
{
    public const int MinimumBallots = 3;

    public const string WaveName = "Đợt khảo sát theo khối";

    public const string D1 = "BK-D1";
    public const string D1Name = "Sở Xây dựng";
    public const string D2 = "BK-D2";
    public const string D2Name = "Sở Y tế";
    public const string W1 = "BK-W1";
    public const string W1Name = "UBND phường Hồng Bàng";
    public const string W2 = "BK-W2";
    public const string W2Name = "UBND phường Lê Chân";
    public const string W3 = "BK-W3";
    public const string W3Name = "UBND phường Ngô Quyền";

    private static int _next;

    /// <summary>
    /// Seeds the agencies and the wave, started at <paramref name="startedAt"/> (default now: the public page shows the
    /// latest started wave first), with its ballots; returns the wave id. Needs the host started (questionnaires).
    /// </summary>
    public static async Task<long> SeedAsync(NpgsqlDataSource dataSource, DateTimeOffset? startedAt = null)
    {
        await ResultsSeed.ExecuteAsync(dataSource,
            $"""
            INSERT INTO agencies (code, name, kind) VALUES
                ('{D1}', '{D1Name}', '{AgencyKind.Department}'), ('{D2}', '{D2Name}', '{AgencyKind.Department}'),
                ('{W1}', '{W1Name}', '{AgencyKind.Ward}'), ('{W2}', '{W2Name}', '{AgencyKind.Ward}'), ('{W3}', '{W3Name}', '{AgencyKind.Ward}');
            INSERT INTO procedures (code, name, short_name) VALUES ('BK-P1', 'Cấp giấy phép xây dựng', 'Cap GPXD')
            ON CONFLICT (code) DO NOTHING;
            """);
        var wave = await ResultsSeed.ScalarAsync<long>(dataSource,
            """
            INSERT INTO waves (name, questionnaire_id, status, results_from, results_to, seed, started_at, published_at)
            SELECT $1, id, 'running', DATE '2026-01-01', DATE '2026-03-31', 3, $2, now()
            FROM questionnaires WHERE code = 'sipas-full' ORDER BY version DESC LIMIT 1
            RETURNING id
            """, WaveName, (startedAt ?? DateTimeOffset.UtcNow).ToUniversalTime());
        await ResultsSeed.ExecuteAsync(dataSource,
            "INSERT INTO wave_quotas (wave_id, agency_id, target) SELECT $1, id, 30 FROM agencies WHERE code LIKE 'BK-%'", wave);

        foreach (var (rating, improve) in new[] { (5, "E2"), (5, "E2"), (2, "E1") })
            await AddBallotAsync(dataSource, wave, D1, rating, improve, notApplicableE1C2: true);
        foreach (var (rating, improve) in new[] { (5, "E3"), (4, "E3"), (4, (string?)null), (1, null) })
            await AddBallotAsync(dataSource, wave, D2, rating, improve);
        foreach (var (rating, improve) in new[] { (5, "E1"), (5, "E1"), (5, (string?)null) })
            await AddBallotAsync(dataSource, wave, W1, rating, improve);
        foreach (var rating in new[] { 4, 2, 1 })
            await AddBallotAsync(dataSource, wave, W2, rating, null);
        foreach (var rating in new[] { 5, 5 })
            await AddBallotAsync(dataSource, wave, W3, rating, null);
        await AddBallotAsync(dataSource, wave, D1, 1, null, questionnaire: "sipas-sms");
        return wave;
    }

    /// <summary>
    /// One completed sampled SMS ballot (a delivered invitation) rating E1.C1 and E2.C1 <paramref name="rating"/> — on
    /// <c>sipas-sms</c>, its five element questions instead.
    /// </summary>
    public static async Task AddBallotAsync(
        NpgsqlDataSource dataSource, long wave, string agency, int rating, string? improve, bool notApplicableE1C2 = false,
        string questionnaire = "sipas-full")
    {
        var n = Interlocked.Increment(ref _next);
        var phone = $"+8497{n:D7}";
        var conversation = $"bk-{wave}-{n}";
        await ResultsSeed.ExecuteAsync(dataSource,
            """
            WITH ag AS (SELECT id FROM agencies WHERE code = $2),
            tx AS (
                INSERT INTO transactions (agency_id, procedure_id, dossier_code, phone, result_date)
                SELECT ag.id, (SELECT id FROM procedures WHERE code = 'BK-P1'), 'BK-HS-' || $4, $3, DATE '2026-02-01'
                FROM ag RETURNING id, agency_id),
            inv AS (
                INSERT INTO invitations (wave_id, transaction_id, agency_id, phone, code, status, planned_at, sent_at, delivered_at)
                SELECT $1, tx.id, tx.agency_id, $3, 'bk' || $4, 'delivered', now(), now(), now() FROM tx
                RETURNING id, agency_id),
            conv AS (
                INSERT INTO conversations (id, channel, invitation_id, agency_id, questionnaire_id)
                SELECT $5, 'sms', inv.id, inv.agency_id,
                       (SELECT id FROM questionnaires WHERE code = $6 ORDER BY version DESC LIMIT 1) FROM inv
                RETURNING id, invitation_id, agency_id, questionnaire_id)
            INSERT INTO responses (conversation_id, invitation_id, wave_id, agency_id, questionnaire_id, channel, status,
                                   started_at, completed_at, provenance)
            SELECT conv.id, conv.invitation_id, $1, conv.agency_id, conv.questionnaire_id, 'sms', 'completed',
                   now() - interval '5 minutes', now(), 'sampled'
            FROM conv
            """, wave, agency, phone, n.ToString(System.Globalization.CultureInfo.InvariantCulture), conversation, questionnaire);
        string[] rated = questionnaire == "sipas-full" ? ["E1.C1", "E2.C1"] : ["E1.S", "E2.S", "E3.S", "E4.S", "E5.S"];
        await ResultsSeed.ExecuteAsync(dataSource,
            """
            INSERT INTO answers (response_id, question_code, kind, rating)
            SELECT r.id, q, 'rating', $2 FROM responses r, unnest($3::text[]) AS q WHERE r.conversation_id = $1
            """, conversation, (short)rating, rated);
        if (notApplicableE1C2)
        {
            await ResultsSeed.ExecuteAsync(dataSource,
                "INSERT INTO answers (response_id, question_code, kind) SELECT id, 'E1.C2', 'not_applicable' FROM responses WHERE conversation_id = $1",
                conversation);
        }

        if (improve is not null)
        {
            await ResultsSeed.ExecuteAsync(dataSource,
                "INSERT INTO answers (response_id, question_code, kind, choice) SELECT id, 'IMPROVE', 'choice', $2 FROM responses WHERE conversation_id = $1",
                conversation, improve);
        }
    }
}
