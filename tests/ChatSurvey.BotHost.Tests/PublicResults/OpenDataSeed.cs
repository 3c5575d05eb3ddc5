using System.Globalization;
using ChatSurvey.TestSupport;
using Npgsql;

namespace ChatSurvey.BotHost.Tests.PublicResults;

/// <summary>One seeded answer: a rating (1–5), or a kind without a rating (choice, yes_no, text, skipped, missing, not_applicable).</summary>
internal sealed record SeededAnswer(string QuestionCode, string Kind, int? Rating = null, string? Choice = null, string? Text = null);

/// <summary>A question of the wave's questionnaire, as the seed reads it from the definition.</summary>
internal sealed record SeededQuestion(
    string Code, string Kind, string Role, string? Element, string? AskIfQuestion, string? AskIfEquals, IReadOnlyList<string> Options,
    bool AllowNotApplicable);

/// <summary>One seeded completed (or partial) response, and whether the official figures count it.</summary>
internal sealed record SeededBallot(
    string Conversation, string AgencyCode, string Provenance, string Channel, DateTimeOffset CompletedAt, bool Speeder,
    bool Completed, IReadOnlyList<SeededAnswer> Answers)
{
    /// <summary>A valid ballot under the default exclusions: completed, sampled/interviewer/verified, not a speeder.</summary>
    public bool Valid => Completed && Provenance != "open" && !Speeder;
}

