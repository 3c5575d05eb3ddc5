using ChatSurvey.Domain.Statuses;
using Npgsql;

namespace ChatSurvey.Domain.Scoring;

/// <summary>
/// SIPAS indices (docs/methodology.md#indices) computed by one SQL statement over answers ⋈ responses ⋈ the questionnaire
/// definitions. The heavy part is a plain GROUP BY (agency, questionnaire, question) over the answers, the same work
/// as the benchmark floor; a GROUPING SETS aggregate over those few hundred rows then gives, per agency and for all
/// agencies, the valid count, the number of 4–5 ratings and the rating sum of every rating question and every element.
/// The same statement returns response and delivered-invitation counts and the element and question labels. Ratios,
/// means and Wilson intervals are derived in C# from those sums, so the public page and the exports read the same figures.
/// </summary>
public static class ScoringQuery
{
    public const string IndexRule =
        "index = share of valid answers rated 4 (hài lòng) or 5 (rất hài lòng), in percent; valid answers are ratings 1–5 " +
        "(skipped, missing and non-rating answers are not valid), taken from the ballots the report counts (ballotRule: " +
        "official figures count valid ballots only, never partial responses). Criterion index: the answers to that " +
        "criterion. Element index: the answers to its criteria, pooled; " +
        "where the questionnaire asks no criterion for the element (sipas-sms), the answers to its element question. " +
        "mean = average rating (1–5) of the same answers.";

    public const string OverallRule =
        "agency index and overall index = unweighted mean of the element indices that have at least one valid answer " +
        "(the ministry's weights are unpublished); mean = unweighted mean of the same elements' means; count = sum of " +
        "their counts. The overall line pools every agency's answers per element first, then averages the elements. " +
        "The overall satisfaction question is reported beside it (overallQuestion) and is not part of the index.";

    public const string IntervalRule =
        "95% Wilson score interval (z = 1.96), in percent, over the valid answers; for an agency or overall index, " +
        "a mean of k element indices with counts n1…nk, the interval is taken at that index with the effective count " +
        "k² / Σ(1/ni). Answers are treated as independent, so criteria answered by the same person make an interval " +
        "narrower than a per-respondent estimate would.";

    public const string ResponseRateRule =
        "response rate = delivered invitations whose response is completed ÷ delivered invitations; an invitation is " +
        "delivered when its status is 'delivered', it has a delivery time, or it received a response. Ballots that " +
        "came without an invitation (interviews, verified chats) count in responses but not in the rate.";

    public static string LowSampleRule(int minimumCount) =>
        $"lowSample = fewer than {minimumCount} valid answers behind the figure (its count).";

