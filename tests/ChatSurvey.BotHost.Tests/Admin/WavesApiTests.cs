using System.Net;
using System.Text.Json;
using ChatSurvey.Dispatcher.Waves;
using ChatSurvey.Domain.Time;

namespace ChatSurvey.BotHost.Tests.Admin;

/// <summary><c>/api/admin/waves</c> through HTTP on a fresh database per test (catalogue and transactions loaded through the API).</summary>
public sealed class WavesApiTests : IAsyncLifetime
{
    private AdminApiHost _host = null!;

    public async ValueTask InitializeAsync()
    {
        _host = await AdminApiHost.StartAsync(("Sms:MessagesPerSecond", "2"));
        await _host.SeedCatalogueAsync();
        // A1 has 10 transactions in March with distinct mobiles, A2 has 3; one A1 row is outside the period.
        var rows = Enumerable.Range(0, 10)
            .Select(i => Row($"HS-{i}", "A1", $"09120000{i:D2}", $"2025-03-{i + 1:D2}"))
            .Concat(Enumerable.Range(0, 3).Select(i => Row($"HS-{i}", "A2", $"09130000{i:D2}", "2025-03-15")))
            .Append(Row("HS-OLD", "A1", "0912000099", "2025-01-15"))
            .ToArray();
        var (status, report) = await _host.PostAsync("/api/admin/transactions", rows);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(14, report.GetProperty("accepted").GetInt32());
    }

    public async ValueTask DisposeAsync() => await _host.DisposeAsync();

    private static object Row(string dossier, string agency, string phone, string date) =>
        new { dossierCode = dossier, agencyCode = agency, procedureCode = "P1", phone, resultDate = date };

    private static object Wave(object[]? agencies = null) => new
    {
        name = "Đợt khảo sát quý 1/2025",
        questionnaire = "sipas-sms",
        resultsFrom = "2025-03-01",
        resultsTo = "2025-03-31",
        agencies = agencies ?? [new { agencyCode = "A1", target = 3 }, new { agencyCode = "A2", target = 2 }],
        expectedResponseRate = 0.5,
        seed = 42,
    };

    private async Task<long> CreateWaveAsync()
    {
        var (status, body) = await _host.PostAsync("/api/admin/waves", Wave());
        Assert.Equal(HttpStatusCode.Created, status);
        return body.GetProperty("id").GetInt64();
    }

