using System.Text.Json;
using ChatSurvey.Domain.Scoring;
using ChatSurvey.TestSupport;
using Npgsql;

namespace ChatSurvey.Domain.Tests.Scoring;

/// <summary>
/// Scoring against a table computed by hand. Each test seeds its own agencies, questionnaire and waves (unique codes),
/// so tests sharing the class database never see each other's rows.
///
/// Questionnaire: E1 and E2 each have two criteria (Ex.C1, Ex.C2) and an element question (Ex.S, reported but not in the
/// index); E3 has only its element question (as in sipas-sms), so E3.S makes the E3 index. OVERALL, IMPROVE (choice) and
/// COMMENT (text) complete it. "-" = skipped, "?" = missing (neither is a valid answer).
///
///   resp  agency status     E1.C1 E1.C2 E1.S | E2.C1 E2.C2 E2.S | E3.S | OVERALL  invitation (provenance)
///   A1    A      completed    5     4    4   |   3     2    3   |  5   |   4      delivered (sampled)
///   A2    A      completed    4     -    5   |   5     4    4   |  4   |   5      delivered (sampled)
///   A3    A      completed    2     3    2   |   4     ?    4   |  3   |   3      none: QR, matched to a dossier (verified)
///   A4    A      partial      5     5        |                  |      |          sent, delivered_at set (sampled)
///   A5    A      expired      1            |                  |      |          none (open)
///   B1    B      completed    4     4    4   |   4     5    5   |  -   |   4      sent, no delivery time, answered (sampled)
///   B2    B      partial      3     2        |                  |      |          delivered (sampled)
///   X     A      completed  all 1 — in another wave (and November), verified: excluded by the wave filter and by the period
/// Other invitations: A expired+delivered_at (no response), A failed, A sent without delivery; B delivered (no response).
/// Official figures count valid ballots only: A1, A2, A3 and B1. The partial A4 and B2 and the expired A5 count nowhere.
/// </summary>
public sealed class ScoringQueryTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    private const double Tolerance = 0.001;

    private readonly ScoringSeed _seed = new(db.DataSource);

    private const string Verified = ScoringSeed.Verified;

    [Fact]
    public async Task RunAsync_Should_MatchHandComputedTable_When_WaveHasCompletedPartialAndSkippedAnswers()
    {
        var seed = await SeedHandTableAsync();

        var report = await ScoringQuery.RunAsync(db.DataSource, ScoreFilter.ForWave(seed.Wave), TestContext.Current.CancellationToken);

        Assert.Equal([seed.AgencyA, seed.AgencyB], report.Agencies.Select(a => a.AgencyCode));
        var a = report.Agencies[0];
        var b = report.Agencies[1];

        // ---- Agency A: 3 valid ballots (A1–A3); the partial A4 and the expired A5 are not counted at all.
        Assert.Equal("Sở A", a.AgencyName);
        Assert.Equal(3, a.Responses);
        Assert.Equal(["E1", "E2", "E3"], a.Elements.Select(e => e.ElementCode));
        var (aE1, aE2, aE3) = (a.Elements[0], a.Elements[1], a.Elements[2]);
        Assert.Equal(ElementBasis.Criteria, aE1.Basis);
        Assert.Equal(ElementBasis.ElementQuestion, aE3.Basis);

        // Counts are ballots (people): a criterion's count is its valid answers (one per ballot), an element's or the
        // agency's the ballots with a valid answer behind it.
        // E1.C1: 5,4,2 → n 3, 4–5: 2 → 66.667 %; mean 11/3; Wilson(2,3) = 20.765–93.851 (A4's 5 and A5's 1 are not counted)
        AssertFigure(aE1.Criteria[0], "E1.C1", 3, 200.0 / 3, 11.0 / 3, 20.765, 93.851);
        // E1.C2: 4,(skip),3 → n 2, 4–5: 1 → 50 %; mean 3.5; Wilson(1,2) = 9.453–90.547
        AssertFigure(aE1.Criteria[1], "E1.C2", 2, 50.0, 3.5, 9.453, 90.547);
        // E1 = mean of its criteria = (66.667 + 50) / 2 = 58.333 %; mean (3.667 + 3.5) / 2 = 3.5833; 3 ballots, 5 answers.
        // Linearised over ballots: d = Σ (y − R_c) / (2·N_c): A1 (1−⅔)/6 + (1−½)/4 = 0.18056; A2 (1−⅔)/6 = 0.05556;
        // A3 (0−⅔)/6 + (0−½)/4 = −0.23611; variance = 3/2 · Σd² = 0.13715; effective n = p(1−p)/variance
        // = 0.24306 / 0.13715 = 1.7722 → Wilson(0.58333, 1.7722) = 11.451–93.811
        AssertFigure(aE1, 3, 175.0 / 3, 3.5833, 11.451, 93.811);
        Assert.Equal(5, aE1.Answers);
        // E1.S (4,5,2) is reported on its own and does not enter E1: n 3, 2 → 66.667 %, mean 11/3
        AssertFigure(aE1.ElementQuestion!, "E1.S", 3, 200.0 / 3, 11.0 / 3, 20.765, 93.851);
        // E2.C1: 3,5,4 → n 3, 2 → 66.667 %, mean 4.0;  E2.C2: 2,4,(missing) → n 2, 1 → 50 %, mean 3.0, Wilson(1,2) = 9.453–90.547
        AssertFigure(aE2.Criteria[0], "E2.C1", 3, 200.0 / 3, 4.0, 20.765, 93.851);
        AssertFigure(aE2.Criteria[1], "E2.C2", 2, 50.0, 3.0, 9.453, 90.547);
        // E2 = (66.667 + 50) / 2 = 58.333 %; mean (4 + 3) / 2 = 3.5; the same influences in another order → 11.451–93.811
        AssertFigure(aE2, 3, 175.0 / 3, 3.5, 11.451, 93.811);
        // E3 from E3.S alone (one question, one answer per ballot: Wilson): 5,4,3 → n 3, 2 → 66.667 %; mean 4.0
        Assert.Empty(aE3.Criteria);
        AssertFigure(aE3, 3, 200.0 / 3, 4.0, 20.765, 93.851);
        // A index = (58.333 + 58.333 + 66.667) / 3 = 61.111; mean = (3.5833 + 3.5 + 4) / 3 = 3.6944; 3 ballots, 13 answers;
        // the ballots' influences averaged over the elements → effective n 4.9879 → Wilson = 23.759–88.794, wider than the
        // 13 answers taken as independent would give.
        AssertFigure(a.Index, a.Mean, a.CiLow, a.CiHigh, a.Count, 550.0 / 9, 3.6944, 23.759, 88.794, 3);
        Assert.Equal(13, a.Answers);
        // OVERALL 4,5,3 → reported beside, not in the index.
        AssertFigure(a.OverallQuestion!, "OVERALL", 3, 200.0 / 3, 4.0, 20.765, 93.851);

        // ---- Agency B: 1 valid ballot (B1); the partial B2 is not counted.
        Assert.Equal(1, b.Responses);
        var (bE1, bE2, bE3) = (b.Elements[0], b.Elements[1], b.Elements[2]);
        // E1.C1: 4 → 1/1 = 100 %, mean 4, Wilson(1,1) = 20.654–100; E1.C2 the same; E1 = 100 %, mean 4: one ballot, no
        // spread to measure → Wilson at n = 1 ballot = 20.654–100
        AssertFigure(bE1.Criteria[0], "E1.C1", 1, 100.0, 4.0, 20.654, 100.0);
        AssertFigure(bE1.Criteria[1], "E1.C2", 1, 100.0, 4.0, 20.654, 100.0);
        AssertFigure(bE1, 1, 100.0, 4.0, 20.654, 100.0);
        // E2: 4,5 → 100 %, mean 4.5, one ballot
        AssertFigure(bE2, 1, 100.0, 4.5, 20.654, 100.0);
        // E3.S skipped → no valid answer: listed, count 0, no figures.
        Assert.Equal(0, bE3.Count);
        Assert.Null(bE3.Index);
        Assert.Null(bE3.Mean);
        Assert.Null(bE3.CiLow);
        Assert.True(bE3.LowSample);
        // B index = mean of the elements that have answers = 100; mean (4 + 4.5) / 2 = 4.25; 1 ballot
        AssertFigure(b.Index, b.Mean, b.CiLow, b.CiHigh, b.Count, 100.0, 4.25, 20.654, 100.0, 1);

        // ---- Overall line: the mean of the agencies' figures (wave X excluded).
        var all = report.Overall;
        Assert.Equal(4, all.Responses);
        Assert.Equal(2, all.Agencies);
        // E1: (58.333 + 100) / 2 = 79.167 %, mean (3.5833 + 4) / 2 = 3.7917; variance = (v_A + v_B) / 4 where B, showing no
        // spread, takes the Agresti–Coull variance p̃(1−p̃)/1 with p̃ = 3/5 → 0.24: (0.13715 + 0.24) / 4 = 0.094288 →
        // effective n 1.7492 → Wilson 19.947–98.304
        AssertFigure(all.Elements[0], 4, 79.1667, 3.7917, 19.947, 98.304);
        AssertFigure(all.Elements[1], 4, 79.1667, 4.0, 19.947, 98.304);
        // E3: A's alone → 66.667 %
        AssertFigure(all.Elements[2], 3, 200.0 / 3, 4.0, 20.765, 93.851);
        // index (61.111 + 100) / 2 = 80.556; mean (3.6944 + 4.25) / 2 = 3.9722; 4 ballots; variance (0.04762 + 0.24) / 4 →
        // effective n 2.1782 → Wilson 23.910–98.202
        AssertFigure(all.Index, all.Mean, all.CiLow, all.CiHigh, all.Count, 80.5556, 3.9722, 23.910, 98.202, 4);

        Assert.Contains("mean of the agencies' figures", report.OverallRule, StringComparison.Ordinal);
        Assert.Contains("mean of its criteria", report.ElementRule, StringComparison.Ordinal);
        Assert.Contains("mean of its element indices", report.AgencyRule, StringComparison.Ordinal);
        Assert.Equal(seed.Questionnaire, report.Questionnaire!.Id);
        Assert.Equal(4, report.Questionnaire.Ballots);
        Assert.Empty(report.OtherQuestionnaires);
        Assert.Contains("4", report.IndexRule, StringComparison.Ordinal);
        Assert.Equal(BallotSet.Official, report.Ballots);
        Assert.Equal(["speeder"], report.ExcludedFlags);
        Assert.Contains("partial", report.BallotRule, StringComparison.Ordinal);
        Assert.Equal(ScoreFilter.DefaultMinimumCount, report.MinimumCount);
    }

    [Fact]
    public async Task RunAsync_Should_ComputeResponseRate_When_InvitationsDelivered()
    {
        var seed = await SeedHandTableAsync();

        var report = await ScoringQuery.RunAsync(db.DataSource, ScoreFilter.ForWave(seed.Wave), TestContext.Current.CancellationToken);

        var a = report.Agencies.Single(x => x.AgencyCode == seed.AgencyA);
        var b = report.Agencies.Single(x => x.AgencyCode == seed.AgencyB);
        // A delivered: A1, A2 (status delivered), A4's (delivered_at set), the expired one with delivered_at = 4;
        // failed and sent-without-delivery are not delivered. Completed among them: A1, A2 → 2 / 4 = 0.5.
        // (A3 is a valid ballot that came without an invitation: counted in responses, not in the rate.)
        Assert.Equal(4, a.DeliveredInvitations);
        Assert.Equal(0.5, a.ResponseRate!.Value, Tolerance);
        // B delivered: B1's (answered, so delivered), B2's, one more = 3; completed: B1 → 1/3.
        Assert.Equal(3, b.DeliveredInvitations);
        Assert.Equal(1.0 / 3, b.ResponseRate!.Value, Tolerance);
        // All: 3 completed / 7 delivered.
        Assert.Equal(7, report.Overall.DeliveredInvitations);
        Assert.Equal(3.0 / 7, report.Overall.ResponseRate!.Value, Tolerance);
    }

    [Fact]
    public async Task RunAsync_Should_FlagLowSample_When_CountBelowMinimum()
    {
        var seed = await SeedHandTableAsync();

        var strict = await ScoringQuery.RunAsync(db.DataSource, ScoreFilter.ForWave(seed.Wave), TestContext.Current.CancellationToken);
        var lenient = await ScoringQuery.RunAsync(db.DataSource, ScoreFilter.ForWave(seed.Wave) with { MinimumCount = 3 },
            TestContext.Current.CancellationToken);
        var four = await ScoringQuery.RunAsync(db.DataSource, ScoreFilter.ForWave(seed.Wave) with { MinimumCount = 4 },
            TestContext.Current.CancellationToken);

        // Default minimum 30: nothing in this small table reaches it.
        Assert.All(strict.Agencies, a => Assert.True(a.LowSample));
        Assert.All(strict.Agencies.SelectMany(a => a.Elements), e => Assert.True(e.LowSample));
        Assert.True(strict.Overall.LowSample);
        Assert.Contains("30", strict.LowSampleRule, StringComparison.Ordinal);

        // Minimum 3 ballots: exactly 3 is enough, 2 or fewer is not.
        var a = lenient.Agencies.Single(x => x.AgencyCode == seed.AgencyA);
        var b = lenient.Agencies.Single(x => x.AgencyCode == seed.AgencyB);
        Assert.False(a.Elements[0].Criteria[0].LowSample); // E1.C1, 3 ballots
        Assert.True(a.Elements[0].Criteria[1].LowSample);  // E1.C2, 2 ballots
        Assert.False(a.Elements[0].LowSample);             // E1, 3 ballots (5 answers)
        Assert.False(a.LowSample);                          // 3 ballots (13 answers)
        Assert.True(b.Elements[0].LowSample);              // E1, 1 ballot
        Assert.True(b.LowSample);                           // 1 ballot
        Assert.False(lenient.Overall.LowSample);            // 4 ballots
        Assert.Contains("3", lenient.LowSampleRule, StringComparison.Ordinal);
        Assert.Contains("ballots", lenient.LowSampleRule, StringComparison.Ordinal);

        // Minimum 4: A's 13 answers from 3 people are too few — counted in people, never in answers.
        var a4 = four.Agencies.Single(x => x.AgencyCode == seed.AgencyA);
        Assert.Equal(13, a4.Answers);
        Assert.True(a4.LowSample);
        Assert.True(a4.Elements[0].LowSample);
        Assert.False(four.Overall.LowSample);
    }

    [Fact]
    public async Task RunAsync_Should_FilterByAgencyAndPeriod_When_NoWaveGiven()
    {
        var seed = await SeedHandTableAsync();
        var october = new ScoreFilter
        {
            AgencyCode = seed.AgencyA,
            From = new DateTimeOffset(2026, 10, 1, 0, 0, 0, TimeSpan.FromHours(7)),
            To = new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.FromHours(7)),
        };

        var inOctober = await ScoringQuery.RunAsync(db.DataSource, october, TestContext.Current.CancellationToken);
        var allTime = await ScoringQuery.RunAsync(db.DataSource, new ScoreFilter { AgencyCode = seed.AgencyA },
            TestContext.Current.CancellationToken);

        // October holds exactly the wave's responses of A (X was completed in November): same figures as the hand table.
        var a = Assert.Single(inOctober.Agencies);
        Assert.Equal(seed.AgencyA, a.AgencyCode);
        Assert.Equal(3, a.Responses);
        AssertFigure(a.Index, a.Mean, a.CiLow, a.CiHigh, a.Count, 550.0 / 9, 3.6944, 23.759, 88.794, 3);
        Assert.Equal(0.5, a.ResponseRate!.Value, Tolerance);

        // Without the period, X (all ones) joins: E1.C1 5,4,2,1 → 2/4 = 50 %, E1.C2 4,3,1 → 1/3; E1 = (50 + 33.333) / 2.
        var withX = Assert.Single(allTime.Agencies);
        Assert.Equal(4, withX.Responses);
        Assert.Equal(4, withX.Elements[0].Count);
        Assert.Equal(7, withX.Elements[0].Answers);
        Assert.Equal(125.0 / 3, withX.Elements[0].Index!.Value, Tolerance);
    }

    [Fact]
    public async Task Report_Should_SerialiseToPublicContract_When_WrittenAsCamelCaseJson()
    {
        var seed = await SeedHandTableAsync();
        var report = await ScoringQuery.RunAsync(db.DataSource, ScoreFilter.ForWave(seed.Wave), TestContext.Current.CancellationToken);

        // docs/design.md#endpoints: {"agencies":[{"agencyCode","responses","index","mean","ciLow","ciHigh","elements":[…]}]}
        using var json = JsonDocument.Parse(JsonSerializer.Serialize(report, new JsonSerializerOptions(JsonSerializerDefaults.Web)));

        var agency = json.RootElement.GetProperty("agencies")[0];
        Assert.Equal(seed.AgencyA, agency.GetProperty("agencyCode").GetString());
        Assert.Equal(3, agency.GetProperty("responses").GetInt32());
        Assert.Equal(550.0 / 9, agency.GetProperty("index").GetDouble(), Tolerance);
        Assert.Equal(3.6944, agency.GetProperty("mean").GetDouble(), Tolerance);
        Assert.Equal(23.759, agency.GetProperty("ciLow").GetDouble(), Tolerance);
        Assert.Equal(88.794, agency.GetProperty("ciHigh").GetDouble(), Tolerance);
        Assert.Equal("department", agency.GetProperty("block").GetString());
        Assert.Equal(JsonValueKind.Null, agency.GetProperty("blockRank").ValueKind); // 3 ballots < 30: not ranked
        var block = json.RootElement.GetProperty("blocks")[0];
        Assert.Equal("department", block.GetProperty("block").GetString());
        Assert.Equal(4, block.GetProperty("ballots").GetInt32());
        Assert.Equal(2, block.GetProperty("agencies").GetInt32());
        Assert.Equal(80.5556, block.GetProperty("index").GetDouble(), Tolerance);
        Assert.Equal(JsonValueKind.Number, block.GetProperty("ciLow").ValueKind);
        Assert.Equal(JsonValueKind.Number, block.GetProperty("ciHigh").ValueKind);
        Assert.Equal("meanOfCriteria", agency.GetProperty("elements")[0].GetProperty("rule").GetString());
        Assert.Equal("meanOfElements", agency.GetProperty("rule").GetString());
        var element = agency.GetProperty("elements")[0];
        Assert.Equal("E1", element.GetProperty("elementCode").GetString());
        Assert.Equal("criteria", element.GetProperty("basis").GetString());
        Assert.Equal("elementQuestion", agency.GetProperty("elements")[2].GetProperty("basis").GetString());
        Assert.Equal("E1.C1", element.GetProperty("criteria")[0].GetProperty("criterionCode").GetString());
        var empty = json.RootElement.GetProperty("agencies")[1].GetProperty("elements")[2];
        Assert.Equal(JsonValueKind.Null, empty.GetProperty("index").ValueKind);
        Assert.Equal(0, empty.GetProperty("count").GetInt32());
        Assert.False(string.IsNullOrEmpty(json.RootElement.GetProperty("overallRule").GetString()));
        Assert.Equal("official", json.RootElement.GetProperty("ballots").GetString());
        Assert.Equal("speeder", json.RootElement.GetProperty("excludedFlags")[0].GetString());
        Assert.False(agency.TryGetProperty("partialResponses", out _));
    }

    [Fact]
    public async Task RunAsync_Should_ReturnEmptyReport_When_WaveHasNoResponses()
    {
        var seed = await SeedHandTableAsync();
        var emptyWave = await _seed.ScalarAsync<long>(
            "INSERT INTO waves (name, questionnaire_id, results_from, results_to, seed) VALUES ('empty', @q, DATE '2026-10-01', DATE '2026-10-31', 1) RETURNING id",
            ("q", seed.Questionnaire));

        var report = await ScoringQuery.RunAsync(db.DataSource, ScoreFilter.ForWave(emptyWave), TestContext.Current.CancellationToken);

        Assert.Empty(report.Agencies);
        Assert.Empty(report.Blocks);
        Assert.Equal(0, report.Overall.Responses);
        Assert.Null(report.Overall.Index);
        Assert.Null(report.Overall.ResponseRate);
        // The wave's questionnaire is still the one version behind its (empty) figures: its elements are listed, unscored.
        Assert.Equal(seed.Questionnaire, report.Questionnaire!.Id);
        Assert.Equal(0, report.Questionnaire.Ballots);
        Assert.All(report.Overall.Elements, e => Assert.Null(e.Index));
    }

    [Fact]
    public async Task RunAsync_Should_Throw_When_PeriodReversed()
    {
        var filter = new ScoreFilter { From = DateTimeOffset.UnixEpoch.AddDays(2), To = DateTimeOffset.UnixEpoch };

        await Assert.ThrowsAsync<ArgumentException>(() =>
            ScoringQuery.RunAsync(db.DataSource, filter, TestContext.Current.CancellationToken));
    }

    /// <summary>
    /// One agency, one element question (E3.S) per ballot, every kind of response:
    ///   sampled 4 · interviewer 5 · verified 2 · open 1 · open 5 · verified speeder 1 · sampled straight-liner 1 ·
    ///   sampled partial 1 · sampled expired 1.
    /// </summary>
    [Fact]
    public async Task RunAsync_Should_CountValidBallotsOnly_When_OpenFlaggedAndPartialResponsesPresent()
    {
        var seed = await SeedHandTableAsync();
        var kinds = await SeedBallotKindsAsync(seed);
        var cancel = TestContext.Current.CancellationToken;
        var filter = ScoreFilter.ForWave(kinds.Wave);

        var byDefault = await ScoringQuery.RunAsync(db.DataSource, filter, cancel);
        var noStraightLiners = await ScoringQuery.RunAsync(db.DataSource, filter with { ExcludeStraightLiners = true }, cancel);
        var keepSpeeders = await ScoringQuery.RunAsync(db.DataSource, filter with { ExcludeSpeeders = false }, cancel);
        var open = await ScoringQuery.RunAsync(db.DataSource, filter with { Ballots = BallotSet.Open }, cancel);

        // Default (speeders out, straight-liners in): sampled 4, interviewer 5, verified 2, straight-liner 1 → 2 of 4 rated 4–5.
        Assert.Equal(4, byDefault.Overall.Responses);
        AssertE3(byDefault, 4, 50.0, 12.0 / 4);
        Assert.Equal(["speeder"], byDefault.ExcludedFlags);
        // Straight-liners excluded too: 4, 5, 2 → 2 of 3.
        Assert.Equal(3, noStraightLiners.Overall.Responses);
        AssertE3(noStraightLiners, 3, 200.0 / 3, 11.0 / 3);
        Assert.Equal(["speeder", "straight_liner"], noStraightLiners.ExcludedFlags);
        Assert.Contains("straight_liner", noStraightLiners.BallotRule, StringComparison.Ordinal);
        // Speeders kept: 4, 5, 2, 1, 1 → 2 of 5.
        Assert.Equal(5, keepSpeeders.Overall.Responses);
        AssertE3(keepSpeeders, 5, 40.0, 13.0 / 5);
        Assert.Empty(keepSpeeders.ExcludedFlags!);
        // The open answers alone (1 and 5), never mixed with the official ones; no response rate.
        Assert.Equal(BallotSet.Open, open.Ballots);
        Assert.Equal(2, open.Overall.Responses);
        AssertE3(open, 2, 50.0, 3.0);
        Assert.Null(open.Overall.ResponseRate);
        Assert.Contains("open", open.BallotRule, StringComparison.Ordinal);

        // Comments follow the same ballots: the open ballot's comment is not among the official ones.
        var officialComments = await CommentsQuery.ListAsync(db.DataSource, filter, 0, 10, cancel);
        var openComments = await CommentsQuery.ListAsync(db.DataSource, filter with { Ballots = BallotSet.Open }, 0, 10, cancel);
        Assert.Equal(["line\tone\nline two", "sampled says"], officialComments.Items.Select(c => c.Text).Order(StringComparer.Ordinal));
        Assert.Equal(["open says"], openComments.Items.Select(c => c.Text));
    }

    [Fact]
    public async Task BallotChecksum_Should_MatchTheDocumentedRecipe_When_RecomputedInSql()
    {
        var seed = await SeedHandTableAsync();
        var kinds = await SeedBallotKindsAsync(seed);
        var cancel = TestContext.Current.CancellationToken;
        await using var connection = await db.DataSource.OpenConnectionAsync(cancel);

        var seal = await BallotChecksum.ComputeAsync(connection, ScoreFilter.ForWave(kinds.Wave), cancel);
        var empty = await BallotChecksum.ComputeAsync(connection, ScoreFilter.ForWave(kinds.EmptyWave), cancel);

        // docs/methodology.md, "The ballot checksum": the same recipe written in SQL, esc() spelled out.
        static string Esc(string x) => """replace(replace(replace(replace(X, '\', '\\'), E'\t', '\t'), E'\n', '\n'), E'\r', '\r')""".Replace("X", x, StringComparison.Ordinal);
        var recipe =
            $$"""
            SELECT count(*)::integer AS ballots,
                   encode(sha256(convert_to(coalesce(string_agg(line, '' ORDER BY id), ''), 'UTF8')), 'hex') AS checksum
            FROM (
                SELECT r.id,
                       r.id || E'\t' || to_char(r.completed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
                       || coalesce((SELECT string_agg(E'\t' || {{Esc("a.question_code")}} || '=' ||
                                                      {{Esc("coalesce(a.rating::text, a.choice, a.text_value, '')")}},
                                                      '' ORDER BY a.question_code COLLATE "C")
                                    FROM answers a WHERE a.response_id = r.id), '')
                       || E'\n' AS line
                FROM responses r
                WHERE r.wave_id = @wave AND r.status = 'completed'
                  AND r.provenance IN ('sampled', 'interviewer', 'verified') AND NOT r.speeder
            ) ballots
            """;
        async Task<(int Ballots, string Checksum)> RecomputeAsync(long wave)
        {
            await using var command = new NpgsqlCommand(recipe, connection);
            command.Parameters.AddWithValue("wave", wave);
            await using var reader = await command.ExecuteReaderAsync(cancel);
            await reader.ReadAsync(cancel);
            return (reader.GetInt32(0), reader.GetString(1));
        }

        Assert.Equal(4, seal.Ballots);
        Assert.Equal(await RecomputeAsync(kinds.Wave), (seal.Ballots, seal.Sha256));
        Assert.Matches("^[0-9a-f]{64}$", seal.Sha256);
        Assert.Equal((0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"), (empty.Ballots, empty.Sha256));
        Assert.Equal(await RecomputeAsync(kinds.EmptyWave), (empty.Ballots, empty.Sha256));
        // Text with a tab and a line break is escaped, so it cannot fake a second ballot line.
        Assert.Equal(@"a\\b\tc\nd\r", BallotChecksum.Escape("a\\b\tc\nd\r"));

        // Any change to a counted answer changes the checksum; a change to an uncounted (open) ballot does not.
        await using (var change = new NpgsqlCommand("UPDATE answers SET text_value = 'open changed' WHERE response_id = @r", connection))
        {
            change.Parameters.AddWithValue("r", kinds.OpenResponse);
            await change.ExecuteNonQueryAsync(cancel);
        }

        Assert.Equal(seal, await BallotChecksum.ComputeAsync(connection, ScoreFilter.ForWave(kinds.Wave), cancel));
        await using (var change = new NpgsqlCommand("UPDATE answers SET rating = 3 WHERE response_id = @r AND kind = 'rating'", connection))
        {
            change.Parameters.AddWithValue("r", kinds.SampledResponse);
            await change.ExecuteNonQueryAsync(cancel);
        }

        Assert.NotEqual(seal.Sha256, (await BallotChecksum.ComputeAsync(connection, ScoreFilter.ForWave(kinds.Wave), cancel)).Sha256);
    }

    [Fact]
    public async Task ForAgency_Should_EqualTheAgencyScoredAlone_When_ReportNarrowedInMemory()
    {
        var seed = await SeedHandTableAsync();
        var cancel = TestContext.Current.CancellationToken;
        var whole = await ScoringQuery.RunAsync(db.DataSource, ScoreFilter.ForWave(seed.Wave), cancel);
        var alone = await ScoringQuery.RunAsync(db.DataSource, ScoreFilter.ForWave(seed.Wave) with { AgencyCode = seed.AgencyB }, cancel);

        var narrowed = whole.ForAgency(seed.AgencyB);
        var none = whole.ForAgency("NO-SUCH");

        var json = new JsonSerializerOptions(JsonSerializerDefaults.Web);
        Assert.Equal(JsonSerializer.Serialize(alone.Agencies, json), JsonSerializer.Serialize(narrowed.Agencies, json));
        Assert.Equal(alone.Overall.Responses, narrowed.Overall.Responses);
        Assert.Equal(alone.Overall.Index!.Value, narrowed.Overall.Index!.Value, Tolerance);
        Assert.Equal(alone.Overall.CiLow!.Value, narrowed.Overall.CiLow!.Value, Tolerance);
        Assert.Equal(alone.Overall.Count, narrowed.Overall.Count);
        Assert.Empty(none.Agencies);
        Assert.Equal(0, none.Overall.Responses);
        Assert.Null(none.Overall.Index);
    }

    private sealed record BallotKinds(long Wave, long EmptyWave, long SampledResponse, long OpenResponse);

    private async Task<BallotKinds> SeedBallotKindsAsync(HandTable seed)
    {
        var context = new ScoringSeed.SeedContext(Guid.NewGuid().ToString("N")[..8], await _seed.ScalarAsync<long>(
            "SELECT id FROM procedures ORDER BY id DESC LIMIT 1"), seed.Questionnaire);
        var agency = await _seed.ScalarAsync<long>("SELECT id FROM agencies WHERE code = @c", ("c", seed.AgencyA));
        var wave = await _seed.InsertWaveAsync(seed.Questionnaire);
        var emptyWave = await _seed.InsertWaveAsync(seed.Questionnaire);
        var at = new DateTimeOffset(2026, 10, 9, 2, 0, 0, TimeSpan.Zero).AddTicks(1230);
        var sampled = await _seed.InsertResponseAsync(context, wave, agency, await _seed.InsertInvitationAsync(context, wave, agency, "delivered", at),
            "completed", at, ("E3.S", "4"), ("COMMENT", "t:sampled says"));
        await _seed.InsertResponseAsync(context, wave, agency, null, "completed", at.AddMinutes(1), "interviewer", ("E3.S", "5"), ("E1.C1", "-"));
        await _seed.InsertResponseAsync(context, wave, agency, null, "completed", at.AddMinutes(2), Verified, ("E3.S", "2"), ("IMPROVE", "c:E1"));
        var open = await _seed.InsertResponseAsync(context, wave, agency, null, "completed", at.AddMinutes(3), ("E3.S", "1"), ("COMMENT", "t:open says"));
        await _seed.InsertResponseAsync(context, wave, agency, null, "completed", at.AddMinutes(4), ("E3.S", "5"));
        await _seed.InsertResponseAsync(context, wave, agency, null, "completed", at.AddMinutes(5), Verified, true, false, ("E3.S", "1"));
        await _seed.InsertResponseAsync(context, wave, agency, await _seed.InsertInvitationAsync(context, wave, agency, "delivered", at),
            "completed", at.AddMinutes(6), "sampled", false, true, ("E3.S", "1"), ("COMMENT", "t:line\tone\nline two"));
        await _seed.InsertResponseAsync(context, wave, agency, await _seed.InsertInvitationAsync(context, wave, agency, "delivered", at),
            "partial", at.AddMinutes(7), ("E3.S", "1"));
        await _seed.InsertResponseAsync(context, wave, agency, await _seed.InsertInvitationAsync(context, wave, agency, "delivered", at),
            "expired", at.AddMinutes(8), ("E3.S", "1"));
        return new BallotKinds(wave, emptyWave, sampled, open);
    }

    private static void AssertE3(ScoreReport report, int count, double index, double mean)
    {
        var e3 = Assert.Single(report.Overall.Elements, e => e.ElementCode == "E3");
        Assert.Equal(count, e3.Count);
        Assert.Equal(index, e3.Index!.Value, Tolerance);
        Assert.Equal(mean, e3.Mean!.Value, Tolerance);
    }

    private static void AssertFigure(ElementScore e, int count, double index, double mean, double low, double high)
    {
        AssertFigure(e.Index, e.Mean, e.CiLow, e.CiHigh, e.Count, index, mean, low, high, count);
    }

    private static void AssertFigure(CriterionScore c, string code, int count, double index, double mean, double low, double high)
    {
        Assert.Equal(code, c.CriterionCode);
        AssertFigure(c.Index, c.Mean, c.CiLow, c.CiHigh, c.Count, index, mean, low, high, count);
    }

    private static void AssertFigure(QuestionScore q, string code, int count, double index, double mean, double low, double high)
    {
        Assert.Equal(code, q.QuestionCode);
        AssertFigure(q.Index, q.Mean, q.CiLow, q.CiHigh, q.Count, index, mean, low, high, count);
    }

    private static void AssertFigure(
        double? index, double? mean, double? ciLow, double? ciHigh, int count,
        double expectedIndex, double expectedMean, double expectedLow, double expectedHigh, int expectedCount)
    {
        Assert.Equal(expectedCount, count);
        Assert.Equal(expectedIndex, index!.Value, Tolerance);
        Assert.Equal(expectedMean, mean!.Value, Tolerance);
        Assert.Equal(expectedLow, ciLow!.Value, Tolerance);
        Assert.Equal(expectedHigh, ciHigh!.Value, Tolerance);
    }

    private sealed record HandTable(long Wave, long Questionnaire, string AgencyA, string AgencyB);

    private const string Definition =
        """
        {"code":"t-score","version":1,"title":"Test","method":"test","intro":{"web":"Xin chào"},"thanks":{"web":"Cảm ơn"},
         "elements":[{"code":"E1","name":"Tiếp cận dịch vụ"},{"code":"E2","name":"Thủ tục hành chính"},{"code":"E3","name":"Công chức"}],
         "questions":[
          {"code":"E1.C1","kind":"rating","role":"criterion","element":"E1","text":"Biển hiệu rõ ràng"},
          {"code":"E1.C2","kind":"rating","role":"criterion","element":"E1","text":"Đủ ghế ngồi chờ"},
          {"code":"E1.S","kind":"rating","role":"element","element":"E1","text":"Hài lòng về tiếp cận"},
          {"code":"E2.C1","kind":"rating","role":"criterion","element":"E2","text":"Niêm yết công khai"},
          {"code":"E2.C2","kind":"rating","role":"criterion","element":"E2","text":"Đúng hạn"},
          {"code":"E2.S","kind":"rating","role":"element","element":"E2","text":"Hài lòng về thủ tục"},
          {"code":"E3.S","kind":"rating","role":"element","element":"E3","text":"Hài lòng về công chức"},
          {"code":"OVERALL","kind":"rating","role":"overall","text":"Hài lòng chung"},
          {"code":"IMPROVE","kind":"choice","role":"improve","text":"Cần cải thiện","options":[{"value":"E1","text":"E1"},{"value":"E2","text":"E2"}]},
          {"code":"COMMENT","kind":"text","role":"comment","text":"Ý kiến khác","optional":true}]}
        """;

    private async Task<HandTable> SeedHandTableAsync()
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        var agencyA = $"A-{tag}";
        var agencyB = $"B-{tag}";
        var a = await _seed.ScalarAsync<long>("INSERT INTO agencies (code, name, kind) VALUES (@c, 'Sở A', 'department') RETURNING id", ("c", agencyA));
        var b = await _seed.ScalarAsync<long>("INSERT INTO agencies (code, name, kind) VALUES (@c, 'Sở B', 'department') RETURNING id", ("c", agencyB));
        var procedure = await _seed.ScalarAsync<long>(
            "INSERT INTO procedures (code, name, short_name) VALUES (@c, 'Thủ tục', 'Thu tuc') RETURNING id", ("c", $"P-{tag}"));
        var questionnaire = await _seed.ScalarAsync<long>(
            "INSERT INTO questionnaires (code, version, title, definition) VALUES (@c, 1, 'Test', @d::jsonb) RETURNING id",
            ("c", $"q-{tag}"), ("d", Definition));
        var wave = await _seed.InsertWaveAsync(questionnaire);
        var otherWave = await _seed.InsertWaveAsync(questionnaire);

        var context = new ScoringSeed.SeedContext(tag, procedure, questionnaire);
        var oct = new DateTimeOffset(2026, 10, 5, 9, 0, 0, TimeSpan.Zero);

        var invA1 = await _seed.InsertInvitationAsync(context, wave, a, "delivered", oct);
        var invA2 = await _seed.InsertInvitationAsync(context, wave, a, "delivered", oct);
        var invA4 = await _seed.InsertInvitationAsync(context, wave, a, "sent", oct);
        await _seed.InsertInvitationAsync(context, wave, a, "expired", oct);
        await _seed.InsertInvitationAsync(context, wave, a, "failed", null);
        await _seed.InsertInvitationAsync(context, wave, a, "sent", null);
        var invB1 = await _seed.InsertInvitationAsync(context, wave, b, "sent", null);
        var invB2 = await _seed.InsertInvitationAsync(context, wave, b, "delivered", oct);
        await _seed.InsertInvitationAsync(context, wave, b, "delivered", oct);

        await _seed.InsertResponseAsync(context, wave, a, invA1, "completed", oct.AddDays(1),
            ("E1.C1", "5"), ("E1.C2", "4"), ("E1.S", "4"), ("E2.C1", "3"), ("E2.C2", "2"), ("E2.S", "3"), ("E3.S", "5"), ("OVERALL", "4"),
            ("IMPROVE", "c:E2"), ("COMMENT", "t:Nhanh"));
        await _seed.InsertResponseAsync(context, wave, a, invA2, "completed", oct.AddDays(2),
            ("E1.C1", "4"), ("E1.C2", "-"), ("E1.S", "5"), ("E2.C1", "5"), ("E2.C2", "4"), ("E2.S", "4"), ("E3.S", "4"), ("OVERALL", "5"));
        await _seed.InsertResponseAsync(context, wave, a, null, "completed", oct.AddDays(3), Verified,
            ("E1.C1", "2"), ("E1.C2", "3"), ("E1.S", "2"), ("E2.C1", "4"), ("E2.C2", "?"), ("E2.S", "4"), ("E3.S", "3"), ("OVERALL", "3"),
            ("COMMENT", "-"));
        await _seed.InsertResponseAsync(context, wave, a, invA4, "partial", oct.AddDays(15), ("E1.C1", "5"), ("E1.C2", "5"));
        await _seed.InsertResponseAsync(context, wave, a, null, "expired", oct.AddDays(20), ("E1.C1", "1"));
        await _seed.InsertResponseAsync(context, wave, b, invB1, "completed", oct.AddDays(4),
            ("E1.C1", "4"), ("E1.C2", "4"), ("E1.S", "4"), ("E2.C1", "4"), ("E2.C2", "5"), ("E2.S", "5"), ("E3.S", "-"), ("OVERALL", "4"));
        await _seed.InsertResponseAsync(context, wave, b, invB2, "partial", oct.AddDays(5), ("E1.C1", "3"), ("E1.C2", "2"));
        await _seed.InsertResponseAsync(context, otherWave, a, null, "completed", oct.AddDays(40), Verified,
            ("E1.C1", "1"), ("E1.C2", "1"), ("E1.S", "1"), ("E2.C1", "1"), ("E2.C2", "1"), ("E2.S", "1"), ("E3.S", "1"), ("OVERALL", "1"));

        return new HandTable(wave, questionnaire, agencyA, agencyB);
    }
}