    // One statement, several kinds of rows (see the 'kind' column); unused columns are NULL.
    private const string Sql =
        $$"""
        WITH filtered AS NOT MATERIALIZED (
            SELECT r.id, r.agency_id, r.questionnaire_id, r.status
            FROM responses r
            WHERE (@wave_id IS NULL OR r.wave_id = @wave_id)
              AND (@agency_code IS NULL OR r.agency_id IN (SELECT a.id FROM agencies a WHERE a.code = @agency_code))
              AND (@period_from IS NULL OR r.completed_at >= @period_from)
              AND (@period_to IS NULL OR r.completed_at < @period_to)
              AND {{Ballots.Predicate}}
        ),
        used_questionnaire AS MATERIALIZED (
            SELECT qn.id, qn.definition
            FROM questionnaires qn
            WHERE qn.id IN (SELECT f.questionnaire_id FROM filtered f)
        ),
        question AS MATERIALIZED (
            SELECT uq.id AS questionnaire_id, q.ord, q.value ->> 'code' AS code, q.value ->> 'role' AS role,
                   q.value ->> 'element' AS element, coalesce(q.value ->> 'text', q.value ->> 'code') AS text
            FROM used_questionnaire uq
            CROSS JOIN LATERAL jsonb_array_elements(
                CASE WHEN jsonb_typeof(uq.definition -> 'questions') = 'array' THEN uq.definition -> 'questions' ELSE '[]'::jsonb END
            ) WITH ORDINALITY AS q(value, ord)
            WHERE q.value ->> 'kind' = 'rating'
              AND q.value ->> 'role' IN ('criterion', 'element', 'overall')
        ),
        scored_question AS MATERIALIZED (
            SELECT q.*,
                   (q.role = 'criterion' OR (q.role = 'element' AND NOT EXISTS (
                        SELECT 1 FROM question c
                        WHERE c.questionnaire_id = q.questionnaire_id AND c.role = 'criterion' AND c.element = q.element)))
                   AS builds_element
            FROM question q
        ),
        -- The heavy part is one plain GROUP BY over answers ⋈ responses; everything after it works on a few hundred rows.
        per_question AS MATERIALIZED (
            SELECT f.agency_id, f.questionnaire_id, a.question_code,
                   count(*) AS valid, count(*) FILTER (WHERE a.rating >= 4) AS satisfied, sum(a.rating) AS rating_sum
            FROM answers a
            JOIN filtered f ON f.id = a.response_id
            WHERE a.kind = 'rating' -- the schema guarantees a rating 1..5 exactly when kind = 'rating'
            GROUP BY f.agency_id, f.questionnaire_id, a.question_code
        ),
        answer_stats AS (
            SELECT GROUPING(agency_id) AS all_agencies, GROUPING(question_code) AS by_element,
                   agency_id, question_code, element_key,
                   sum(valid)::bigint AS valid, sum(satisfied)::bigint AS satisfied, sum(rating_sum)::bigint AS rating_sum
            FROM (
                SELECT p.*, CASE WHEN s.builds_element THEN s.element END AS element_key
                FROM per_question p
                JOIN scored_question s ON s.questionnaire_id = p.questionnaire_id AND s.code = p.question_code
            ) x
            GROUP BY GROUPING SETS ((agency_id, question_code), (question_code), (agency_id, element_key), (element_key))
        ),
        element_def AS (
            SELECT DISTINCT ON (e.value ->> 'code')
                   e.value ->> 'code' AS code, coalesce(e.value ->> 'name', e.value ->> 'code') AS name, e.ord
            FROM used_questionnaire uq
            CROSS JOIN LATERAL jsonb_array_elements(
                CASE WHEN jsonb_typeof(uq.definition -> 'elements') = 'array' THEN uq.definition -> 'elements' ELSE '[]'::jsonb END
            ) WITH ORDINALITY AS e(value, ord)
            ORDER BY e.value ->> 'code', uq.id DESC
        ),
        element_basis AS (
            SELECT element, bool_or(role = 'criterion') AS by_criteria, bool_or(role = 'element' AND builds_element) AS by_question
            FROM scored_question
            WHERE element IS NOT NULL
            GROUP BY element
        ),
        question_def AS (
            SELECT DISTINCT ON (code) code, role, element, text, ord
            FROM scored_question
            ORDER BY code, questionnaire_id DESC
        ),
        response_stats AS (
            SELECT GROUPING(agency_id) AS all_agencies, agency_id, count(*) AS ballots
            FROM filtered
            GROUP BY ROLLUP (agency_id)
        ),
        invitation_stats AS (
            SELECT GROUPING(i.agency_id) AS all_agencies, i.agency_id,
                   count(*) AS delivered,
                   count(*) FILTER (WHERE r.status = '{{ResponseStatus.Completed}}') AS completed
            FROM invitations i
            LEFT JOIN responses r ON r.invitation_id = i.id
            WHERE NOT @open_ballots -- open answers have no invitation, so no response rate
              AND (@wave_id IS NULL OR i.wave_id = @wave_id)
              AND (@agency_code IS NULL OR i.agency_id IN (SELECT a.id FROM agencies a WHERE a.code = @agency_code))
              AND (i.status = '{{InvitationStatus.Delivered}}' OR i.delivered_at IS NOT NULL OR r.id IS NOT NULL)
              AND (@period_from IS NULL OR coalesce(i.delivered_at, i.sent_at, i.created_at) >= @period_from)
              AND (@period_to IS NULL OR coalesce(i.delivered_at, i.sent_at, i.created_at) < @period_to)
            GROUP BY ROLLUP (i.agency_id)
        )
        SELECT 'question'::text AS kind, s.all_agencies = 1 AS all_agencies, s.agency_id, s.question_code AS code,
               NULL::text AS label, NULL::text AS extra, NULL::bigint AS ord,
               s.valid AS n1, s.satisfied AS n2, s.rating_sum AS n3
        FROM answer_stats s
        WHERE s.by_element = 0
        UNION ALL
        SELECT 'element', s.all_agencies = 1, s.agency_id, s.element_key, NULL, NULL, NULL, s.valid, s.satisfied, s.rating_sum
        FROM answer_stats s
        WHERE s.by_element = 1 AND s.element_key IS NOT NULL
        UNION ALL
        SELECT 'element_def', TRUE, NULL, d.code, d.name,
               CASE WHEN b.by_criteria AND b.by_question THEN 'mixed'
                    WHEN b.by_criteria THEN 'criteria'
                    WHEN b.by_question THEN 'element_question'
                    ELSE 'none' END,
               d.ord, NULL, NULL, NULL
        FROM element_def d
        LEFT JOIN element_basis b ON b.element = d.code
        UNION ALL
        SELECT 'question_def', TRUE, NULL, q.code, q.text, q.role || '|' || coalesce(q.element, ''), q.ord, NULL, NULL, NULL
        FROM question_def q
        UNION ALL
        SELECT 'responses', r.all_agencies = 1, r.agency_id, NULL, NULL, NULL, NULL, r.ballots, NULL, NULL
        FROM response_stats r
        UNION ALL
        SELECT 'invitations', i.all_agencies = 1, i.agency_id, NULL, NULL, NULL, NULL, i.delivered, i.completed, NULL
        FROM invitation_stats i
        UNION ALL
        SELECT 'agency', FALSE, a.id, a.code, a.name, NULL, NULL, NULL, NULL, NULL
        FROM agencies a
        WHERE a.id IN (SELECT agency_id FROM response_stats UNION SELECT agency_id FROM invitation_stats)
        """;

