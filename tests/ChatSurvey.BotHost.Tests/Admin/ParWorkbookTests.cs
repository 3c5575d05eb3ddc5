using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ChatSurvey.BotHost.Par;
using ChatSurvey.BotHost.Tests.PublicResults;
using ChatSurvey.TestSupport;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using MiniExcelLibs;

namespace ChatSurvey.BotHost.Tests.Admin;

/// <summary>
/// <c>GET /api/admin/waves/{id}/par.xlsx</c>: the PAR workbook read back with MiniExcel matches the public API's figures
/// for the same wave, agency by agency and block by block, with the points of the configured rule (the default, and a
/// banded one); administrators only, any wave, 404 for an unknown one; and the <c>Par</c> section refuses bad values.
/// </summary>
public sealed class ParWorkbookTests : IAsyncLifetime
{
    private const string ViewerPassword = "viewer-password-par-1";

    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 4, 10, 3, 0, 0, TimeSpan.Zero));
    private TestDatabase _database = null!;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _database = await (await PostgresServer.GetAsync()).CreateDatabaseAsync();

    public async ValueTask DisposeAsync() => await _database.DisposeAsync();

    private BotHostFactory Host(params (string Key, string Value)[] settings) =>
        new(_database.ConnectionString,
        [
            new("Storage:SeedDemoData", "false"),
            new("Dispatcher:Enabled", "false"),
            new("WebChat:TokenSigningKey", "par-workbook-tests-signing-key-0123456789abcdef"),
            .. settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)),
        ], _clock);

    [Fact]
    public async Task ParXlsx_Should_MatchTheApiFiguresWithProportionalPoints_When_ReadBackWithMiniExcel()
    {
        await using var factory = Host();
        _ = factory.Services;
        var (wave, _) = await OpenDataSeed.SeedAsync(_database.DataSource, ballotsPerAgency: 34, seed: 5);
        using var admin = ApiClient(factory);

        using var response = await admin.GetAsync($"/api/admin/waves/{wave}/par.xlsx", Cancel);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(ParApi.ContentType, response.Content.Headers.ContentType?.MediaType);
        Assert.Equal($"chi-so-cchc-dot-{wave}.xlsx", response.Content.Headers.ContentDisposition?.FileNameStar);
        using var workbook = new MemoryStream(await response.Content.ReadAsByteArrayAsync(Cancel));
        Assert.Equal([ParWorkbook.FiguresSheet, ParWorkbook.RulesSheet], MiniExcel.GetSheetNames(workbook));
        var api = await factory.CreateClient().GetFromJsonAsync<JsonElement>($"/api/public/results?wave={wave}", Cancel);
        var rows = Sheet(workbook, ParWorkbook.FiguresSheet);
        AssertMatchesApi(rows, api, "Điểm hài lòng (tối đa 10)", index => 10 * index / 100);

        // The rules sheet states the points rule, the wave and that these are interim figures.
        var rules = Sheet(workbook, ParWorkbook.RulesSheet).ToDictionary(r => Cell(r, "Mục"), r => Cell(r, "Nội dung"));
        Assert.Contains("điểm tối đa (10) × chỉ số hài lòng của đơn vị (%) / 100", rules["Điểm hài lòng"], StringComparison.Ordinal);
        Assert.Contains(OpenDataSeed.WaveName, rules["Đợt khảo sát"], StringComparison.Ordinal);
        Assert.StartsWith("Tạm tính", rules["Số liệu"], StringComparison.Ordinal);
        Assert.Equal("01/01/2026 – 31/03/2026", rules["Kỳ kết quả"]);
        Assert.StartsWith("sipas-full v 2: ", rules["Bộ câu hỏi"], StringComparison.Ordinal);
        Assert.Contains("Chỉ tính phiếu hợp lệ", rules["Phiếu hợp lệ"], StringComparison.Ordinal);
        Assert.Contains("trung bình cộng chỉ số các tiêu chí", rules["Yếu tố"], StringComparison.Ordinal);
        Assert.Contains("xếp hạng trong khối", rules["Xếp hạng"], StringComparison.Ordinal);
        Assert.Contains("Tiếp cận dịch vụ hành chính công", rules["E1 (%)"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task ParXlsx_Should_GivePointsByBand_When_TheRuleIsConfigured()
    {
        await using var factory = Host(("Par:MaximumPoints", "8"), ("Par:Rule", "Bands"),
            ("Par:Bands:0:MinimumIndex", "80"), ("Par:Bands:0:Share", "1"),
            ("Par:Bands:1:MinimumIndex", "50"), ("Par:Bands:1:Share", "0.5"));
        _ = factory.Services;
        var (wave, _) = await OpenDataSeed.SeedAsync(_database.DataSource, ballotsPerAgency: 34, seed: 5);
        using var admin = ApiClient(factory);

        using var response = await admin.GetAsync($"/api/admin/waves/{wave}/par.xlsx", Cancel);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var workbook = new MemoryStream(await response.Content.ReadAsByteArrayAsync(Cancel));
        var api = await factory.CreateClient().GetFromJsonAsync<JsonElement>($"/api/public/results?wave={wave}", Cancel);
        var rows = Sheet(workbook, ParWorkbook.FiguresSheet);
        AssertMatchesApi(rows, api, "Điểm hài lòng (tối đa 8)", index => index >= 80 ? 8 : index >= 50 ? 4 : 0);
        // The seed's agencies lean to different levels, so more than one band is used.
        Assert.True(rows.Where(r => Cell(r, ParWorkbook.AgencyCode).Length > 0).Select(r => Cell(r, "Điểm hài lòng (tối đa 8)")).Distinct().Count() > 1,
            "The agencies fall in different bands.");
        var rules = Sheet(workbook, ParWorkbook.RulesSheet).ToDictionary(r => Cell(r, "Mục"), r => Cell(r, "Nội dung"));
        Assert.Contains("từ 80% trở lên: 8 điểm; từ 50% trở lên: 4 điểm; thấp hơn mọi mức: 0 điểm", rules["Điểm hài lòng"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task ParXlsx_Should_BeForAdministratorsOnlyAndAnyWave_When_Requested()
    {
        await using var factory = Host();
        _ = factory.Services;
        var (wave, _) = await OpenDataSeed.SeedAsync(_database.DataSource, published: false);
        await AdminSignIn.CreateViewerAsync(_database.DataSource, "viewer.par", ViewerPassword, "OD-STP");
        var path = $"/api/admin/waves/{wave}/par.xlsx";

        // An unpublished wave is the administrators' to export, signed in or by script.
        using var signedIn = await factory.SignedInClientAsync();
        using (var ok = await signedIn.GetAsync(path, Cancel))
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        using (var script = await ApiClient(factory).GetAsync(path, Cancel))
            Assert.Equal(HttpStatusCode.OK, script.StatusCode);

        using var viewer = await factory.SignedInClientAsync("viewer.par", ViewerPassword);
        using (var refused = await viewer.GetAsync(path, Cancel))
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        using (var anonymous = await factory.CreateClient().GetAsync(path, Cancel))
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);

        using var unknown = await ApiClient(factory).GetAsync($"/api/admin/waves/{wave + 100}/par.xlsx", Cancel);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("application/problem+json", unknown.Content.Headers.ContentType?.MediaType);
        Assert.Equal("No such wave.", (await unknown.Content.ReadFromJsonAsync<JsonElement>(Cancel)).GetProperty("title").GetString());
    }

    [Theory]
    [InlineData("Par:MaximumPoints", "0", "Par:MaximumPoints")]
    [InlineData("Par:MaximumPoints", "-3", "Par:MaximumPoints")]
    [InlineData("Par:Rule", "Bands", "Par:Bands")]
    public void ParOptions_Should_BeRefusedWithTheSettingsName_When_Invalid(string key, string value, string named)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection([new(key, value)]).Build();
        using var services = new ServiceCollection().AddSingleton<Microsoft.Extensions.Configuration.IConfiguration>(configuration).AddPar().BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<ParOptions>>().Value);

        Assert.Contains(named, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ParOptions_Should_GiveTenTimesTheIndexOverAHundred_When_NotConfigured()
    {
        var configuration = new ConfigurationBuilder().Build();
        using var services = new ServiceCollection().AddSingleton<Microsoft.Extensions.Configuration.IConfiguration>(configuration).AddPar().BuildServiceProvider();

        var options = services.GetRequiredService<IOptions<ParOptions>>().Value;

        Assert.Equal((10.0, ParPointsRule.Proportional), (options.MaximumPoints, options.Rule));
        Assert.Equal(7.25, options.Points(72.5));
        Assert.Null(options.Points(null));
    }

    /// <summary>
    /// Every agency of the API's report is one row, grouped by block in reporting order and, within a block, by rank; each
    /// block is closed by its subtotal row; each figure is the API's rounded to 0.01; points follow <paramref name="points"/>.
    /// </summary>
    private static void AssertMatchesApi(List<IDictionary<string, object?>> rows, JsonElement api, string pointsColumn, Func<double, double> points)
    {
        var agencies = api.GetProperty("agencies").EnumerateArray().ToList();
        var blocks = api.GetProperty("blocks").EnumerateArray().ToList();
        Assert.True(blocks.Count >= 3, "The seed has agencies in three blocks.");
        Assert.Equal(agencies.Count + blocks.Count, rows.Count);

        var expectedOrder = new List<string>();
        foreach (var block in new[] { "department", "ward", "commune" })
        {
            expectedOrder.AddRange(agencies.Where(a => a.GetProperty("block").GetString() == block)
                .OrderBy(a => a.GetProperty("blockRank").ValueKind == JsonValueKind.Number ? a.GetProperty("blockRank").GetInt32() : int.MaxValue)
                .ThenBy(a => a.GetProperty("agencyCode").GetString(), StringComparer.Ordinal)
                .Select(a => a.GetProperty("agencyCode").GetString()!));
            expectedOrder.Add("block:" + block);
        }

        Assert.Equal(expectedOrder, rows.Select(r => Cell(r, ParWorkbook.AgencyCode) is { Length: > 0 } code ? code : "block:" +
            blocks.Single(b => Cell(r, ParWorkbook.Agency) == ParWorkbook.SubtotalPrefix + b.GetProperty("name").GetString()).GetProperty("block").GetString()));

        foreach (var a in agencies)
        {
            var row = rows.Single(r => Cell(r, ParWorkbook.AgencyCode) == a.GetProperty("agencyCode").GetString());
            var at = a.GetProperty("agencyCode").GetString();
            Assert.Equal(a.GetProperty("agencyName").GetString(), Cell(row, ParWorkbook.Agency));
            Assert.Equal(blocks.Single(b => b.GetProperty("block").GetString() == a.GetProperty("block").GetString()).GetProperty("name").GetString(),
                Cell(row, ParWorkbook.Block));
            Assert.Equal(a.GetProperty("responses").GetInt32().ToString(CultureInfo.InvariantCulture), Cell(row, ParWorkbook.Ballots));
            Assert.Equal(a.GetProperty("blockRank").ValueKind == JsonValueKind.Number ? a.GetProperty("blockRank").GetInt32().ToString(CultureInfo.InvariantCulture) : "",
                Cell(row, ParWorkbook.Rank));
            Assert.Equal(a.GetProperty("lowSample").GetBoolean() ? "có" : "không", Cell(row, ParWorkbook.LowSample));
            Near(a.GetProperty("index"), row, ParWorkbook.Index, at);
            Near(a.GetProperty("ciLow"), row, ParWorkbook.CiLow, at);
            Near(a.GetProperty("ciHigh"), row, ParWorkbook.CiHigh, at);
            foreach (var e in a.GetProperty("elements").EnumerateArray())
                Near(e.GetProperty("index"), row, ParWorkbook.ElementColumn(e.GetProperty("elementCode").GetString()!), at);
            var expected = points(a.GetProperty("index").GetDouble());
            Assert.True(Math.Abs(expected - Number(row, pointsColumn)) <= 0.005, $"{at}: {Number(row, pointsColumn)} points, expected {expected}.");
        }

        foreach (var b in blocks)
        {
            var row = rows.Single(r => Cell(r, ParWorkbook.Agency) == ParWorkbook.SubtotalPrefix + b.GetProperty("name").GetString());
            Near(b.GetProperty("index"), row, ParWorkbook.Index, b.GetProperty("block").GetString());
            Near(b.GetProperty("ciLow"), row, ParWorkbook.CiLow, b.GetProperty("block").GetString());
            Assert.Equal(b.GetProperty("ballots").GetInt32().ToString(CultureInfo.InvariantCulture), Cell(row, ParWorkbook.Ballots));
            Assert.Equal("", Cell(row, pointsColumn));
        }
    }

    // The workbook's figure is the API's rounded to two decimals.
    private static void Near(JsonElement api, IDictionary<string, object?> row, string column, string? what)
    {
        if (api.ValueKind == JsonValueKind.Null)
        {
            Assert.Equal("", Cell(row, column));
            return;
        }

        Assert.True(Math.Abs(api.GetDouble() - Number(row, column)) <= 0.005, $"{what} {column}: {Number(row, column)} vs {api.GetDouble()}.");
    }

    private static HttpClient ApiClient(BotHostFactory factory)
    {
        var client = factory.CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", BotHostFactory.AdminKey);
        return client;
    }

    private static List<IDictionary<string, object?>> Sheet(Stream workbook, string name)
    {
        workbook.Position = 0;
        return MiniExcel.Query(workbook, useHeaderRow: true, sheetName: name, excelType: ExcelType.XLSX).Cast<IDictionary<string, object?>>().ToList();
    }

    private static string Cell(IDictionary<string, object?> row, string column) =>
        Convert.ToString(row[column], CultureInfo.InvariantCulture) ?? "";

    private static double Number(IDictionary<string, object?> row, string column) => Convert.ToDouble(row[column], CultureInfo.InvariantCulture);
}