    [Fact]
    public async Task Wave_Should_PlanInvitationsAndReportProgress_When_CreatedAndStarted()
    {
        var (created, body) = await _host.PostAsync("/api/admin/waves", Wave());
        Assert.Equal(HttpStatusCode.Created, created);
        var id = body.GetProperty("id").GetInt64();
        Assert.Equal($$"""{"id":{{id}}}""", body.GetRawText());

        var (_, draft) = await _host.GetAsync($"/api/admin/waves/{id}");
        Assert.Equal(
            $$"""{"id":{{id}},"status":"draft","planned":0,"sent":0,"delivered":0,"failed":0,"responded":0,"completed":0,"optedOut":0,"expired":0,"published":false,"final":false}""",
            draft.GetRawText());

        var (started, start) = await _host.PostAsync($"/api/admin/waves/{id}/start");
        Assert.Equal(HttpStatusCode.OK, started);
        Assert.Equal("running", start.GetProperty("status").GetString());
        // Targets 3 and 2 at a 50 % response rate need 6 and 4 invitations; A2 has only 3 eligible transactions.
        Assert.Equal(9, start.GetProperty("planned").GetInt32());
        var agencies = start.GetProperty("agencies").EnumerateArray()
            .Select(a => (a.GetProperty("agencyCode").GetString(), a.GetProperty("required").GetInt32(),
                a.GetProperty("planned").GetInt32(), a.GetProperty("shortfall").GetInt32()))
            .ToList();
        Assert.Equal([("A1", 6, 6, 0), ("A2", 4, 3, 1)], agencies);

        var (_, progress) = await _host.GetAsync($"/api/admin/waves/{id}");
        Assert.Equal(
            $$"""{"id":{{id}},"status":"running","planned":9,"sent":0,"delivered":0,"failed":0,"responded":0,"completed":0,"optedOut":0,"expired":0,"published":false,"final":false}""",
            progress.GetRawText());

        Assert.Equal(6, await _host.ScalarAsync<int>("SELECT q.planned FROM wave_quotas q JOIN agencies a ON a.id = q.agency_id WHERE q.wave_id = $1 AND a.code = 'A1'", id));
        Assert.Equal(3, await _host.ScalarAsync<int>("SELECT q.planned FROM wave_quotas q JOIN agencies a ON a.id = q.agency_id WHERE q.wave_id = $1 AND a.code = 'A2'", id));
        Assert.Equal(0L, await _host.ScalarAsync<long>("SELECT count(*) FROM invitations i JOIN transactions t ON t.id = i.transaction_id WHERE i.wave_id = $1 AND t.dossier_code = 'HS-OLD'", id));
        Assert.Equal(9L, await _host.ScalarAsync<long>(
            """
            SELECT count(DISTINCT code) FROM invitations
            WHERE wave_id = $1 AND status = 'planned' AND code ~ '^[2-9A-HJKMNP-Z]{10}$'
              AND expires_at = planned_at + interval '3 days' AND reminder_due_at = planned_at + interval '48 hours'
            """, id));

        // Send times: 2 a second from the start (or the next 08:00 in Hai Phong), inside 08:00–20:00 local time.
        var startedAt = await _host.ScalarAsync<DateTime>("SELECT started_at FROM waves WHERE id = $1", id);
        var expected = SendSchedule.Spread(new DateTimeOffset(startedAt, TimeSpan.Zero), new TimeOnly(8, 0), new TimeOnly(20, 0), 2, 9);
        var planned = new List<DateTime>();
        await using (var command = _host.DataSource.CreateCommand("SELECT planned_at FROM invitations WHERE wave_id = $1 ORDER BY planned_at"))
        {
            command.Parameters.AddWithValue(id);
            await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
            while (await reader.ReadAsync(TestContext.Current.CancellationToken))
                planned.Add(reader.GetDateTime(0));
        }

        Assert.Equal(9, planned.Count);
        for (var i = 0; i < planned.Count; i++)
        {
            Assert.InRange((planned[i] - expected[i].UtcDateTime).Duration(), TimeSpan.Zero, TimeSpan.FromMilliseconds(1));
            var local = VietnamTime.TimeOfDay(new DateTimeOffset(DateTime.SpecifyKind(planned[i], DateTimeKind.Utc)));
            Assert.InRange(local, new TimeOnly(8, 0), new TimeOnly(19, 59, 59, 999));
        }

        // Agencies take turns in the send order.
        Assert.Equal(["A1", "A2", "A1", "A2", "A1", "A2", "A1", "A1", "A1"], await AgencyOrderAsync(id));
    }

    [Fact]
    public async Task Start_Should_DrawTheSameSample_When_SameSeedOnSameData()
    {
        var first = await CreateWaveAsync();
        Assert.Equal(HttpStatusCode.OK, (await _host.PostAsync($"/api/admin/waves/{first}/start")).Status);
        var firstPhones = await PhonesAsync(first);
        // The same plan again on a copy of the data, after the first wave's invitations are gone (no cool-down).
        await _host.ExecuteAsync("DELETE FROM invitations WHERE wave_id = $1", first);
        var second = await CreateWaveAsync();
        Assert.Equal(HttpStatusCode.OK, (await _host.PostAsync($"/api/admin/waves/{second}/start")).Status);
        Assert.Equal(firstPhones, await PhonesAsync(second));
    }

    [Fact]
    public async Task Start_Should_SkipPhonesInCooldown_When_AnotherWaveInvitedThem()
    {
        var first = await CreateWaveAsync();
        await _host.PostAsync($"/api/admin/waves/{first}/start");
        var second = await CreateWaveAsync();
        var (_, start) = await _host.PostAsync($"/api/admin/waves/{second}/start");
        // A1 had 10 eligible phones and 6 are invited now; A2's 3 are all taken.
        Assert.Equal(4, start.GetProperty("planned").GetInt32());
        Assert.Equal(0L, await _host.ScalarAsync<long>(
            "SELECT count(*) FROM invitations a JOIN invitations b ON a.phone = b.phone WHERE a.wave_id = $1 AND b.wave_id = $2", first, second));
    }

