using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Npgsql;

namespace ChatSurvey.BotHost.Tests.Admin;

/// <summary>
/// Who may be sampled, through HTTP: listed staff phones and phones on many dossiers of one agency are left out (and
/// counted in the wave plan), and top-up draws take the next ranks of the same seeded order without re-inviting anyone.
/// </summary>
public sealed class SamplingIntegrityTests : IAsyncLifetime
{
    private AdminApiHost _host = null!;

    public async ValueTask InitializeAsync()
    {
        _host = await AdminApiHost.StartAsync(("Sms:MessagesPerSecond", "2"), ("Integrity:MaxDossiersPerPhone", "3"));
        await _host.SeedCatalogueAsync();
    }

    public async ValueTask DisposeAsync() => await _host.DisposeAsync();

    private static object Row(string dossier, string agency, string phone, string date) =>
        new { dossierCode = dossier, agencyCode = agency, procedureCode = "P1", phone, resultDate = date };

    private async Task ImportAsync(params object[] rows)
    {
        var (status, report) = await _host.PostAsync("/api/admin/transactions", rows);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(rows.Length, report.GetProperty("accepted").GetInt32());
    }

    private async Task<long> CreateWaveAsync(int target, double rate = 0.5, int seed = 7)
    {
        var (status, body) = await _host.PostAsync("/api/admin/waves", new
        {
            name = "Đợt kiểm tra",
            questionnaire = "sipas-sms",
            resultsFrom = "2025-03-01",
            resultsTo = "2025-03-31",
            agencies = new[] { new { agencyCode = "A1", target } },
            expectedResponseRate = rate,
            seed,
        });
        Assert.Equal(HttpStatusCode.Created, status);
        return body.GetProperty("id").GetInt64();
    }

    private async Task<List<string>> PhonesAsync(long waveId, string condition = "true")
    {
        await using var command = _host.DataSource.CreateCommand(
            $"SELECT phone FROM invitations WHERE wave_id = $1 AND {condition} ORDER BY phone");
        command.Parameters.AddWithValue(waveId);
        var phones = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        while (await reader.ReadAsync(TestContext.Current.CancellationToken))
            phones.Add(reader.GetString(0));
        return phones;
    }