/// <summary>
/// A published, running wave (on <c>sipas-full</c> unless told otherwise) with many ballots of seeded random answers,
/// seeded in SQL with the provenance the system would have set, for the open-data files: four agencies in three blocks
/// (two departments, a ward, a commune with only a few ballots) and answers drawn for the questionnaire's own
/// questions: ratings 1–5 with "không áp dụng" (where the question allows it) and skipped ones, the yes/no gates (E5
/// asked only after "yes"), the choices (profile ones often skipped), comments holding phone numbers; and what must stay out of the
/// files: open (unverified) ballots, speeders, a partial ballot, a choice answer holding typed text that is not one of
/// the question's options, and an answer to a question the questionnaire does not have. Every dossier and invitation
/// carries a phone, and most dossiers an appointment date (met or missed). Completion times lie between 1 and 3 April
/// 2026, one just after midnight in Vietnam (still the evening before in UTC).
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

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    /// <summary>Seeds the catalogue and the wave (published or not) with its ballots; returns the wave id and the ballots.</summary>
    public static async Task<(long Wave, List<SeededBallot> Ballots)> SeedAsync(
        NpgsqlDataSource dataSource, bool published = true, int ballotsPerAgency = 24, int seed = 13, string questionnaire = "sipas-full")
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
            FROM questionnaires WHERE code = $2 ORDER BY version DESC LIMIT 1
            RETURNING id
            """, [WaveName, questionnaire], Cancel);
        var questions = await QuestionsAsync(dataSource, wave);
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
                ballots.Add(Ballot(questions, random, wave, agency, provenance, at, lean, speeder: false, completed: true));
            }

            // Never in the files: two open ballots, a sampled speeder and a partial ballot.
            ballots.Add(Ballot(questions, random, wave, agency, "open", start.AddHours(5), lean, speeder: false, completed: true));
            ballots.Add(Ballot(questions, random, wave, agency, "open", start.AddHours(6), lean, speeder: false, completed: true));
            ballots.Add(Ballot(questions, random, wave, agency, "sampled", start.AddHours(7), lean, speeder: true, completed: true));
            ballots.Add(Ballot(questions, random, wave, agency, "sampled", start.AddHours(8), lean, speeder: false, completed: false));
        }

        // Completed at 00:30 on 3 April in Vietnam, 17:30 on 2 April in UTC.
        ballots.Add(Ballot(questions, random, wave, "OD-STP", "sampled", new DateTimeOffset(2026, 4, 2, 17, 30, 0, TimeSpan.Zero), 0, false, true));

        // A valid ballot whose improvement answer is typed text stored as a choice, and which answered a question the
        // questionnaire does not have: neither may be published, its other answers are.
        var odd = Ballot(questions, random, wave, "OD-SXD", "sampled", start.AddHours(9), 1, speeder: false, completed: true);
        var typedIn = questions.FirstOrDefault(q => q.Kind == "choice")?.Code ?? "X.TYPED";
        odd = odd with
        {
            Answers = [.. odd.Answers.Where(x => x.QuestionCode != typedIn),
                new SeededAnswer(typedIn, "choice", Choice: TypedChoice), new SeededAnswer("X.EXTRA", "choice", Choice: "E1")],
        };
        ballots.Add(odd);

        foreach (var ballot in ballots)
            await InsertAsync(dataSource, wave, ballot);
        return (wave, ballots);
    }

    /// <summary>Adds one more ballot to the wave (e.g. after its figures were frozen).</summary>
    public static async Task<SeededBallot> AddAsync(NpgsqlDataSource dataSource, long wave, string agency, DateTimeOffset completedAt)
    {
        var ballot = Ballot(await QuestionsAsync(dataSource, wave), new Random(99), wave, agency, "sampled", completedAt, 0, speeder: false, completed: true);
        await InsertAsync(dataSource, wave, ballot);
        return ballot;
    }

    /// <summary>The wave's questionnaire's questions, in its order.</summary>
    public static async Task<List<SeededQuestion>> QuestionsAsync(NpgsqlDataSource dataSource, long wave)
    {
        var questions = new List<SeededQuestion>();
        await using var command = dataSource.CreateCommand(
            """
            SELECT q ->> 'code', q ->> 'kind', q ->> 'role', q ->> 'element', q -> 'askIf' ->> 'question', q -> 'askIf' ->> 'equals',
                   coalesce(ARRAY(SELECT o ->> 'value' FROM jsonb_array_elements(coalesce(q -> 'options', '[]')) o), '{}'),
                   coalesce((q ->> 'allowNotApplicable')::boolean, false)
            FROM waves w JOIN questionnaires qn ON qn.id = w.questionnaire_id,
                 jsonb_array_elements(qn.definition -> 'questions') WITH ORDINALITY AS x(q, ord)
            WHERE w.id = $1
            ORDER BY x.ord
            """);
        command.Parameters.AddWithValue(wave);
        await using var reader = await command.ExecuteReaderAsync(Cancel);
        while (await reader.ReadAsync(Cancel))
        {
            string? Text(int i) => reader.IsDBNull(i) ? null : reader.GetString(i);
            questions.Add(new SeededQuestion(reader.GetString(0), reader.GetString(1), reader.GetString(2), Text(3), Text(4), Text(5),
                reader.GetFieldValue<string[]>(6), reader.GetBoolean(7)));
        }

        return questions;
    }

    private static int _next;

    private static SeededBallot Ballot(
        IReadOnlyList<SeededQuestion> questions, Random random, long wave, string agency, string provenance, DateTimeOffset at,
        int lean, bool speeder, bool completed)
    {
        var n = Interlocked.Increment(ref _next);
        var answers = new List<SeededAnswer>();
        SeededAnswer Rate(string code, bool notApplicable)
        {
            var roll = random.NextDouble();
            if (notApplicable && roll < 0.15)
                return new SeededAnswer(code, "not_applicable");
            if (roll > 0.95)
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

        foreach (var question in questions)
        {
            // A question asked only after an earlier answer (E5 after "yes" to the feedback gate).
            if (question.AskIfQuestion is { } gate && answers.FirstOrDefault(a => a.QuestionCode == gate)?.Choice != question.AskIfEquals)
                continue;
            answers.Add(question.Kind switch
            {
                "rating" => Rate(question.Code, question.AllowNotApplicable),
                "yes_no" => new SeededAnswer(question.Code, "yes_no", Choice: random.NextDouble() < 0.4 ? "yes" : "no"),
                "choice" when question.Role == "profile" && random.NextDouble() < 0.5 => new SeededAnswer(question.Code, "skipped"),
                "choice" when random.NextDouble() < 0.05 => new SeededAnswer(question.Code, "missing"),
                "choice" => new SeededAnswer(question.Code, "choice", Choice: question.Options[random.Next(question.Options.Count)]),
                _ => random.NextDouble() < 0.3
                    ? new SeededAnswer(question.Code, "text", Text: PhoneComment)
                    : new SeededAnswer(question.Code, "skipped"),
            });
        }

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
                INSERT INTO transactions (agency_id, procedure_id, dossier_code, phone, result_date, due_on)
                SELECT ag.id, (SELECT id FROM procedures WHERE code = 'OD-P1'), 'OD-HS-' || $5, $3, DATE '2026-02-01',
                       -- The appointment date: on time, late, or none, by the ballot's number.
                       CASE abs(hashtext($5)) % 3 WHEN 0 THEN DATE '2026-02-03' WHEN 1 THEN DATE '2026-01-28' END
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
