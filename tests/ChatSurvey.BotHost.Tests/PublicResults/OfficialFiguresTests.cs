using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ChatSurvey.BotHost.Pages.Admin.Results;
using ChatSurvey.BotHost.Tests.Admin;
using ChatSurvey.BotHost.Tests.Pages;
using ChatSurvey.BotHost.Tests.Pages.Results;
using ChatSurvey.Dispatcher.Jobs;
using ChatSurvey.TestSupport;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using MiniExcelLibs;
using Npgsql;
using static ChatSurvey.BotHost.Tests.Pages.Results.ResultsPageTests;

namespace ChatSurvey.BotHost.Tests.PublicResults;

/// <summary>
/// Official figures end to end over HTTP (<see cref="OfficialFiguresSeed"/>): only valid ballots count, the open ones
/// are shown apart to administrators only, a wave is public once published, the public side scores a wave at most once
/// per refresh interval, and a completed wave serves its frozen final figures. Each test has its own database and host,
/// whose clock is a <see cref="FakeTimeProvider"/> (the public cache's 20 s are reached without waiting).
/// </summary>
public sealed class OfficialFiguresTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.UtcNow);
    private TestDatabase _database = null!;
    private BotHostFactory _inner = null!;
    private WebApplicationFactory<Program> _factory = null!;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _database = await (await PostgresServer.GetAsync()).CreateDatabaseAsync();
        _inner = new BotHostFactory(_database.ConnectionString,
        [
            new("Storage:SeedDemoData", "false"),
            new("Dispatcher:Enabled", "false"),
            new("WebChat:TokenSigningKey", "official-figures-tests-signing-key-0123456789"),
        ]);
        _factory = _inner.WithWebHostBuilder(builder =>
            builder.ConfigureTestServices(services => services.AddSingleton<TimeProvider>(_clock)));
        _ = _factory.Services; // starts the host: migrations and the shipped questionnaires
    }

    public async ValueTask DisposeAsync()
    {
        await _factory.DisposeAsync();
        await _inner.DisposeAsync();
        await _database.DisposeAsync();
    }

    [Fact]
    public async Task PublicSideAndAdminPage_Should_CountValidBallotsOnly_When_WaveHasOpenAndVerifiedAnswers()
    {
        var wave = await OfficialFiguresSeed.SeedAsync(_database.DataSource);
        using var anonymous = _factory.CreateClient();

        // API: 3 sampled + 1 verified = 4 valid ballots, all rated 4–5 → 100 %, mean 4,25 (the 3 open ones rated 1 are out).
        var api = await anonymous.GetFromJsonAsync<JsonElement>($"/api/public/results?wave={wave}", Cancel);
        var agency = Assert.Single(api.GetProperty("agencies").EnumerateArray());
        Assert.Equal(OfficialFiguresSeed.Agency, agency.GetProperty("agencyCode").GetString());
        Assert.Equal(4, agency.GetProperty("responses").GetInt32());
        Assert.Equal(100.0, agency.GetProperty("index").GetDouble(), 6);
        Assert.Equal(4.25, agency.GetProperty("mean").GetDouble(), 6);
        Assert.Equal(4, api.GetProperty("overall").GetProperty("responses").GetInt32());
        Assert.Equal("official", api.GetProperty("ballots").GetString());
        Assert.Contains("partial", api.GetProperty("ballotRule").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain(OfficialFiguresSeed.OpenComment, api.GetRawText(), StringComparison.Ordinal);

        // The public page: the same figures, interim ("Tạm tính"), the methodology link, nothing of the open answers.
        var page = await HtmlPage.GetOkAsync(anonymous, $"/results?wave={wave}");
        var overall = page.One("#overall");
        Assert.Equal("4", Figure(overall, "responses"));
        Assert.Equal("100,0%", Figure(overall, "index"));
        Assert.Equal("4,25", Figure(overall, "mean"));
        Assert.Equal("4", Figure(page.One("#agencies").One($"[data-agency='{OfficialFiguresSeed.Agency}']"), "responses"));
        Assert.Contains("Tạm tính", page.One("#figures-kind").OuterHtml, StringComparison.Ordinal);
        Assert.Contains("href=\"/cach-tinh\"", page.Source, StringComparison.Ordinal);
        Assert.Contains("Chỉ tính phiếu hợp lệ", page.One("#rules").OuterHtml, StringComparison.Ordinal);
        Assert.DoesNotContain("id=\"open-answers\"", page.Source, StringComparison.Ordinal);
        Assert.DoesNotContain("badge unverified", page.Source, StringComparison.Ordinal);
        Assert.DoesNotContain(OfficialFiguresSeed.OpenComment, page.Source, StringComparison.Ordinal);

        // The methodology page the link opens renders the built-in text.
        var methodology = await HtmlPage.GetOkAsync(anonymous, "/cach-tinh");
        Assert.Contains("<h2 id=\"official-figures\">Official figures</h2>", methodology.Source, StringComparison.Ordinal);
        Assert.Contains("Partial ballots are not counted anywhere in official figures", methodology.Source, StringComparison.Ordinal);

        // The admin page: the same official tiles and ranking; the 3 open ballots apart, labelled "chưa xác minh".
        using var admin = await _factory.SignedInClientAsync();
        var results = await HtmlPage.GetOkAsync(admin, $"/admin/results?wave={wave}");
        var tiles = results.One("#overall");
        Assert.Equal("4", Figure(tiles, "responses"));
        Assert.Equal("100,0%", Figure(tiles, "index"));
        Assert.Equal("4", Figure(results.One("#agencies").One($"[data-agency='{OfficialFiguresSeed.Agency}']"), "responses"));
        var open = results.One("#open-answers");
        Assert.Contains("chưa xác minh", open.OuterHtml, StringComparison.Ordinal);
        Assert.Equal("3", Figure(open, "open-responses"));
        Assert.Equal("0,0%", Figure(open, "open-index"));
        Assert.Equal("1,00", Figure(open, "open-mean"));
        Assert.Equal("3", Figure(open.One("#open-agencies").One($"[data-agency='{OfficialFiguresSeed.Agency}']"), "responses"));
        Assert.Contains(OfficialFiguresSeed.OpenComment, open.One("#open-comments").OuterHtml, StringComparison.Ordinal);
        Assert.DoesNotContain(OfficialFiguresSeed.OpenComment, results.One("#comments").OuterHtml, StringComparison.Ordinal);
        Assert.DoesNotContain(OfficialFiguresSeed.OpenComment, tiles.OuterHtml, StringComparison.Ordinal);

        // The export holds the official figures only.
        using var csv = await admin.GetAsync($"/admin/results/export?wave={wave}&format=csv", Cancel);
        Assert.Equal(HttpStatusCode.OK, csv.StatusCode);
        var lines = (await csv.Content.ReadAsStringAsync(Cancel)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var agencyOverall = Assert.Single(lines, l => l.StartsWith($"{OfficialFiguresSeed.Agency},", StringComparison.Ordinal) && l.Contains(",overall,", StringComparison.Ordinal));
        Assert.Contains(",4,", agencyOverall, StringComparison.Ordinal); // 4 valid ballots
        Assert.Contains(",100,", agencyOverall, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Export_Should_ListEveryCompletedBallotWithItsProvenanceFlagsAndVerdict_When_SomeAreOpenOrFlagged()
    {
        var wave = await OfficialFiguresSeed.SeedAsync(_database.DataSource);
        // Beyond the seed's 3 sampled, 3 open and 1 verified: a sampled speeder (excluded by default), an open speeder,
        // a verified straight-liner with a comment (flagged, kept by default), and a partial ballot (not a ballot at all).
        async Task AddAsync(string provenance, int rating, string? comment, string change)
        {
            await OfficialFiguresSeed.AddBallotAsync(_database.DataSource, wave, provenance, rating, comment);
            await ResultsSeed.ExecuteAsync(_database.DataSource,
                $"UPDATE responses SET {change} WHERE id = (SELECT max(id) FROM responses WHERE wave_id = {wave})");
        }

        await AddAsync("sampled", 5, null, "speeder = true");
        await AddAsync("open", 5, null, "speeder = true");
        await AddAsync("verified", 5, "Thủ tục nhanh gọn", "straight_liner = true");
        await AddAsync("sampled", 5, null, "status = 'partial', completed_at = NULL");
        using var admin = await _factory.SignedInClientAsync();

        using var xlsx = await admin.GetAsync($"/admin/results/export?wave={wave}&format=xlsx", Cancel);
        Assert.Equal(HttpStatusCode.OK, xlsx.StatusCode);
        using var workbook = new MemoryStream(await xlsx.Content.ReadAsByteArrayAsync(Cancel));
        Assert.Equal(["Chỉ số", "Khối", "Cần cải thiện", "Phiếu", "Ý kiến", "Cách tính"], MiniExcel.GetSheetNames(workbook));
        var ballots = Sheet(workbook, "Phiếu");
        Assert.Equal(ExportModel.BallotHeaders, ballots[0].Keys);
        Assert.Equal(
            [
                ("sampled", "có", "", ""), ("sampled", "có", "", ""), ("sampled", "có", "", ""),
                ("open", "không", "", "chưa xác minh"), ("open", "không", "", "chưa xác minh"), ("open", "không", "", "chưa xác minh"),
                ("verified", "có", "", ""),
                ("sampled", "không", "trả lời quá nhanh (speeder)", "trả lời quá nhanh"),
                ("open", "không", "trả lời quá nhanh (speeder)", "chưa xác minh; trả lời quá nhanh"),
                ("verified", "có", "chọn cùng một mức cho mọi câu (straight_liner)", ""),
            ],
            ballots.Select(r => (Cell(r, "Mã nguồn phiếu"), Cell(r, "Tính vào kết quả chính thức"), Cell(r, "Cờ"), Cell(r, "Lý do không tính"))));
        Assert.Equal(["Chọn mẫu, mời qua SMS", "Chưa xác minh", "Đã xác minh mã hồ sơ"], ballots.Select(r => Cell(r, "Nguồn phiếu")).Distinct());
        Assert.Equal(Enumerable.Range(1, 10).Select(n => n.ToString(System.Globalization.CultureInfo.InvariantCulture)), ballots.Select(r => Cell(r, "STT")));
        // Sampled and verified ballots name their dossier's procedure; open ones have none.
        Assert.All(ballots, r => Assert.Equal(Cell(r, "Mã nguồn phiếu") == "open" ? "" : "Cấp phiếu lý lịch tư pháp", Cell(r, "Thủ tục")));

        // The rows counted are exactly the valid ballots behind the figures: 3 sampled + 2 verified.
        var overall = Assert.Single(Sheet(workbook, "Chỉ số"), r => Cell(r, "Mã đơn vị") == "*" && Cell(r, "Cấp") == "overall");
        Assert.Equal("5", Cell(overall, "Phiếu hoàn thành"));
        Assert.Equal(5, ballots.Count(r => Cell(r, "Tính vào kết quả chính thức") == "có"));
        // The comments are the valid ballots' only, each with its ballot's provenance.
        var comment = Assert.Single(Sheet(workbook, "Ý kiến"));
        Assert.Equal(("Thủ tục nhanh gọn", "Đã xác minh mã hồ sơ"), (Cell(comment, "Ý kiến"), Cell(comment, "Nguồn phiếu")));
        Assert.Contains(Sheet(workbook, "Cách tính"), r => Cell(r, "Mục") == "Bảng Phiếu");
        var everything = string.Join("|", ballots.SelectMany(r => r.Values));
        Assert.DoesNotContain("+8498", everything, StringComparison.Ordinal);
        Assert.DoesNotContain("OF-HS-", everything, StringComparison.Ordinal);

        // The same ballots as CSV (UTF-8 with a byte order mark), read back with CsvHelper.
        using var csvResponse = await admin.GetAsync($"/admin/results/export?wave={wave}&format=csv&table=ballots", Cancel);
        Assert.Equal(HttpStatusCode.OK, csvResponse.StatusCode);
        Assert.StartsWith($"phieu-sipas-dot-{wave}-", csvResponse.Content.Headers.ContentDisposition?.FileNameStar, StringComparison.Ordinal);
        var bytes = await csvResponse.Content.ReadAsByteArrayAsync(Cancel);
        Assert.Equal(System.Text.Encoding.UTF8.Preamble.ToArray(), bytes[..3]);
        using var csvStream = new MemoryStream(bytes);
        await using var csv = CsvHelper.CsvReader.Create(csvStream, null, leaveOpen: true);
        await csv.ReadHeaderAsync(Cancel);
        Assert.Equal(ExportModel.BallotHeaders, csv.Headers);
        var csvRows = new List<string[]>();
        while (await csv.ReadAsync(Cancel))
            csvRows.Add(Enumerable.Range(0, csv.Headers.Count).Select(i => csv.IsEmpty(i) ? "" : csv.GetString(i)).ToArray());
        Assert.Equal(ballots.Select(r => ExportModel.BallotHeaders.Select(h => Cell(r, h)).ToArray()), csvRows);

        // The figures CSV is unchanged by default; an unknown table is refused.
        using (var figures = await admin.GetAsync($"/admin/results/export?wave={wave}&format=csv", Cancel))
        {
            Assert.StartsWith($"ket-qua-sipas-dot-{wave}-", figures.Content.Headers.ContentDisposition?.FileNameStar, StringComparison.Ordinal);
            Assert.StartsWith("Mã đơn vị,", (await figures.Content.ReadAsStringAsync(Cancel)).TrimStart('\uFEFF'), StringComparison.Ordinal);
        }

        using (var bad = await admin.GetAsync($"/admin/results/export?wave={wave}&format=csv&table=answers", Cancel))
        {
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
            Assert.Contains("Bảng phải là figures (chỉ số) hoặc ballots (phiếu).", await bad.Content.ReadAsStringAsync(Cancel), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task PublicResults_Should_Answer400Or404_When_WaveMissingUnknownUnpublishedOrAgencyNotTheWaves()
    {
        var wave = await OfficialFiguresSeed.SeedAsync(_database.DataSource);
        var unpublished = await OfficialFiguresSeed.SeedAsync(_database.DataSource, published: false, name: "Đợt chưa công bố");
        using var client = _factory.CreateClient();

        using (var missing = await client.GetAsync("/api/public/results", Cancel))
        {
            Assert.Equal(HttpStatusCode.BadRequest, missing.StatusCode);
            Assert.Equal("application/problem+json", missing.Content.Headers.ContentType?.MediaType);
            var problem = await missing.Content.ReadFromJsonAsync<JsonElement>(Cancel);
            Assert.True(problem.GetProperty("errors").TryGetProperty("wave", out _));
        }

        foreach (var bad in new[] { "0", "-3", "abc" })
        {
            using var response = await client.GetAsync($"/api/public/results?wave={bad}", Cancel);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        }

        foreach (var path in new[]
                 {
                     "/api/public/results?wave=999999",
                     $"/api/public/results?wave={unpublished}",
                     $"/api/public/results?wave={wave}&agency={OfficialFiguresSeed.OtherAgency}",
                     $"/api/public/results?wave={wave}&agency=NO-SUCH-AGENCY",
                     $"/api/public/results?wave={unpublished}&agency={OfficialFiguresSeed.Agency}",
                 })
        {
            using var response = await client.GetAsync(path, Cancel);
            Assert.True(response.StatusCode == HttpStatusCode.NotFound, $"{path} answered {(int)response.StatusCode}.");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        }

        // The unpublished wave is not on the public page either, nor in its selector.
        using (var page = await client.GetAsync($"/results?wave={unpublished}", Cancel))
        {
            Assert.Equal(HttpStatusCode.NotFound, page.StatusCode);
            Assert.DoesNotContain("Đợt chưa công bố", await page.Content.ReadAsStringAsync(Cancel), StringComparison.Ordinal);
        }

        // One of the wave's agencies narrows the figures to it.
        var one = await client.GetFromJsonAsync<JsonElement>($"/api/public/results?wave={wave}&agency={OfficialFiguresSeed.Agency}", Cancel);
        Assert.Equal([OfficialFiguresSeed.Agency], one.GetProperty("agencies").EnumerateArray().Select(a => a.GetProperty("agencyCode").GetString()));
        Assert.Equal(4, one.GetProperty("overall").GetProperty("responses").GetInt32());

        // The published waves: this one only, with its period as dates.
        var waves = await client.GetFromJsonAsync<JsonElement>("/api/public/waves", Cancel);
        var listed = Assert.Single(waves.EnumerateArray());
        Assert.Equal(wave, listed.GetProperty("id").GetInt64());
        Assert.Equal(OfficialFiguresSeed.WaveName, listed.GetProperty("name").GetString());
        Assert.Equal("2026-01-01", listed.GetProperty("resultsFrom").GetString());
        Assert.Equal("2026-03-31", listed.GetProperty("resultsTo").GetString());
        Assert.Equal("running", listed.GetProperty("status").GetString());
        Assert.False(listed.GetProperty("final").GetBoolean());
        Assert.Equal(["final", "id", "name", "resultsFrom", "resultsTo", "status"], listed.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Publication_Should_FollowTheAdministrator_When_PublishedAndUnpublishedByApiOrPage()
    {
        var wave = await OfficialFiguresSeed.SeedAsync(_database.DataSource, published: false);
        var questionnaire = await ResultsSeed.ScalarAsync<long>(_database.DataSource, $"SELECT questionnaire_id FROM waves WHERE id = {wave}");
        Task<long> InsertAsync(string status, bool manual = false) => ResultsSeed.ScalarAsync<long>(_database.DataSource,
            $"""
            INSERT INTO waves (name, questionnaire_id, status, results_from, results_to, seed, manual)
            VALUES ('{(manual ? "Mời thủ công" : status)}', {questionnaire}, '{status}', DATE '2000-01-01', DATE '2999-12-31', 0, {manual})
            RETURNING id
            """);
        var draft = await InsertAsync("draft");
        var cancelled = await InsertAsync("cancelled");
        var manualWave = await InsertAsync("running", manual: true);
        using var api = _factory.CreateClient();
        api.DefaultRequestHeaders.Add("X-Api-Key", BotHostFactory.AdminKey);
        using var anonymous = _factory.CreateClient();

        // Not published: the admin API says so, the public side does not know the wave.
        var progress = await api.GetFromJsonAsync<JsonElement>($"/api/admin/waves/{wave}", Cancel);
        Assert.False(progress.GetProperty("published").GetBoolean());
        Assert.False(progress.GetProperty("final").GetBoolean());
        Assert.Equal("running", progress.GetProperty("status").GetString());
        Assert.True(progress.TryGetProperty("planned", out _) && progress.TryGetProperty("completed", out _));
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync($"/api/public/results?wave={wave}", Cancel)).StatusCode);
        // Without an administrator's credentials nothing changes.
        using (var refused = await anonymous.PostAsync($"/api/admin/waves/{wave}/publish", null, Cancel))
            Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);

        // Published: listed and served at once.
        var published = await PostOkAsync(api, $"/api/admin/waves/{wave}/publish");
        Assert.Equal(wave, published.GetProperty("id").GetInt64());
        Assert.True(published.GetProperty("published").GetBoolean());
        Assert.Equal(JsonValueKind.String, published.GetProperty("publishedAt").ValueKind);
        Assert.False(published.GetProperty("manual").GetBoolean());
        Assert.False(published.GetProperty("final").GetBoolean());
        Assert.True((await api.GetFromJsonAsync<JsonElement>($"/api/admin/waves/{wave}", Cancel)).GetProperty("published").GetBoolean());
        Assert.Equal([wave], await PublicWaveIdsAsync(anonymous));
        Assert.Equal(HttpStatusCode.OK, (await anonymous.GetAsync($"/api/public/results?wave={wave}", Cancel)).StatusCode);

        // Unpublished: gone again.
        Assert.False((await PostOkAsync(api, $"/api/admin/waves/{wave}/unpublish")).GetProperty("published").GetBoolean());
        Assert.Empty(await PublicWaveIdsAsync(anonymous));
        Assert.Equal(HttpStatusCode.NotFound, (await anonymous.GetAsync($"/api/public/results?wave={wave}", Cancel)).StatusCode);

        // Unknown: 404; a draft or a cancelled wave: 409 with its status, and nothing changes.
        using (var unknown = await api.PostAsync("/api/admin/waves/999999/publish", null, Cancel))
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        foreach (var (id, status) in new[] { (draft, "draft"), (cancelled, "cancelled") })
        {
            foreach (var action in new[] { "publish", "unpublish" })
            {
                using var conflict = await api.PostAsync($"/api/admin/waves/{id}/{action}", null, Cancel);
                Assert.Equal(HttpStatusCode.Conflict, conflict.StatusCode);
                Assert.Equal(status, (await conflict.Content.ReadFromJsonAsync<JsonElement>(Cancel)).GetProperty("waveStatus").GetString());
            }
        }

        Assert.Equal(0L, await ResultsSeed.ScalarAsync<long>(_database.DataSource,
            $"SELECT count(*) FROM waves WHERE id IN ({draft}, {cancelled}) AND published_at IS NOT NULL"));

        // The manual-invitation wave is never public by itself, and can be published when chosen explicitly.
        Assert.DoesNotContain(manualWave, await PublicWaveIdsAsync(anonymous));
        var manual = await PostOkAsync(api, $"/api/admin/waves/{manualWave}/publish");
        Assert.True(manual.GetProperty("manual").GetBoolean());
        Assert.Contains(manualWave, await PublicWaveIdsAsync(anonymous));

        // The wave page's button does the same (with the antiforgery token; without it nothing happens).
        using var admin = await _factory.SignedInClientAsync(); // no automatic redirects: the post answers 302
        var detail = await HtmlPage.GetOkAsync(admin, $"/admin/waves/{wave}");
        Assert.Contains("Chưa công bố", detail.One("#published-state").OuterHtml, StringComparison.Ordinal);
        using (var forged = await admin.PostAsync($"/admin/waves/{wave}?handler=Publish", new FormUrlEncodedContent([]), Cancel))
            Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.DoesNotContain(wave, await PublicWaveIdsAsync(anonymous));
        using (var posted = await admin.SubmitFormAsync($"/admin/waves/{wave}?handler=Publish", detail))
            Assert.True(posted.StatusCode is HttpStatusCode.Redirect or HttpStatusCode.OK, $"The publish form answered {(int)posted.StatusCode}.");
        var after = await HtmlPage.GetOkAsync(admin, $"/admin/waves/{wave}");
        Assert.Contains("Đã công bố", after.One("#published-state").OuterHtml, StringComparison.Ordinal);
        Assert.Contains(wave, await PublicWaveIdsAsync(anonymous));
        using (var refusedPage = await admin.SubmitFormAsync($"/admin/waves/{draft}?handler=Publish", await HtmlPage.GetOkAsync(admin, $"/admin/waves/{draft}")))
            Assert.Equal(HttpStatusCode.Conflict, refusedPage.StatusCode);
    }

    [Fact]
    public async Task PublicRequests_Should_ScoreAWaveAtMostOncePerRefreshInterval_When_AskedForManyAgencies()
    {
        var wave = await OfficialFiguresSeed.SeedAsync(_database.DataSource);
        var database = new NpgsqlConnectionStringBuilder(_database.ConnectionString).Database!;
        using var scoring = new ScoringStatements(database);
        using var client = _factory.CreateClient();

        // 200 distinct agency parameters at once (the wave's own, strangers, unknown codes), the page and the lists.
        var agencies = Enumerable.Range(0, 197).Select(i => $"AG-{i:D3}")
            .Append(OfficialFiguresSeed.Agency).Append(OfficialFiguresSeed.OtherAgency).Append(OfficialFiguresSeed.Agency.ToLowerInvariant())
            .ToList();
        Assert.Equal(200, agencies.Distinct(StringComparer.Ordinal).Count());
        var statuses = await Task.WhenAll(agencies.Select(async code =>
        {
            using var response = await client.GetAsync($"/api/public/results?wave={wave}&agency={Uri.EscapeDataString(code)}", Cancel);
            return (code, response.StatusCode);
        }));
        Assert.All(statuses, s => Assert.Equal(s.code == OfficialFiguresSeed.Agency ? HttpStatusCode.OK : HttpStatusCode.NotFound, s.StatusCode));
        await HtmlPage.GetOkAsync(client, $"/results?wave={wave}");
        await HtmlPage.GetOkAsync(client, "/results");
        await HtmlPage.GetOkAsync(client, $"/api/public/results?wave={wave}");
        await HtmlPage.GetOkAsync(client, "/api/public/waves");

        Assert.Equal(1, scoring.Count);

        // Once the 20 s are over, the next visitor's request scores the wave once more (there is no fresh snapshot).
        _clock.Advance(TimeSpan.FromSeconds(21));
        await Task.WhenAll(agencies.Take(50).Select(code => client.GetAsync($"/api/public/results?wave={wave}&agency={code}", Cancel)));
        Assert.Equal(2, scoring.Count);
    }

    [Fact]
    public async Task CompletedWave_Should_ServeFrozenOfficialFigures_When_PeriodEndedAndEveryInvitationFinal()
    {
        var wave = await OfficialFiguresSeed.SeedAsync(_database.DataSource, resultsFrom: "2025-01-01", resultsTo: "2025-03-31");
        using var client = _factory.CreateClient();
        Assert.Contains("Tạm tính", (await HtmlPage.GetOkAsync(client, $"/results?wave={wave}")).One("#figures-kind").OuterHtml, StringComparison.Ordinal);

        var completed = await ActivatorUtilities.CreateInstance<WaveCompletionJob>(_factory.Services).RunAsync(Cancel);

        Assert.Equal([wave], completed);
        _clock.Advance(TimeSpan.FromSeconds(21)); // past the public cache of the interim figures
        var page = await HtmlPage.GetOkAsync(client, $"/results?wave={wave}");
        Assert.Contains("Kết quả chính thức", page.One("#figures-kind").OuterHtml, StringComparison.Ordinal);
        Assert.Contains("data-final=\"true\"", page.Source, StringComparison.Ordinal);
        Assert.Contains("chốt lúc", page.One("#computed-at").OuterHtml, StringComparison.Ordinal);
        Assert.Equal("4", Figure(page.One("#overall"), "responses"));
        var listed = Assert.Single((await client.GetFromJsonAsync<JsonElement>("/api/public/waves", Cancel)).EnumerateArray());
        Assert.Equal("completed", listed.GetProperty("status").GetString());
        Assert.True(listed.GetProperty("final").GetBoolean());

        // Frozen: a late valid ballot rated 1 and the minutely refresh change nothing the public sees.
        await OfficialFiguresSeed.AddBallotAsync(_database.DataSource, wave, "verified", 1, null);
        await ActivatorUtilities.CreateInstance<ScoreRefreshJob>(_factory.Services).RunAsync(Cancel);
        _clock.Advance(TimeSpan.FromSeconds(21));
        var api = await client.GetFromJsonAsync<JsonElement>($"/api/public/results?wave={wave}", Cancel);
        Assert.Equal(4, api.GetProperty("overall").GetProperty("responses").GetInt32());
        Assert.Equal(100.0, api.GetProperty("overall").GetProperty("index").GetDouble(), 6);

        // The administrators see the same frozen figures, with the checksum and the ballot count, and the final flag.
        using var admin = await _factory.SignedInClientAsync();
        var results = await HtmlPage.GetOkAsync(admin, $"/admin/results?wave={wave}");
        Assert.Contains("Kết quả chính thức", results.One("#figures-state").OuterHtml, StringComparison.Ordinal);
        var checksum = await ResultsSeed.ScalarAsync<string>(_database.DataSource, $"SELECT ballots_checksum FROM score_snapshots WHERE wave_id = {wave} AND final");
        Assert.Contains(checksum, results.One("#ballots-checksum").OuterHtml, StringComparison.Ordinal);
        Assert.Equal("4", Figure(results.One("#overall"), "responses"));
        using var apiClient = _factory.CreateClient();
        apiClient.DefaultRequestHeaders.Add("X-Api-Key", BotHostFactory.AdminKey);
        var progress = await apiClient.GetFromJsonAsync<JsonElement>($"/api/admin/waves/{wave}", Cancel);
        Assert.Equal("completed", progress.GetProperty("status").GetString());
        Assert.True(progress.GetProperty("final").GetBoolean());
        Assert.True(progress.GetProperty("published").GetBoolean());
        // A completed wave stays publishable (and can be withdrawn).
        Assert.False((await PostOkAsync(apiClient, $"/api/admin/waves/{wave}/unpublish")).GetProperty("published").GetBoolean());
    }

    private static List<IDictionary<string, object?>> Sheet(Stream workbook, string name) =>
        MiniExcel.Query(workbook, useHeaderRow: true, sheetName: name, excelType: ExcelType.XLSX).Cast<IDictionary<string, object?>>().ToList();

    /// <summary>A cell as text ("" when empty): MiniExcel reads numbers as numbers.</summary>
    private static string Cell(IDictionary<string, object?> row, string column) =>
        Convert.ToString(row[column], System.Globalization.CultureInfo.InvariantCulture) ?? "";

    private static async Task<JsonElement> PostOkAsync(HttpClient client, string path)
    {
        using var response = await client.PostAsync(path, null, Cancel);
        var body = await response.Content.ReadAsStringAsync(Cancel);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"POST {path} answered {(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    private static async Task<List<long>> PublicWaveIdsAsync(HttpClient client) =>
        [.. (await client.GetFromJsonAsync<JsonElement>("/api/public/waves", Cancel)).EnumerateArray().Select(w => w.GetProperty("id").GetInt64())];

    /// <summary>
    /// Counts the scoring statements PostgreSQL is sent for one database, from Npgsql's own tracing (activity source
    /// "Npgsql"): whatever code path runs the scoring query, it is seen here.
    /// </summary>
    private sealed class ScoringStatements : IDisposable
    {
        // A fragment only the scoring statement holds (ScoringQuery's choice of one questionnaire version).
        private const string Marker = "chosen AS MATERIALIZED";

        private readonly ActivityListener _listener;
        private readonly ConcurrentBag<string> _seen = [];

        public ScoringStatements(string database)
        {
            _listener = new ActivityListener
            {
                ShouldListenTo = source => source.Name == "Npgsql",
                Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
                ActivityStopped = activity =>
                {
                    var tags = activity.TagObjects.Select(t => t.Value as string).Where(v => v is not null).ToList();
                    if (tags.Contains(database) && tags.Any(v => v!.Contains(Marker, StringComparison.Ordinal)))
                        _seen.Add(activity.Id ?? "");
                },
            };
            ActivitySource.AddActivityListener(_listener);
        }

        public int Count => _seen.Count;

        public void Dispose() => _listener.Dispose();
    }
}
