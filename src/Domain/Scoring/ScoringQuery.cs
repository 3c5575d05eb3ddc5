using ChatSurvey.Domain.Questionnaires;
using ChatSurvey.Domain.Statuses;
using Npgsql;
using NpgsqlTypes;

namespace ChatSurvey.Domain.Scoring;

/// <summary>
/// SIPAS indices (docs/methodology.md#indices) from one SQL statement and arithmetic in C#. The statement picks the one
/// questionnaire version behind the figures, then returns each valid ballot's scored answers as two short arrays
/// (question position, value: 1–5, 0 for "không áp dụng") and its choices (question position, option), read together
/// from its answers (one index look-up per ballot), ballot and delivered invitation counts, and the agencies. Figures,
/// their clustered intervals (<see cref="Estimate"/>) and the improvement counts are derived here from the ballots, so
/// the public page, the API, the exports and the final snapshot read the same figures.
/// </summary>
public static class ScoringQuery
{
    public const string IndexRule =
        "criterion index = share of the criterion's valid answers rated 4 (hài lòng) or 5 (rất hài lòng), in percent; valid " +
        "answers are ratings 1–5 from the ballots the report counts (ballotRule). \"Không áp dụng\" (notApplicable), skipped " +
        "and missing answers are not valid answers: they leave the denominator and are counted apart. mean = average " +
        "rating (1–5) of the same answers. Every figure comes from one questionnaire version (questionnaire): criteria " +
        "are never pooled across versions.";

    public const string ElementRuleText =
        "element index: as the questionnaire version's scoring.element says (each element's rule) — meanOfCriteria (the " +
        "default) = the unweighted mean of its criteria's indices, over the criteria with a valid answer; pooledAnswers = " +
        "the share of all its criteria's valid answers rated 4–5; an element the questionnaire asks no criterion for " +
        "(sipas-sms) takes its element question (elementQuestion). Element satisfaction questions asked beside criteria " +
        "are reported (elementQuestion) and are not part of the index. mean combines the means the same way.";

    public const string AgencyRuleText =
        "agency index: as the questionnaire version's scoring.agency says — meanOfElements (the default) = the unweighted " +
        "mean of its element indices, over the elements with a valid answer; weightedElements = their mean weighted by " +
        "scoring.weights. The overall satisfaction question is reported beside it (overallQuestion) and is not part of the index.";

    public const string BlockRule =
        "block index = the unweighted mean of the indices of the block's agencies that have one (every unit counts " +
        "equally, whatever its number of ballots); ballots = the sum of their ballots.";

    public const string OverallRule =
        "overall line = the unweighted mean of the agencies' figures, figure by figure (index, each element, each criterion, " +
        "each question), over the agencies that have that figure; counts are summed.";

    public const string IntervalRule =
        "95% intervals, in percent. A single question (a criterion, an element or overall question): the Wilson score " +
        "interval over its valid answers (one per ballot). An element, agency, block or overall index combines several " +
        "answers of each respondent, which are not independent: its variance is linearised over ballots (Taylor series: " +
        "each ballot's influence d = its answers' deviations from the criterion indices, weighted as the index combines " +
        "them; variance = n/(n−1)·Σd²), a block's or the overall line's is the sum of its agencies' variances over k², and " +
        "the interval is Wilson's at the effective number of ballots p(1−p)/variance (bounded by the valid answers; the " +
        "number of ballots when every answer is on the same side). No resampling: the figure is exactly reproducible.";

    public const string RankRule =
        "blockRank = rank within the agency's block by index, highest first, over the agencies with an index and at least " +
        "minimumCount ballots (others are not ranked: null); agencies whose indices round to the same 0.01 share a rank. " +
        "A report filtered to one agency ranks nobody; one agency's view of a whole report keeps the agency's rank.";

    public const string ResponseRateRule =
        "response rate = delivered invitations whose response is completed ÷ delivered invitations; an invitation is " +
        "delivered when its status is 'delivered', it has a delivery time, or it received a response. Ballots that " +
        "came without an invitation (interviews, verified chats) count in responses but not in the rate.";

    public const string ImprovementRule =
        "improvements = the answers to \"what most needs improving\": for each option, the ballots that chose it and their " +
        "share (percent) of the ballots that answered the question; the overall line pools all agencies' ballots.";

    public const string TimelinessRule =
        "timeliness = the agency index (same rules) over the ballots whose dossier's result came by its appointment " +
        "date (onTime) and over those whose result came after it (late); unknown = ballots without an appointment date. " +
        "The overall line takes the mean of the agencies' figures for each group.";

    public static string LowSampleRule(int minimumCount) =>
        $"lowSample = fewer than {minimumCount} valid ballots (respondents, not answers) behind the figure (its count).";

