using System.Globalization;

namespace ChatSurvey.BotHost.Tests.PublicResults;

/// <summary>
/// One rating question's figure recomputed from <c>answers.csv</c>: the ballots with a valid answer (1–5), of which
/// rated 4–5, and the N/A answers.
/// </summary>
internal sealed record RecomputedQuestion(string Code, IReadOnlySet<string> Ballots, int Satisfied, int NotApplicable)
{
    public int Valid => Ballots.Count;

    public double? Index => Valid == 0 ? null : 100.0 * Satisfied / Valid;
}

/// <summary>
/// One element: its index, and behind it (over the questions that build it: its criteria, or its element question
/// when it has none) the ballots with a valid answer, the valid answers and the N/A answers.
/// </summary>
internal sealed record RecomputedElement(
    string Code, double? Index, IReadOnlyList<RecomputedQuestion> Criteria, RecomputedQuestion? ElementQuestion,
    IReadOnlySet<string> Ballots, int Answers, int NotApplicable);

/// <summary>One agency: its valid ballots in the file, its index and, behind the index, ballots, valid and N/A answers.</summary>
internal sealed record RecomputedAgency(
    string Code, string Block, int Responses, double? Index, int Count, int Answers, int NotApplicable,
    IReadOnlyList<RecomputedElement> Elements, RecomputedQuestion? OverallQuestion);

internal sealed record RecomputedFigures(
    IReadOnlyList<RecomputedAgency> Agencies,
    IReadOnlyDictionary<string, (double? Index, int Ballots)> Blocks,
    double? Overall,
    IReadOnlyDictionary<string, double?> OverallElements,
    IReadOnlyDictionary<string, double?> OverallCriteria);

/// <summary>
/// The published figures recomputed from the open data alone, as docs/methodology.md ("Open data") tells a reader to,
/// with code of its own (it neither calls nor copies the product's scoring): the file's rows are the lines of
/// <c>answers.csv</c>, the questions those of the questionnaire the rows name (which element each rating question
/// belongs to, and its role). The default rules:
/// criterion index = 100 × answers rated 4–5 / answers rated 1–5 (N/A apart); element index = mean of its criteria's
/// indices (criteria with a valid answer), or its element question's where it has no criterion; agency index = mean of
/// its element indices; block index = mean of its agencies' indices; overall = mean of all agencies' indices, and each
/// overall element and criterion the mean of the agencies' figures.
/// </summary>
internal static class OpenDataCalculator
{
    public static RecomputedFigures Compute(OpenDataFile file, IReadOnlyList<SeededQuestion> questions)
    {
        var rows = file.Rows.Select(r => (
            Ballot: file.Cell(r, "ballotId"), Agency: file.Cell(r, "agencyCode"), Block: file.Cell(r, "block"),
            Question: file.Cell(r, "questionCode"), Value: file.Cell(r, "value"))).ToList();
        var rating = questions.Where(q => q.Kind == "rating").ToList();
        var elements = rating.Where(q => q.Element is not null).Select(q => q.Element!).Distinct().ToList();

        var agencies = new List<RecomputedAgency>();
        foreach (var agency in rows.Select(r => r.Agency).Distinct().Order(StringComparer.Ordinal))
        {
            var mine = rows.Where(r => r.Agency == agency).ToList();
            RecomputedQuestion Question(string code)
            {
                var answers = mine.Where(r => r.Question == code).ToList();
                var valid = answers.Where(r => r.Value is "1" or "2" or "3" or "4" or "5").ToList();
                return new RecomputedQuestion(code, valid.Select(r => r.Ballot).ToHashSet(),
                    valid.Count(r => int.Parse(r.Value, CultureInfo.InvariantCulture) >= 4), answers.Count(r => r.Value == "N/A"));
            }

            var elementFigures = new List<RecomputedElement>();
            foreach (var element in elements)
            {
                var criteria = rating.Where(q => q.Role == "criterion" && q.Element == element).Select(q => Question(q.Code)).ToList();
                var elementQuestion = rating.FirstOrDefault(q => q.Role == "element" && q.Element == element) is { } eq ? Question(eq.Code) : null;
                var building = criteria.Count > 0 ? criteria : elementQuestion is null ? [] : [elementQuestion];
                var index = criteria.Count > 0 ? Mean(criteria.Select(c => c.Index)) : elementQuestion?.Index;
                elementFigures.Add(new RecomputedElement(element, index, criteria, elementQuestion,
                    building.SelectMany(q => q.Ballots).ToHashSet(), building.Sum(q => q.Valid), building.Sum(q => q.NotApplicable)));
            }

            var overallQuestion = rating.FirstOrDefault(q => q.Role == "overall") is { } oq ? Question(oq.Code) : null;
            agencies.Add(new RecomputedAgency(agency, mine[0].Block, mine.Select(r => r.Ballot).Distinct().Count(),
                Mean(elementFigures.Select(e => e.Index)), elementFigures.SelectMany(e => e.Ballots).Distinct().Count(),
                elementFigures.Sum(e => e.Answers), elementFigures.Sum(e => e.NotApplicable), elementFigures, overallQuestion));
        }

        var blocks = agencies.GroupBy(a => a.Block).ToDictionary(g => g.Key,
            g => (Mean(g.Select(a => a.Index)), g.Where(a => a.Index is not null).Sum(a => a.Count)));
        var overallElements = elements.ToDictionary(e => e,
            e => Mean(agencies.Select(a => a.Elements.Single(x => x.Code == e).Index)));
        var overallCriteria = rating.Where(q => q.Role == "criterion").ToDictionary(q => q.Code,
            q => Mean(agencies.Select(a => a.Elements.SelectMany(e => e.Criteria).Single(c => c.Code == q.Code).Index)));
        return new RecomputedFigures(agencies, blocks, Mean(agencies.Select(a => a.Index)), overallElements, overallCriteria);
    }

    // The mean of the figures that exist; null when none does.
    private static double? Mean(IEnumerable<double?> values)
    {
        var present = values.Where(v => v is not null).Select(v => v!.Value).ToList();
        return present.Count == 0 ? null : present.Average();
    }
}
