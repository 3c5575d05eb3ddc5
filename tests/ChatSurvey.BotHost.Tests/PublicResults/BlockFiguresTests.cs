using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using IElement = AngleSharp.Dom.IElement;
using ChatSurvey.BotHost.Pages.Admin.Results;
using ChatSurvey.BotHost.PublicResults;
using ChatSurvey.BotHost.Tests.Admin;
using ChatSurvey.BotHost.Tests.Pages;
using ChatSurvey.BotHost.Tests.Pages.Results;
using ChatSurvey.TestSupport;
using CsvHelper;
using MiniExcelLibs;

namespace ChatSurvey.BotHost.Tests.PublicResults;

/// <summary>
/// Blocks, ranks within a block, "không áp dụng" counts and the "most needs improving" shares on the public page, the
/// administrators' page and the exports, on the figures of <see cref="BlocksSeed"/> (hand-computed there) and against
/// <c>GET /api/public/results</c>. The host ranks from <see cref="BlocksSeed.MinimumBallots"/> ballots.
/// </summary>
public sealed class BlockFiguresTests(BlockFiguresHost host) : IClassFixture<BlockFiguresHost>
{
    private readonly TestDatabase _database = host.Database;
    private readonly BotHostFactory _factory = host.Factory;
    private readonly long _wave = host.Wave;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task PublicResults_Should_ShowBlockFiguresRanksWithinBlockAndImprovementShares_When_AgenciesAreInTwoBlocks()
    {
        using var client = _factory.CreateClient();
        var page = await HtmlPage.GetOkAsync(client, $"/results?wave={_wave}");
        var api = await client.GetFromJsonAsync<JsonElement>($"/api/public/results?wave={_wave}", Cancel);

        // The blocks, each the mean of its agencies' indices, with its interval, ballots and agencies (BlocksSeed).
        var blocks = page.One("#blocks");
        Assert.Equal(["department", "ward"], blocks.QuerySelectorAll("[data-block]").Select(b => b.GetAttribute("data-block")));
        Assert.Equal(("70,8", "7", "2", "2"), BlockFigures(blocks.One("[data-block='department']")));
        Assert.Equal(("77,8", "8", "3", "2"), BlockFigures(blocks.One("[data-block='ward']")));
        Assert.Contains("Phường", blocks.One("[data-block='ward']").Text(), StringComparison.Ordinal);
        // … and they are the API's, block for block.
        foreach (var block in api.GetProperty("blocks").EnumerateArray())
        {
            var row = blocks.One($"[data-block='{block.GetProperty("block").GetString()}']");
            Assert.Equal(ResultsFormat.Percent(block.GetProperty("index").GetDouble()), ResultsPageTests.Figure(row, "index"));
            Assert.Equal(ResultsFormat.Interval(block.GetProperty("ciLow").GetDouble(), block.GetProperty("ciHigh").GetDouble()),
                ResultsPageTests.Figure(row, "ci"));
            Assert.Equal(block.GetProperty("ballots").GetInt32().ToString(CultureInfo.InvariantCulture), ResultsPageTests.Figure(row, "ballots"));
        }

        // Agencies ranked within their block; the ward with 2 ballots is shown, not ranked.
        var agencies = page.One("#agencies");
        Assert.Equal([(BlocksSeed.D2, "1"), (BlocksSeed.D1, "2")], Ranks(agencies.One("[data-block-agencies='department']")));
        Assert.Equal([(BlocksSeed.W1, "1"), (BlocksSeed.W2, "2"), (BlocksSeed.W3, "")], Ranks(agencies.One("[data-block-agencies='ward']")));
        var w3 = agencies.One($"[data-agency='{BlocksSeed.W3}']");
        Assert.Equal("100,0", ResultsPageTests.Figure(w3, "index"));
        Assert.Equal("—", ResultsPageTests.Figure(w3, "rank"));
        Assert.Equal("chưa xếp hạng — ít hơn 3 phiếu", ResultsPageTests.Figure(w3, "not-ranked"));
        Assert.Empty(agencies.One($"[data-agency='{BlocksSeed.W1}']").QuerySelectorAll("[data-figure='not-ranked']"));
        Assert.Equal("75,0", ResultsPageTests.Figure(agencies.One($"[data-agency='{BlocksSeed.D2}']"), "index"));
        // Every agency's rank is the API's blockRank; counts are ballots ("Phiếu"), never answers.
        foreach (var agency in api.GetProperty("agencies").EnumerateArray())
        {
            var row = agencies.One($"[data-agency='{agency.GetProperty("agencyCode").GetString()}']");
            var rank = agency.GetProperty("blockRank");
            Assert.Equal(rank.ValueKind == JsonValueKind.Null ? "" : rank.GetInt32().ToString(CultureInfo.InvariantCulture), row.Attribute("data-rank"));
            Assert.Equal(agency.GetProperty("responses").GetInt32().ToString(CultureInfo.InvariantCulture), ResultsPageTests.Figure(row, "responses"));
        }

        Assert.All(agencies.QuerySelectorAll("th").Concat(page.One("#blocks").QuerySelectorAll("th")),
            th => Assert.DoesNotContain("câu trả lời", th.Text(), StringComparison.OrdinalIgnoreCase));
        Assert.Equal("75,0%", ResultsPageTests.Figure(page.One("#overall"), "index"));

        // What most needs improving: the shares of the 7 ballots that answered, then each agency's.
        var improvements = page.One("#improvements");
        Assert.Equal([("E1", "42,9", "3"), ("E2", "28,6", "2"), ("E3", "28,6", "2")], Shares(improvements.One(".improvements-table")));
        Assert.Equal("7", page.One("#improvements > p.meta [data-figure='answered']").Text());
        var d1 = improvements.One($"[data-improvements-agency='{BlocksSeed.D1}']");
        Assert.Equal(["E2", "E1"], d1.QuerySelectorAll("[data-improvement]").Select(i => i.GetAttribute("data-improvement")));
        Assert.Equal(["66,7", "33,3"], d1.QuerySelectorAll("[data-figure='share']").Select(s => s.Text()));
        Assert.Equal("3", ResultsPageTests.Figure(d1, "answered"));

        // The questionnaire version behind the figures, and the ballot of another version left out.
        Assert.StartsWith("Bộ câu hỏi: sipas-full v ", page.One("#questionnaire").Text(), StringComparison.Ordinal);
        Assert.Contains("1 phiếu trả lời phiên bản bộ câu hỏi khác (sipas-sms v 1: 1 phiếu)", page.One("#other-questionnaires").Text(), StringComparison.Ordinal);

        // The open data of the wave, and the rules in Vietnamese.
        Assert.Equal($"/api/public/waves/{_wave}/answers.csv", page.One("#open-data-answers").Attribute("href"));
        Assert.Equal($"/api/public/waves/{_wave}/results.csv", page.One("#open-data-results").Attribute("href"));
        Assert.Equal($"/api/public/results?wave={_wave}", page.One("#open-data-json").Attribute("href"));
        var rules = page.One("#rules").Text();
        Assert.Contains("trung bình cộng chỉ số các tiêu chí của yếu tố", rules, StringComparison.Ordinal);
        Assert.Contains("xếp hạng trong khối của mình", rules, StringComparison.Ordinal);
        Assert.Contains("ít hơn 3 phiếu hợp lệ", rules, StringComparison.Ordinal);
        Assert.Contains("tính theo người trả lời", rules, StringComparison.Ordinal);
        Assert.Contains("“không áp dụng”", rules, StringComparison.Ordinal);
        Assert.Contains("trung bình cộng chỉ số các cơ quan, đơn vị trong khối", rules, StringComparison.Ordinal);

        // The chart data carries the blocks; nothing personal anywhere.
        Assert.Contains("\"block\":\"ward\"", page.Source, StringComparison.Ordinal);
        Assert.DoesNotContain("+8497", page.Source, StringComparison.Ordinal);
        Assert.DoesNotContain("BK-HS-", page.Source, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AdminResults_Should_ShowBlocksRanksNotApplicableAndQuestionnaireVersion_When_AdministratorViewsWaveOrAgency()
    {
        using var client = await _factory.SignedInClientAsync();
        var page = await HtmlPage.GetOkAsync(client, $"/admin/results?wave={_wave}");

        Assert.Equal(("70,8", "7", "2", "2"), BlockFigures(page.One("#blocks [data-block='department']")));
        Assert.Equal(("77,8", "8", "3", "2"), BlockFigures(page.One("#blocks [data-block='ward']")));
        Assert.Equal([(BlocksSeed.W1, "1"), (BlocksSeed.W2, "2"), (BlocksSeed.W3, "")], Ranks(page.One("[data-block-agencies='ward']")));
        Assert.Equal([(BlocksSeed.D2, "1"), (BlocksSeed.D1, "2")], Ranks(page.One("[data-block-agencies='department']")));
        // Ballots beside answers and "không áp dụng": BK-D1's 3 people gave 6 valid answers and 3 "không áp dụng".
        var d1 = page.One($"#agencies [data-agency='{BlocksSeed.D1}']");
        Assert.Equal(("3", "6", "3"), (ResultsPageTests.Figure(d1, "responses"), ResultsPageTests.Figure(d1, "answers"), ResultsPageTests.Figure(d1, "not-applicable")));
        Assert.Contains("chưa xếp hạng — ít hơn 3 phiếu", page.One($"#agencies [data-agency='{BlocksSeed.W3}']").Text(), StringComparison.Ordinal);
        var overall = page.One("#overall");
        Assert.Equal(("15", "30", "3"), (ResultsPageTests.Figure(overall, "responses"), ResultsPageTests.Figure(overall, "answers"), ResultsPageTests.Figure(overall, "not-applicable")));
        Assert.Empty(overall.QuerySelectorAll("[data-figure='rank']"));

        // The questionnaire version, the other version's ballot left out, and the PAR score sheet.
        var version = await ResultsSeed.ScalarAsync<int>(_database.DataSource,
            "SELECT q.version FROM waves w JOIN questionnaires q ON q.id = w.questionnaire_id WHERE w.id = $1", _wave);
        Assert.StartsWith($"Bộ câu hỏi: sipas-full v {version} (", page.One("#questionnaire").Text(), StringComparison.Ordinal);
        Assert.Equal("1 phiếu trả lời phiên bản bộ câu hỏi khác (sipas-sms v 1: 1 phiếu) không được tính trong các số liệu này.",
            page.One("#other-questionnaires").Text());
        var par = page.One("#export-par");
        Assert.Equal($"/api/admin/waves/{_wave}/par.xlsx", par.Attribute("href"));
        Assert.Equal("Tải bảng điểm CCHC (PAR)", par.Text());

        // The whole wave's improvement shares, then each agency's.
        Assert.Equal([("E1", "42,9", "3"), ("E2", "28,6", "2"), ("E3", "28,6", "2")], Shares(page.One("#improvements .improvements-table")));
        Assert.Single(page.All($"#agency-improvements [data-improvements-agency='{BlocksSeed.D1}']"));
        Assert.Contains("ít hơn 3 phiếu hợp lệ", page.One("#elements .rules").Text(), StringComparison.Ordinal);

        // One agency: its rank within its block of the whole wave, the "không áp dụng" beside its criterion, its shares.
        var agency = await HtmlPage.GetOkAsync(client, $"/admin/results?wave={_wave}&agency={BlocksSeed.D1}");
        Assert.Equal("2/2", ResultsPageTests.Figure(agency.One("#overall"), "rank"));
        Assert.Contains("Sở, ban, ngành", agency.One("#overall").Text(), StringComparison.Ordinal);
        var c2 = ResultsPageTests.Row(agency, "E1.C2");
        Assert.Equal(("—", "0", "3"), (ResultsPageTests.Figure(c2, "index"), ResultsPageTests.Figure(c2, "count"), ResultsPageTests.Figure(c2, "not-applicable")));
        var c1 = ResultsPageTests.Row(agency, "E1.C1");
        Assert.Equal(("66,7", "3", "0"), (ResultsPageTests.Figure(c1, "index"), ResultsPageTests.Figure(c1, "count"), ResultsPageTests.Figure(c1, "not-applicable")));
        Assert.Equal(("3", "3", "3"), (ResultsPageTests.Figure(ResultsPageTests.Row(agency, "E1"), "count"),
            ResultsPageTests.Figure(ResultsPageTests.Row(agency, "E1"), "answers"), ResultsPageTests.Figure(ResultsPageTests.Row(agency, "E1"), "not-applicable")));
        Assert.Equal([("E2", "66,7", "2"), ("E1", "33,3", "1")], Shares(agency.One("#improvements .improvements-table")));
        Assert.Empty(agency.All("#agency-improvements"));
        var w3 = await HtmlPage.GetOkAsync(client, $"/admin/results?wave={_wave}&agency={BlocksSeed.W3}");
        Assert.Equal("—", ResultsPageTests.Figure(w3.One("#overall"), "rank"));
        Assert.Contains("chưa xếp hạng — ít hơn 3 phiếu", w3.One("#overall").Text(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AdminResults_Should_ShowNoBlockOrRank_When_AgencyViewerSeesOwnAgency()
    {
        await AdminSignIn.CreateViewerAsync(_database.DataSource, "bk-viewer", "viewer-password-123", BlocksSeed.D1);
        using var client = await _factory.SignedInClientAsync("bk-viewer", "viewer-password-123");

        // A viewer's figures are scored for their agency alone: no block line and no rank, which need the others.
        var page = await HtmlPage.GetOkAsync(client, $"/admin/results?wave={_wave}");
        Assert.Contains(BlocksSeed.D1Name, page.One("#line-title").Text(), StringComparison.Ordinal);
        Assert.Empty(page.All("#blocks"));
        Assert.Empty(page.All("[data-rank]"));
        Assert.Empty(page.All("#export-par"));
        Assert.Equal("3", ResultsPageTests.Figure(ResultsPageTests.Row(page, "E1.C2"), "not-applicable"));
        Assert.DoesNotContain(BlocksSeed.D2Name, page.Source, StringComparison.Ordinal);

        using var export = await client.GetAsync($"/admin/results/export?wave={_wave}&format=xlsx", Cancel);
        Assert.Equal(HttpStatusCode.OK, export.StatusCode);
        using var workbook = new MemoryStream(await export.Content.ReadAsByteArrayAsync(Cancel));
        var overall = Assert.Single(Sheet(workbook, "Chỉ số"), r => Cell(r, "Cấp") == "overall");
        Assert.Equal((BlocksSeed.D1, "department", ""), (Cell(overall, "Mã đơn vị"), Cell(overall, "Mã khối"), Cell(overall, "Hạng trong khối")));
        Assert.Empty(Sheet(workbook, "Khối"));
    }

    [Fact]
    public async Task Export_Should_CarryBlocksRanksBallotsAnswersAndShares_When_DownloadedAsXlsxAndCsv()
    {
        using var client = await _factory.SignedInClientAsync();
        using var xlsx = await client.GetAsync($"/admin/results/export?wave={_wave}&format=xlsx", Cancel);
        Assert.Equal(HttpStatusCode.OK, xlsx.StatusCode);
        using var workbook = new MemoryStream(await xlsx.Content.ReadAsByteArrayAsync(Cancel));
        Assert.Equal(["Chỉ số", "Khối", "Cần cải thiện", "Phiếu", "Ý kiến", "Cách tính"], MiniExcel.GetSheetNames(workbook));

        // Each agency's overall row: its block, its rank within it, its ballots beside its answers and "không áp dụng".
        var figures = Sheet(workbook, "Chỉ số");
        Assert.Equal(ExportModel.FigureHeaders, figures[0].Keys);
        string[] Line(string agency, string code)
        {
            var r = figures.Single(x => Cell(x, "Mã đơn vị") == agency && Cell(x, "Mã") == code);
            return [Cell(r, "Mã khối"), Cell(r, "Khối"), Cell(r, "Hạng trong khối"), Cell(r, "Phiếu hoàn thành"), Cell(r, "Số phiếu"),
                Cell(r, "Số câu trả lời hợp lệ"), Cell(r, "Không áp dụng")];
        }
        Assert.Equal(["department", "Sở, ban, ngành", "1", "4", "4", "8", "0"], Line(BlocksSeed.D2, "SIPAS"));
        Assert.Equal(["department", "Sở, ban, ngành", "2", "3", "3", "6", "3"], Line(BlocksSeed.D1, "SIPAS"));
        Assert.Equal(["ward", "Phường", "", "2", "2", "4", "0"], Line(BlocksSeed.W3, "SIPAS"));
        Assert.Equal(["department", "Sở, ban, ngành", "", "", "0", "0", "3"], Line(BlocksSeed.D1, "E1.C2"));
        Assert.Equal(["", "", "", "15", "15", "30", "3"], Line(ExportModel.AllAgencies, "SIPAS"));

        // The blocks sheet, and the improvement shares of the whole wave (*) and of each agency.
        var blocks = Sheet(workbook, "Khối");
        Assert.Equal(
            [("department", "70.83", "7", "2", "2"), ("ward", "77.78", "8", "3", "2")],
            blocks.Select(b => (Cell(b, "Mã khối"), Cell(b, "Chỉ số (%)"), Cell(b, "Số phiếu"), Cell(b, "Số đơn vị có chỉ số"), Cell(b, "Số đơn vị xếp hạng"))));
        var shares = Sheet(workbook, "Cần cải thiện");
        Assert.Equal(
            [("*", "E1", "3", "42.86"), ("*", "E2", "2", "28.57"), ("*", "E3", "2", "28.57"), (BlocksSeed.D1, "E2", "2", "66.67"), (BlocksSeed.D1, "E1", "1", "33.33")],
            shares.Where(s => Cell(s, "Mã đơn vị") is "*" or BlocksSeed.D1)
                .Select(s => (Cell(s, "Mã đơn vị"), Cell(s, "Mã nội dung"), Cell(s, "Số phiếu"), Cell(s, "Tỷ lệ (%)"))));
        var rules = Sheet(workbook, "Cách tính").ToDictionary(r => Cell(r, "Mục"), r => Cell(r, "Quy tắc"));
        Assert.Contains("ít hơn 3 phiếu hợp lệ", rules["Xếp hạng"], StringComparison.Ordinal);
        Assert.Contains("trung bình cộng chỉ số các tiêu chí", rules["Yếu tố"], StringComparison.Ordinal);
        Assert.Contains("sipas-sms v 1: 1 phiếu", rules["Bộ câu hỏi"], StringComparison.Ordinal);
        Assert.Contains("blockRank", rules["rank (en)"], StringComparison.Ordinal);

        // One agency: its rows only, ranked within the whole wave's block (not first of a report of one), and its block.
        using var one = await client.GetAsync($"/admin/results/export?wave={_wave}&agency={BlocksSeed.D1}&format=xlsx", Cancel);
        using var oneBook = new MemoryStream(await one.Content.ReadAsByteArrayAsync(Cancel));
        var oneFigures = Sheet(oneBook, "Chỉ số");
        Assert.Equal([BlocksSeed.D1], oneFigures.Select(r => Cell(r, "Mã đơn vị")).Distinct());
        Assert.Equal("2", Cell(oneFigures.Single(r => Cell(r, "Cấp") == "overall"), "Hạng trong khối"));
        Assert.Equal(["department"], Sheet(oneBook, "Khối").Select(b => Cell(b, "Mã khối")));

        // The figures CSV: the same columns and rows.
        using var csvResponse = await client.GetAsync($"/admin/results/export?wave={_wave}&format=csv", Cancel);
        using var csvStream = new MemoryStream(await csvResponse.Content.ReadAsByteArrayAsync(Cancel));
        await using var csv = CsvReader.Create(csvStream, null, leaveOpen: true);
        await csv.ReadHeaderAsync(Cancel);
        Assert.Equal(ExportModel.FigureHeaders, csv.Headers);
        var rows = new List<string[]>();
        while (await csv.ReadAsync(Cancel))
            rows.Add(Enumerable.Range(0, csv.Headers.Count).Select(i => csv.IsEmpty(i) ? "" : csv.GetString(i)).ToArray());
        Assert.Equal(figures.Select(r => ExportModel.FigureHeaders.Select(h => Cell(r, h)).ToArray()), rows);
    }

    /// <summary>A block row's index, ballots, agencies and ranked agencies.</summary>
    private static (string, string, string, string) BlockFigures(IElement row) =>
        (ResultsPageTests.Figure(row, "index"), ResultsPageTests.Figure(row, "ballots"), ResultsPageTests.Figure(row, "agencies"),
            ResultsPageTests.Figure(row, "ranked"));

    /// <summary>The agencies listed in a block, in order, with their <c>data-rank</c>.</summary>
    private static List<(string, string)> Ranks(IElement block) =>
        block.QuerySelectorAll("[data-agency]").Select(a => (a.Attribute("data-agency"), a.Attribute("data-rank"))).ToList();

    /// <summary>An improvements table's options, shares and ballots.</summary>
    private static List<(string, string, string)> Shares(IElement table) =>
        table.QuerySelectorAll("[data-improvement]")
            .Select(r => (r.Attribute("data-improvement"), ResultsPageTests.Figure(r, "share"), ResultsPageTests.Figure(r, "ballots")))
            .ToList();

    private static List<IDictionary<string, object?>> Sheet(Stream workbook, string name) =>
        MiniExcel.Query(workbook, useHeaderRow: true, sheetName: name).Cast<IDictionary<string, object?>>().ToList();

    /// <summary>A cell as text: numbers invariant (dot decimals, at most two), empty cells as "".</summary>
    private static string Cell(IDictionary<string, object?> row, string column) => row[column] switch
    {
        null => "",
        string s => s,
        IFormattable f => f.ToString("0.##", CultureInfo.InvariantCulture),
        var v => v.ToString() ?? "",
    };
}

/// <summary>One host and database for <see cref="BlockFiguresTests"/>: <see cref="BlocksSeed"/>, ranked from 3 ballots.</summary>
public sealed class BlockFiguresHost : IAsyncLifetime
{
    public TestDatabase Database { get; private set; } = null!;

    public BotHostFactory Factory { get; private set; } = null!;

    public long Wave { get; private set; }

    public async ValueTask InitializeAsync()
    {
        Database = await (await PostgresServer.GetAsync()).CreateDatabaseAsync();
        Factory = new BotHostFactory(Database.ConnectionString,
        [
            new("Storage:SeedDemoData", "false"),
            new("Dispatcher:Enabled", "false"),
            new("WebChat:TokenSigningKey", "block-figures-tests-signing-key-0123456789"),
            new("Scoring:MinimumBallots", BlocksSeed.MinimumBallots.ToString(CultureInfo.InvariantCulture)),
        ]);
        _ = Factory.Services; // starts the host: migrations and the shipped questionnaires
        Wave = await BlocksSeed.SeedAsync(Database.DataSource);
    }

    public async ValueTask DisposeAsync()
    {
        await Factory.DisposeAsync();
        await Database.DisposeAsync();
    }
}