    // Rating and "không áp dụng" answers travel as one small number each: 1–5, or 0 for not applicable (the SQL writes 0).
    private const short NotApplicableValue = 0;

    /// <summary>
    /// Each invitation's response, for the response rate: a join, which the planner makes a hash join over all responses —
    /// right for a wave, where most responses belong to its invitations.
    /// </summary>
    private const string JoinResponses = "LEFT JOIN responses r ON r.invitation_id = i.id";

    /// <summary>
    /// The same, one look-up per invitation (a response per invitation at most: <c>responses_invitation_key</c>), for one
    /// agency's few hundred invitations: the planner would otherwise still hash every response of the database.
    /// </summary>
    private const string LookUpResponses =
        "LEFT JOIN LATERAL (SELECT r.id, r.status FROM responses r WHERE r.invitation_id = i.id LIMIT 1) r ON true";

    private const string ResponseOfInvitation = "/* response of invitation */";

    /// <summary>The statement for a filter without an agency (a wave, a period, everything).</summary>
    private static readonly string Sql = Template.Replace(ResponseOfInvitation, JoinResponses, StringComparison.Ordinal);

    /// <summary>The statement for one agency's figures.</summary>
    private static readonly string AgencySql = Template.Replace(ResponseOfInvitation, LookUpResponses, StringComparison.Ordinal);

    private const string Template =
        $$"""
        WITH candidate AS MATERIALIZED (
            SELECT r.id, r.agency_id, r.questionnaire_id, r.transaction_id
            FROM responses r
            WHERE (@wave_id IS NULL OR r.wave_id = @wave_id)
              AND (@agency_code IS NULL OR r.agency_id = (SELECT a.id FROM agencies a WHERE a.code = @agency_code))
              AND (@period_from IS NULL OR r.completed_at >= @period_from)
              AND (@period_to IS NULL OR r.completed_at < @period_to)
              AND {{Ballots.Predicate}}
        ),
        version AS MATERIALIZED (
            SELECT questionnaire_id, count(*) AS ballots FROM candidate GROUP BY questionnaire_id
        ),
        chosen AS MATERIALIZED (
            SELECT coalesce(@questionnaire_id,
                            (SELECT w.questionnaire_id FROM waves w WHERE w.id = @wave_id),
                            (SELECT max(v.questionnaire_id) FROM version v)) AS id
        ),
        filtered AS MATERIALIZED (
            SELECT c.id, c.agency_id, c.transaction_id FROM candidate c WHERE c.questionnaire_id = (SELECT id FROM chosen)
        ),
        question AS MATERIALIZED (
            SELECT (q.ord - 1)::int AS position, q.value ->> 'code' AS code
            FROM questionnaires qn
            CROSS JOIN LATERAL jsonb_array_elements(
                CASE WHEN jsonb_typeof(qn.definition -> 'questions') = 'array' THEN qn.definition -> 'questions' ELSE '[]'::jsonb END
            ) WITH ORDINALITY AS q(value, ord)
            WHERE qn.id = (SELECT id FROM chosen)
        ),
        ballot AS (
            SELECT f.id, f.agency_id, f.transaction_id, x.positions, x.vals, x.choice_positions, x.choices
            FROM filtered f
            CROSS JOIN LATERAL (
                SELECT array_agg(q.position) FILTER (WHERE a.kind <> 'choice') AS positions,
                       array_agg(CASE WHEN a.kind = 'rating' THEN a.rating ELSE 0 END::smallint) FILTER (WHERE a.kind <> 'choice') AS vals,
                       array_agg(q.position) FILTER (WHERE a.kind = 'choice') AS choice_positions,
                       array_agg(a.choice) FILTER (WHERE a.kind = 'choice') AS choices
                FROM answers a
                JOIN question q ON q.code = a.question_code
                WHERE a.response_id = f.id AND a.kind IN ('rating', 'not_applicable', 'choice')
            ) x
        ),
        response_stats AS (
            SELECT agency_id, count(*) AS ballots FROM filtered GROUP BY agency_id
        ),
        invitation_stats AS (
            SELECT GROUPING(i.agency_id) AS all_agencies, i.agency_id,
                   count(*) AS delivered,
                   count(*) FILTER (WHERE r.status = '{{ResponseStatus.Completed}}') AS completed
            FROM invitations i
            {{ResponseOfInvitation}}
            WHERE NOT @open_ballots -- open answers have no invitation, so no response rate
              AND (@wave_id IS NULL OR i.wave_id = @wave_id)
              AND (@agency_code IS NULL OR i.agency_id = (SELECT a.id FROM agencies a WHERE a.code = @agency_code))
              AND (i.status = '{{InvitationStatus.Delivered}}' OR i.delivered_at IS NOT NULL OR r.id IS NOT NULL)
              AND (@period_from IS NULL OR coalesce(i.delivered_at, i.sent_at, i.created_at) >= @period_from)
              AND (@period_to IS NULL OR coalesce(i.delivered_at, i.sent_at, i.created_at) < @period_to)
            GROUP BY ROLLUP (i.agency_id)
        )
        SELECT 'version'::text AS kind, v.questionnaire_id AS id, qn.code AS code, qn.title AS label,
               CASE WHEN v.questionnaire_id = (SELECT id FROM chosen) THEN qn.definition::text END AS extra,
               qn.version::bigint AS n1, v.ballots AS n2, NULL::bigint AS n3, NULL::int[] AS positions, NULL::smallint[] AS vals,
               NULL::int[] AS choice_positions, NULL::text[] AS choices
        FROM version v JOIN questionnaires qn ON qn.id = v.questionnaire_id
        UNION ALL
        SELECT 'chosen', qn.id, qn.code, qn.title, qn.definition::text, qn.version, 0, NULL, NULL, NULL, NULL, NULL
        FROM questionnaires qn
        WHERE qn.id = (SELECT id FROM chosen) AND NOT EXISTS (SELECT 1 FROM version v WHERE v.questionnaire_id = qn.id)
        UNION ALL
        -- Whether the dossier's result came by its appointment date (on time) or after it (late); unknown without both.
        SELECT 'ballot', b.agency_id,
               CASE WHEN t.due_on IS NULL OR t.result_date IS NULL THEN NULL
                    WHEN t.result_date > t.due_on THEN '{{Timeliness.LateValue}}' ELSE '{{Timeliness.OnTimeValue}}' END,
               NULL, NULL, b.id, NULL, NULL, b.positions, b.vals, b.choice_positions, b.choices
        FROM ballot b
        LEFT JOIN transactions t ON t.id = b.transaction_id
        UNION ALL
        SELECT 'responses', r.agency_id, NULL, NULL, NULL, r.ballots, NULL, NULL, NULL, NULL, NULL, NULL
        FROM response_stats r
        UNION ALL
        SELECT 'invitations', CASE WHEN i.all_agencies = 1 THEN 0 ELSE i.agency_id END, NULL, NULL, NULL,
               i.delivered, i.completed, NULL, NULL, NULL, NULL, NULL
        FROM invitation_stats i
        UNION ALL
        SELECT 'agency', a.id, a.code, a.name, a.block, NULL, NULL, NULL, NULL, NULL, NULL, NULL
        FROM agencies a
        WHERE a.id IN (SELECT agency_id FROM response_stats UNION SELECT agency_id FROM invitation_stats)
        """;

