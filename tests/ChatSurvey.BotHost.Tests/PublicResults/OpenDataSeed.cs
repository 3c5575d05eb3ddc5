using System.Globalization;
using ChatSurvey.TestSupport;
using Npgsql;

namespace ChatSurvey.BotHost.Tests.PublicResults;

/// <summary>One seeded answer: a rating (1–5), or a kind without a rating (choice, yes_no, text, skipped, missing, not_applicable).</summary>
internal sealed record SeededAnswer(string QuestionCode, string Kind, int? Rating = null, string? Choice = null, string? Text = null);

/// <summary>One seeded completed (or partial) response, and whether the official figures count it.</summary>
internal sealed record SeededBallot(
    string Conversation, string AgencyCode, string Provenance, string Channel, DateTimeOffset CompletedAt, bool Speeder,
    bool Completed, IReadOnlyList<SeededAnswer> Answers)
{
    /// <summary>A valid ballot under the default exclusions: completed, sampled/interviewer/verified, not a speeder.</summary>
    public bool Valid => Completed && Provenance != "open" && !Speeder;
}

/// <summary>
/// A published, running wave on <c>sipas-full</c> with many ballots of seeded random answers, seeded in SQL with the
/// provenance the system would have set, for the open-data files: four agencies in three blocks (two departments, a
/// ward, a commune with only a few ballots), ratings 1–5 with "không áp dụng" and skipped criteria, the feedback gate
/// (E5 asked only after "yes"), the improvement choice and profile choices, comments holding phone numbers, and what
/// must stay out of the files: open (unverified) ballots, speeders, a partial ballot, a choice answer holding typed text
/// that is not one of the question's options, and an answer to a question the questionnaire does not have. Every
/// dossier and invitation carries a phone. Completion times lie between 1 and 3 April 2026, some just after midnight in
/// Vietnam (still the evening before in UTC).
/// </summary>
internal static class OpenDataSeed
{
    public const string WaveName = "Đợt dữ liệu mở";

    /// <summary>Agency code → kind (its block follows from it).</summary>
    public static readonly (string Code, string Name, string Kind)[] Agencies =
    [
        ("OD-STP", "Sở Tư pháp (mở)", "department"),
        ("OD-SXD", "Sở Xây dựng (mở)", "department"),
        ("OD-PLC", "Phường Lê Chân (mở)", "ward"),
        ("OD-XAL", "Xã An Lão (mở)", "commune"),
    ];

    /// <summary>The text typed in place of an option, stored as a choice (it must never be published).</summary>
    public const string TypedChoice = "Gọi tôi 0987654321 nhé";

    public const string PhoneComment = "Cán bộ tốt, gọi tôi 0912345678 hoặc +84912345678";

    private static readonly string[] Criteria =
        ["E1.C1", "E1.C2", "E1.C3", "E2.C1", "E2.C2", "E2.C3", "E2.C4", "E3.C1", "E3.C2", "E3.C3", "E4.C1", "E4.C2", "E4.C3"];

    private static readonly string[] FeedbackQuestions = ["E5.C1", "E5.C2", "E5.C3", "E5.S"];

