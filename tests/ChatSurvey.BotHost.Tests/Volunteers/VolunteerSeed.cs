using ChatSurvey.BotHost.Accounts;
using ChatSurvey.BotHost.Volunteers;
using ChatSurvey.BotHost.Tests.Pages.Results;
using Npgsql;

namespace ChatSurvey.BotHost.Tests.Volunteers;

/// <summary>
/// Volunteers, coordinators and interviewer ballots seeded as the system would store them: accounts and profiles through
/// the stores (their own tests cover the forms), ballots straight in SQL with provenance <c>interviewer</c>, the volunteer
/// in <c>interviewer_id</c> and the dossier they speak for (the interview page has its own tests).
/// </summary>
internal static class VolunteerSeed
{
    public const string Password = "volunteer-password-1";
    public const string CoordinatorPassword = "coordinator-password-1";

    /// <summary>The rating questions of <c>sipas-sms</c>, in the order <see cref="AddBallotAsync"/> takes ratings.</summary>
    public static readonly string[] Questions = ["E1.S", "E2.S", "E3.S", "E4.S", "E5.S", "OVERALL"];

    private static int _next;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    /// <summary>Creates a volunteer (and its interviewer account) through the store; returns the account id.</summary>
    public static async Task<long> CreateVolunteerAsync(
        NpgsqlDataSource dataSource, string userName, string name, string unit, params string[] agencies)
    {
        var store = new VolunteerStore(dataSource, new AccountStore(dataSource, TimeProvider.System));
        var n = Interlocked.Increment(ref _next);
        var (created, problems) = await store.CreateAsync(
            new NewVolunteer(userName, Password, name, $"09{n:D8}", unit, agencies.Length == 0 ? ["HP-STP"] : agencies), null, Cancel);
        Assert.True(created is not null, string.Join("; ", problems.Select(p => p.English)));
        return created!.AccountId;
    }

    public static async Task CreateCoordinatorAsync(NpgsqlDataSource dataSource, string userName)
    {
        var (account, problems) = await new AccountStore(dataSource, TimeProvider.System).CreateAsync(
            new NewAccount(userName, "Điều phối viên Thành đoàn", AccountRoles.Coordinator, null, CoordinatorPassword), Cancel);
        Assert.True(account is not null, string.Join("; ", problems.Select(p => p.English)));
    }

    /// <summary>A running, published <c>sipas-sms</c> wave with a quota for <paramref name="agencies"/>; returns its id.</summary>
    public static async Task<long> WaveAsync(NpgsqlDataSource dataSource, int seed, params string[] agencies)
    {
        var wave = await ResultsSeed.ScalarAsync<long>(dataSource,
            """
            INSERT INTO waves (name, questionnaire_id, status, results_from, results_to, seed, started_at, published_at)
            SELECT 'Đợt phỏng vấn ' || $1, id, 'running', DATE '2026-01-01', DATE '2026-12-31', $1, now(), now()
            FROM questionnaires WHERE code = 'sipas-sms' ORDER BY version DESC LIMIT 1
            RETURNING id
            """, seed);
        await ResultsSeed.ExecuteAsync(dataSource,
            "INSERT INTO wave_quotas (wave_id, agency_id, target) SELECT $1, id, 30 FROM agencies WHERE code = ANY ($2)",
            wave, agencies.Length == 0 ? new[] { "HP-STP" } : agencies);
        return wave;
    }

    /// <summary>
    /// One completed interview by <paramref name="interviewer"/> at <paramref name="completedAt"/>, for a new dossier of
    /// <paramref name="agency"/>, rated <paramref name="ratings"/> on <see cref="Questions"/> (one value: all of them);
    /// returns the response id.
    /// </summary>
    public static async Task<long> AddBallotAsync(
        NpgsqlDataSource dataSource, long wave, long interviewer, DateTimeOffset completedAt, int[] ratings,
        bool speeder = false, bool straightLiner = false, string agency = "HP-STP")
    {
        var n = Interlocked.Increment(ref _next);
        var conversation = $"iv-{wave}-{n}";
        var id = await ResultsSeed.ScalarAsync<long>(dataSource,
            """
            WITH ag AS (SELECT id FROM agencies WHERE code = $2),
            tx AS (
                INSERT INTO transactions (agency_id, procedure_id, dossier_code, phone, result_date)
                SELECT ag.id, (SELECT id FROM procedures ORDER BY id LIMIT 1), 'IV-HS-' || $3, $4, DATE '2026-02-01'
                FROM ag RETURNING id, agency_id),
            conv AS (
                INSERT INTO conversations (id, channel, agency_id, questionnaire_id)
                SELECT $5, 'interviewer', tx.agency_id, w.questionnaire_id FROM tx, waves w WHERE w.id = $1
                RETURNING id, agency_id, questionnaire_id)
            INSERT INTO responses (conversation_id, wave_id, agency_id, questionnaire_id, channel, status, started_at,
                                   completed_at, provenance, transaction_id, interviewer_id, speeder, straight_liner)
            SELECT conv.id, $1, conv.agency_id, conv.questionnaire_id, 'interviewer', 'completed', $6 - interval '5 minutes',
                   $6, 'interviewer', (SELECT id FROM tx), $7, $8, $9
            FROM conv
            RETURNING id
            """, wave, agency, n.ToString(System.Globalization.CultureInfo.InvariantCulture), $"+8497{n:D7}", conversation,
            completedAt.ToUniversalTime(), interviewer, speeder, straightLiner);
        var values = ratings.Length == 1 ? Enumerable.Repeat(ratings[0], Questions.Length).ToArray() : ratings;
        await ResultsSeed.ExecuteAsync(dataSource,
            """
            INSERT INTO answers (response_id, question_code, kind, rating)
            SELECT $1, q, 'rating', r FROM unnest($2::text[], $3::smallint[]) AS u(q, r)
            """, id, Questions, values.Select(v => (short)v).ToArray());
        return id;
    }
}