    /// <summary>
    /// Computes the report for <paramref name="filter"/>. Agencies with a valid ballot (of the chosen questionnaire
    /// version) or a delivered invitation in the filter are listed, ordered by code. Throws
    /// <see cref="ArgumentException"/> for an invalid filter.
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

        await using var command = new NpgsqlCommand(filter.AgencyCode is null ? Sql : AgencySql, connection);
        Ballots.AddFilterParameters(command.Parameters, filter);
        command.Parameters.Add(new NpgsqlParameter("questionnaire_id", NpgsqlDbType.Bigint)
        {
            Value = (object?)filter.QuestionnaireId ?? DBNull.Value,
        });

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
        if (filter.QuestionnaireId is <= 0)
            throw new ArgumentException($"QuestionnaireId must be positive (was {filter.QuestionnaireId}).", nameof(filter));
    }

    /// <summary>
    /// One ballot (its response id) and its scored answers: question position → 1–5, or 0 for "không áp dụng"; also by
    /// position (<see cref="Missing"/> where the ballot has no scored answer), so that a look-up costs one read.
    /// </summary>
    private sealed record BallotAnswers(long Id, int[] Positions, short[] Values, short[] ByPosition, string? Timeliness)
    {
        private const short Missing = -1;

        public static BallotAnswers Of(long id, int[] positions, short[] values, string? timeliness)
        {
            var byPosition = new short[positions.Length == 0 ? 0 : positions.Max() + 1];
            Array.Fill(byPosition, Missing);
            for (var i = 0; i < positions.Length; i++)
                byPosition[positions[i]] = values[i];
            return new BallotAnswers(id, positions, values, byPosition, timeliness);
        }

        public short? ValueAt(int position) =>
            position < ByPosition.Length && ByPosition[position] != Missing ? ByPosition[position] : null;

        /// <summary>Whether the ballot has a valid answer (1–5) at one of <paramref name="positions"/>.</summary>
        public bool AnswersAny(int[] positions)
        {
            foreach (var position in positions)
            {
                if (ValueAt(position) is { } value && value != NotApplicableValue)
                    return true;
            }

            return false;
        }
    }

    private sealed class ScoreRows
    {
        private readonly List<QuestionnaireVersion> _versions = [];
        private (long Id, string Definition)? _chosen;
        private readonly Dictionary<long, List<BallotAnswers>> _ballots = [];
        private readonly Dictionary<long, Dictionary<(int Position, string Choice), long>> _improvements = [];
        private readonly Dictionary<long, long> _responses = [];
        private readonly Dictionary<long, (long Delivered, long Completed)> _invitations = [];
        private readonly List<(long Id, string Code, string Name, string Block)> _agencies = [];

        public void Add(NpgsqlDataReader reader)
        {
            var kind = reader.GetString(0);
            var id = reader.IsDBNull(1) ? 0 : reader.GetInt64(1);
            string? Text(int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);
            long Number(int ordinal) => reader.IsDBNull(ordinal) ? 0 : reader.GetInt64(ordinal);

            switch (kind)
            {
                case "version":
                case "chosen":
                    _versions.Add(new QuestionnaireVersion(id, reader.GetString(2), checked((int)Number(5)), Text(3) ?? "", checked((int)Number(6))));
                    if (Text(4) is { } definition)
                        _chosen = (id, definition);
                    break;
                case "ballot":
                    // A ballot with scored answers joins its agency's list (kept in ballot order: the figures sum over
                    // it); its choices count for the improvement question whether or not it has any.
                    if (!reader.IsDBNull(8))
                    {
                        if (!_ballots.TryGetValue(id, out var list))
                            _ballots[id] = list = [];
                        list.Add(BallotAnswers.Of(Number(5), reader.GetFieldValue<int[]>(8), reader.GetFieldValue<short[]>(9), Text(2)));
                    }

                    if (!reader.IsDBNull(10))
                    {
                        if (!_improvements.TryGetValue(id, out var choices))
                            _improvements[id] = choices = [];
                        var positions = reader.GetFieldValue<int[]>(10);
                        var values = reader.GetFieldValue<string[]>(11);
                        for (var i = 0; i < positions.Length; i++)
                            choices[(positions[i], values[i])] = choices.GetValueOrDefault((positions[i], values[i])) + 1;
                    }

                    break;
                case "responses":
                    _responses[id] = Number(5);
                    break;
                case "invitations":
                    _invitations[id] = (Number(5), Number(6));
                    break;
                case "agency":
                    _agencies.Add((id, reader.GetString(2), Text(3) ?? reader.GetString(2), Text(4) ?? AgencyBlock.Department));
                    break;
                default:
                    throw new InvalidOperationException($"Unexpected scoring row kind '{kind}'.");
            }
        }

        public ScoreReport ToReport(ScoreFilter filter)
        {
            foreach (var list in _ballots.Values)
                list.Sort((a, b) => a.Id.CompareTo(b.Id));
            var minimum = filter.MinimumCount;
            var layout = _chosen is { } chosen ? Layout.Of(QuestionnaireCatalogue.Deserialize(chosen.Definition)) : null;
            var questionnaire = _chosen is { } c ? _versions.First(v => v.Id == c.Id) : null;
            var others = _versions.Where(v => v.Id != questionnaire?.Id).OrderByDescending(v => v.Id).ToList();

            var lines = _agencies
                .OrderBy(a => a.Code, StringComparer.Ordinal)
                .Select(a => (layout is null ? AgencyLine.Empty(minimum) : AgencyLine.Of(layout, _ballots.GetValueOrDefault(a.Id) ?? [], minimum))
                    with { Id = a.Id, Code = a.Code, Name = a.Name, Block = a.Block, Responses = checked((int)_responses.GetValueOrDefault(a.Id)) })
                .ToList();

            // A report filtered to one agency cannot rank it: the others are not in it (narrow a whole report instead).
            var ranks = filter.AgencyCode is null ? Ranks(lines, minimum) : [];
            var timeliness = layout is null
                ? []
                : lines.ToDictionary(l => l.Id, l => TimelinessOf(layout, _ballots.GetValueOrDefault(l.Id) ?? [], minimum));
            var agencies = lines.Select(line =>
            {
                var (delivered, completed) = _invitations.GetValueOrDefault(line.Id);
                return line.ToScore(ranks.GetValueOrDefault(line.Code), checked((int)delivered), Rate(delivered, completed),
                    layout is null ? [] : Improvements(layout, _improvements.GetValueOrDefault(line.Id)))
                    with { Timeliness = timeliness.TryGetValue(line.Id, out var t) ? ToTimeliness(t.OnTime, t.Late, t.Unknown) : null };
            }).ToList();

            var blocks = AgencyBlock.All
                .Where(block => lines.Any(l => l.Block == block))
                .Select(block => Block(block, lines.Where(l => l.Block == block).ToList(), ranks))
                .ToList();

            var (allDelivered, allCompleted) = _invitations.GetValueOrDefault(0);
            var allImprovements = new Dictionary<(int, string), long>();
            foreach (var perAgency in _improvements.Values)
                foreach (var (key, count) in perAgency)
                    allImprovements[key] = allImprovements.GetValueOrDefault(key) + count;
            var overall = layout is null
                ? OverallScore.Empty(minimum) with { DeliveredInvitations = checked((int)allDelivered), ResponseRate = Rate(allDelivered, allCompleted) }
                : Overall(layout, lines, minimum, checked((int)allDelivered), Rate(allDelivered, allCompleted),
                    Improvements(layout, allImprovements));

            if (layout is not null)
            {
                overall = overall with
                {
                    Timeliness = ToTimeliness(
                        Figure.MeanOf(timeliness.Values.Select(t => t.OnTime).ToList(), minimum),
                        Figure.MeanOf(timeliness.Values.Select(t => t.Late).ToList(), minimum),
                        timeliness.Values.Sum(t => t.Unknown)),
                };
            }

            return new ScoreReport(questionnaire, others, agencies, blocks, overall, minimum, IndexRule, ElementRuleText,
                AgencyRuleText, BlockRule, OverallRule, IntervalRule, LowSampleRule(minimum), RankRule, ResponseRateRule,
                ImprovementRule, filter.Ballots, Ballots.ExcludedFlags(filter), Ballots.Rule(filter));
        }

        // The agency's index over its on-time and over its late ballots (TimelinessRule).
        private static (Figure OnTime, Figure Late, int Unknown) TimelinessOf(Layout layout, List<BallotAnswers> ballots, int minimum) =>
            (AgencyLine.Of(layout, ballots.Where(b => b.Timeliness == Timeliness.OnTimeValue).ToList(), minimum).Index,
             AgencyLine.Of(layout, ballots.Where(b => b.Timeliness == Timeliness.LateValue).ToList(), minimum).Index,
             ballots.Count(b => b.Timeliness is null));

        private static Timeliness ToTimeliness(Figure onTime, Figure late, int unknown) =>
            new(Group(onTime), Group(late), unknown);

        private static TimelinessGroup Group(Figure figure) => new(figure.Count, figure.Index, figure.Mean, figure.CiLow, figure.CiHigh);

        private static double? Rate(long delivered, long completed) => delivered == 0 ? null : (double)completed / delivered;

        private static IReadOnlyList<ImprovementShare> Improvements(Layout layout, Dictionary<(int Position, string Choice), long>? counts)
        {
            if (layout.Improve is not { } improve || counts is null)
                return [];
            // Only the question's own options count: a stored value that is not one (none should be) is left out.
            var options = improve.Question.Options.Select(o => o.Value).ToHashSet(StringComparer.Ordinal);
            var answered = counts.Where(c => c.Key.Position == improve.Position && options.Contains(c.Key.Choice)).Sum(c => c.Value);
            if (answered == 0)
                return [];
            return improve.Question.Options
                .Select(o => (Option: o, Ballots: counts.GetValueOrDefault((improve.Position, o.Value))))
                .Where(x => x.Ballots > 0)
                .OrderByDescending(x => x.Ballots)
                .ThenBy(x => x.Option.Value, StringComparer.Ordinal)
                .Select(x => new ImprovementShare(x.Option.Value, x.Option.Text, checked((int)x.Ballots), 100.0 * x.Ballots / answered))
                .ToList();
        }

        // Competition ranking within each block over the ranked agencies (RankRule).
        private static Dictionary<string, int> Ranks(List<AgencyLine> lines, int minimum)
        {
            var ranks = new Dictionary<string, int>(StringComparer.Ordinal);
            foreach (var block in lines.Where(l => l.Index.Estimate is not null && l.Index.Count >= minimum).GroupBy(l => l.Block))
            {
                var ordered = block.OrderByDescending(l => Math.Round(l.Index.Index!.Value, 2)).ThenBy(l => l.Code, StringComparer.Ordinal).ToList();
                for (var i = 0; i < ordered.Count; i++)
                {
                    var same = i > 0 && Math.Round(ordered[i].Index.Index!.Value, 2) == Math.Round(ordered[i - 1].Index.Index!.Value, 2);
                    ranks[ordered[i].Code] = same ? ranks[ordered[i - 1].Code] : i + 1;
                }
            }

            return ranks;
        }

        private static BlockScore Block(string block, List<AgencyLine> lines, Dictionary<string, int> ranks)
        {
            var figure = Figure.MeanOf(lines.Select(l => l.Index).ToList(), minimum: 0);
            return new BlockScore(block, AgencyBlock.Name(block), figure.Index, figure.Mean, figure.CiLow, figure.CiHigh,
                figure.Count, lines.Count(l => l.Index.Estimate is not null), lines.Count(l => ranks.ContainsKey(l.Code)));
        }

        private static OverallScore Overall(
            Layout layout, List<AgencyLine> lines, int minimum, int delivered, double? rate, IReadOnlyList<ImprovementShare> improvements)
        {
            var index = Figure.MeanOf(lines.Select(l => l.Index).ToList(), minimum);
            var elements = layout.Elements.Select((element, e) =>
            {
                var figure = Figure.MeanOf(lines.Select(l => l.Elements[e].Figure).ToList(), minimum);
                var criteria = element.Criteria.Select((criterion, c) =>
                    Figure.MeanOf(lines.Select(l => l.Elements[e].Criteria[c]).ToList(), minimum).ToCriterion(criterion.Question)).ToList();
                var question = element.Question is { } q
                    ? Figure.MeanOf(lines.Select(l => l.Elements[e].ElementQuestion!).ToList(), minimum).ToQuestion(q.Question)
                    : null;
                return figure.ToElement(element, criteria, question);
            }).ToList();
            var overallQuestion = layout.Overall is { } o
                ? Figure.MeanOf(lines.Select(l => l.OverallQuestion!).ToList(), minimum).ToQuestion(o.Question)
                : null;
            return new OverallScore(lines.Sum(l => l.Responses), index.Index, index.Mean, index.CiLow, index.CiHigh, index.Count,
                index.Answers, index.NotApplicable, index.LowSample, delivered, rate, lines.Count(l => l.Index.Estimate is not null),
                elements, overallQuestion, improvements);
        }
    }

    /// <summary>A question of the chosen version and its position in the definition's question list.</summary>
    private sealed record Positioned(int Position, Question Question);

    private sealed record ElementLayout(SurveyElement Element, ElementBasis Basis, ElementRule Rule, IReadOnlyList<Positioned> Criteria, Positioned? Question)
    {
        /// <summary>The questions whose answers make the index.</summary>
        public IReadOnlyList<Positioned> Scored => Basis switch
        {
            ElementBasis.Criteria => Criteria,
            ElementBasis.ElementQuestion => [Question!],
            _ => [],
        };
    }

    /// <summary>What the chosen questionnaire version scores, and how.</summary>
    private sealed record Layout(QuestionnaireScoring Rules, IReadOnlyList<ElementLayout> Elements, Positioned? Overall, Positioned? Improve)
    {
        public static Layout Of(Questionnaire questionnaire)
        {
            var rules = questionnaire.ScoringRules;
            var questions = questionnaire.Questions.Select((q, i) => new Positioned(i, q)).ToList();
            var ratings = questions.Where(q => q.Question.Kind == QuestionKind.Rating).ToList();
            var elements = questionnaire.Elements.Select(element =>
            {
                var criteria = ratings.Where(q => q.Question.Role == QuestionRole.Criterion && q.Question.Element == element.Code).ToList();
                var question = ratings.FirstOrDefault(q => q.Question.Role == QuestionRole.Element && q.Question.Element == element.Code);
                var basis = criteria.Count > 0 ? ElementBasis.Criteria : question is not null ? ElementBasis.ElementQuestion : ElementBasis.None;
                return new ElementLayout(element, basis, rules.Element, criteria, question);
            }).ToList();
            var overall = ratings.FirstOrDefault(q => q.Question.Role == QuestionRole.Overall);
            var improve = questions.FirstOrDefault(q => q.Question.Role == QuestionRole.Improve && q.Question.Kind == QuestionKind.Choice);
            return new Layout(rules, elements, overall, improve);
        }
    }

    /// <summary>
    /// One figure as the report gives it: the index as an <see cref="Estimate"/> (null without a valid answer), its mean,
    /// the ballots behind it (<see cref="Count"/>), valid answers and "không áp dụng" answers.
    /// </summary>
    private sealed record Figure(Estimate? Estimate, double? MeanValue, int Count, int Answers, int NotApplicable, bool LowSample)
    {
        public double? Index => Estimate is { } e ? 100 * e.Proportion : null;

        public double? Mean => MeanValue;

        public double? CiLow => Estimate?.Interval.Low;

        public double? CiHigh => Estimate?.Interval.High;

        public static Figure None(int notApplicable, int minimum) => new(null, null, 0, 0, notApplicable, minimum > 0);

        /// <summary>The mean of the agencies' figures (<see cref="OverallRule"/>, <see cref="BlockRule"/>).</summary>
        public static Figure MeanOf(IReadOnlyList<Figure> parts, int minimum)
        {
            var scored = parts.Where(p => p.Estimate is not null).ToList();
            var notApplicable = parts.Sum(p => p.NotApplicable);
            if (scored.Count == 0)
                return None(notApplicable, minimum);
            var count = scored.Sum(p => p.Count);
            var answers = scored.Sum(p => p.Answers);
            var estimate = Scoring.Estimate.MeanOf(scored.Select(p => p.Estimate!.Value).ToList(), count, answers);
            return new Figure(estimate, scored.Average(p => p.MeanValue!.Value), count, answers, notApplicable, count < minimum);
        }

        public CriterionScore ToCriterion(Question question) =>
            new(question.Code, question.Text, Index, Mean, CiLow, CiHigh, Count, NotApplicable, LowSample);

        public QuestionScore ToQuestion(Question question) =>
            new(question.Code, question.Text, Index, Mean, CiLow, CiHigh, Count, NotApplicable, LowSample);

        public ElementScore ToElement(ElementLayout element, IReadOnlyList<CriterionScore> criteria, QuestionScore? question) =>
            new(element.Element.Code, element.Element.Name, element.Basis, element.Rule, Index, Mean, CiLow, CiHigh, Count,
                Answers, NotApplicable, LowSample, criteria, question);
    }

    private sealed record ElementLine(Figure Figure, IReadOnlyList<Figure> Criteria, Figure? ElementQuestion);

    /// <summary>One agency's figures, before its rank and invitations are known.</summary>
    private sealed record AgencyLine(
        long Id,
        string Code, string Name, string Block, int Responses, AgencyRule Rule, Layout? Layout, Figure Index,
        IReadOnlyList<ElementLine> Elements, Figure? OverallQuestion)
    {
        public static AgencyLine Empty(int minimum) =>
            new(0, "", "", "", 0, AgencyRule.MeanOfElements, null, Figure.None(0, minimum), [], null);

        public static AgencyLine Of(Layout layout, IReadOnlyList<BallotAnswers> ballots, int minimum)
        {
            // Per question position: its counts over the ballots.
            var counts = new QuestionTally[ballots.Count == 0 ? 0 : ballots.Max(b => b.ByPosition.Length)];
            foreach (var ballot in ballots)
            {
                for (var i = 0; i < ballot.Positions.Length; i++)
                    counts[ballot.Positions[i]] = counts[ballot.Positions[i]].With(ballot.Values[i]);
            }

            QuestionTally Tally(int position) => position < counts.Length ? counts[position] : default;
            Figure Single(Positioned q) => Tally(q.Position).ToFigure(minimum);

            // Per element: its figure and, per ballot, the ballot's influence on it (see Estimate.Linearised).
            var elementInfluences = new List<double[]?>();
            var elements = new List<ElementLine>();
            foreach (var element in layout.Elements)
            {
                var scored = element.Scored.Where(q => Tally(q.Position).Valid > 0).ToList();
                var notApplicable = element.Scored.Sum(q => Tally(q.Position).NotApplicable);
                var criteria = element.Criteria.Select(Single).ToList();
                var question = element.Question is { } eq ? Single(eq) : null;
                if (scored.Count == 0)
                {
                    elements.Add(new ElementLine(Figure.None(notApplicable, minimum), criteria, question));
                    elementInfluences.Add(null);
                    continue;
                }

                var t = scored.Select(q => (q.Position, Tally: Tally(q.Position))).ToList();
                var pooled = element.Rule == ElementRule.PooledAnswers;
                var validAll = t.Sum(x => x.Tally.Valid);
                var index = pooled ? (double)t.Sum(x => x.Tally.Satisfied) / validAll : t.Average(x => x.Tally.Proportion);
                var mean = pooled ? (double)t.Sum(x => x.Tally.RatingSum) / validAll : t.Average(x => x.Tally.Mean);

                var influences = new double[ballots.Count];
                for (var b = 0; b < ballots.Count; b++)
                {
                    foreach (var (position, tally) in t)
                    {
                        if (ballots[b].ValueAt(position) is not { } value || value == NotApplicableValue)
                            continue;
                        var y = value >= 4 ? 1.0 : 0.0;
                        influences[b] += pooled ? (y - index) / validAll : (y - tally.Proportion) / (t.Count * tally.Valid);
                    }
                }

                var behind = Behind(influences, ballots, t.Select(x => x.Position));
                // One question with answers: at most one answer per ballot, a plain proportion (Wilson).
                var estimate = t.Count == 1
                    ? Scoring.Estimate.Binomial(t[0].Tally.Satisfied, t[0].Tally.Valid)
                    : Scoring.Estimate.Linearised(index, behind, checked((int)validAll));
                elements.Add(new ElementLine(
                    new Figure(estimate, mean, behind.Count, checked((int)validAll), notApplicable, behind.Count < minimum), criteria, question));
                elementInfluences.Add(influences);
            }

            var agencyIndex = AgencyIndex(layout, elements, elementInfluences, ballots, minimum);
            var overall = layout.Overall is { } o ? Single(o) : null;
            return new AgencyLine(0, "", "", "", 0, layout.Rules.Agency, layout, agencyIndex, elements, overall);
        }

        // The agency index: the elements combined as the rule says; each ballot's influence the same combination of its
        // element influences.
        private static Figure AgencyIndex(
            Layout layout, List<ElementLine> elements, List<double[]?> influences, IReadOnlyList<BallotAnswers> ballots, int minimum)
        {
            var notApplicable = elements.Sum(e => e.Figure.NotApplicable);
            var used = Enumerable.Range(0, elements.Count)
                .Where(e => elements[e].Figure.Estimate is not null && layout.Rules.Weight(layout.Elements[e].Element.Code) > 0)
                .ToList();
            if (used.Count == 0)
                return Figure.None(notApplicable, minimum);

            // One element with answers: the agency index is that element's index, with its interval.
            if (used.Count == 1)
                return elements[used[0]].Figure with { NotApplicable = notApplicable };

            var totalWeight = used.Sum(e => layout.Rules.Weight(layout.Elements[e].Element.Code));
            double Share(int e) => layout.Rules.Weight(layout.Elements[e].Element.Code) / totalWeight;
            var index = used.Sum(e => Share(e) * elements[e].Figure.Estimate!.Value.Proportion);
            var mean = used.Sum(e => Share(e) * elements[e].Figure.MeanValue!.Value);
            var answers = used.Sum(e => elements[e].Figure.Answers);

            var combined = new double[ballots.Count];
            foreach (var e in used)
                for (var b = 0; b < ballots.Count; b++)
                    combined[b] += Share(e) * influences[e]![b];
            var positions = used.SelectMany(e => layout.Elements[e].Scored.Select(q => q.Position)).ToList();
            var behindBallots = Behind(combined, ballots, positions);
            var estimate = Scoring.Estimate.Linearised(index, behindBallots, answers);
            return new Figure(estimate, mean, behindBallots.Count, answers, notApplicable, behindBallots.Count < minimum);
        }

        // The influences of the ballots with a valid answer among the positions (the ballots behind the figure).
        private static List<double> Behind(double[] influences, IReadOnlyList<BallotAnswers> ballots, IEnumerable<int> positions)
        {
            var scored = positions.Distinct().ToArray();
            var behind = new List<double>();
            for (var b = 0; b < ballots.Count; b++)
            {
                if (ballots[b].AnswersAny(scored))
                    behind.Add(influences[b]);
            }

            return behind;
        }

        public AgencyScore ToScore(int rank, int delivered, double? rate, IReadOnlyList<ImprovementShare> improvements)
        {
            var elements = Layout is null
                ? []
                : Layout.Elements.Select((element, e) => Elements[e].Figure.ToElement(element,
                    element.Criteria.Select((c, i) => Elements[e].Criteria[i].ToCriterion(c.Question)).ToList(),
                    element.Question is { } q ? Elements[e].ElementQuestion!.ToQuestion(q.Question) : null)).ToList();
            var overallQuestion = Layout?.Overall is { } o ? OverallQuestion!.ToQuestion(o.Question) : null;
            return new AgencyScore(Code, Name, Block, rank == 0 ? null : rank, Responses, Index.Index, Index.Mean, Index.CiLow,
                Index.CiHigh, Index.Count, Index.Answers, Index.NotApplicable, Index.LowSample, delivered, rate, Rule, elements,
                overallQuestion, improvements);
        }
    }

    /// <summary>Counts behind one question: valid answers, of which rated 4 or 5, the sum of the ratings, "không áp dụng".</summary>
    private readonly record struct QuestionTally(long Valid, long Satisfied, long RatingSum, int NotApplicable)
    {
        public double Proportion => (double)Satisfied / Valid;

        public double Mean => (double)RatingSum / Valid;

        public QuestionTally With(short value) => value == NotApplicableValue
            ? this with { NotApplicable = NotApplicable + 1 }
            : new QuestionTally(Valid + 1, Satisfied + (value >= 4 ? 1 : 0), RatingSum + value, NotApplicable);

        public Figure ToFigure(int minimum) => Valid == 0
            ? Figure.None(NotApplicable, minimum)
            : new Figure(Estimate.Binomial(Satisfied, Valid), Mean, checked((int)Valid), checked((int)Valid), NotApplicable, Valid < minimum);
    }
}