    public static TheoryData<string, string> InvalidWaves => new()
    {
        { """{"questionnaire":"sipas-sms","resultsFrom":"2025-03-01","resultsTo":"2025-03-31","agencies":[{"agencyCode":"A1","target":3}]}""", "name" },
        { """{"name":"W","questionnaire":"sipas-2099","resultsFrom":"2025-03-01","resultsTo":"2025-03-31","agencies":[{"agencyCode":"A1","target":3}]}""", "questionnaire" },
        { """{"name":"W","questionnaire":"sipas-sms","resultsFrom":"2025-02-30","resultsTo":"2025-03-31","agencies":[{"agencyCode":"A1","target":3}]}""", "resultsFrom" },
        { """{"name":"W","questionnaire":"sipas-sms","resultsFrom":"2025-03-01","agencies":[{"agencyCode":"A1","target":3}]}""", "resultsTo" },
        { """{"name":"W","questionnaire":"sipas-sms","resultsFrom":"2025-03-31","resultsTo":"2025-03-01","agencies":[{"agencyCode":"A1","target":3}]}""", "resultsTo" },
        { """{"name":"W","questionnaire":"sipas-sms","resultsFrom":"2025-03-01","resultsTo":"2025-03-31","agencies":[]}""", "agencies" },
        { """{"name":"W","questionnaire":"sipas-sms","resultsFrom":"2025-03-01","resultsTo":"2025-03-31","agencies":[{"agencyCode":"A1","target":0}]}""", "agencies[0].target" },
        { """{"name":"W","questionnaire":"sipas-sms","resultsFrom":"2025-03-01","resultsTo":"2025-03-31","agencies":[{"agencyCode":"A1","target":3},{"agencyCode":"A1","target":2}]}""", "agencies[1].agencyCode" },
        { """{"name":"W","questionnaire":"sipas-sms","resultsFrom":"2025-03-01","resultsTo":"2025-03-31","agencies":[{"agencyCode":"A1","target":3}],"expectedResponseRate":0}""", "expectedResponseRate" },
        { """{"name":"W","questionnaire":"sipas-sms","resultsFrom":"2025-03-01","resultsTo":"2025-03-31","agencies":[{"agencyCode":"A1","target":3}],"expectedResponseRate":1.5}""", "expectedResponseRate" },
        { """{"name":"W","questionnaire":"sipas-sms","resultsFrom":"2025-03-01","resultsTo":"2025-03-31","agencies":[{"agencyCode":"A1","target":3}],"sendWindow":{"start":"20:00","end":"08:00"}}""", "sendWindow.end" },
        { """{"name":"W","questionnaire":"sipas-sms","resultsFrom":"2025-03-01","resultsTo":"2025-03-31","agencies":[{"agencyCode":"A1","target":3}],"sendWindow":{"start":"8h","end":"20:00"}}""", "sendWindow.start" },
        { """{"name":"W","questionnaire":"sipas-sms","resultsFrom":"2025-03-01","resultsTo":"2025-03-31","agencies":[{"agencyCode":"A1","target":3}],"expireAfterDays":0}""", "expireAfterDays" },
        { """{"name":"W","questionnaire":"sipas-sms","resultsFrom":"2025-03-01","resultsTo":"2025-03-31","agencies":[{"agencyCode":"A1","target":3}],"reminderAfterHours":-1}""", "reminderAfterHours" },
        { """{"name":"W","questionnaire":"sipas-sms","resultsFrom":"2025-03-01","resultsTo":"2025-03-31","agencies":[{"agencyCode":"A1","target":3}],"cooldownDays":-1}""", "cooldownDays" },
        { """{"name":"W","questionnaire":"sipas-sms","resultsFrom":"2025-03-01","resultsTo":"2025-03-31","agencies":[{"agencyCode":"A1","target":3}],"mode":"rolling"}""", "mode" },
        { """{"name":"W","questionnaire":"sipas-sms","resultsFrom":"2025-03-01","resultsTo":"2025-03-31","agencies":[{"agencyCode":"A1","target":3}],"mode":"continuous","inviteWithinHours":0}""", "inviteWithinHours" },
        { """{"name":"W","questionnaire":"sipas-sms","resultsFrom":"2025-03-01","resultsTo":"2025-03-31","agencies":[{"agencyCode":"A1","target":3}],"mode":"continuous","inviteWithinHours":721}""", "inviteWithinHours" },
    };