    /// <summary>
    /// Computes the report for <paramref name="filter"/>. Agencies with a response or a delivered invitation in the
    /// filter are listed, ordered by code. Throws <see cref="ArgumentException"/> for an invalid filter.
    /// </summary>
    public static async Task<ScoreReport> RunAsync(
        NpgsqlDataSource dataSource, ScoreFilter filter, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        Validate(filter);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await RunAsync(connection, filter, cancellationToken);
    }

    /// <summary>
    /// The same on an open connection, inside whatever transaction it holds (freezing a wave's final figures reads them
    /// and their ballot checksum in one snapshot).
    /// </summary>
    public static async Task<ScoreReport> RunAsync(
        NpgsqlConnection connection, ScoreFilter filter, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        Validate(filter);

        await using var command = new NpgsqlCommand(Sql, connection);
        Ballots.AddFilterParameters(command.Parameters, filter);

        var rows = new ScoreRows();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
                rows.Add(reader);
        }

        return rows.ToReport(filter);
    }

    private static void Validate(ScoreFilter filter)
    {
        ArgumentNullException.ThrowIfNull(filter);
        if (filter.MinimumCount < 0)
            throw new ArgumentException($"MinimumCount must not be negative (was {filter.MinimumCount}).", nameof(filter));
        if (filter.From is { } from && filter.To is { } to && from >= to)
            throw new ArgumentException($"From ({from:O}) must be before To ({to:O}).", nameof(filter));
    }


    /// <summary>Counts behind one figure: valid answers, of which rated 4 or 5, and the sum of the ratings.</summary>
    private readonly record struct Tally(long Valid, long Satisfied, long RatingSum);

    private sealed record ElementDef(string Code, string Name, ElementBasis Basis, long Order);

    private sealed record QuestionDef(string Code, string Text, string Role, string? Element, long Order);

    private sealed class ScoreRows
    {
        // Key agency id 0 stands for "all agencies" (identity ids start at 1).
        private readonly Dictionary<(long Agency, string Code), Tally> _questions = [];
        private readonly Dictionary<(long Agency, string Code), Tally> _elements = [];
        private readonly Dictionary<long, long> _responses = [];
        private readonly Dictionary<long, (long Delivered, long Completed)> _invitations = [];
        private readonly List<ElementDef> _elementDefs = [];
        private readonly List<QuestionDef> _questionDefs = [];
        private readonly List<(long Id, string Code, string Name)> _agencies = [];

        public void Add(NpgsqlDataReader reader)
        {
            var kind = reader.GetString(0);
            var agency = reader.GetBoolean(1) ? 0 : reader.IsDBNull(2) ? 0 : reader.GetInt64(2);
            string? Text(int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);
            long Number(int ordinal) => reader.IsDBNull(ordinal) ? 0 : reader.GetInt64(ordinal);

            switch (kind)
            {
                case "question":
                    _questions[(agency, reader.GetString(3))] = new Tally(Number(7), Number(8), Number(9));
                    break;
                case "element":
                    _elements[(agency, reader.GetString(3))] = new Tally(Number(7), Number(8), Number(9));
                    break;
                case "element_def":
                    _elementDefs.Add(new ElementDef(reader.GetString(3), Text(4) ?? reader.GetString(3), ParseBasis(Text(5)), Number(6)));
                    break;
                case "question_def":
                    var roleAndElement = (Text(5) ?? "|").Split('|', 2);
                    _questionDefs.Add(new QuestionDef(reader.GetString(3), Text(4) ?? reader.GetString(3), roleAndElement[0],
                        roleAndElement[1].Length == 0 ? null : roleAndElement[1], Number(6)));
                    break;
                case "responses":
                    _responses[agency] = Number(7);
                    break;
                case "invitations":
                    _invitations[agency] = (Number(7), Number(8));
                    break;
                case "agency":
                    _agencies.Add((agency, reader.GetString(3), Text(4) ?? reader.GetString(3)));
                    break;
                default:
                    throw new InvalidOperationException($"Unexpected scoring row kind '{kind}'.");
            }
        }

        public ScoreReport ToReport(ScoreFilter filter)
        {
            var minimum = filter.MinimumCount;
            var elementDefs = ElementCatalogue();
            var agencies = _agencies
                .OrderBy(a => a.Code, StringComparer.Ordinal)
                .Select(a =>
                {
                    var line = Line(a.Id, elementDefs, minimum);
                    return new AgencyScore(a.Code, a.Name, line.Responses, line.Index, line.Mean, line.CiLow,
                        line.CiHigh, line.Count, line.LowSample, line.Delivered, line.ResponseRate, line.Elements, line.OverallQuestion);
                })
                .ToList();

            var all = Line(0, elementDefs, minimum);
            var overall = new OverallScore(all.Responses, all.Index, all.Mean, all.CiLow, all.CiHigh, all.Count,
                all.LowSample, all.Delivered, all.ResponseRate, all.Elements, all.OverallQuestion);

            return new ScoreReport(agencies, overall, minimum, IndexRule, OverallRule, IntervalRule, LowSampleRule(minimum), ResponseRateRule,
                filter.Ballots, Ballots.ExcludedFlags(filter), Ballots.Rule(filter));
        }

        // Declared elements in questionnaire order, plus any element that has answers but no declaration (kept, not lost).
        private List<ElementDef> ElementCatalogue()
        {
            var defs = _elementDefs.OrderBy(e => e.Order).ThenBy(e => e.Code, StringComparer.Ordinal).ToList();
            var undeclared = _elements.Keys.Select(k => k.Code)
                .Concat(_questionDefs.Where(q => q.Element is not null).Select(q => q.Element!))
                .Distinct(StringComparer.Ordinal)
                .Where(code => defs.All(d => d.Code != code))
                .Order(StringComparer.Ordinal)
                .Select(code => new ElementDef(code, code, ElementBasis.None, long.MaxValue));
            defs.AddRange(undeclared);
            return defs;
        }

        private sealed record LineFigures(
            int Responses, double? Index, double? Mean, double? CiLow, double? CiHigh, int Count, bool LowSample,
            int Delivered, double? ResponseRate, IReadOnlyList<ElementScore> Elements, QuestionScore? OverallQuestion);

        private LineFigures Line(long agency, List<ElementDef> elementDefs, int minimum)
        {
            var elements = elementDefs.Select(def => Element(agency, def, minimum)).ToList();
            var combined = Combine(elements, minimum);
            var ballots = _responses.GetValueOrDefault(agency);
            var (delivered, respondedCompleted) = _invitations.GetValueOrDefault(agency);
            double? rate = delivered == 0 ? null : (double)respondedCompleted / delivered;
            var overallQuestion = _questionDefs
                .Where(q => q.Role == "overall")
                .OrderBy(q => q.Order)
                .Select(q => Question(agency, q, minimum))
                .FirstOrDefault();

            return new LineFigures(checked((int)ballots), combined.Index, combined.Mean, combined.CiLow,
                combined.CiHigh, combined.Count, combined.LowSample, checked((int)delivered), rate, elements, overallQuestion);
        }

        private ElementScore Element(long agency, ElementDef def, int minimum)
        {
            var tally = _elements.GetValueOrDefault((agency, def.Code));
            var figure = Figure(tally, minimum);
            var criteria = _questionDefs
                .Where(q => q.Role == "criterion" && q.Element == def.Code)
                .OrderBy(q => q.Order)
                .Select(q =>
                {
                    var f = Figure(_questions.GetValueOrDefault((agency, q.Code)), minimum);
                    return new CriterionScore(q.Code, q.Text, f.Index, f.Mean, f.CiLow, f.CiHigh, f.Count, f.LowSample);
                })
                .ToList();
            var elementQuestion = _questionDefs
                .Where(q => q.Role == "element" && q.Element == def.Code)
                .OrderBy(q => q.Order)
                .Select(q => Question(agency, q, minimum))
                .FirstOrDefault();
            return new ElementScore(def.Code, def.Name, def.Basis, figure.Index, figure.Mean, figure.CiLow, figure.CiHigh,
                figure.Count, figure.LowSample, criteria, elementQuestion);
        }

        private QuestionScore Question(long agency, QuestionDef def, int minimum)
        {
            var f = Figure(_questions.GetValueOrDefault((agency, def.Code)), minimum);
            return new QuestionScore(def.Code, def.Text, f.Index, f.Mean, f.CiLow, f.CiHigh, f.Count, f.LowSample);
        }
    }

    private readonly record struct Figures(double? Index, double? Mean, double? CiLow, double? CiHigh, int Count, bool LowSample);

    private static Figures Figure(Tally tally, int minimum)
    {
        var count = checked((int)tally.Valid);
        if (count == 0)
            return new Figures(null, null, null, null, 0, minimum > 0);
        var interval = Wilson.Interval(tally.Satisfied, tally.Valid);
        return new Figures(100.0 * tally.Satisfied / tally.Valid, (double)tally.RatingSum / tally.Valid,
            interval.Low, interval.High, count, count < minimum);
    }

    // Agency and overall lines: the unweighted mean of the element indices (OverallRule), interval at the effective count.
    private static Figures Combine(IReadOnlyList<ElementScore> elements, int minimum)
    {
        var scored = elements.Where(e => e.Count > 0).ToList();
        if (scored.Count == 0)
            return new Figures(null, null, null, null, 0, minimum > 0);
        var index = scored.Average(e => e.Index!.Value);
        var mean = scored.Average(e => e.Mean!.Value);
        var count = scored.Sum(e => e.Count);
        var effectiveCount = scored.Count * (double)scored.Count / scored.Sum(e => 1.0 / e.Count);
        var interval = Wilson.Interval(Math.Clamp(index / 100, 0, 1), effectiveCount);
        return new Figures(index, mean, interval.Low, interval.High, count, count < minimum);
    }

    private static ElementBasis ParseBasis(string? value) => value switch
    {
        "criteria" => ElementBasis.Criteria,
        "element_question" => ElementBasis.ElementQuestion,
        "mixed" => ElementBasis.Mixed,
        _ => ElementBasis.None,
    };
}
