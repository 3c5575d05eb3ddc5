using ChatSurvey.BotHost.Tests.Pages.Results;
using Npgsql;

namespace ChatSurvey.BotHost.Tests.PublicResults;

/// <summary>
/// The official-figures scenario, seeded in SQL with the provenance the system would have set: one wave on
/// <c>sipas-sms</c>, one agency (OF-STP), and
///   3 sampled SMS ballots (delivered invitations) rated 4 everywhere,
///   3 invitation-free web ballots rated 1, matched to no dossier (open, unverified), one with a comment,
///   1 verified web ballot (invitation-free, matched to a dossier) rated 5.
/// Valid ballots: 4. Every element: 4 of 4 answers rated 4–5 → 100 %, mean (3 × 4 + 5) / 4 = 4,25; the agency and the
/// wave likewise. Were the open answers counted, it would be 7 ballots and 4 / 7 = 57,1 %.
/// Agency OF-OTHER exists but has no part in the wave.
/// </summary>
internal static class OfficialFiguresSeed
{
    public const string Agency = "OF-STP";
    public const string AgencyName = "Sở Tư pháp (thử)";
    public const string OtherAgency = "OF-OTHER";
    public const string WaveName = "Đợt chính thức quý I";
    public const string OpenComment = "Ý kiến không kèm hồ sơ nào";

    public static readonly string[] Questions = ["E1.S", "E2.S", "E3.S", "E4.S", "E5.S", "OVERALL"];

    private static int _next;

    /// <summary>Seeds the catalogue (once per database) and a wave with the seven ballots; returns the wave id.</summary>
    public static async Task<long> SeedAsync(
        NpgsqlDataSource dataSource, bool published = true, string resultsFrom = "2026-01-01", string resultsTo = "2026-03-31",
        string name = WaveName)
    {
        await ResultsSeed.ExecuteAsync(dataSource,
            $"""
            INSERT INTO agencies (code, name, kind) VALUES ('{Agency}', '{AgencyName}', 'department'), ('{OtherAgency}', 'Sở khác', 'department')
            ON CONFLICT (code) DO NOTHING;
            INSERT INTO procedures (code, name, short_name) VALUES ('OF-P1', 'Cấp phiếu lý lịch tư pháp', 'Cap phieu LLTP')
            ON CONFLICT (code) DO NOTHING;
            """);
        var wave = await ResultsSeed.ScalarAsync<long>(dataSource,
            $"""
            INSERT INTO waves (name, questionnaire_id, status, results_from, results_to, seed, started_at, published_at)
            SELECT $1, id, 'running', DATE '{resultsFrom}', DATE '{resultsTo}', 1, now(), {(published ? "now()" : "NULL")}
            FROM questionnaires WHERE code = 'sipas-sms' ORDER BY version DESC LIMIT 1
            RETURNING id
            """, name);
        await ResultsSeed.ExecuteAsync(dataSource,
            $"INSERT INTO wave_quotas (wave_id, agency_id, target) SELECT {wave}, id, 30 FROM agencies WHERE code = '{Agency}'");

        for (var i = 0; i < 3; i++)
            await AddBallotAsync(dataSource, wave, "sampled", 4, null);
        for (var i = 0; i < 3; i++)
            await AddBallotAsync(dataSource, wave, "open", 1, i == 0 ? OpenComment : null);
        await AddBallotAsync(dataSource, wave, "verified", 5, null);
        return wave;
    }

    /// <summary>
    /// One completed ballot rated <paramref name="rating"/> on every rating question: sampled ones answer a delivered
    /// invitation by SMS, verified ones speak for a dossier without an invitation, open ones have neither.
    /// </summary>
    public static async Task AddBallotAsync(NpgsqlDataSource dataSource, long wave, string provenance, int rating, string? comment)
    {
        var n = Interlocked.Increment(ref _next);
        var phone = $"+8498{n:D7}";
        var conversation = $"of-{wave}-{n}";
        var channel = provenance == "sampled" ? "sms" : "webchat";
        await ResultsSeed.ExecuteAsync(dataSource,
            """
            WITH ag AS (SELECT id FROM agencies WHERE code = $2),
            tx AS (
                INSERT INTO transactions (agency_id, procedure_id, dossier_code, phone, result_date)
                SELECT ag.id, (SELECT id FROM procedures WHERE code = 'OF-P1'), 'OF-HS-' || $5, $3, DATE '2026-02-01'
                FROM ag WHERE $4 IN ('sampled', 'verified')
                RETURNING id, agency_id),
            inv AS (
                INSERT INTO invitations (wave_id, transaction_id, agency_id, phone, code, status, planned_at, sent_at, delivered_at)
                SELECT $1, tx.id, tx.agency_id, $3, 'of' || $5, 'delivered', now(), now(), now() FROM tx WHERE $4 = 'sampled'
                RETURNING id),
            conv AS (
                INSERT INTO conversations (id, channel, invitation_id, agency_id, questionnaire_id)
                SELECT $6, $7, (SELECT id FROM inv), ag.id, w.questionnaire_id FROM ag, waves w WHERE w.id = $1
                RETURNING id, invitation_id, agency_id, questionnaire_id)
            INSERT INTO responses (conversation_id, invitation_id, wave_id, agency_id, questionnaire_id, channel, status,
                                   started_at, completed_at, provenance, transaction_id)
            SELECT conv.id, conv.invitation_id, $1, conv.agency_id, conv.questionnaire_id, $7, 'completed',
                   now() - interval '5 minutes', now(), $4, (SELECT id FROM tx)
            FROM conv
            """, wave, Agency, phone, provenance, n.ToString(System.Globalization.CultureInfo.InvariantCulture), conversation, channel);
        await ResultsSeed.ExecuteAsync(dataSource,
            """
            INSERT INTO answers (response_id, question_code, kind, rating)
            SELECT r.id, q, 'rating', $2 FROM responses r, unnest($3::text[]) AS q WHERE r.conversation_id = $1
            """, conversation, (short)rating, Questions);
        await ResultsSeed.ExecuteAsync(dataSource,
            """
            INSERT INTO answers (response_id, question_code, kind, text_value)
            SELECT r.id, 'COMMENT', CASE WHEN $2::text IS NULL THEN 'skipped' ELSE 'text' END, $2 FROM responses r WHERE r.conversation_id = $1
            """, conversation, (object?)comment ?? DBNull.Value);
    }
}