    private static readonly string[] Ages = ["18-24", "25-34", "35-44", "45-54", "55-64", "65+"];

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    /// <summary>Seeds the catalogue and the wave (published or not) with its ballots; returns the wave id and the ballots.</summary>
    public static async Task<(long Wave, List<SeededBallot> Ballots)> SeedAsync(
        NpgsqlDataSource dataSource, bool published = true, int ballotsPerAgency = 24, int seed = 13)
    {
        foreach (var (code, name, kind) in Agencies)
        {
            await dataSource.ExecuteAsync(
                "INSERT INTO agencies (code, name, kind) VALUES ($1, $2, $3) ON CONFLICT (code) DO NOTHING", [code, name, kind], Cancel);
        }

        await dataSource.ExecuteAsync(
            "INSERT INTO procedures (code, name, short_name) VALUES ('OD-P1', 'Cấp phiếu lý lịch tư pháp', 'Cap LLTP') ON CONFLICT (code) DO NOTHING",
            [], Cancel);
        var wave = await dataSource.ScalarAsync<long>(
            $"""
            INSERT INTO waves (name, questionnaire_id, status, results_from, results_to, seed, started_at, published_at)
            SELECT $1, id, 'running', DATE '2026-01-01', DATE '2026-03-31', 1, now(), {(published ? "now()" : "NULL")}
            FROM questionnaires WHERE code = 'sipas-full' ORDER BY version DESC LIMIT 1
            RETURNING id
            """, [WaveName], Cancel);
        await dataSource.ExecuteAsync(
            "INSERT INTO wave_quotas (wave_id, agency_id, target) SELECT $1, id, 30 FROM agencies WHERE code LIKE 'OD-%'", [wave], Cancel);

        var random = new Random(seed);
        var ballots = new List<SeededBallot>();
        var start = new DateTimeOffset(2026, 4, 1, 8, 0, 0, TimeSpan.FromHours(7));
        for (var a = 0; a < Agencies.Length; a++)
        {
            var agency = Agencies[a].Code;
            // The commune has few ballots (a low sample); each agency leans to its own level of satisfaction.
            var count = agency == "OD-XAL" ? 5 : ballotsPerAgency;
            var lean = a % 3;
            for (var i = 0; i < count; i++)
            {
                var provenance = (i % 6) switch { 4 => "verified", 5 => "interviewer", _ => "sampled" };
                var at = start.AddMinutes(random.Next(0, 2 * 24 * 60));
                ballots.Add(Ballot(random, wave, agency, provenance, at, lean, speeder: false, completed: true));
            }

            // Never in the files: two open ballots, a sampled speeder and a partial ballot.
            ballots.Add(Ballot(random, wave, agency, "open", start.AddHours(5), lean, speeder: false, completed: true));
            ballots.Add(Ballot(random, wave, agency, "open", start.AddHours(6), lean, speeder: false, completed: true));
            ballots.Add(Ballot(random, wave, agency, "sampled", start.AddHours(7), lean, speeder: true, completed: true));
            ballots.Add(Ballot(random, wave, agency, "sampled", start.AddHours(8), lean, speeder: false, completed: false));
        }

        // Completed at 00:30 on 3 April in Vietnam, 17:30 on 2 April in UTC.
        ballots.Add(Ballot(random, wave, "OD-STP", "sampled", new DateTimeOffset(2026, 4, 2, 17, 30, 0, TimeSpan.Zero), 0, false, true));

        // A valid ballot whose improvement answer is typed text stored as a choice, and which answered a question the
        // questionnaire does not have: neither may be published, its other answers are.
        var odd = Ballot(random, wave, "OD-SXD", "sampled", start.AddHours(9), 1, speeder: false, completed: true);
        odd = odd with
        {
            Answers = [.. odd.Answers.Where(x => x.QuestionCode != "IMPROVE"),
                new SeededAnswer("IMPROVE", "choice", Choice: TypedChoice), new SeededAnswer("X.EXTRA", "choice", Choice: "E1")],
        };
        ballots.Add(odd);

        foreach (var ballot in ballots)
            await InsertAsync(dataSource, wave, ballot);
        return (wave, ballots);
    }

    /// <summary>Adds one more ballot to the wave (e.g. after its figures were frozen).</summary>
    public static async Task<SeededBallot> AddAsync(NpgsqlDataSource dataSource, long wave, string agency, DateTimeOffset completedAt)
    {
        var ballot = Ballot(new Random(99), wave, agency, "sampled", completedAt, 0, speeder: false, completed: true);
        await InsertAsync(dataSource, wave, ballot);
        return ballot;
    }

    /// <summary>The answers the questionnaire's order gives them in (sipas-full's order of questions).</summary>
    public static readonly string[] QuestionOrder =
    [
        "E1.C1", "E1.C2", "E1.C3", "E1.S", "E2.C1", "E2.C2", "E2.C3", "E2.C4", "E2.S", "E3.C1", "E3.C2", "E3.C3", "E3.S",
        "E4.C1", "E4.C2", "E4.C3", "E4.S", "FEEDBACK", "E5.C1", "E5.C2", "E5.C3", "E5.S", "OVERALL", "IMPROVE", "COMMENT",
        "PROFILE.TYPE", "PROFILE.AGE", "PROFILE.GENDER", "PROFILE.SUBMIT",
    ];

    private static int _next;