    [Fact]
    public async Task ContinuousWave_Should_DecideThePeriodsDossiersAtStartAndReportItsPacing_And_RefuseATopUp()
    {
        var (created, body) = await _host.PostAsync("/api/admin/waves", new
        {
            name = "Đợt liên tục",
            questionnaire = "sipas-sms",
            resultsFrom = "2025-03-01",
            resultsTo = "2025-03-31",
            agencies = new[] { new { agencyCode = "A1", target = 3 }, new { agencyCode = "A2", target = 2 } },
            expectedResponseRate = 0.5,
            seed = 42,
            mode = "continuous",
            inviteWithinHours = 6,
        });
        Assert.Equal(HttpStatusCode.Created, created);
        var id = body.GetProperty("id").GetInt64();
        Assert.Equal("continuous 6", await _host.ScalarAsync<string>("SELECT mode || ' ' || invite_within_hours FROM waves WHERE id = $1", id));

        // The start decides every dossier of the period at once (the period is over: each is invited while needed).
        var (started, start) = await _host.PostAsync($"/api/admin/waves/{id}/start");
        Assert.Equal(HttpStatusCode.OK, started);
        var planned = start.GetProperty("planned").GetInt32();
        Assert.InRange(planned, 2, 13);
        Assert.Equal(13L, await _host.ScalarAsync<long>("SELECT count(*) FROM wave_decisions WHERE wave_id = $1", id));
        Assert.Equal(planned, await _host.ScalarAsync<long>("SELECT count(*) FROM invitations WHERE wave_id = $1", id));

        var (status, pacing) = await _host.GetAsync($"/api/admin/waves/{id}/pacing");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(("continuous", 6), (pacing.GetProperty("mode").GetString(), pacing.GetProperty("inviteWithinHours").GetInt32()));
        var agencies = pacing.GetProperty("agencies").EnumerateArray().ToList();
        Assert.Equal(["A1", "A2"], agencies.Select(a => a.GetProperty("agencyCode").GetString()));
        Assert.Equal([10, 3], agencies.Select(a => a.GetProperty("arrived").GetInt32()));
        Assert.Equal([3, 2], agencies.Select(a => a.GetProperty("target").GetInt32()));
        Assert.Equal(planned, agencies.Sum(a => a.GetProperty("invited").GetInt32()));
        Assert.All(agencies, a => Assert.InRange(a.GetProperty("probability").GetDouble(), 0, 1));
        var hours = pacing.GetProperty("hoursToInvitation");
        Assert.Equal(0, hours.GetProperty("invitations").GetInt64());
        Assert.Equal(JsonValueKind.Null, hours.GetProperty("medianHours").ValueKind);

        var (refused, problem) = await _host.PostAsync($"/api/admin/waves/{id}/top-up");
        Assert.Equal(HttpStatusCode.Conflict, refused);
        Assert.Equal("continuous", problem.GetProperty("waveMode").GetString());
        Assert.Equal(planned, await _host.ScalarAsync<long>("SELECT count(*) FROM invitations WHERE wave_id = $1", id));

        // A batch wave has no agencies' pacing, only its hours from result to invitation; an unknown wave is 404.
        var batch = await CreateWaveAsync();
        var (_, batchPacing) = await _host.GetAsync($"/api/admin/waves/{batch}/pacing");
        Assert.Equal(("batch", 0), (batchPacing.GetProperty("mode").GetString(), batchPacing.GetProperty("agencies").GetArrayLength()));
        Assert.Equal(HttpStatusCode.NotFound, (await _host.GetAsync("/api/admin/waves/999999/pacing")).Status);
    }

