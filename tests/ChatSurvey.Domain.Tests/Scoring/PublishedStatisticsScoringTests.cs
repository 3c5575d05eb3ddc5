using ChatSurvey.Domain.Questionnaires;
using ChatSurvey.Domain.Scoring;
using ChatSurvey.TestSupport;

namespace ChatSurvey.Domain.Tests.Scoring;

/// <summary>
/// The published statistics' rules (docs/methodology.md#indices) on tables computed by hand: counts in people, the
/// default aggregation (criterion → element → agency as means), "không áp dụng" counted apart, intervals that account for
/// answers clustered within respondents, one questionnaire version per figure, blocks and ranks within them.
/// </summary>
public sealed class PublishedStatisticsScoringTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    private const double Tolerance = 0.001;

    private readonly ScoringSeed _seed = new(db.DataSource);

    private const string TwoElements =
        """
        {"code":"t-clustered","version":1,"title":"Test","method":"test","intro":{"web":"Xin chào"},"thanks":{"web":"Cảm ơn"},
         "elements":[{"code":"E1","name":"Tiếp cận dịch vụ"},{"code":"E2","name":"Thủ tục hành chính"}],
         "questions":[
          {"code":"E1.C1","kind":"rating","role":"criterion","element":"E1","text":"Biển hiệu rõ ràng"},
          {"code":"E1.C2","kind":"rating","role":"criterion","element":"E1","text":"Đủ ghế ngồi chờ"},
          {"code":"E2.C1","kind":"rating","role":"criterion","element":"E2","text":"Niêm yết công khai"},
          {"code":"E2.C2","kind":"rating","role":"criterion","element":"E2","text":"Phí đúng quy định"},
          {"code":"E2.C3","kind":"rating","role":"criterion","element":"E2","text":"Đúng hạn"}]}
        """;

    /// <summary>
    /// Four respondents of one agency; answers cluster within people (R1 pleased with everything, R2 with nothing):
    ///
    ///   resp  status     E1.C1 E1.C2 | E2.C1 E2.C2 E2.C3
    ///   R1    completed    5     5   |   5     4     5
    ///   R2    completed    2     1   |   2     3     1
    ///   R3    completed    4    N/A  |   5     2     4
    ///   R4    partial      5     5   |                      ← not a valid ballot: counted nowhere
    ///
    /// Criteria (share rated 4–5 of the valid answers): E1.C1 2/3 = 66.667 %, E1.C2 1/2 = 50 % (R3's N/A leaves the
    /// denominator, counted apart), E2.C1 2/3, E2.C2 1/3, E2.C3 2/3.
    /// E1 = (66.667 + 50) / 2 = 58.333 %; E2 = (66.667 + 33.333 + 66.667) / 3 = 55.556 %; agency = (58.333 + 55.556) / 2
    /// = 56.944 %. Means: E1 (11/3 + 3) / 2 = 3.3333, E2 (4 + 3 + 10/3) / 3 = 3.4444, agency 3.3889.
    /// Counts: 3 ballots (people) behind the agency figure, 14 valid answers, 1 N/A.
    ///
    /// Interval of the agency index, linearised over ballots: each ballot's influence
    ///   d = ½·Σ_E1 (y − R_c)/(2·N_c) + ½·Σ_E2 (y − R_c)/(3·N_c), y = 1 for a 4–5 rating:
    ///   R1: ½·(1/18 + 1/8) + ½·(4/3)/9 = 0.164352;  R2: ½·(−1/9 − 1/8) + ½·(−5/3)/9 = −0.210648;  R3: ½·(1/18) + ½·(1/3)/9 = 0.046296
    ///   variance = 3/2 · Σd² = 0.110291; effective ballots = p(1−p)/variance = 0.245177 / 0.110291 = 2.2230
    ///   → Wilson(0.56944, 2.2230) = 12.892–92.199 %.
    /// Taking the 14 answers as independent (8 of them 4–5) would give Wilson(8, 14) = 32.590–78.619 %: far too narrow.
    /// </summary>
    [Fact]
    public async Task RunAsync_Should_CountPeopleAndWidenTheInterval_When_AnswersClusterWithinRespondents()
    {
        var (wave, agency) = await SeedClusteredAsync();

        var report = await ScoringQuery.RunAsync(db.DataSource, ScoreFilter.ForWave(wave) with { MinimumCount = 4 },
            TestContext.Current.CancellationToken);

        var a = Assert.Single(report.Agencies);
        Assert.Equal(agency, a.AgencyCode);
        Assert.Equal(3, a.Responses);

        var (e1, e2) = (a.Elements[0], a.Elements[1]);
        AssertCriterion(e1.Criteria[0], 3, 0, 200.0 / 3, 11.0 / 3, 20.765, 93.851);
        AssertCriterion(e1.Criteria[1], 2, 1, 50.0, 3.0, 9.453, 90.547);
        AssertCriterion(e2.Criteria[0], 3, 0, 200.0 / 3, 4.0, 20.765, 93.851);
        AssertCriterion(e2.Criteria[1], 3, 0, 100.0 / 3, 3.0, 6.149, 79.235);
        AssertCriterion(e2.Criteria[2], 3, 0, 200.0 / 3, 10.0 / 3, 20.765, 93.851);

        // E1: influences (1/18 + 1/8, −1/9 − 1/8, 1/18) → variance 0.137153 → effective 1.7722 → 11.451–93.811
        Assert.Equal(ElementRule.MeanOfCriteria, e1.Rule);
        Assert.Equal((3, 5, 1), (e1.Count, e1.Answers, e1.NotApplicable));
        Assert.Equal(175.0 / 3, e1.Index!.Value, Tolerance);
        Assert.Equal(10.0 / 3, e1.Mean!.Value, Tolerance);
        Assert.Equal((11.451, 93.811), (Math.Round(e1.CiLow!.Value, 3), Math.Round(e1.CiHigh!.Value, 3)));
        // E2: influences (4/27, −5/27, 1/27) → variance 0.086420 → effective 2.8571 → 14.605–90.134
        Assert.Equal((3, 9, 0), (e2.Count, e2.Answers, e2.NotApplicable));
        Assert.Equal(500.0 / 9, e2.Index!.Value, Tolerance);
        Assert.Equal(31.0 / 9, e2.Mean!.Value, Tolerance);
        Assert.Equal((14.605, 90.134), (Math.Round(e2.CiLow!.Value, 3), Math.Round(e2.CiHigh!.Value, 3)));

        Assert.Equal(AgencyRule.MeanOfElements, a.Rule);
        Assert.Equal((3, 14, 1), (a.Count, a.Answers, a.NotApplicable));
        Assert.Equal(56.944, a.Index!.Value, Tolerance);
        Assert.Equal(3.3889, a.Mean!.Value, Tolerance);
        Assert.Equal(12.892, a.CiLow!.Value, Tolerance);
        Assert.Equal(92.199, a.CiHigh!.Value, Tolerance);

        // Wider than the naive interval on the same 14 answers.
        var naive = Wilson.Interval(8, 14);
        Assert.Equal((32.590, 78.619), (Math.Round(naive.Low, 3), Math.Round(naive.High, 3)));
        Assert.True(a.CiHigh - a.CiLow > naive.High - naive.Low + 20);

        // Minimum 4 ballots: 14 answers from 3 people are too few; so is every criterion and element.
        Assert.True(a.LowSample);
        Assert.All(a.Elements, e => Assert.True(e.LowSample));
        Assert.Null(a.BlockRank);
        Assert.Contains("ballots", report.LowSampleRule, StringComparison.Ordinal);
        var lenient = await ScoringQuery.RunAsync(db.DataSource, ScoreFilter.ForWave(wave) with { MinimumCount = 3 },
            TestContext.Current.CancellationToken);
        var ranked = Assert.Single(lenient.Agencies);
        Assert.False(ranked.LowSample);
        Assert.True(ranked.Elements[0].Criteria[1].LowSample); // E1.C2: 2 ballots answered it
        Assert.Equal(1, ranked.BlockRank);
    }

    /// <summary>
    /// The same four respondents under the questionnaire version's own rule: "pooledAnswers" elements and
    /// "weightedElements" with E1 weighing 3 and E2 1. E1 pools its 5 valid answers (3 rated 4–5) → 60 %; E2 its 9 (5) →
    /// 55.556 %; agency = (3 × 60 + 1 × 55.556) / 4 = 58.889 %.
    /// </summary>
    [Fact]
    public async Task RunAsync_Should_AggregateAsTheVersionSays_When_ItStatesPooledAndWeightedRules()
    {
        var (wave, _) = await SeedClusteredAsync(TwoElements.Replace(
            "\"elements\":", "\"scoring\":{\"element\":\"pooledAnswers\",\"agency\":\"weightedElements\",\"weights\":{\"E1\":3,\"E2\":1}},\"elements\":",
            StringComparison.Ordinal));

        var report = await ScoringQuery.RunAsync(db.DataSource, ScoreFilter.ForWave(wave), TestContext.Current.CancellationToken);

        var a = Assert.Single(report.Agencies);
        Assert.Equal(AgencyRule.WeightedElements, a.Rule);
        Assert.All(a.Elements, e => Assert.Equal(ElementRule.PooledAnswers, e.Rule));
        Assert.Equal(60.0, a.Elements[0].Index!.Value, Tolerance);
        Assert.Equal(500.0 / 9, a.Elements[1].Index!.Value, Tolerance);
        Assert.Equal(58.889, a.Index!.Value, Tolerance);
        // Pooled means: E1 (5+5+2+1+4) / 5 = 3.4, E2 (5+4+5+2+3+1+5+2+4) / 9 = 31/9; weighted (3 × 3.4 + 31/9) / 4
        Assert.Equal((3 * 3.4 + 31.0 / 9) / 4, a.Mean!.Value, Tolerance);
        Assert.True(a.CiHigh - a.CiLow > Wilson.Interval(8, 14).High - Wilson.Interval(8, 14).Low);
    }

    private const string OneQuestion =
        """
        {"code":"CODE","version":VERSION,"title":"Test","method":"test","intro":{"web":"Xin chào"},"thanks":{"web":"Cảm ơn"},
         "elements":[{"code":"E1","name":"Tiếp cận dịch vụ"}],
         "questions":[
          {"code":"E1.C1","kind":"rating","role":"criterion","element":"E1","text":"TEXT"},
          {"code":"IMPROVE","kind":"choice","role":"improve","text":"Cần cải thiện","options":[{"value":"E1","text":"Tiếp cận"},{"value":"E2","text":"Thủ tục"}]}]}
        """;

    /// <summary>
    /// E1.C1 means "waiting seats" in the 2017 form and "signage" in the 2023 one. One agency, no wave filter:
    /// 2017 ballots 5, 5 (100 %); 2023 ballots 1, 2, 4 (33.333 %). Pooled they would read 3/5 = 60 %, which is neither.
    /// </summary>
    [Fact]
    public async Task RunAsync_Should_NeverPoolCriteriaAcrossVersions_When_TwoVersionsShareCodes()
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        var agencyCode = $"V-{tag}";
        var agency = await _seed.ScalarAsync<long>("INSERT INTO agencies (code, name, kind) VALUES (@c, 'Sở V', 'department') RETURNING id", ("c", agencyCode));
        var procedure = await _seed.ScalarAsync<long>("INSERT INTO procedures (code, name, short_name) VALUES (@c, 'Thủ tục', 'Thu tuc') RETURNING id", ("c", $"P-{tag}"));
        var old = await InsertQuestionnaireAsync($"q17-{tag}", 1, "Đủ ghế ngồi chờ");
        var current = await InsertQuestionnaireAsync($"q23-{tag}", 1, "Biển hiệu rõ ràng");
        var oldWave = await _seed.InsertWaveAsync(old);
        var currentWave = await _seed.InsertWaveAsync(current);
        var at = new DateTimeOffset(2026, 10, 5, 9, 0, 0, TimeSpan.Zero);
        var oldContext = new ScoringSeed.SeedContext(tag, procedure, old);
        var currentContext = new ScoringSeed.SeedContext(tag + "n", procedure, current);
        foreach (var rating in new[] { "5", "5" })
            await _seed.InsertResponseAsync(oldContext, oldWave, agency, null, "completed", at, ScoringSeed.Verified, ("E1.C1", rating), ("IMPROVE", "c:E1"));
        foreach (var rating in new[] { "1", "2", "4" })
            await _seed.InsertResponseAsync(currentContext, currentWave, agency, null, "completed", at, ScoringSeed.Verified, ("E1.C1", rating), ("IMPROVE", "c:E2"));
        // A stray 2017 ballot filed in the 2023 wave is left out of that wave's figures, and listed.
        await _seed.InsertResponseAsync(oldContext, currentWave, agency, null, "completed", at, ScoringSeed.Verified, ("E1.C1", "5"));
        var cancel = TestContext.Current.CancellationToken;

        var byDefault = await ScoringQuery.RunAsync(db.DataSource, new ScoreFilter { AgencyCode = agencyCode }, cancel);
        var chosenOld = await ScoringQuery.RunAsync(db.DataSource, new ScoreFilter { AgencyCode = agencyCode, QuestionnaireId = old }, cancel);
        var currentWaveReport = await ScoringQuery.RunAsync(db.DataSource, ScoreFilter.ForWave(currentWave), cancel);

        // Without a wave: the newest version, the other listed with its ballots.
        Assert.Equal(current, byDefault.Questionnaire!.Id);
        var line = Assert.Single(byDefault.Agencies);
        Assert.Equal(3, line.Responses);
        Assert.Equal(100.0 / 3, line.Index!.Value, Tolerance);
        Assert.Equal("Biển hiệu rõ ràng", line.Elements[0].Criteria[0].Text);
        Assert.Equal([(old, 3)], byDefault.OtherQuestionnaires.Select(q => (q.Id, q.Ballots)));
        Assert.Equal([("E2", 3, 100.0)], line.Improvements.Select(i => (i.Value, i.Ballots, i.Share)));

        // Chosen: the 2017 version alone.
        var oldLine = Assert.Single(chosenOld.Agencies);
        Assert.Equal(old, chosenOld.Questionnaire!.Id);
        Assert.Equal(3, oldLine.Responses);
        Assert.Equal(100.0, oldLine.Index!.Value, Tolerance);
        Assert.Equal("Đủ ghế ngồi chờ", oldLine.Elements[0].Criteria[0].Text);

        // A wave: its own version, whatever else was filed in it.
        Assert.Equal(current, currentWaveReport.Questionnaire!.Id);
        Assert.Equal(3, Assert.Single(currentWaveReport.Agencies).Responses);
        Assert.Equal([(old, 1)], currentWaveReport.OtherQuestionnaires.Select(q => (q.Id, q.Ballots)));
        Assert.NotEqual(60.0, currentWaveReport.Agencies[0].Index!.Value, Tolerance);
    }

    /// <summary>
    /// Blocks and ranks on one element question per ballot (each agency index is then a plain share):
    ///   department D1 5,5,4,2 → 75 % · D2 5,1 → 50 % · D3 4,4,1,1 → 50 % · ward W1 5 → 100 % (1 ballot) · W2 1,2,5 → 33.333 %.
    /// Minimum 2 ballots: W1 is not ranked; D2 and D3 tie at rank 2.
    /// Department block = (75 + 50 + 50) / 3 = 58.333 %, 10 ballots; its variance = (0.046875 + 0.125 + 0.0625) / 9 →
    /// effective 9.333 → Wilson 29.171–82.636. Ward block = (100 + 33.333) / 2 = 66.667 %, 4 ballots (W1 showing no spread
    /// takes the Agresti–Coull variance (3/5)(2/5)/1 = 0.24) → effective 2.830 → 20.034–94.106.
    /// Overall = the mean of the five agencies = 61.667 % → 33.487–83.714.
    /// </summary>
    [Fact]
    public async Task RunAsync_Should_ScoreBlocksAndRankWithinThem_When_AgenciesBelongToSeveralBlocks()
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        var procedure = await _seed.ScalarAsync<long>("INSERT INTO procedures (code, name, short_name) VALUES (@c, 'Thủ tục', 'Thu tuc') RETURNING id", ("c", $"P-{tag}"));
        var questionnaire = await InsertQuestionnaireAsync($"qb-{tag}", 1, "Hài lòng");
        var wave = await _seed.InsertWaveAsync(questionnaire);
        var context = new ScoringSeed.SeedContext(tag, procedure, questionnaire);
        var at = new DateTimeOffset(2026, 10, 5, 9, 0, 0, TimeSpan.Zero);
        var agencies = new (string Code, string Kind, string[] Ratings)[]
        {
            ($"D1-{tag}", "department", ["5", "5", "4", "2"]),
            ($"D2-{tag}", "department", ["5", "1"]),
            ($"D3-{tag}", "city", ["4", "4", "1", "1"]),
            ($"W1-{tag}", "ward", ["5"]),
            ($"W2-{tag}", "ward", ["1", "2", "5"]),
        };
        foreach (var (code, kind, ratings) in agencies)
        {
            var id = await _seed.ScalarAsync<long>("INSERT INTO agencies (code, name, kind) VALUES (@c, @c, @k) RETURNING id", ("c", code), ("k", kind));
            foreach (var rating in ratings)
                await _seed.InsertResponseAsync(context, wave, id, null, "completed", at, ScoringSeed.Verified, ("E1.C1", rating));
        }

        var report = await ScoringQuery.RunAsync(db.DataSource, ScoreFilter.ForWave(wave) with { MinimumCount = 2 },
            TestContext.Current.CancellationToken);

        Assert.Equal([1, 2, 2, null, 1], report.Agencies.Select(a => a.BlockRank));
        Assert.Equal(["department", "department", "department", "ward", "ward"], report.Agencies.Select(a => a.Block));
        Assert.Equal(["department", "ward"], report.Blocks.Select(b => b.Block));
        var (departments, wards) = (report.Blocks[0], report.Blocks[1]);
        Assert.Equal((10, 3, 3), (departments.Ballots, departments.Agencies, departments.Ranked));
        Assert.Equal(175.0 / 3, departments.Index!.Value, Tolerance);
        Assert.Equal((29.171, 82.636), (Math.Round(departments.CiLow!.Value, 3), Math.Round(departments.CiHigh!.Value, 3)));
        Assert.Equal((4, 2, 1), (wards.Ballots, wards.Agencies, wards.Ranked));
        Assert.Equal(200.0 / 3, wards.Index!.Value, Tolerance);
        Assert.Equal((20.034, 94.106), (Math.Round(wards.CiLow!.Value, 3), Math.Round(wards.CiHigh!.Value, 3)));
        Assert.Equal("Phường", wards.Name);
        Assert.Equal(61.667, report.Overall.Index!.Value, Tolerance);
        Assert.Equal((33.487, 83.714), (Math.Round(report.Overall.CiLow!.Value, 3), Math.Round(report.Overall.CiHigh!.Value, 3)));
        Assert.Equal(5, report.Overall.Agencies);

        // One agency's view of the whole report: its rank and its block's figure as the whole report has them.
        var alone = report.ForAgency($"D2-{tag}");
        Assert.Equal(175.0 / 3, Assert.Single(alone.Blocks).Index!.Value, Tolerance);
        Assert.Equal(2, alone.Agencies[0].BlockRank);
        Assert.Equal(50.0, alone.Overall.Index!.Value, Tolerance);
        // A report filtered to one agency ranks nobody (the others are not in it).
        var filtered = await ScoringQuery.RunAsync(db.DataSource, ScoreFilter.ForWave(wave) with { MinimumCount = 2, AgencyCode = $"D2-{tag}" },
            TestContext.Current.CancellationToken);
        Assert.Null(Assert.Single(filtered.Agencies).BlockRank);
    }

    /// <summary>
    /// On time vs late (the dossier's result by its appointment date or after it): on time 5, 4 → 100 %; late 2, 5 →
    /// 50 %; one ballot whose dossier has no appointment date is unknown. Result dates are 30/09/2026.
    /// </summary>
    [Fact]
    public async Task RunAsync_Should_SplitAgencyByTimeliness_When_DossiersHaveAppointmentDates()
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        var agency = await _seed.ScalarAsync<long>("INSERT INTO agencies (code, name, kind) VALUES (@c, 'Sở T', 'department') RETURNING id", ("c", $"T-{tag}"));
        var procedure = await _seed.ScalarAsync<long>("INSERT INTO procedures (code, name, short_name) VALUES (@c, 'Thủ tục', 'Thu tuc') RETURNING id", ("c", $"P-{tag}"));
        var questionnaire = await InsertQuestionnaireAsync($"qt-{tag}", 1, "Đúng hạn");
        var wave = await _seed.InsertWaveAsync(questionnaire);
        var context = new ScoringSeed.SeedContext(tag, procedure, questionnaire);
        var at = new DateTimeOffset(2026, 10, 5, 9, 0, 0, TimeSpan.Zero);
        foreach (var (rating, due) in new[] { ("5", "2026-10-02"), ("4", "2026-09-30"), ("2", "2026-09-29"), ("5", "2026-09-01"), ("1", null) })
        {
            var response = await _seed.InsertResponseAsync(context, wave, agency, null, "completed", at, ScoringSeed.Verified, ("E1.C1", rating));
            await _seed.ScalarAsync<int>(
                "UPDATE transactions SET due_on = @due::date WHERE id = (SELECT transaction_id FROM responses WHERE id = @r) RETURNING 1",
                ("due", due), ("r", response));
        }

        var report = await ScoringQuery.RunAsync(db.DataSource, ScoreFilter.ForWave(wave), TestContext.Current.CancellationToken);

        var timeliness = Assert.Single(report.Agencies).Timeliness!;
        Assert.Equal((2, 100.0), (timeliness.OnTime.Ballots, timeliness.OnTime.Index));
        Assert.Equal(2, timeliness.Late.Ballots);
        Assert.Equal(50.0, timeliness.Late.Index!.Value, Tolerance);
        Assert.Equal(1, timeliness.Unknown);
        Assert.Equal(50.0, report.Overall.Timeliness!.Late.Index!.Value, Tolerance);
        Assert.Contains("appointment date", report.TimelinessRule, StringComparison.Ordinal);
    }

    private async Task<(long Wave, string Agency)> SeedClusteredAsync(string definition = TwoElements)
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        var agencyCode = $"C-{tag}";
        var agency = await _seed.ScalarAsync<long>("INSERT INTO agencies (code, name, kind) VALUES (@c, 'Sở C', 'department') RETURNING id", ("c", agencyCode));
        var procedure = await _seed.ScalarAsync<long>("INSERT INTO procedures (code, name, short_name) VALUES (@c, 'Thủ tục', 'Thu tuc') RETURNING id", ("c", $"P-{tag}"));
        var questionnaire = await _seed.ScalarAsync<long>(
            "INSERT INTO questionnaires (code, version, title, definition) VALUES (@c, 1, 'Test', @d::jsonb) RETURNING id",
            ("c", $"qc-{tag}"), ("d", definition));
        var wave = await _seed.InsertWaveAsync(questionnaire);
        var context = new ScoringSeed.SeedContext(tag, procedure, questionnaire);
        var at = new DateTimeOffset(2026, 10, 5, 9, 0, 0, TimeSpan.Zero);
        await _seed.InsertResponseAsync(context, wave, agency, await _seed.InsertInvitationAsync(context, wave, agency, "delivered", at), "completed", at,
            ("E1.C1", "5"), ("E1.C2", "5"), ("E2.C1", "5"), ("E2.C2", "4"), ("E2.C3", "5"));
        await _seed.InsertResponseAsync(context, wave, agency, null, "completed", at, "interviewer",
            ("E1.C1", "2"), ("E1.C2", "1"), ("E2.C1", "2"), ("E2.C2", "3"), ("E2.C3", "1"));
        await _seed.InsertResponseAsync(context, wave, agency, null, "completed", at, ScoringSeed.Verified,
            ("E1.C1", "4"), ("E1.C2", "na"), ("E2.C1", "5"), ("E2.C2", "2"), ("E2.C3", "4"));
        await _seed.InsertResponseAsync(context, wave, agency, await _seed.InsertInvitationAsync(context, wave, agency, "delivered", at), "partial", at,
            ("E1.C1", "5"), ("E1.C2", "5"));
        return (wave, agencyCode);
    }

    private Task<long> InsertQuestionnaireAsync(string code, int version, string criterionText) => _seed.ScalarAsync<long>(
        "INSERT INTO questionnaires (code, version, title, definition) VALUES (@c, @v, 'Test', @d::jsonb) RETURNING id",
        ("c", code), ("v", version),
        ("d", OneQuestion.Replace("CODE", code, StringComparison.Ordinal).Replace("VERSION", version.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("TEXT", criterionText, StringComparison.Ordinal)));

    private static void AssertCriterion(CriterionScore c, int count, int notApplicable, double index, double mean, double low, double high)
    {
        Assert.Equal((count, notApplicable), (c.Count, c.NotApplicable));
        Assert.Equal(index, c.Index!.Value, Tolerance);
        Assert.Equal(mean, c.Mean!.Value, Tolerance);
        Assert.Equal(low, c.CiLow!.Value, Tolerance);
        Assert.Equal(high, c.CiHigh!.Value, Tolerance);
    }
}