    [Fact]
    public async Task StaffPhones_Should_BeAddedCountedAndRefusedRowByRow_When_PostedAsJsonAndCsv()
    {
        var (status, report) = await _host.PostAsync("/api/admin/staff-phones", new object[]
        {
            new { agencyCode = "A1", phone = "0912 000 001" },
            new { agencyCode = "A1", phone = "+84912000001" },
            new { agencyCode = "NOPE", phone = "0912000002" },
            new { agencyCode = "A1", phone = "12" },
        });
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(1, report.GetProperty("accepted").GetInt32());
        Assert.Equal(1, report.GetProperty("duplicates").GetInt32());
        Assert.Equal(
            [(3, "agencyCode"), (4, "phone")],
            report.GetProperty("rejected").EnumerateArray().Select(r => (r.GetProperty("row").GetInt32(), r.GetProperty("field").GetString())).ToList());

        using var form = new MultipartFormDataContent();
        var csv = new ByteArrayContent(Encoding.UTF8.GetBytes("agencyCode,phone\nA2,0913000001\nA2,0913000002\n"));
        csv.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        form.Add(csv, "file", "staff.csv");
        var upload = await _host.Client.PostAsync("/api/admin/staff-phones/import", form, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, upload.StatusCode);
        using var uploaded = JsonDocument.Parse(await upload.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.Equal(2, uploaded.RootElement.GetProperty("accepted").GetInt32());

        var (_, counts) = await _host.GetAsync("/api/admin/staff-phones");
        Assert.Equal(
            [("A1", 1), ("A2", 2)],
            counts.EnumerateArray().Select(c => (c.GetProperty("agencyCode").GetString(), c.GetProperty("phones").GetInt32())).ToList());
        Assert.DoesNotContain("0912", counts.GetRawText(), StringComparison.Ordinal);

        using var bad = new MultipartFormDataContent();
        bad.Add(new ByteArrayContent(Encoding.UTF8.GetBytes("code;number\nA1;0912000003\n")), "file", "bad.csv");
        var refused = await _host.Client.PostAsync("/api/admin/staff-phones/import", bad, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal(3, await _host.ScalarAsync<long>("SELECT count(*) FROM staff_phones"));

        var cleared = await _host.Client.DeleteAsync("/api/admin/staff-phones/A2", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, cleared.StatusCode);
        Assert.Equal(1, await _host.ScalarAsync<long>("SELECT count(*) FROM staff_phones"));
        var unknown = await _host.Client.DeleteAsync("/api/admin/staff-phones/NOPE", TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task Planning_Should_LeaveOutStaffAndManyDossierPhones_And_ShowTheirCounts_When_AWaveStarts()
    {
        // Ten ordinary citizens, one staff member (listed), one agent on 4 dossiers (over the limit of 3), and one
        // person on exactly 3 dossiers (at the limit, still eligible).
        var rows = Enumerable.Range(0, 10).Select(i => Row($"C-{i}", "A1", $"09120001{i:D2}", "2025-03-10")).ToList();
        rows.Add(Row("STAFF-1", "A1", "0912999001", "2025-03-11"));
        rows.AddRange(Enumerable.Range(0, 4).Select(i => Row($"AGENT-{i}", "A1", "0912999002", "2025-03-12")));
        rows.AddRange(Enumerable.Range(0, 3).Select(i => Row($"FAMILY-{i}", "A1", "0912999003", "2025-03-13")));
        await ImportAsync([.. rows]);
        var (staffStatus, _) = await _host.PostAsync("/api/admin/staff-phones", new[] { new { agencyCode = "A1", phone = "0912999001" } });
        Assert.Equal(HttpStatusCode.OK, staffStatus);

        var wave = await CreateWaveAsync(target: 50, rate: 1);
        var (started, plan) = await _host.PostAsync($"/api/admin/waves/{wave}/start");
        Assert.Equal(HttpStatusCode.OK, started);
        var a1 = plan.GetProperty("agencies")[0];
        Assert.Equal(11, a1.GetProperty("eligible").GetInt32());
        Assert.Equal(1, a1.GetProperty("excludedStaff").GetInt32());
        Assert.Equal(1, a1.GetProperty("excludedManyDossiers").GetInt32());

        var phones = await PhonesAsync(wave);
        Assert.Equal(11, phones.Count);
        Assert.DoesNotContain("+84912999001", phones);
        Assert.DoesNotContain("+84912999002", phones);
        Assert.Contains("+84912999003", phones);

        var (_, agencies) = await _host.GetAsync($"/api/admin/waves/{wave}/agencies");
        var row = agencies[0];
        Assert.Equal(1, row.GetProperty("excludedStaff").GetInt32());
        Assert.Equal(1, row.GetProperty("excludedManyDossiers").GetInt32());
        Assert.Equal(11, row.GetProperty("planned").GetInt64());
        Assert.Equal(0, row.GetProperty("reserveLeft").GetInt64());
    }

    [Fact]
    public async Task TopUp_Should_DrawTheNextRanksOfTheSameOrder_And_NeverReinvite_When_InvitationsExpired()
    {
        await ImportAsync([.. Enumerable.Range(0, 30).Select(i => Row($"HS-{i}", "A1", $"09120002{i:D2}", "2025-03-05"))]);

        // The whole seeded order of the 30 phones.
        var order = await SeededOrderAsync(seed: 7, count: 30);

        var wave = await CreateWaveAsync(target: 5, rate: 0.5, seed: 7);
        var (started, _) = await _host.PostAsync($"/api/admin/waves/{wave}/start");
        Assert.Equal(HttpStatusCode.OK, started);
        var first = await PhonesAsync(wave);
        Assert.Equal(order.Take(10).Order(StringComparer.Ordinal), first);

        // Two ballots completed, the other eight invitations expired unanswered: 3 more ballots needed at 50 % → 6 more.
        var ids = await InvitationIdsAsync(wave);
        foreach (var id in ids.Take(2))
            await CompleteAsync(id);
        await _host.ExecuteAsync($"UPDATE invitations SET status = 'expired' WHERE wave_id = $1 AND id <> ALL ($2)", wave, ids.Take(2).ToArray());

        var (status, topUp) = await _host.PostAsync($"/api/admin/waves/{wave}/top-up");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(1, topUp.GetProperty("draw").GetInt32());
        Assert.Equal(6, topUp.GetProperty("drawn").GetInt32());
        var agency = topUp.GetProperty("agencies")[0];
        Assert.Equal(("A1", 6, 6, 14), (agency.GetProperty("agencyCode").GetString(), agency.GetProperty("requested").GetInt32(),
            agency.GetProperty("drawn").GetInt32(), agency.GetProperty("reserveLeft").GetInt32()));
        Assert.Equal(order.Skip(10).Take(6).Order(StringComparer.Ordinal), await PhonesAsync(wave, "draw = 1"));

        // Nothing is still needed while those six are open: a second top-up draws nobody.
        var (_, none) = await _host.PostAsync($"/api/admin/waves/{wave}/top-up");
        Assert.Equal(0, none.GetProperty("drawn").GetInt32());
        Assert.Equal(JsonValueKind.Null, none.GetProperty("draw").ValueKind);

        // An explicit count takes the ranks after those: never anyone already invited.
        var (_, explicitTopUp) = await _host.PostAsync($"/api/admin/waves/{wave}/top-up", new { agencies = new[] { new { agencyCode = "A1", count = 4 } } });
        Assert.Equal(2, explicitTopUp.GetProperty("draw").GetInt32());
        Assert.Equal(order.Skip(16).Take(4).Order(StringComparer.Ordinal), await PhonesAsync(wave, "draw = 2"));
        var all = await PhonesAsync(wave);
        Assert.Equal(20, all.Count);
        Assert.Equal(20, all.Distinct().Count());

        var (_, agencies) = await _host.GetAsync($"/api/admin/waves/{wave}/agencies");
        Assert.Equal((20L, 10L, 10L), (agencies[0].GetProperty("planned").GetInt64(), agencies[0].GetProperty("reserveDrawn").GetInt64(),
            agencies[0].GetProperty("reserveLeft").GetInt64()));
    }

    [Fact]
    public async Task TopUp_Should_NotDrawAPhone_When_ItAlreadyHasAVerifiedBallotInTheWave()
    {
        await ImportAsync([.. Enumerable.Range(0, 6).Select(i => Row($"HS-{i}", "A1", $"09120004{i:D2}", "2025-03-05"))]);
        var wave = await CreateWaveAsync(target: 1, rate: 0.5, seed: 3);
        await _host.PostAsync($"/api/admin/waves/{wave}/start");
        var invited = await PhonesAsync(wave);
        var verifiedPhone = Enumerable.Range(0, 6).Select(i => $"+849120004{i:D2}").First(p => !invited.Contains(p));

        // A citizen verified that phone's dossier at the counter: the wave already holds their ballot.
        await _host.ExecuteAsync(
            """
            WITH t AS (SELECT id, agency_id FROM transactions WHERE phone = $2),
                 c AS (INSERT INTO conversations (id, channel, agency_id, questionnaire_id)
                       SELECT 'counter-1', 'webchat', t.agency_id, w.questionnaire_id FROM t, waves w WHERE w.id = $1
                       RETURNING id, agency_id, questionnaire_id)
            INSERT INTO responses (conversation_id, wave_id, agency_id, questionnaire_id, channel, status, completed_at, provenance, transaction_id)
            SELECT c.id, $1, c.agency_id, c.questionnaire_id, 'webchat', 'completed', now(), 'verified', t.id FROM c, t
            """, wave, verifiedPhone);

        var (status, topUp) = await _host.PostAsync($"/api/admin/waves/{wave}/top-up", new { agencies = new[] { new { agencyCode = "A1", count = 10 } } });
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(3, topUp.GetProperty("drawn").GetInt32());
        Assert.DoesNotContain(verifiedPhone, await PhonesAsync(wave));
    }

    [Fact]
    public async Task TopUp_Should_BeRefusedAndChangeNothing_When_TheWaveIsADraftUnknownOrTheBodyIsBad()
    {
        await ImportAsync(Row("HS-1", "A1", "0912000301", "2025-03-05"));
        var wave = await CreateWaveAsync(target: 1);
        var (draft, problem) = await _host.PostAsync($"/api/admin/waves/{wave}/top-up");
        Assert.Equal(HttpStatusCode.Conflict, draft);
        Assert.Equal("draft", problem.GetProperty("waveStatus").GetString());
        var (missing, _) = await _host.PostAsync("/api/admin/waves/999999/top-up");
        Assert.Equal(HttpStatusCode.NotFound, missing);

        await _host.PostAsync($"/api/admin/waves/{wave}/start");
        var (foreign, _) = await _host.PostAsync($"/api/admin/waves/{wave}/top-up", new { agencies = new[] { new { agencyCode = "A2", count = 1 } } });
        Assert.Equal(HttpStatusCode.BadRequest, foreign);
        var (negative, _) = await _host.PostAsync($"/api/admin/waves/{wave}/top-up", new { agencies = new[] { new { agencyCode = "A1", count = -1 } } });
        Assert.Equal(HttpStatusCode.BadRequest, negative);
        Assert.Equal(0, await _host.ScalarAsync<long>("SELECT count(*) FROM invitations WHERE wave_id = $1 AND draw > 0", wave));
    }

    // The documented draw order (docs/methodology.md, Sampling), written out independently of the product's query: each
    // agency ranks its phones by the first 8 bytes of SHA-256("draw|{seed}|{phone}"). Each phone here has one dossier.
    private async Task<List<string>> SeededOrderAsync(int seed, int count)
    {
        await using var connection = await _host.DataSource.OpenConnectionAsync(TestContext.Current.CancellationToken);
        await using var command = new NpgsqlCommand(
            """
            SELECT t.phone FROM transactions t JOIN agencies a ON a.id = t.agency_id
            WHERE a.code = 'A1' AND t.result_date BETWEEN '2025-03-01' AND '2025-03-31'
            ORDER BY substring(sha256(convert_to(concat_ws('|', 'draw', $1::text, t.phone), 'UTF8')) FROM 1 FOR 8), t.phone
            """, connection);
        command.Parameters.AddWithValue(seed.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var phones = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        while (await reader.ReadAsync(TestContext.Current.CancellationToken))
            phones.Add(reader.GetString(0));
        Assert.Equal(count, phones.Count);
        return phones;
    }

    private async Task<List<long>> InvitationIdsAsync(long waveId)
    {
        await using var command = _host.DataSource.CreateCommand("SELECT id FROM invitations WHERE wave_id = $1 ORDER BY id");
        command.Parameters.AddWithValue(waveId);
        var ids = new List<long>();
        await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        while (await reader.ReadAsync(TestContext.Current.CancellationToken))
            ids.Add(reader.GetInt64(0));
        return ids;
    }

    private Task CompleteAsync(long invitationId) => _host.ExecuteAsync(
        """
        WITH conversation AS (
            INSERT INTO conversations (id, channel, invitation_id, agency_id, questionnaire_id)
            SELECT 'topup-' || i.id, 'sms', i.id, i.agency_id, w.questionnaire_id
            FROM invitations i JOIN waves w ON w.id = i.wave_id WHERE i.id = $1
            RETURNING id, invitation_id, agency_id, questionnaire_id
        )
        INSERT INTO responses (conversation_id, invitation_id, wave_id, agency_id, questionnaire_id, channel, status, completed_at, provenance, transaction_id)
        SELECT c.id, c.invitation_id, i.wave_id, c.agency_id, c.questionnaire_id, 'sms', 'completed', now(), 'sampled', i.transaction_id
        FROM conversation c JOIN invitations i ON i.id = c.invitation_id
        """, invitationId);
}