    private static SeededBallot Ballot(
        Random random, long wave, string agency, string provenance, DateTimeOffset at, int lean, bool speeder, bool completed)
    {
        var n = Interlocked.Increment(ref _next);
        var answers = new List<SeededAnswer>();
        SeededAnswer Rate(string code, bool criterion)
        {
            var roll = random.NextDouble();
            if (criterion && roll < 0.08)
                return new SeededAnswer(code, "not_applicable");
            if (roll < 0.12)
                return new SeededAnswer(code, "skipped");
            // lean 0: mostly 4–5; lean 1: mixed; lean 2: mostly low.
            var rating = lean switch
            {
                0 => random.Next(3, 6),
                1 => random.Next(1, 6),
                _ => random.Next(1, 4) + (random.NextDouble() < 0.2 ? 2 : 0),
            };
            return new SeededAnswer(code, "rating", Rating: rating);
        }

        answers.AddRange(Criteria.Where(c => c.StartsWith("E1", StringComparison.Ordinal)).Select(c => Rate(c, true)));
        answers.Add(Rate("E1.S", false));
        foreach (var element in new[] { "E2", "E3", "E4" })
        {
            answers.AddRange(Criteria.Where(c => c.StartsWith(element, StringComparison.Ordinal)).Select(c => Rate(c, true)));
            answers.Add(Rate(element + ".S", false));
        }

        var feedback = random.NextDouble() < 0.4;
        answers.Add(new SeededAnswer("FEEDBACK", "yes_no", Choice: feedback ? "yes" : "no"));
        if (feedback)
            answers.AddRange(FeedbackQuestions.Select(q => Rate(q, q != "E5.S")));
        answers.Add(Rate("OVERALL", false));
        answers.Add(new SeededAnswer("IMPROVE", "choice", Choice: "E" + random.Next(1, 6).ToString(CultureInfo.InvariantCulture)));
        answers.Add(random.NextDouble() < 0.3
            ? new SeededAnswer("COMMENT", "text", Text: PhoneComment)
            : new SeededAnswer("COMMENT", "skipped"));
        answers.Add(random.NextDouble() < 0.5
            ? new SeededAnswer("PROFILE.AGE", "choice", Choice: Ages[random.Next(Ages.Length)])
            : new SeededAnswer("PROFILE.AGE", "skipped"));
        if (random.NextDouble() < 0.1)
            answers.Add(new SeededAnswer("PROFILE.GENDER", "missing"));
        if (!completed)
            answers.RemoveRange(answers.Count / 2, answers.Count - answers.Count / 2);
        var channel = provenance switch { "sampled" => "sms", "interviewer" => "directline", _ => "webchat" };
        return new SeededBallot($"od-{wave}-{n}", agency, provenance, channel, at, speeder, completed, answers);
    }

    private static async Task InsertAsync(NpgsqlDataSource dataSource, long wave, SeededBallot ballot)
    {
        var n = ballot.Conversation;
        var phone = "+8490" + (Math.Abs(n.GetHashCode(StringComparison.Ordinal)) % 10_000_000).ToString("D7", CultureInfo.InvariantCulture);
        await dataSource.ExecuteAsync(
            """
            WITH ag AS (SELECT id FROM agencies WHERE code = $2),
            tx AS (
                INSERT INTO transactions (agency_id, procedure_id, dossier_code, phone, result_date)
                SELECT ag.id, (SELECT id FROM procedures WHERE code = 'OD-P1'), 'OD-HS-' || $5, $3, DATE '2026-02-01'
                FROM ag WHERE $4 <> 'open'
                RETURNING id, agency_id),
            inv AS (
                INSERT INTO invitations (wave_id, transaction_id, agency_id, phone, code, status, planned_at, sent_at, delivered_at)
                SELECT $1, tx.id, tx.agency_id, $3, 'od' || substr(md5($5), 1, 10), 'delivered', $6, $6, $6 FROM tx WHERE $4 = 'sampled'
                RETURNING id),
            conv AS (
                INSERT INTO conversations (id, channel, invitation_id, agency_id, questionnaire_id)
                SELECT $5, CASE WHEN $7 = 'sms' THEN 'sms' ELSE 'webchat' END, (SELECT id FROM inv), ag.id, w.questionnaire_id
                FROM ag, waves w WHERE w.id = $1
                RETURNING id, invitation_id, agency_id, questionnaire_id)
            INSERT INTO responses (conversation_id, invitation_id, wave_id, agency_id, questionnaire_id, channel, status,
                                   started_at, completed_at, provenance, transaction_id, speeder)
            SELECT conv.id, conv.invitation_id, $1, conv.agency_id, conv.questionnaire_id, $7,
                   CASE WHEN $8 THEN 'completed' ELSE 'partial' END,
                   $6 - interval '10 minutes', CASE WHEN $8 THEN $6 END, $4, (SELECT id FROM tx), $9
            FROM conv
            """,
            [wave, ballot.AgencyCode, phone, ballot.Provenance, n, ballot.CompletedAt.ToUniversalTime(), ballot.Channel, ballot.Completed, ballot.Speeder],
            Cancel);
        await dataSource.ExecuteAsync(
            """
            INSERT INTO answers (response_id, question_code, kind, rating, choice, text_value)
            SELECT r.id, a.code, a.kind, a.rating, a.choice, a.text_value
            FROM responses r,
                 unnest($2::text[], $3::text[], $4::smallint[], $5::text[], $6::text[]) AS a(code, kind, rating, choice, text_value)
            WHERE r.conversation_id = $1
            """,
            [
                n,
                ballot.Answers.Select(x => x.QuestionCode).ToArray(),
                ballot.Answers.Select(x => x.Kind).ToArray(),
                ballot.Answers.Select(x => x.Rating is { } r ? (short?)r : null).ToArray(),
                ballot.Answers.Select(x => x.Choice).ToArray(),
                ballot.Answers.Select(x => x.Text).ToArray(),
            ],
            Cancel);
    }
}