    [Theory]
    [MemberData(nameof(InvalidWaves))]
    public async Task Create_Should_Answer400NamingTheFieldAndWriteNothing_When_InputInvalid(string json, string field)
    {
        using var content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
        using var response = await _host.Client.PostAsync("/api/admin/waves", content, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement;
        Assert.Equal(400, problem.GetProperty("status").GetInt32());
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"errors should name {field}: {problem}");
        Assert.Equal(0L, await _host.ScalarAsync<long>("SELECT count(*) FROM waves"));
    }

    [Fact]
    public async Task Create_Should_Answer400NamingTheAgencyAndWriteNothing_When_AgencyCodeUnknown()
    {
        var (status, problem) = await _host.PostAsync("/api/admin/waves",
            Wave([new { agencyCode = "A1", target = 3 }, new { agencyCode = "KHONG-CO", target = 2 }]));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        var errors = problem.GetProperty("errors");
        Assert.Equal("Unknown agency code 'KHONG-CO'.", Assert.Single(errors.GetProperty("agencies[1].agencyCode").EnumerateArray()).GetString());
        Assert.Single(errors.EnumerateObject());
        Assert.Equal(0L, await _host.ScalarAsync<long>("SELECT count(*) FROM waves"));
        Assert.Equal(0L, await _host.ScalarAsync<long>("SELECT count(*) FROM wave_quotas"));
    }

