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

        // E1.C1: 5,4,2 → n 3, 4–5: 2 → 66.667 %; mean 11/3; Wilson(2,3) = 20.765–93.851 (A4's 5 and A5's 1 are not counted)
        AssertFigure(aE1.Criteria[0], "E1.C1", 3, 200.0 / 3, 11.0 / 3, 20.765, 93.851);
        // E1.C2: 4,(skip),3 → n 2, 4–5: 1 → 50 %; mean 3.5; Wilson(1,2) = 9.453–90.547
        AssertFigure(aE1.Criteria[1], "E1.C2", 2, 50.0, 3.5, 9.453, 90.547);
        // E1 = criteria pooled: n 3+2 = 5, 4–5: 3 → 60 %; mean 18/5 = 3.6; Wilson(3,5) = 23.072–88.238
        AssertFigure(aE1, 5, 60.0, 3.6, 23.072, 88.238);
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
        // A index = (60 + 60 + 66.667) / 3 = 62.222; mean = (3.6 + 3.6 + 4) / 3 = 3.7333; count 5+5+3 = 13;
        // effective n = 3² / (1/5 + 1/5 + 1/3) = 12.273 → Wilson(.62222, 12.273) = 35.458–83.159
        AssertFigure(a.Index, a.Mean, a.CiLow, a.CiHigh, a.Count, 62.222, 3.7333, 35.458, 83.159, 13);
        // OVERALL 4,5,3 → reported beside, not in the index.
        AssertFigure(a.OverallQuestion!, "OVERALL", 3, 200.0 / 3, 4.0, 20.765, 93.851);

        // ---- Agency B: 1 valid ballot (B1); the partial B2 is not counted.
        Assert.Equal(1, b.Responses);
        var (bE1, bE2, bE3) = (b.Elements[0], b.Elements[1], b.Elements[2]);
        // E1.C1: 4 → 1/1 = 100 %, mean 4, Wilson(1,1) = 20.654–100; E1.C2 the same; E1: 2/2 = 100 %, mean 4, Wilson(2,2) = 34.237–100
        AssertFigure(bE1.Criteria[0], "E1.C1", 1, 100.0, 4.0, 20.654, 100.0);
        AssertFigure(bE1.Criteria[1], "E1.C2", 1, 100.0, 4.0, 20.654, 100.0);
        AssertFigure(bE1, 2, 100.0, 4.0, 34.237, 100.0);
        // E2: 4,5 → 2/2 = 100 %, mean 4.5, Wilson(2,2) = 34.237–100
        AssertFigure(bE2, 2, 100.0, 4.5, 34.237, 100.0);
        // E3.S skipped → no valid answer: listed, count 0, no figures.
        Assert.Equal(0, bE3.Count);
        Assert.Null(bE3.Index);
        Assert.Null(bE3.Mean);
        Assert.Null(bE3.CiLow);
        Assert.True(bE3.LowSample);
        // B index = mean of the elements that have answers = (100 + 100) / 2 = 100; mean (4 + 4.5) / 2 = 4.25; count 4;
        // effective n = 2² / (1/2 + 1/2) = 4 → Wilson(1, 4) = 51.010–100
        AssertFigure(b.Index, b.Mean, b.CiLow, b.CiHigh, b.Count, 100.0, 4.25, 51.010, 100.0, 4);

        // ---- Overall line: answers pooled per element over A and B (wave X excluded), then averaged.
        var all = report.Overall;
        Assert.Equal(4, all.Responses);
        // E1: 7 answers, 5 rated 4–5 → 71.429 %, mean 26/7 = 3.714, Wilson(5,7) = 35.893–91.778
        AssertFigure(all.Elements[0], 7, 500.0 / 7, 26.0 / 7, 35.893, 91.778);
        // E2: 7 answers, 5 → 71.429 %, mean 27/7 = 3.857, Wilson(5,7) = 35.893–91.778
        AssertFigure(all.Elements[1], 7, 500.0 / 7, 27.0 / 7, 35.893, 91.778);
        // E3: A's 3 answers only → 66.667 %
        AssertFigure(all.Elements[2], 3, 200.0 / 3, 4.0, 20.765, 93.851);
        // index (71.429 + 71.429 + 66.667) / 3 = 69.841; mean (3.714 + 3.857 + 4) / 3 = 3.8571; count 17;
        // effective n = 9 / (1/7 + 1/7 + 1/3) = 14.538 → Wilson = 44.306–87.082
        AssertFigure(all.Index, all.Mean, all.CiLow, all.CiHigh, all.Count, 69.841, 3.8571, 44.306, 87.082, 17);

        Assert.Contains("mean of the element indices", report.OverallRule, StringComparison.Ordinal);
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
        Assert.True(a.Elements[0].Criteria[0].LowSample);  // E1.C1, 3 answers
        Assert.True(a.Elements[0].Criteria[1].LowSample);  // E1.C2, 2 answers
        Assert.False(a.Elements[0].LowSample);             // E1, 5
        Assert.False(a.Elements[1].LowSample);             // E2, 5
        Assert.True(a.Elements[2].LowSample);              // E3, 3
        Assert.False(a.LowSample);                          // 13
        Assert.True(b.Elements[0].LowSample);              // E1, 2
        Assert.True(b.LowSample);                           // 4
        Assert.False(lenient.Overall.LowSample);            // 17
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
        AssertFigure(a.Index, a.Mean, a.CiLow, a.CiHigh, a.Count, 62.222, 3.7333, 35.458, 83.159, 13);
        Assert.Equal(0.5, a.ResponseRate!.Value, Tolerance);

        // Without the period, X (all ones) joins: E1 gets 2 more answers, none 4–5 → 3/7 = 42.857 %.
        var withX = Assert.Single(allTime.Agencies);
        Assert.Equal(4, withX.Responses);
        Assert.Equal(7, withX.Elements[0].Count);
        Assert.Equal(300.0 / 7, withX.Elements[0].Index!.Value, Tolerance);
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
        Assert.Equal(62.222, agency.GetProperty("index").GetDouble(), Tolerance);
        Assert.Equal(3.7333, agency.GetProperty("mean").GetDouble(), Tolerance);
        Assert.Equal(35.458, agency.GetProperty("ciLow").GetDouble(), Tolerance);
        Assert.Equal(83.159, agency.GetProperty("ciHigh").GetDouble(), Tolerance);
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
        var context = new SeedContext(Guid.NewGuid().ToString("N")[..8], await ScalarAsync<long>(
            "SELECT id FROM procedures ORDER BY id DESC LIMIT 1"), seed.Questionnaire);
        var agency = await ScalarAsync<long>("SELECT id FROM agencies WHERE code = @c", ("c", seed.AgencyA));
        var wave = await InsertWaveAsync(seed.Questionnaire);
        var emptyWave = await InsertWaveAsync(seed.Questionnaire);
        var at = new DateTimeOffset(2026, 10, 9, 2, 0, 0, TimeSpan.Zero).AddTicks(1230);
        var sampled = await InsertResponseAsync(context, wave, agency, await InsertInvitationAsync(context, wave, agency, "delivered", at),
            "completed", at, ("E3.S", "4"), ("COMMENT", "t:sampled says"));
        await InsertResponseAsync(context, wave, agency, null, "completed", at.AddMinutes(1), "interviewer", ("E3.S", "5"), ("E1.C1", "-"));
        await InsertResponseAsync(context, wave, agency, null, "completed", at.AddMinutes(2), Verified, ("E3.S", "2"), ("IMPROVE", "c:E1"));
        var open = await InsertResponseAsync(context, wave, agency, null, "completed", at.AddMinutes(3), ("E3.S", "1"), ("COMMENT", "t:open says"));
        await InsertResponseAsync(context, wave, agency, null, "completed", at.AddMinutes(4), ("E3.S", "5"));
        await InsertResponseAsync(context, wave, agency, null, "completed", at.AddMinutes(5), Verified, true, false, ("E3.S", "1"));
        await InsertResponseAsync(context, wave, agency, await InsertInvitationAsync(context, wave, agency, "delivered", at),
            "completed", at.AddMinutes(6), "sampled", false, true, ("E3.S", "1"), ("COMMENT", "t:line\tone\nline two"));
        await InsertResponseAsync(context, wave, agency, await InsertInvitationAsync(context, wave, agency, "delivered", at),
            "partial", at.AddMinutes(7), ("E3.S", "1"));
        await InsertResponseAsync(context, wave, agency, await InsertInvitationAsync(context, wave, agency, "delivered", at),
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
        await InsertResponseAsync(context, wave, a, null, "completed", oct.AddDays(3), Verified,
            ("E1.C1", "2"), ("E1.C2", "3"), ("E1.S", "2"), ("E2.C1", "4"), ("E2.C2", "?"), ("E2.S", "4"), ("E3.S", "3"), ("OVERALL", "3"),
            ("COMMENT", "-"));
        await InsertResponseAsync(context, wave, a, invA4, "partial", oct.AddDays(15), ("E1.C1", "5"), ("E1.C2", "5"));
        await InsertResponseAsync(context, wave, a, null, "expired", oct.AddDays(20), ("E1.C1", "1"));
        await InsertResponseAsync(context, wave, b, invB1, "completed", oct.AddDays(4),
            ("E1.C1", "4"), ("E1.C2", "4"), ("E1.S", "4"), ("E2.C1", "4"), ("E2.C2", "5"), ("E2.S", "5"), ("E3.S", "-"), ("OVERALL", "4"));
        await InsertResponseAsync(context, wave, b, invB2, "partial", oct.AddDays(5), ("E1.C1", "3"), ("E1.C2", "2"));
        await InsertResponseAsync(context, otherWave, a, null, "completed", oct.AddDays(40), Verified,
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

    private const string Verified = "verified";

    /// <summary>A response to an invitation is sampled; one without is open (unverified).</summary>
    private Task<long> InsertResponseAsync(
        SeedContext context, long wave, long agency, long? invitation, string status, DateTimeOffset at, params (string Code, string Value)[] answers) =>
        InsertResponseAsync(context, wave, agency, invitation, status, at, invitation is null ? "open" : "sampled", answers);

    private Task<long> InsertResponseAsync(
        SeedContext context, long wave, long agency, long? invitation, string status, DateTimeOffset at, string provenance,
        params (string Code, string Value)[] answers) =>
        InsertResponseAsync(context, wave, agency, invitation, status, at, provenance, false, false, answers);

    /// <summary>
    /// One response with its answers. A verified or interviewer ballot speaks for a dossier of its own (a transaction
    /// of the agency), as the schema requires.
    /// </summary>
    private async Task<long> InsertResponseAsync(
        SeedContext context, long wave, long agency, long? invitation, string status, DateTimeOffset at, string provenance,
        bool speeder, bool straightLiner, params (string Code, string Value)[] answers)
    {
        var n = context.Next();
        var conversation = $"conv-{context.Tag}-{n}";
        await ScalarAsync<int>(
            "INSERT INTO conversations (id, channel, agency_id, questionnaire_id) VALUES (@id, 'test', @a, @q) RETURNING 1",
            ("id", conversation), ("a", agency), ("q", context.Questionnaire));
        long? dossier = provenance is Verified or "interviewer"
            ? await ScalarAsync<long>(
                """
                INSERT INTO transactions (agency_id, procedure_id, dossier_code, phone, result_date)
                VALUES (@a, @p, @d, NULL, DATE '2026-09-30') RETURNING id
                """, ("a", agency), ("p", context.Procedure), ("d", $"HS-{context.Tag}-r{n}"))
            : null;
        var response = await ScalarAsync<long>(
            """
            INSERT INTO responses (conversation_id, invitation_id, wave_id, agency_id, questionnaire_id, channel, status, started_at,
                                   completed_at, provenance, transaction_id, speeder, straight_liner)
            VALUES (@conv, @inv, @w, @a, @q, 'sms', @s, @started, @completed, @provenance, @dossier, @speeder, @straight) RETURNING id
            """,
            ("conv", conversation), ("inv", invitation), ("w", wave), ("a", agency), ("q", context.Questionnaire), ("s", status),
            ("started", at.AddMinutes(-10)), ("completed", status == "completed" ? at : null), ("provenance", provenance),
            ("dossier", dossier), ("speeder", speeder), ("straight", straightLiner));
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

        return response;
    }

    private async Task<T> ScalarAsync<T>(string sql, params (string Name, object? Value)[] parameters)
    {
        await using var command = db.DataSource.CreateCommand(sql);
        foreach (var (name, value) in parameters)
            command.Parameters.Add(new NpgsqlParameter(name, value ?? DBNull.Value));
        return (T)(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken))!;
    }
}
