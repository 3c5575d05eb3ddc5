using System.Net;
using System.Text;
using AngleSharp.Dom;
using ChatSurvey.BotHost.PublicResults;
using ChatSurvey.BotHost.Tests.Admin;
using ChatSurvey.Domain.Scoring;
using ChatSurvey.TestSupport;
using CsvHelper;
using Microsoft.Extensions.Time.Testing;
using MiniExcelLibs;

namespace ChatSurvey.BotHost.Tests.Pages.Results;

/// <summary>
/// <c>/admin/results</c> and its exports over HTTP, on the figures of <see cref="ResultsSeed"/>: what the page and the
/// files show is what <see cref="ScoringQuery"/> computes (and what was computed by hand), and an agency viewer sees
/// their own agency only.
/// </summary>
public sealed class ResultsPageTests(ResultsHost host) : IClassFixture<ResultsHost>
{
    private const string ViewerPassword = "viewer-password-123";

    private readonly TestDatabase _database = host.Database;
    private readonly BotHostFactory _factory = host.Factory;
    private readonly long _wave = host.Wave;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ResultsPage_Should_ShowScoringQueryFigures_When_AdministratorChoosesAgency()
    {
        using var client = await _factory.SignedInClientAsync();
        var report = await ScoringQuery.RunAsync(_database.DataSource, ScoreFilter.ForWave(_wave), Cancel);
        var a1 = report.Agencies.Single(a => a.AgencyCode == ResultsSeed.AgencyA1);

        var page = await HtmlPage.GetOkAsync(client, $"/admin/results?wave={_wave}&agency=A1");

        // Hand-computed (ResultsSeed): the agency line and a few element and criterion figures.
        var overall = page.One("#overall");
        Assert.Equal("58,3%", Figure(overall, "index"));
        Assert.Equal("3,50", Figure(overall, "mean"));
        Assert.Equal("3", Figure(overall, "responses"));
        Assert.Equal("50,0", Figure(Row(page, "E1"), "index"));
        Assert.Equal("3,00", Figure(Row(page, "E1"), "mean"));
        Assert.Equal("66,7", Figure(Row(page, "E1.C1"), "index"));
        Assert.Equal("33,3", Figure(Row(page, "E1.C2"), "index"));
        Assert.Equal("66,7", Figure(Row(page, "E2"), "index"));
        Assert.Equal("4,00", Figure(Row(page, "E2"), "mean"));
        // Every element and criterion row is the scoring query's figure, formatted the Vietnamese way.
        Assert.Equal(ResultsFormat.Interval(a1.CiLow, a1.CiHigh), Figure(overall, "ci"));
        foreach (var element in a1.Elements)
        {
            AssertRow(Row(page, element.ElementCode), element.Index, element.Mean, element.Count, element.CiLow, element.CiHigh);
            foreach (var c in element.Criteria)
                AssertRow(Row(page, c.CriterionCode), c.Index, c.Mean, c.Count, c.CiLow, c.CiHigh);
        }

        // The agency table lists both agencies block by block — A1 a department, A2 an abolished district — and flags the
        // small samples: with fewer than 30 ballots neither is ranked.
        var agencies = page.One("#agencies");
        Assert.Equal(["A1", "A2"], agencies.QuerySelectorAll("[data-agency]").Select(a => a.GetAttribute("data-agency")));
        Assert.Equal(["", ""], agencies.QuerySelectorAll("[data-agency]").Select(a => a.GetAttribute("data-rank")));
        Assert.Equal(["department", "district"], page.All("#blocks [data-block]").Select(b => b.GetAttribute("data-block")));
        Assert.Equal("62,5", Figure(agencies.One("[data-agency='A2']"), "index"));
        Assert.Equal("2", Figure(agencies.One("[data-agency='A2']"), "responses"));
        Assert.Contains("ít mẫu", agencies.Text(), StringComparison.Ordinal);
        Assert.Contains("chưa xếp hạng — ít hơn 30 phiếu", agencies.One("[data-agency='A1']").Text(), StringComparison.Ordinal);

        // Comments of A1 only, newest first, with the phone typed in a comment masked; no respondent data anywhere.
        var comments = page.One("#comments").Text();
        Assert.Contains("Phòng chờ hơi chật.", comments, StringComparison.Ordinal);
        Assert.Contains("Cán bộ hướng dẫn nhiệt tình", comments, StringComparison.Ordinal);
        Assert.True(comments.IndexOf("Phòng chờ", StringComparison.Ordinal) < comments.IndexOf("Cán bộ", StringComparison.Ordinal));
        Assert.DoesNotContain(ResultsSeed.Comments[2], comments, StringComparison.Ordinal);
        Assert.Contains("Đăng ký khai sinh", comments, StringComparison.Ordinal);
        Assert.Contains("********78", comments, StringComparison.Ordinal);
        AssertNoPersonalData(page.Source);

        // The chart data carries the same element figures.
        Assert.Contains("\"elementCode\":\"E1\"", page.Source, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ResultsPage_Should_DefaultToLatestRunningWaveAndRejectBadInput_When_QueryOmittedOrWrong()
    {
        using var client = await _factory.SignedInClientAsync();

        // No query: the running wave (not the later draft), whole wave, both agencies' comments.
        var page = await HtmlPage.GetOkAsync(client, "/admin/results");
        var chosen = Assert.Single(page.All("select[name=wave] option[selected]"));
        Assert.Equal(_wave.ToString(System.Globalization.CultureInfo.InvariantCulture), chosen.GetAttribute("value"));
        Assert.Equal($"{ResultsSeed.WaveName} — Đang chạy (01/01/2026–31/03/2026)", chosen.Text());
        Assert.Contains("Toàn đợt", page.One("#line-title").Text(), StringComparison.Ordinal);
        Assert.Contains("(3 ý kiến", page.Text, StringComparison.Ordinal);
        // Whole wave: the mean of the agencies' E1 indices = (50,0 + 75,0) / 2 = 62,5 % (pooled answers would read 6/10 = 60,0 %).
        Assert.Equal("62,5", Figure(Row(page, "E1"), "index"));

        var badWave = await HtmlPage.GetOkAsync(client, "/admin/results?wave=abc");
        Assert.Equal(["Mã đợt khảo sát phải là một số nguyên dương."], badWave.All(".field-error").Select(e => e.Text()));
        Assert.Empty(badWave.All("[data-code]"));
        var unknownWave = await HtmlPage.GetOkAsync(client, "/admin/results?wave=999999");
        Assert.Contains("Không có đợt khảo sát số 999999.", unknownWave.Text, StringComparison.Ordinal);
        var unknownAgency = await HtmlPage.GetOkAsync(client, $"/admin/results?wave={_wave}&agency=ZZ9");
        Assert.Equal(["Không có đơn vị mã ZZ9."], unknownAgency.All(".field-error").Select(e => e.Text()));
        Assert.Empty(unknownAgency.All("[data-code]"));

        using var badFormat = await client.GetAsync($"/admin/results/export?wave={_wave}&format=pdf", Cancel);
        Assert.Equal(HttpStatusCode.BadRequest, badFormat.StatusCode);
        using var noWave = await client.GetAsync("/admin/results/export?wave=999999&format=csv", Cancel);
        Assert.Equal(HttpStatusCode.NotFound, noWave.StatusCode);
    }

    [Fact]
    public async Task Export_Should_HoldPageFigures_When_DownloadedAsXlsxAndCsv()
    {
        using var client = await _factory.SignedInClientAsync();
        var report = await ScoringQuery.RunAsync(_database.DataSource, ScoreFilter.ForWave(_wave), Cancel);

        using var xlsx = await client.GetAsync($"/admin/results/export?wave={_wave}&format=xlsx", Cancel);
        Assert.Equal(HttpStatusCode.OK, xlsx.StatusCode);
        // Named after the day in Hai Phong: the host's clock says 23:30 UTC on 14 April, already the 15th there.
        Assert.Equal($"ket-qua-sipas-dot-{_wave}-20260415.xlsx", xlsx.Content.Headers.ContentDisposition?.FileNameStar ?? xlsx.Content.Headers.ContentDisposition?.FileName);
        using var workbook = new MemoryStream(await xlsx.Content.ReadAsByteArrayAsync(Cancel));
        Assert.Equal(["Chỉ số", "Khối", "Cần cải thiện", "Phiếu", "Ý kiến", "Cách tính"], MiniExcel.GetSheetNames(workbook));
        var figures = MiniExcel.Query(workbook, useHeaderRow: true, sheetName: "Chỉ số").Cast<IDictionary<string, object?>>().ToList();

        // Whole wave first (agency *), then each agency: overall, 5 elements, 16 criteria of sipas-full → 22 rows each.
        Assert.Equal(3 * 22, figures.Count);
        Assert.Equal(["*", "A1", "A2"], figures.Select(r => (string)r["Mã đơn vị"]!).Distinct());
        var expected = Expected(report).ToList();
        Assert.Equal(expected.Count, figures.Count);
        for (var i = 0; i < expected.Count; i++)
        {
            var (agency, level, code, count, answers, index, mean, low, high) = expected[i];
            var row = figures[i];
            Assert.Equal((agency, level, code), ((string)row["Mã đơn vị"]!, (string)row["Cấp"]!, (string)row["Mã"]!));
            Assert.Equal(count, Convert.ToInt32(row["Số phiếu"], System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal(answers, Convert.ToInt32(row["Số câu trả lời hợp lệ"], System.Globalization.CultureInfo.InvariantCulture));
            AssertNumber(index, row["Chỉ số (%)"]);
            AssertNumber(mean, row["Điểm trung bình (1–5)"]);
            AssertNumber(low, row["KTC 95% cận dưới (%)"]);
            AssertNumber(high, row["KTC 95% cận trên (%)"]);
        }

        // Hand-computed, as on the page: A1 58,33 %, its E1.C2 33,33 %; A2 62,5 % over 2 responses.
        var a1 = figures.Single(r => (string)r["Mã đơn vị"]! == "A1" && (string)r["Cấp"]! == "overall");
        AssertNumber(58.33, a1["Chỉ số (%)"]);
        Assert.Equal(3, Convert.ToInt32(a1["Phiếu hoàn thành"], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("có", a1["Ít mẫu"]);
        AssertNumber(33.33, figures.Single(r => (string)r["Mã đơn vị"]! == "A1" && (string)r["Mã"]! == "E1.C2")["Chỉ số (%)"]);
        AssertNumber(62.5, figures.Single(r => (string)r["Mã đơn vị"]! == "A2" && (string)r["Cấp"]! == "overall")["Chỉ số (%)"]);

        // The comments sheet: newest first, agency and procedure, phone masked, nothing about the respondent.
        var comments = MiniExcel.Query(workbook, useHeaderRow: true, sheetName: "Ý kiến").Cast<IDictionary<string, object?>>().ToList();
        Assert.Equal(
            [ResultsSeed.Comments[2], ResultsSeed.Comments[1], "Cán bộ hướng dẫn nhiệt tình, có gì gọi tôi ********78"],
            comments.Select(c => (string)c["Ý kiến"]!));
        Assert.Equal(["A2", "A1", "A1"], comments.Select(c => (string)c["Mã đơn vị"]!));
        Assert.All(comments, c => Assert.Equal("Đăng ký khai sinh", c["Thủ tục"]));
        Assert.Equal("2026-04-02 12:00", comments[0]["Thời gian"]);
        // The ballots sheet: the five sampled SMS ballots, oldest first, each counted.
        var ballots = MiniExcel.Query(workbook, useHeaderRow: true, sheetName: "Phiếu").Cast<IDictionary<string, object?>>().ToList();
        Assert.Equal(["A1", "A1", "A1", "A2", "A2"], ballots.Select(b => (string)b["Mã đơn vị"]!));
        Assert.All(ballots, b => Assert.Equal(("sampled", "Chọn mẫu, mời qua SMS", "SMS", "có"),
            ((string)b["Mã nguồn phiếu"]!, (string)b["Nguồn phiếu"]!, (string)b["Kênh"]!, (string)b["Tính vào kết quả chính thức"]!)));
        var allText = string.Join("|", comments.SelectMany(c => c.Values).Concat(figures.SelectMany(r => r.Values)).Concat(ballots.SelectMany(b => b.Values)));
        AssertNoPersonalData(allText);

        // CSV: UTF-8 with a byte order mark, the same rows and figures, readable with CsvHelper.
        using var csvResponse = await client.GetAsync($"/admin/results/export?wave={_wave}&format=csv", Cancel);
        Assert.Equal(HttpStatusCode.OK, csvResponse.StatusCode);
        Assert.Equal("text/csv", csvResponse.Content.Headers.ContentType?.MediaType);
        var bytes = await csvResponse.Content.ReadAsByteArrayAsync(Cancel);
        Assert.Equal(Encoding.UTF8.Preamble.ToArray(), bytes[..3]);
        using var csvStream = new MemoryStream(bytes);
        await using var csv = CsvReader.Create(csvStream, null, leaveOpen: true);
        await csv.ReadHeaderAsync(Cancel);
        Assert.Equal("Mã đơn vị", csv.Headers[0]);
        var csvRows = new List<string?[]>();
        while (await csv.ReadAsync(Cancel))
            csvRows.Add(Enumerable.Range(0, csv.Headers.Count).Select(i => csv.IsEmpty(i) ? null : csv.GetString(i)).ToArray());
        Assert.Equal(expected.Count, csvRows.Count);
        var column = csv.Headers.Select((h, i) => (h, i)).ToDictionary(x => x.h, x => x.i);
        for (var i = 0; i < expected.Count; i++)
        {
            Assert.Equal((string)figures[i]["Mã đơn vị"]!, csvRows[i][column["Mã đơn vị"]]);
            Assert.Equal((string)figures[i]["Tên"]!, csvRows[i][column["Tên"]]);
            AssertNumber(expected[i].Index, csvRows[i][column["Chỉ số (%)"]]);
            AssertNumber(expected[i].High, csvRows[i][column["KTC 95% cận trên (%)"]]);
        }
    }

    [Fact]
    public async Task AgencyViewer_Should_SeeOnlyOwnAgency_When_OpeningResultsAndExports()
    {
        await AdminSignIn.CreateViewerAsync(_database.DataSource, "viewer.a1", ViewerPassword, ResultsSeed.AgencyA1);
        using var client = await _factory.SignedInClientAsync("viewer.a1", ViewerPassword);

        var page = await HtmlPage.GetOkAsync(client, $"/admin/results?wave={_wave}");
        Assert.Contains($"{ResultsSeed.AgencyA1Name} (A1)", page.One("#line-title").Text(), StringComparison.Ordinal);
        Assert.Equal("58,3%", Figure(page.One("#overall"), "index"));
        // Nothing of A2: not in an agency table, the agency picker, the comments or the chart data.
        Assert.DoesNotContain(ResultsSeed.AgencyA2Name, page.Source, StringComparison.Ordinal);
        Assert.Empty(page.All("[data-agency]"));
        Assert.DoesNotContain(ResultsSeed.Comments[2], page.Source, StringComparison.Ordinal);
        Assert.Contains(ResultsSeed.Comments[1], page.One("#comments").Text(), StringComparison.Ordinal);
        Assert.Equal("58,3%", Figure((await HtmlPage.GetOkAsync(client, $"/admin/results?wave={_wave}&agency=A1")).One("#overall"), "index"));

        using var other = await client.GetAsync($"/admin/results?wave={_wave}&agency=A2", Cancel);
        Assert.Equal(HttpStatusCode.Forbidden, other.StatusCode);
        using var otherExport = await client.GetAsync($"/admin/results/export?wave={_wave}&agency=A2&format=xlsx", Cancel);
        Assert.Equal(HttpStatusCode.Forbidden, otherExport.StatusCode);

        // Their own export holds A1 only: no whole-wave line, no other agency, no other agency's comment.
        using var export = await client.GetAsync($"/admin/results/export?wave={_wave}&format=xlsx", Cancel);
        Assert.Equal(HttpStatusCode.OK, export.StatusCode);
        using var workbook = new MemoryStream(await export.Content.ReadAsByteArrayAsync(Cancel));
        var rows = MiniExcel.Query(workbook, useHeaderRow: true, sheetName: "Chỉ số").Cast<IDictionary<string, object?>>().ToList();
        Assert.Equal(["A1"], rows.Select(r => (string)r["Mã đơn vị"]!).Distinct());
        var comments = MiniExcel.Query(workbook, useHeaderRow: true, sheetName: "Ý kiến").Cast<IDictionary<string, object?>>().ToList();
        Assert.Equal(2, comments.Count);
        Assert.All(comments, c => Assert.Equal("A1", c["Mã đơn vị"]));
        // The ballots sheet lists A1's three ballots only.
        var ballots = MiniExcel.Query(workbook, useHeaderRow: true, sheetName: "Phiếu").Cast<IDictionary<string, object?>>().ToList();
        Assert.Equal(["A1", "A1", "A1"], ballots.Select(b => (string)b["Mã đơn vị"]!));

        // A viewer cannot reach administrator pages either.
        using var waves = await client.GetAsync("/admin/accounts", Cancel);
        Assert.Equal(HttpStatusCode.Forbidden, waves.StatusCode);
    }

    [Fact]
    public async Task ResultsPage_Should_RedirectToLogin_When_Anonymous()
    {
        using var client = _factory.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });

        foreach (var path in new[] { $"/admin/results?wave={_wave}", $"/admin/results/export?wave={_wave}&format=csv" })
        {
            using var response = await client.GetAsync(path, Cancel);
            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            Assert.StartsWith("/admin/login", response.Headers.Location?.PathAndQuery, StringComparison.OrdinalIgnoreCase);
        }
    }

    /// <summary>
    /// Rows in export order: whole wave (*) then each agency; overall, then each element followed by its criteria. Count
    /// is ballots (people), answers the valid answers (a criterion has one per ballot).
    /// </summary>
    private static IEnumerable<(string Agency, string Level, string Code, int Count, int Answers, double? Index, double? Mean, double? Low, double? High)> Expected(ScoreReport report)
    {
        var lines = new List<(string Code, int Count, int Answers, double? Index, double? Mean, double? Low, double? High, IReadOnlyList<ElementScore> Elements)>
        {
            ("*", report.Overall.Count, report.Overall.Answers, report.Overall.Index, report.Overall.Mean, report.Overall.CiLow, report.Overall.CiHigh, report.Overall.Elements),
        };
        lines.AddRange(report.Agencies.Select(a => (a.AgencyCode, a.Count, a.Answers, a.Index, a.Mean, a.CiLow, a.CiHigh, a.Elements)));
        foreach (var line in lines)
        {
            yield return (line.Code, "overall", "SIPAS", line.Count, line.Answers, line.Index, line.Mean, line.Low, line.High);
            foreach (var e in line.Elements)
            {
                yield return (line.Code, "element", e.ElementCode, e.Count, e.Answers, e.Index, e.Mean, e.CiLow, e.CiHigh);
                foreach (var c in e.Criteria)
                    yield return (line.Code, "criterion", c.CriterionCode, c.Count, c.Count, c.Index, c.Mean, c.CiLow, c.CiHigh);
            }
        }
    }

    private static void AssertNumber(double? expected, object? actual)
    {
        if (expected is null)
        {
            Assert.True(actual is null || actual is string { Length: 0 }, $"Expected an empty cell, got '{actual}'.");
            return;
        }

        var value = actual is string text
            ? double.Parse(text, System.Globalization.CultureInfo.InvariantCulture)
            : Convert.ToDouble(actual, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(expected.Value, value, 0.005 + 1e-9);
    }

    private static void AssertRow(IElement row, double? index, double? mean, int count, double? low, double? high)
    {
        Assert.Equal(ResultsFormat.Percent(index), Figure(row, "index"));
        Assert.Equal(ResultsFormat.Mean(mean), Figure(row, "mean"));
        Assert.Equal(ResultsFormat.Count(count), Figure(row, "count"));
        Assert.Equal(ResultsFormat.Interval(low, high), Figure(row, "ci"));
    }

    /// <summary>No seeded phone (in any common writing), no applicant name, no phone typed in a comment.</summary>
    internal static void AssertNoPersonalData(string text)
    {
        foreach (var phone in ResultsSeed.Phones)
        {
            Assert.DoesNotContain(phone, text, StringComparison.Ordinal);
            Assert.DoesNotContain("0" + phone[3..], text, StringComparison.Ordinal);
        }

        Assert.DoesNotContain(ResultsSeed.PhoneInComment, text, StringComparison.Ordinal);
        Assert.DoesNotContain("Bí Mật", text, StringComparison.Ordinal);
    }

    /// <summary>The row of an element or criterion (<c>data-code</c>).</summary>
    internal static IElement Row(HtmlPage page, string code) => page.One($"[data-code='{code}']");

    /// <summary>The text of the one cell marked <c>data-figure="{name}"</c> in <paramref name="scope"/>, without the low-sample star.</summary>
    internal static string Figure(IElement scope, string name) => scope.One($"[data-figure='{name}']").Text().TrimEnd('*');
}

/// <summary>
/// One host and database for the class: the tests only read the seeded results (the viewer test adds an account). The
/// host's clock stands at <see cref="Now"/>.
/// </summary>
public sealed class ResultsHost : IAsyncLifetime
{
    /// <summary>14 April 2026, 23:30 UTC: 06:30 on the 15th in Hai Phong.</summary>
    public static readonly DateTimeOffset Now = new(2026, 4, 14, 23, 30, 0, TimeSpan.Zero);

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
            new("WebChat:TokenSigningKey", "results-page-tests-signing-key-0123456789"),
        ], new FakeTimeProvider(Now));
        _ = Factory.Services; // starts the host: migrations and the shipped questionnaires
        Wave = await ResultsSeed.SeedAsync(Database.DataSource);
    }

    public async ValueTask DisposeAsync()
    {
        await Factory.DisposeAsync();
        await Database.DisposeAsync();
    }
}
