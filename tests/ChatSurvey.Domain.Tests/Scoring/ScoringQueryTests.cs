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
///   resp  agency status     E1.C1 E1.C2 E1.S | E2.C1 E2.C2 E2.S | E3.S | OVERALL  invitation
///   A1    A      completed    5     4    4   |   3     2    3   |  5   |   4      delivered
///   A2    A      completed    4     -    5   |   5     4    4   |  4   |   5      delivered
///   A3    A      completed    2     3    2   |   4     ?    4   |  3   |   3      none (QR)
///   A4    A      partial      5     5        |                  |      |          sent, delivered_at set
///   A5    A      expired      1            |                  |      |          none
///   B1    B      completed    4     4    4   |   4     5    5   |  -   |   4      sent, no delivery time (answered)
///   B2    B      partial      3     2        |                  |      |          delivered
///   X     A      completed  all 1 — in another wave (and November): excluded by the wave filter and by the period
/// Other invitations: A expired+delivered_at (no response), A failed, A sent without delivery; B delivered (no response).
/// </summary>
public sealed class ScoringQueryTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    private const double Tolerance = 0.001;

    [Fact]
    public async Task RunAsync_Should_MatchHandComputedTable_When_WaveHasCompletedPartialAndSkippedAnswers()
    {
        var seed = await SeedHandTableAsync();

        var report = await ScoringQuery.RunAsync(db.DataSource, ScoreFilter.ForWave(seed.Wave), TestContext.Current.CancellationToken);

        Assert.Equal([seed.AgencyA, seed.AgencyB], report.Agencies.Select(a => a.AgencyCode));
        var a = report.Agencies[0];
        var b = report.Agencies[1];

        // ---- Agency A: 3 completed (A1–A3), 2 partial (A4 partial, A5 expired).
        Assert.Equal("Sở A", a.AgencyName);
        Assert.Equal(3, a.Responses);
        Assert.Equal(2, a.PartialResponses);
        Assert.Equal(["E1", "E2", "E3"], a.Elements.Select(e => e.ElementCode));
        var (aE1, aE2, aE3) = (a.Elements[0], a.Elements[1], a.Elements[2]);
        Assert.Equal(ElementBasis.Criteria, aE1.Basis);
        Assert.Equal(ElementBasis.ElementQuestion, aE3.Basis);

        // E1.C1: 5,4,2,5,1 → n 5, 4–5: 3 → 60 %; mean 17/5 = 3.4; Wilson(3,5) = 23.072–88.238
        AssertFigure(aE1.Criteria[0], "E1.C1", 5, 60.0, 3.4, 23.072, 88.238);
        // E1.C2: 4,(skip),3,5 → n 3, 4–5: 2 → 66.667 %; mean 12/3 = 4.0; Wilson(2,3) = 20.765–93.851
        AssertFigure(aE1.Criteria[1], "E1.C2", 3, 200.0 / 3, 4.0, 20.765, 93.851);
        // E1 = criteria pooled: n 5+3 = 8, 4–5: 5 → 62.5 %; mean 29/8 = 3.625; Wilson(5,8) = 30.574–86.316
        AssertFigure(aE1, 8, 62.5, 3.625, 30.574, 86.316);
        // E1.S (4,5,2) is reported on its own and does not enter E1: n 3, 2 → 66.667 %, mean 11/3
        AssertFigure(aE1.ElementQuestion!, "E1.S", 3, 200.0 / 3, 11.0 / 3, 20.765, 93.851);
        // E2.C1: 3,5,4 → n 3, 2 → 66.667 %, mean 4.0;  E2.C2: 2,4,(missing) → n 2, 1 → 50 %, mean 3.0, Wilson(1,2) = 9.453–90.547
        AssertFigure(aE2.Criteria[0], "E2.C1", 3, 200.0 / 3, 4.0, 20.765, 93.851);
        AssertFigure(aE2.Criteria[1], "E2.C2", 2, 50.0, 3.0, 9.453, 90.547);
        // E2: n 5, 4–5: 3 → 60 %; mean 18/5 = 3.6; Wilson(3,5)
        AssertFigure(aE2, 5, 60.0, 3.6, 23.072, 88.238);
        // E3 from E3.S: 5,4,3 → n 3, 2 → 66.667 %; mean 4.0
        Assert.Empty(aE3.Criteria);
        AssertFigure(aE3, 3, 200.0 / 3, 4.0, 20.765, 93.851);
        // A index = (62.5 + 60 + 66.667) / 3 = 63.056; mean = (3.625 + 3.6 + 4) / 3 = 3.7417; count 8+5+3 = 16;
        // effective n = 3² / (1/8 + 1/5 + 1/3) = 13.671 → Wilson(.63056, 13.671) = 37.405–82.978
        AssertFigure(a.Index, a.Mean, a.CiLow, a.CiHigh, a.Count, 63.056, 3.7417, 37.405, 82.978, 16);
        // OVERALL 4,5,3 → reported beside, not in the index.
        AssertFigure(a.OverallQuestion!, "OVERALL", 3, 200.0 / 3, 4.0, 20.765, 93.851);

        // ---- Agency B: 1 completed, 1 partial.
        Assert.Equal(1, b.Responses);
        Assert.Equal(1, b.PartialResponses);
        var (bE1, bE2, bE3) = (b.Elements[0], b.Elements[1], b.Elements[2]);
        // E1.C1: 4,3 → 1/2 = 50 %, mean 3.5; E1.C2: 4,2 → 50 %, mean 3.0; E1: 2/4 = 50 %, mean 13/4 = 3.25, Wilson(2,4) = 15.004–84.996
        AssertFigure(bE1.Criteria[0], "E1.C1", 2, 50.0, 3.5, 9.453, 90.547);
        AssertFigure(bE1.Criteria[1], "E1.C2", 2, 50.0, 3.0, 9.453, 90.547);
        AssertFigure(bE1, 4, 50.0, 3.25, 15.004, 84.996);
        // E2: 4,5 → 2/2 = 100 %, mean 4.5, Wilson(2,2) = 34.237–100
        AssertFigure(bE2, 2, 100.0, 4.5, 34.237, 100.0);
        // E3.S skipped → no valid answer: listed, count 0, no figures.
        Assert.Equal(0, bE3.Count);
        Assert.Null(bE3.Index);
        Assert.Null(bE3.Mean);
        Assert.Null(bE3.CiLow);
        Assert.True(bE3.LowSample);
        // B index = mean of the elements that have answers = (50 + 100) / 2 = 75; mean (3.25 + 4.5) / 2 = 3.875; count 6;
        // effective n = 2² / (1/4 + 1/2) = 5.333 → Wilson(.75, 5.333) = 34.622–94.443
        AssertFigure(b.Index, b.Mean, b.CiLow, b.CiHigh, b.Count, 75.0, 3.875, 34.622, 94.443, 6);

        // ---- Overall line: answers pooled per element over A and B (wave X excluded), then averaged.
        var all = report.Overall;
        Assert.Equal(4, all.Responses);
        Assert.Equal(3, all.PartialResponses);
        // E1: 12 answers, 7 rated 4–5 → 58.333 %, mean 42/12 = 3.5, Wilson(7,12) = 31.951–80.674
        AssertFigure(all.Elements[0], 12, 700.0 / 12, 3.5, 31.951, 80.674);
        // E2: 7 answers, 5 → 71.429 %, mean 27/7 = 3.857, Wilson(5,7) = 35.893–91.778
        AssertFigure(all.Elements[1], 7, 500.0 / 7, 27.0 / 7, 35.893, 91.778);
        // E3: A's 3 answers only → 66.667 %
        AssertFigure(all.Elements[2], 3, 200.0 / 3, 4.0, 20.765, 93.851);
        // index (58.333 + 71.429 + 66.667) / 3 = 65.476; mean (3.5 + 3.857 + 4) / 3 = 3.7857; count 22;
        // effective n = 9 / (1/12 + 1/7 + 1/3) = 16.085 → Wilson = 41.405–83.580
        AssertFigure(all.Index, all.Mean, all.CiLow, all.CiHigh, all.Count, 65.476, 3.7857, 41.405, 83.580, 22);

        Assert.Contains("mean of the element indices", report.OverallRule, StringComparison.Ordinal);
        Assert.Contains("4", report.IndexRule, StringComparison.Ordinal);
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
        // (A3 is completed but came without an invitation: counted in responses, not in the rate.)
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
        var lenient = await ScoringQuery.RunAsync(db.DataSource, ScoreFilter.ForWave(seed.Wave) with { MinimumCount = 5 },
            TestContext.Current.CancellationToken);

        // Default minimum 30: nothing in this small table reaches it.
        Assert.All(strict.Agencies, a => Assert.True(a.LowSample));
        Assert.All(strict.Agencies.SelectMany(a => a.Elements), e => Assert.True(e.LowSample));
        Assert.True(strict.Overall.LowSample);
        Assert.Contains("30", strict.LowSampleRule, StringComparison.Ordinal);

        // Minimum 5: a count of exactly 5 is enough, 4 or fewer is not.
        var a = lenient.Agencies.Single(x => x.AgencyCode == seed.AgencyA);
        var b = lenient.Agencies.Single(x => x.AgencyCode == seed.AgencyB);
        Assert.False(a.Elements[0].Criteria[0].LowSample); // E1.C1, 5 answers
        Assert.True(a.Elements[0].Criteria[1].LowSample);  // E1.C2, 3 answers
        Assert.False(a.Elements[0].LowSample);             // E1, 8
        Assert.False(a.Elements[1].LowSample);             // E2, 5
        Assert.True(a.Elements[2].LowSample);              // E3, 3
        Assert.False(a.LowSample);                          // 16
        Assert.True(b.Elements[0].LowSample);              // E1, 4
        Assert.False(b.LowSample);                          // 6
        Assert.False(lenient.Overall.LowSample);            // 22
        Assert.Contains("5", lenient.LowSampleRule, StringComparison.Ordinal);
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
        Assert.Equal(2, a.PartialResponses);
        AssertFigure(a.Index, a.Mean, a.CiLow, a.CiHigh, a.Count, 63.056, 3.7417, 37.405, 82.978, 16);
        Assert.Equal(0.5, a.ResponseRate!.Value, Tolerance);

        // Without the period, X (all ones) joins: E1 gets 2 more answers, none 4–5 → 5/10 = 50 %.
        var withX = Assert.Single(allTime.Agencies);
        Assert.Equal(4, withX.Responses);
        Assert.Equal(10, withX.Elements[0].Count);
        Assert.Equal(50.0, withX.Elements[0].Index!.Value, Tolerance);
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
        Assert.Equal(63.056, agency.GetProperty("index").GetDouble(), Tolerance);
        Assert.Equal(3.7417, agency.GetProperty("mean").GetDouble(), Tolerance);
        Assert.Equal(37.405, agency.GetProperty("ciLow").GetDouble(), Tolerance);
        Assert.Equal(82.978, agency.GetProperty("ciHigh").GetDouble(), Tolerance);
        var element = agency.GetProperty("elements")[0];
        Assert.Equal("E1", element.GetProperty("elementCode").GetString());
        Assert.Equal("criteria", element.GetProperty("basis").GetString());
        Assert.Equal("elementQuestion", agency.GetProperty("elements")[2].GetProperty("basis").GetString());
        Assert.Equal("E1.C1", element.GetProperty("criteria")[0].GetProperty("criterionCode").GetString());
        var empty = json.RootElement.GetProperty("agencies")[1].GetProperty("elements")[2];
        Assert.Equal(JsonValueKind.Null, empty.GetProperty("index").ValueKind);
        Assert.Equal(0, empty.GetProperty("count").GetInt32());
        Assert.False(string.IsNullOrEmpty(json.RootElement.GetProperty("overallRule").GetString()));
    }

    [Fact]
    public async Task RunAsync_Should_ReturnEmptyReport_When_WaveHasNoResponses()
    {
        var seed = await SeedHandTableAsync();
        var emptyWave = await ScalarAsync<long>(
            "INSERT INTO waves (name, questionnaire_id, results_from, results_to, seed) VALUES ('empty', @q, DATE '2026-10-01', DATE '2026-10-31', 1) RETURNING id",
            ("q", seed.Questionnaire));

        var report = await ScoringQuery.RunAsync(db.DataSource, ScoreFilter.ForWave(emptyWave), TestContext.Current.CancellationToken);

        Assert.Empty(report.Agencies);
        Assert.Equal(0, report.Overall.Responses);
        Assert.Null(report.Overall.Index);
        Assert.Null(report.Overall.ResponseRate);
        Assert.Empty(report.Overall.Elements);
    }

    [Fact]
    public async Task RunAsync_Should_Throw_When_PeriodReversed()
    {
        var filter = new ScoreFilter { From = DateTimeOffset.UnixEpoch.AddDays(2), To = DateTimeOffset.UnixEpoch };

        await Assert.ThrowsAsync<ArgumentException>(() =>
            ScoringQuery.RunAsync(db.DataSource, filter, TestContext.Current.CancellationToken));
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
        var a = await ScalarAsync<long>("INSERT INTO agencies (code, name, kind) VALUES (@c, 'Sở A', 'department') RETURNING id", ("c", agencyA));
        var b = await ScalarAsync<long>("INSERT INTO agencies (code, name, kind) VALUES (@c, 'Sở B', 'department') RETURNING id", ("c", agencyB));
        var procedure = await ScalarAsync<long>(
            "INSERT INTO procedures (code, name, short_name) VALUES (@c, 'Thủ tục', 'Thu tuc') RETURNING id", ("c", $"P-{tag}"));
        var questionnaire = await ScalarAsync<long>(
            "INSERT INTO questionnaires (code, version, title, definition) VALUES (@c, 1, 'Test', @d::jsonb) RETURNING id",
            ("c", $"q-{tag}"), ("d", Definition));
        var wave = await InsertWaveAsync(questionnaire);
        var otherWave = await InsertWaveAsync(questionnaire);

        var context = new SeedContext(tag, procedure, questionnaire);
        var oct = new DateTimeOffset(2026, 10, 5, 9, 0, 0, TimeSpan.Zero);

        var invA1 = await InsertInvitationAsync(context, wave, a, "delivered", oct);
        var invA2 = await InsertInvitationAsync(context, wave, a, "delivered", oct);
        var invA4 = await InsertInvitationAsync(context, wave, a, "sent", oct);
        await InsertInvitationAsync(context, wave, a, "expired", oct);
        await InsertInvitationAsync(context, wave, a, "failed", null);
        await InsertInvitationAsync(context, wave, a, "sent", null);
        var invB1 = await InsertInvitationAsync(context, wave, b, "sent", null);
        var invB2 = await InsertInvitationAsync(context, wave, b, "delivered", oct);
        await InsertInvitationAsync(context, wave, b, "delivered", oct);

        await InsertResponseAsync(context, wave, a, invA1, "completed", oct.AddDays(1),
            ("E1.C1", "5"), ("E1.C2", "4"), ("E1.S", "4"), ("E2.C1", "3"), ("E2.C2", "2"), ("E2.S", "3"), ("E3.S", "5"), ("OVERALL", "4"),
            ("IMPROVE", "c:E2"), ("COMMENT", "t:Nhanh"));
        await InsertResponseAsync(context, wave, a, invA2, "completed", oct.AddDays(2),
            ("E1.C1", "4"), ("E1.C2", "-"), ("E1.S", "5"), ("E2.C1", "5"), ("E2.C2", "4"), ("E2.S", "4"), ("E3.S", "4"), ("OVERALL", "5"));
        await InsertResponseAsync(context, wave, a, null, "completed", oct.AddDays(3),
            ("E1.C1", "2"), ("E1.C2", "3"), ("E1.S", "2"), ("E2.C1", "4"), ("E2.C2", "?"), ("E2.S", "4"), ("E3.S", "3"), ("OVERALL", "3"),
            ("COMMENT", "-"));
        await InsertResponseAsync(context, wave, a, invA4, "partial", oct.AddDays(15), ("E1.C1", "5"), ("E1.C2", "5"));
        await InsertResponseAsync(context, wave, a, null, "expired", oct.AddDays(20), ("E1.C1", "1"));
        await InsertResponseAsync(context, wave, b, invB1, "completed", oct.AddDays(4),
            ("E1.C1", "4"), ("E1.C2", "4"), ("E1.S", "4"), ("E2.C1", "4"), ("E2.C2", "5"), ("E2.S", "5"), ("E3.S", "-"), ("OVERALL", "4"));
        await InsertResponseAsync(context, wave, b, invB2, "partial", oct.AddDays(5), ("E1.C1", "3"), ("E1.C2", "2"));
        await InsertResponseAsync(context, otherWave, a, null, "completed", oct.AddDays(40),
            ("E1.C1", "1"), ("E1.C2", "1"), ("E1.S", "1"), ("E2.C1", "1"), ("E2.C2", "1"), ("E2.S", "1"), ("E3.S", "1"), ("OVERALL", "1"));

        return new HandTable(wave, questionnaire, agencyA, agencyB);
    }

    private sealed class SeedContext(string tag, long procedure, long questionnaire)
    {
        private int _next;

        public string Tag { get; } = tag;

        public long Procedure { get; } = procedure;

        public long Questionnaire { get; } = questionnaire;

        public int Next() => ++_next;
    }

    private Task<long> InsertWaveAsync(long questionnaire) => ScalarAsync<long>(
        "INSERT INTO waves (name, questionnaire_id, results_from, results_to, seed) VALUES ('W', @q, DATE '2026-10-01', DATE '2026-10-31', 7) RETURNING id",
        ("q", questionnaire));

    private async Task<long> InsertInvitationAsync(SeedContext context, long wave, long agency, string status, DateTimeOffset? deliveredAt)
    {
        var n = context.Next();
        var phone = $"+8491{n:D7}"; // unique within the wave, which is all the schema asks
        var transaction = await ScalarAsync<long>(
            """
            INSERT INTO transactions (agency_id, procedure_id, dossier_code, phone, result_date)
            VALUES (@a, @p, @d, @phone, DATE '2026-09-30') RETURNING id
            """,
            ("a", agency), ("p", context.Procedure), ("d", $"HS-{context.Tag}-{n}"), ("phone", phone));
        return await ScalarAsync<long>(
            """
            INSERT INTO invitations (wave_id, transaction_id, agency_id, phone, code, status, planned_at, delivered_at, created_at)
            VALUES (@w, @t, @a, @phone, @code, @s, @planned, @delivered, @planned) RETURNING id
            """,
            ("w", wave), ("t", transaction), ("a", agency), ("phone", phone), ("code", $"c-{context.Tag}-{n}"), ("s", status),
            ("planned", new DateTimeOffset(2026, 10, 2, 1, 0, 0, TimeSpan.Zero)), ("delivered", deliveredAt));
    }

    private async Task InsertResponseAsync(
        SeedContext context, long wave, long agency, long? invitation, string status, DateTimeOffset at, params (string Code, string Value)[] answers)
    {
        var conversation = $"conv-{context.Tag}-{context.Next()}";
        await ScalarAsync<int>(
            "INSERT INTO conversations (id, channel, agency_id, questionnaire_id) VALUES (@id, 'test', @a, @q) RETURNING 1",
            ("id", conversation), ("a", agency), ("q", context.Questionnaire));
        var response = await ScalarAsync<long>(
            """
            INSERT INTO responses (conversation_id, invitation_id, wave_id, agency_id, questionnaire_id, channel, status, started_at, completed_at, provenance)
            VALUES (@conv, @inv, @w, @a, @q, 'sms', @s, @started, @completed, CASE WHEN @inv::bigint IS NULL THEN 'open' ELSE 'sampled' END) RETURNING id
            """,
            ("conv", conversation), ("inv", invitation), ("w", wave), ("a", agency), ("q", context.Questionnaire), ("s", status),
            ("started", at.AddMinutes(-10)), ("completed", status == "completed" ? at : null));
        foreach (var (code, value) in answers)
        {
            var (kind, rating, choice, text) = value switch
            {
                "-" => ("skipped", (short?)null, (string?)null, (string?)null),
                "?" => ("missing", null, null, null),
                _ when value.StartsWith("c:", StringComparison.Ordinal) => ("choice", null, value[2..], null),
                _ when value.StartsWith("t:", StringComparison.Ordinal) => ("text", null, null, value[2..]),
                _ => ("rating", short.Parse(value, System.Globalization.CultureInfo.InvariantCulture), null, null),
            };
            await ScalarAsync<int>(
                "INSERT INTO answers (response_id, question_code, kind, rating, choice, text_value) VALUES (@r, @c, @k, @rating, @choice, @text) RETURNING 1",
                ("r", response), ("c", code), ("k", kind), ("rating", rating), ("choice", choice), ("text", text));
        }
    }

    private async Task<T> ScalarAsync<T>(string sql, params (string Name, object? Value)[] parameters)
    {
        await using var command = db.DataSource.CreateCommand(sql);
        foreach (var (name, value) in parameters)
            command.Parameters.Add(new NpgsqlParameter(name, value ?? DBNull.Value));
        return (T)(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken))!;
    }
}
