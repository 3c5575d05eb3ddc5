using System.Globalization;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ChatSurvey.Dispatcher.Jobs;
using ChatSurvey.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace ChatSurvey.BotHost.Tests.PublicResults;

/// <summary>
/// Anyone can recompute the published figures from the open data: <see cref="OpenDataCalculator"/> (code of the test's
/// own, following docs/methodology.md) recomputes every agency, element, criterion, block and overall index from
/// <c>answers.csv</c>, and they match <c>GET /api/public/results</c> to 0.01; <c>results.csv</c> gives exactly the API's
/// figures, row by row. For an interim wave on the full form and on the SMS form (element questions), and for a
/// completed wave whose figures are frozen while a late ballot arrives.
/// </summary>
public sealed class OpenDataRecomputationTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 4, 10, 3, 0, 0, TimeSpan.Zero));
    private TestDatabase _database = null!;
    private BotHostFactory _factory = null!;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _database = await (await PostgresServer.GetAsync()).CreateDatabaseAsync();
        _factory = new BotHostFactory(_database.ConnectionString,
        [
            new("Storage:SeedDemoData", "false"),
            new("Dispatcher:Enabled", "false"),
            new("WebChat:TokenSigningKey", "open-data-recomputation-signing-key-0123456789"),
        ], _clock);
        _ = _factory.Services;
    }

    public async ValueTask DisposeAsync()
    {
        await _factory.DisposeAsync();
        await _database.DisposeAsync();
    }

    [Theory]
    [InlineData("sipas-full", false)]
    [InlineData("sipas-sms", false)]
    [InlineData("sipas-full", true)]
    public async Task EveryIndex_Should_BeRecomputedFromAnswersCsv_When_ReadWithTheMethodology(string questionnaire, bool completed)
    {
        var (wave, _) = await OpenDataSeed.SeedAsync(_database.DataSource, ballotsPerAgency: 34, seed: 7, questionnaire: questionnaire);
        if (completed)
        {
            await _database.DataSource.ExecuteAsync(
                """
                UPDATE invitations SET status = 'expired'
                WHERE wave_id = $1 AND id IN (SELECT invitation_id FROM responses WHERE status = 'partial' AND invitation_id IS NOT NULL)
                """, [wave], Cancel);
            Assert.Equal([wave], await ActivatorUtilities.CreateInstance<WaveCompletionJob>(_factory.Services).RunAsync(Cancel));
            _clock.Advance(TimeSpan.FromMinutes(5));
            await OpenDataSeed.AddAsync(_database.DataSource, wave, "OD-XAL", _clock.GetUtcNow());
            _clock.Advance(TimeSpan.FromMinutes(1));
        }

        using var client = _factory.CreateClient();
        var answers = await OpenDataFile.GetAsync(client, $"/api/public/waves/{wave}/answers.csv");
        var results = await OpenDataFile.GetAsync(client, $"/api/public/waves/{wave}/results.csv");
        var api = await client.GetFromJsonAsync<JsonElement>($"/api/public/results?wave={wave}", Cancel);

        // The rows name the questionnaire version behind the figures; its definition says which element each question is of.
        var version = api.GetProperty("questionnaire");
        Assert.All(answers.Rows, r => Assert.Equal(
            (version.GetProperty("code").GetString(), version.GetProperty("version").GetInt32().ToString(CultureInfo.InvariantCulture)),
            (answers.Cell(r, "questionnaireCode"), answers.Cell(r, "questionnaireVersion"))));
        var recomputed = OpenDataCalculator.Compute(answers, await OpenDataSeed.QuestionsAsync(_database.DataSource, wave));

        AssertMatches(api, recomputed);
        AssertSameFigures(api, results);
        Assert.Equal(Encoding.UTF8.Preamble.ToArray(), results.Bytes[..3]);
        Assert.Equal($"sipas-dot-{wave}-results.csv", results.FileName);
    }

    private static void AssertMatches(JsonElement api, RecomputedFigures recomputed)
    {
        var agencies = api.GetProperty("agencies").EnumerateArray().Where(a => a.GetProperty("responses").GetInt32() > 0).ToList();
        Assert.Equal(agencies.Select(a => a.GetProperty("agencyCode").GetString()), recomputed.Agencies.Select(a => a.Code));
        Assert.True(agencies.Count >= 4, "Every agency of the seed has figures.");
        foreach (var (a, mine) in agencies.Zip(recomputed.Agencies))
        {
            var at = mine.Code;
            // The default rules are the ones recomputed here.
            Assert.Equal("meanOfElements", a.GetProperty("rule").GetString());
            Assert.Equal(a.GetProperty("block").GetString(), mine.Block);
            Close(a, mine.Index, $"{at} index");
            Assert.Equal((a.GetProperty("responses").GetInt32(), a.GetProperty("count").GetInt32(), a.GetProperty("answers").GetInt32(),
                a.GetProperty("notApplicable").GetInt32()), (mine.Responses, mine.Count, mine.Answers, mine.NotApplicable));
            var elements = a.GetProperty("elements").EnumerateArray().ToList();
            Assert.Equal(elements.Select(e => e.GetProperty("elementCode").GetString()), mine.Elements.Select(e => e.Code));
            foreach (var (e, element) in elements.Zip(mine.Elements))
            {
                Assert.Equal("meanOfCriteria", e.GetProperty("rule").GetString());
                Close(e, element.Index, $"{at} {element.Code}");
                Assert.Equal((e.GetProperty("count").GetInt32(), e.GetProperty("answers").GetInt32(), e.GetProperty("notApplicable").GetInt32()),
                    (element.Ballots.Count, element.Answers, element.NotApplicable));
                var criteria = e.GetProperty("criteria").EnumerateArray().ToList();
                Assert.Equal(criteria.Select(c => c.GetProperty("criterionCode").GetString()), element.Criteria.Select(c => c.Code));
                foreach (var (c, criterion) in criteria.Zip(element.Criteria))
                {
                    Close(c, criterion.Index, $"{at} {criterion.Code}");
                    Assert.Equal((c.GetProperty("count").GetInt32(), c.GetProperty("notApplicable").GetInt32()), (criterion.Valid, criterion.NotApplicable));
                }

                if (element.ElementQuestion is { } question)
                    Close(e.GetProperty("elementQuestion"), question.Index, $"{at} {question.Code}");
            }

            if (mine.OverallQuestion is { } overall)
                Close(a.GetProperty("overallQuestion"), overall.Index, $"{at} {overall.Code}");
        }

        var blocks = api.GetProperty("blocks").EnumerateArray().ToList();
        Assert.Equal(recomputed.Blocks.Keys.Order(StringComparer.Ordinal), blocks.Select(b => b.GetProperty("block").GetString()!).Order(StringComparer.Ordinal));
        foreach (var b in blocks)
        {
            var (index, ballots) = recomputed.Blocks[b.GetProperty("block").GetString()!];
            Close(b, index, $"block {b.GetProperty("block").GetString()}");
            Assert.Equal(b.GetProperty("ballots").GetInt32(), ballots);
        }

        var o = api.GetProperty("overall");
        Close(o, recomputed.Overall, "overall");
        foreach (var e in o.GetProperty("elements").EnumerateArray())
        {
            var code = e.GetProperty("elementCode").GetString()!;
            Close(e, recomputed.OverallElements[code], $"overall {code}");
            foreach (var c in e.GetProperty("criteria").EnumerateArray())
                Close(c, recomputed.OverallCriteria[c.GetProperty("criterionCode").GetString()!], $"overall {c.GetProperty("criterionCode").GetString()}");
        }
    }

    // Every row of results.csv is one figure of the API's report, in the report's order, unrounded.
    private static void AssertSameFigures(JsonElement api, OpenDataFile results)
    {
        var expected = new List<(string Level, string Block, string Agency, string Element, string Question, JsonElement Figure)>();
        void Parts(string block, string agency, JsonElement line)
        {
            foreach (var e in line.GetProperty("elements").EnumerateArray())
            {
                var element = e.GetProperty("elementCode").GetString()!;
                expected.Add(("element", block, agency, element, "", e));
                foreach (var c in e.GetProperty("criteria").EnumerateArray())
                    expected.Add(("criterion", block, agency, element, c.GetProperty("criterionCode").GetString()!, c));
                if (e.GetProperty("elementQuestion") is { ValueKind: JsonValueKind.Object } q)
                    expected.Add(("question", block, agency, element, q.GetProperty("questionCode").GetString()!, q));
            }

            if (line.GetProperty("overallQuestion") is { ValueKind: JsonValueKind.Object } overall)
                expected.Add(("question", block, agency, "", overall.GetProperty("questionCode").GetString()!, overall));
            foreach (var i in line.GetProperty("improvements").EnumerateArray())
                expected.Add(("improvement", block, agency, "", "", i));
            if (line.TryGetProperty("timeliness", out var timeliness) && timeliness.ValueKind == JsonValueKind.Object)
            {
                expected.Add(("timeliness", block, agency, "", "", timeliness.GetProperty("onTime")));
                expected.Add(("timeliness", block, agency, "", "", timeliness.GetProperty("late")));
                expected.Add(("timeliness", block, agency, "", "", JsonDocument.Parse(
                    $"{{\"ballots\":{timeliness.GetProperty("unknown").GetInt32()}}}").RootElement));
            }
        }

        expected.Add(("overall", "", "", "", "", api.GetProperty("overall")));
        Parts("", "", api.GetProperty("overall"));
        foreach (var b in api.GetProperty("blocks").EnumerateArray())
            expected.Add(("block", b.GetProperty("block").GetString()!, "", "", "", b));
        foreach (var a in api.GetProperty("agencies").EnumerateArray())
        {
            var block = a.GetProperty("block").GetString()!;
            var code = a.GetProperty("agencyCode").GetString()!;
            expected.Add(("agency", block, code, "", "", a));
            Parts(block, code, a);
        }

        Assert.Equal(expected.Count, results.Rows.Count);
        Assert.Contains(results.Rows, r => results.Cell(r, "level") == "timeliness" && results.Cell(r, "option") == "late" && results.Cell(r, "index").Length > 0);
        foreach (var ((level, block, agency, element, question, figure), row) in expected.Zip(results.Rows))
        {
            var what = $"{level} {agency} {element} {question}";
            Assert.Equal((level, block, agency, element, question),
                (results.Cell(row, "level"), results.Cell(row, "block"), results.Cell(row, "agencyCode"), results.Cell(row, "elementCode"),
                    results.Cell(row, "questionCode")));
            foreach (var (column, property) in new[]
                     {
                         ("index", "index"), ("mean", "mean"), ("ciLow", "ciLow"), ("ciHigh", "ciHigh"), ("share", "share"),
                         ("responseRate", "responseRate"),
                     })
            {
                var cell = results.Cell(row, column);
                if (figure.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.Number)
                    Assert.True(Math.Abs(value.GetDouble() - double.Parse(cell, CultureInfo.InvariantCulture)) < 1e-9, $"{what} {column}: {cell} vs {value}");
                else
                    Assert.True(cell.Length == 0, $"{what} {column} is empty, not '{cell}'.");
            }

            var ballots = level switch { "block" or "improvement" or "timeliness" => "ballots", _ => "count" };
            Assert.Equal(figure.GetProperty(ballots).GetInt32().ToString(CultureInfo.InvariantCulture), results.Cell(row, "ballots"));
            var answersOf = level is "criterion" or "question" ? "count" : "answers";
            Assert.Equal(figure.TryGetProperty(answersOf, out var answers) && level is not "block" and not "improvement" and not "timeliness"
                ? answers.GetInt32().ToString(CultureInfo.InvariantCulture) : "", results.Cell(row, "answers"));
            Assert.Equal(figure.TryGetProperty("notApplicable", out var na) ? na.GetInt32().ToString(CultureInfo.InvariantCulture) : "",
                results.Cell(row, "notApplicable"));
            Assert.Equal(figure.TryGetProperty("lowSample", out var low) ? (low.GetBoolean() ? "true" : "false") : "", results.Cell(row, "lowSample"));
            Assert.Equal(figure.TryGetProperty("blockRank", out var rank) && rank.ValueKind == JsonValueKind.Number
                ? rank.GetInt32().ToString(CultureInfo.InvariantCulture) : "", results.Cell(row, "blockRank"));
            if (level == "timeliness")
                Assert.Contains(results.Cell(row, "option"), new[] { "on_time", "late", "unknown" });
            else
                Assert.Equal(figure.TryGetProperty("value", out var option) ? option.GetString() : "", results.Cell(row, "option"));
            Assert.Equal(level is "overall" or "agency" ? figure.GetProperty("deliveredInvitations").GetInt32().ToString(CultureInfo.InvariantCulture) : "",
                results.Cell(row, "deliveredInvitations"));
        }
    }

    // The API's figure and the recomputed one agree to 0.01, or both are missing.
    private static void Close(JsonElement figure, double? recomputed, string what)
    {
        var index = figure.GetProperty("index");
        if (index.ValueKind == JsonValueKind.Null)
        {
            Assert.True(recomputed is null, $"{what}: the API has no index, recomputed {recomputed}.");
            return;
        }

        Assert.True(recomputed is not null, $"{what}: the API says {index.GetDouble()}, nothing recomputed.");
        Assert.True(Math.Abs(index.GetDouble() - recomputed!.Value) <= 0.01, $"{what}: the API says {index.GetDouble()}, recomputed {recomputed}.");
    }
}