    [Fact]
    public async Task StatusChanges_Should_FollowTheLifecycleAndAnswer409_When_TransitionNotAllowed()
    {
        var id = await CreateWaveAsync();
        await AssertConflictAsync(id, "pause", "draft");
        await AssertConflictAsync(id, "resume", "draft");

        await AssertChangedAsync(id, "start", "running");
        await AssertConflictAsync(id, "start", "running");
        await AssertConflictAsync(id, "resume", "running");

        var (_, paused) = await _host.PostAsync($"/api/admin/waves/{id}/pause");
        Assert.Equal($$"""{"id":{{id}},"status":"paused"}""", paused.GetRawText());
        await AssertConflictAsync(id, "pause", "paused");
        await AssertConflictAsync(id, "start", "paused");
        await AssertChangedAsync(id, "resume", "running");
        await AssertChangedAsync(id, "pause", "paused");

        // One invitation is already out; cancelling stops the others and keeps it.
        await _host.ExecuteAsync(
            "UPDATE invitations SET status = 'sent', sent_at = now() WHERE id = (SELECT min(id) FROM invitations WHERE wave_id = $1)", id);
        await AssertChangedAsync(id, "cancel", "cancelled");
        Assert.Equal(8L, await _host.ScalarAsync<long>("SELECT count(*) FROM invitations WHERE wave_id = $1 AND status = 'cancelled'", id));
        Assert.Equal(1L, await _host.ScalarAsync<long>("SELECT count(*) FROM invitations WHERE wave_id = $1 AND status = 'sent'", id));
        foreach (var action in new[] { "resume", "start", "pause", "cancel" })
            await AssertConflictAsync(id, action, "cancelled");

        var (_, progress) = await _host.GetAsync($"/api/admin/waves/{id}");
        Assert.Equal("cancelled", progress.GetProperty("status").GetString());
        Assert.Equal((9, 1), (progress.GetProperty("planned").GetInt32(), progress.GetProperty("sent").GetInt32()));

        var draft = await CreateWaveAsync();
        await AssertChangedAsync(draft, "cancel", "cancelled");
        await AssertConflictAsync(draft, "start", "cancelled");
        Assert.Equal(0L, await _host.ScalarAsync<long>("SELECT count(*) FROM invitations WHERE wave_id = $1", draft));

        foreach (var path in new[] { "/api/admin/waves/999999/start", "/api/admin/waves/999999/pause", "/api/admin/waves/999999/resume", "/api/admin/waves/999999/cancel" })
            Assert.Equal(HttpStatusCode.NotFound, (await _host.PostAsync(path)).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await _host.GetAsync("/api/admin/waves/999999")).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await _host.GetAsync("/api/admin/waves/999999/responses")).Status);
    }

    [Fact]
    public async Task Progress_Should_CountEachStage_When_InvitationsMoveOn()
    {
        var id = await CreateWaveAsync();
        await _host.PostAsync($"/api/admin/waves/{id}/start");
        var ids = await InvitationIdsAsync(id);
        // 0 sent; 1 delivered and completed; 2 delivered and partial; 3 failed; 4 expired after sending;
        // 5 refused by the provider as opted out; 6 sent, then the citizen replied STOP; 7 and 8 still planned.
        await _host.ExecuteAsync(
            """
            UPDATE invitations SET status = 'sent', sent_at = now() WHERE id = ANY ($1);
            """, new[] { ids[0], ids[1], ids[2], ids[4], ids[6] });
        await _host.ExecuteAsync("UPDATE invitations SET status = 'delivered', delivered_at = now() WHERE id = ANY ($1)", new[] { ids[1], ids[2] });
        await _host.ExecuteAsync("UPDATE invitations SET status = 'failed', error_code = '30003' WHERE id = $1", ids[3]);
        await _host.ExecuteAsync("UPDATE invitations SET status = 'expired' WHERE id = $1", ids[4]);
        await _host.ExecuteAsync("UPDATE invitations SET status = 'opted_out' WHERE id = $1", ids[5]);
        await _host.ExecuteAsync("INSERT INTO opt_outs (phone, source) SELECT phone, 'keyword' FROM invitations WHERE id = $1", ids[6]);
        await AddResponseAsync(ids[1], "completed", ("E1.S", 5), ("OVERALL", 4));
        await AddResponseAsync(ids[2], "partial", ("E1.S", 3));

        var (_, progress) = await _host.GetAsync($"/api/admin/waves/{id}");
        Assert.Equal(
            $$"""{"id":{{id}},"status":"running","planned":9,"sent":5,"delivered":2,"failed":1,"responded":2,"completed":1,"optedOut":2,"expired":1,"published":false,"final":false}""",
            progress.GetRawText());
    }

    [Fact]
    public async Task Responses_Should_ListAnswersWithMaskedPhones_When_CitizensAnswered()
    {
        var id = await CreateWaveAsync();
        await _host.PostAsync($"/api/admin/waves/{id}/start");
        var ids = await InvitationIdsAsync(id);
        await AddResponseAsync(ids[0], "completed", ("E1.S", 5), ("OVERALL", 4), ("COMMENT", "Nhanh gọn"));
        await AddResponseAsync(ids[1], "partial", ("E1.S", 2), ("E2.S", null));
        await _host.ExecuteAsync("UPDATE responses SET speeder = true, straight_liner = true WHERE invitation_id = $1", ids[0]);
        var phones = new[]
        {
            await _host.ScalarAsync<string>("SELECT phone FROM invitations WHERE id = $1", ids[0]),
            await _host.ScalarAsync<string>("SELECT phone FROM invitations WHERE id = $1", ids[1]),
        };

        var (status, body) = await _host.GetAsync($"/api/admin/waves/{id}/responses");

        Assert.Equal(HttpStatusCode.OK, status);
        var expected = $$"""
            [{"invitationId":{{ids[0]}},"channel":"sms","status":"completed","provenance":"sampled","interviewer":null,"flags":["speeder","straight_liner"],"phone":"{{phones[0][..5]}}*****{{phones[0][^2..]}}","answers":[{"question":"E1.S","value":"5"},{"question":"OVERALL","value":"4"},{"question":"COMMENT","value":"Nhanh gọn"}]},{"invitationId":{{ids[1]}},"channel":"sms","status":"partial","provenance":"sampled","interviewer":null,"flags":[],"phone":"{{phones[1][..5]}}*****{{phones[1][^2..]}}","answers":[{"question":"E1.S","value":"2"},{"question":"E2.S","value":null}]}]
            """;
        Assert.Equal(JsonSerializer.Serialize(JsonDocument.Parse(expected).RootElement), JsonSerializer.Serialize(body));
        foreach (var phone in phones)
            Assert.DoesNotContain(phone[3..], body.GetRawText(), StringComparison.Ordinal);

        var (_, page) = await _host.GetAsync($"/api/admin/waves/{id}/responses?skip=1&take=1");
        Assert.Equal(ids[1], Assert.Single(page.EnumerateArray()).GetProperty("invitationId").GetInt64());
    }

    private async Task AssertChangedAsync(long id, string action, string status)
    {
        var (code, body) = await _host.PostAsync($"/api/admin/waves/{id}/{action}");
        Assert.Equal(HttpStatusCode.OK, code);
        Assert.Equal(status, body.GetProperty("status").GetString());
        Assert.Equal(id, body.GetProperty("id").GetInt64());
    }

    private async Task AssertConflictAsync(long id, string action, string current)
    {
        var (code, problem) = await _host.PostAsync($"/api/admin/waves/{id}/{action}");
        Assert.Equal(HttpStatusCode.Conflict, code);
        Assert.Equal(409, problem.GetProperty("status").GetInt32());
        Assert.Equal(current, problem.GetProperty("waveStatus").GetString());
        Assert.Contains($"The wave is {current};", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    private async Task<List<long>> InvitationIdsAsync(long waveId)
    {
        var ids = new List<long>();
        await using var command = _host.DataSource.CreateCommand("SELECT id FROM invitations WHERE wave_id = $1 ORDER BY planned_at, id");
        command.Parameters.AddWithValue(waveId);
        await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        while (await reader.ReadAsync(TestContext.Current.CancellationToken))
            ids.Add(reader.GetInt64(0));
        return ids;
    }

    private async Task<List<string>> AgencyOrderAsync(long waveId)
    {
        var codes = new List<string>();
        await using var command = _host.DataSource.CreateCommand(
            "SELECT a.code FROM invitations i JOIN agencies a ON a.id = i.agency_id WHERE i.wave_id = $1 ORDER BY i.planned_at, i.id");
        command.Parameters.AddWithValue(waveId);
        await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        while (await reader.ReadAsync(TestContext.Current.CancellationToken))
            codes.Add(reader.GetString(0));
        return codes;
    }

    private async Task<List<string>> PhonesAsync(long waveId)
    {
        var phones = new List<string>();
        await using var command = _host.DataSource.CreateCommand("SELECT phone FROM invitations WHERE wave_id = $1 ORDER BY phone");
        command.Parameters.AddWithValue(waveId);
        await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        while (await reader.ReadAsync(TestContext.Current.CancellationToken))
            phones.Add(reader.GetString(0));
        return phones;
    }

    /// <summary>A response as the bot stores it: ratings for codes ending in ".S" or OVERALL, text otherwise; null is skipped.</summary>
    private async Task AddResponseAsync(long invitationId, string status, params (string Question, object? Value)[] answers)
    {
        var conversation = $"test-{invitationId}";
        await _host.ExecuteAsync(
            """
            INSERT INTO conversations (id, channel, invitation_id, agency_id, questionnaire_id)
            SELECT $1, 'sms', i.id, i.agency_id, w.questionnaire_id FROM invitations i JOIN waves w ON w.id = i.wave_id WHERE i.id = $2
            """, conversation, invitationId);
        await _host.ExecuteAsync(
            """
            INSERT INTO responses (conversation_id, invitation_id, wave_id, agency_id, questionnaire_id, channel, status, completed_at, provenance)
            SELECT $1, i.id, i.wave_id, i.agency_id, w.questionnaire_id, 'sms', $3, CASE WHEN $3 = 'completed' THEN now() END, 'sampled'
            FROM invitations i JOIN waves w ON w.id = i.wave_id WHERE i.id = $2
            """, conversation, invitationId, status);
        foreach (var (question, value) in answers)
        {
            var (kind, rating, text) = value switch
            {
                int r => ("rating", (object)(short)r, (object)DBNull.Value),
                string t => ("text", DBNull.Value, t),
                _ => ("skipped", DBNull.Value, DBNull.Value),
            };
            await _host.ExecuteAsync(
                """
                INSERT INTO answers (response_id, question_code, kind, rating, text_value)
                SELECT id, $2, $3, $4::smallint, $5::text FROM responses WHERE conversation_id = $1
                """, conversation, question, kind, rating, text);
        }
    }
}
