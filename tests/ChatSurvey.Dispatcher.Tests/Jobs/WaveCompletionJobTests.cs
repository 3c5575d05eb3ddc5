using ChatSurvey.Dispatcher.Waves;
using ChatSurvey.Dispatcher.Invitations;
using System.Text.Json;
using ChatSurvey.Dispatcher.Jobs;
using ChatSurvey.Dispatcher.Scoring;
using ChatSurvey.Domain.Questionnaires;
using ChatSurvey.Domain.Scoring;
using ChatSurvey.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace ChatSurvey.Dispatcher.Tests.Jobs;

/// <summary>
/// A running wave completes by itself once its period has ended (in Hai Phong's calendar) and every invitation is
/// final, and its figures are frozen in the final snapshot with the checksum of its valid ballots. Each test seeds its
/// own waves (unique codes) and looks only at them; the clock is a <see cref="FakeTimeProvider"/>.
/// </summary>
public sealed class WaveCompletionJobTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    /// <summary>1 April 2026, 23:59 in Hai Phong (16:59 UTC; still 13:59 on 1 April in São Paulo, where CI runs).</summary>
    private static readonly DateTimeOffset LastMinuteOfApril1 = new(2026, 4, 1, 16, 59, 0, TimeSpan.Zero);

    [Fact]
    public async Task Wave_Should_CompleteAndFreezeItsFigures_When_PeriodEndedAndEveryInvitationFinal()
    {
        var clock = new FakeTimeProvider(LastMinuteOfApril1);
        var wave = await SeedWaveAsync(resultsTo: "2026-03-31");
        await AddInvitationAsync(wave, "delivered", response: ("completed", 4));
        await AddInvitationAsync(wave, "delivered", response: ("completed", 5), speeder: true);
        await AddInvitationAsync(wave, "expired");
        await AddInvitationAsync(wave, "failed");
        await AddInvitationAsync(wave, "opted_out");
        await AddInvitationAsync(wave, "cancelled");
        await AddInvitationAsync(wave, "expired", response: ("partial", 1));
        await AddOpenResponseAsync(wave, 1);

        var completed = await Job(clock).RunAsync(Cancel);

        Assert.Contains(wave.Id, completed);
        Assert.Equal("completed", await ScalarAsync<string>($"SELECT status FROM waves WHERE id = {wave.Id}"));
        Assert.Equal(clock.GetUtcNow(), new DateTimeOffset(await ScalarAsync<DateTime>($"SELECT finished_at FROM waves WHERE id = {wave.Id}")));
        // The final snapshot: one valid ballot (the speeder, the partial one and the open one do not count), its checksum,
        // and the report of exactly that ballot.
        var snapshot = await SnapshotAsync(wave.Id);
        Assert.True(snapshot.Final);
        Assert.Equal(1, snapshot.Ballots);
        Assert.Equal(clock.GetUtcNow(), snapshot.ComputedAt);
        await using (var connection = await db.DataSource.OpenConnectionAsync(Cancel))
        {
            var seal = await BallotChecksum.ComputeAsync(connection, BallotExclusions.Default.ForWave(wave.Id), Cancel);
            Assert.Equal(seal.Sha256, snapshot.Checksum);
        }

        using (var report = JsonDocument.Parse(snapshot.Report))
        {
            var agency = Assert.Single(report.RootElement.GetProperty("agencies").EnumerateArray());
            Assert.Equal(1, agency.GetProperty("responses").GetInt32());
            Assert.Equal(100.0, agency.GetProperty("index").GetDouble(), 6);
        }

        // Frozen: a late ballot and the score-refresh job change nothing, and a second run completes nothing again.
        await AddOpenResponseAsync(wave, 1);
        await AddVerifiedResponseAsync(wave, 1);
        await new ScoreRefreshJob(db.DataSource, BallotExclusions.Default, NullLogger<ScoreRefreshJob>.Instance).RunAsync(Cancel);
        clock.Advance(TimeSpan.FromDays(1));
        Assert.DoesNotContain(wave.Id, await Job(clock).RunAsync(Cancel));
        Assert.Equal(snapshot, await SnapshotAsync(wave.Id));
    }

    [Fact]
    public async Task Wave_Should_StayRunning_When_PeriodNotEndedInHaiPhongOrInvitationOpenOrManualOrPaused()
    {
        var clock = new FakeTimeProvider(LastMinuteOfApril1);
        // The period ends today in Hai Phong (1 April): not yet, although in UTC and in São Paulo it is 1 April too.
        var endsToday = await SeedWaveAsync(resultsTo: "2026-04-01");
        await AddInvitationAsync(endsToday, "expired");
        // An invitation still waiting for an answer (sent, or answered only in part) keeps the wave open.
        var waiting = await SeedWaveAsync(resultsTo: "2026-03-31");
        await AddInvitationAsync(waiting, "delivered", response: ("completed", 4));
        await AddInvitationAsync(waiting, "sent");
        var half = await SeedWaveAsync(resultsTo: "2026-03-31");
        await AddInvitationAsync(half, "delivered", response: ("partial", 4));
        // The manual-invitation wave never completes; a paused wave waits to be resumed.
        var manual = await SeedWaveAsync(resultsTo: "2026-03-31", manual: true);
        await AddInvitationAsync(manual, "expired");
        var paused = await SeedWaveAsync(resultsTo: "2026-03-31", status: "paused");
        await AddInvitationAsync(paused, "expired");

        var completed = await Job(clock).RunAsync(Cancel);

        foreach (var wave in new[] { endsToday, waiting, half, manual, paused })
        {
            Assert.DoesNotContain(wave.Id, completed);
            Assert.NotEqual("completed", await ScalarAsync<string>($"SELECT status FROM waves WHERE id = {wave.Id}"));
            Assert.Equal(0L, await ScalarAsync<long>($"SELECT count(*) FROM score_snapshots WHERE wave_id = {wave.Id} AND final"));
        }

        // One minute later it is 2 April in Hai Phong: the wave whose period ended on 1 April completes; the others wait.
        clock.Advance(TimeSpan.FromMinutes(1));
        var later = await Job(clock).RunAsync(Cancel);
        Assert.Contains(endsToday.Id, later);
        Assert.Equal(0, (await SnapshotAsync(endsToday.Id)).Ballots);
        Assert.Equal("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", (await SnapshotAsync(endsToday.Id)).Checksum);
        Assert.DoesNotContain(waiting.Id, later);
        Assert.DoesNotContain(manual.Id, later);
        Assert.DoesNotContain(paused.Id, later);

        // Once the waiting invitation expires, that wave completes too.
        await ExecuteAsync($"UPDATE invitations SET status = 'expired' WHERE wave_id = {waiting.Id} AND status = 'sent'");
        Assert.Contains(waiting.Id, await Job(clock).RunAsync(Cancel));
    }

    private WaveCompletionJob Job(TimeProvider clock) =>
        new(db.DataSource, new WaveStore(db.DataSource, new InvitationStore(db.DataSource)), BallotExclusions.Default, clock,
            NullLogger<WaveCompletionJob>.Instance);

    private sealed record Seeded(long Id, long Agency, long Procedure, long Questionnaire, string Tag);

    private sealed record Snapshot(string Report, DateTimeOffset ComputedAt, bool Final, int? Ballots, string? Checksum);

    private int _next;

    private async Task<Seeded> SeedWaveAsync(string resultsTo, bool manual = false, string status = "running")
    {
        await QuestionnaireStore.EnsureDefaultsAsync(db.DataSource, Cancel);
        var tag = Guid.NewGuid().ToString("N")[..8];
        var agency = await ScalarAsync<long>($"INSERT INTO agencies (code, name, kind) VALUES ('WC-{tag}', 'Sở {tag}', 'department') RETURNING id");
        var procedure = await ScalarAsync<long>($"INSERT INTO procedures (code, name, short_name) VALUES ('WC-P-{tag}', 'Thủ tục', 'Thu tuc') RETURNING id");
        var questionnaire = await ScalarAsync<long>("SELECT id FROM questionnaires WHERE code = 'sipas-sms' ORDER BY version DESC LIMIT 1");
        var wave = await ScalarAsync<long>(
            $"""
            INSERT INTO waves (name, questionnaire_id, status, results_from, results_to, seed, started_at, manual)
            VALUES ('Đợt {tag}', {questionnaire}, '{status}', DATE '2026-01-01', DATE '{resultsTo}', 1, now() - interval '90 days', {manual})
            RETURNING id
            """);
        await ExecuteAsync($"INSERT INTO wave_quotas (wave_id, agency_id, target) VALUES ({wave}, {agency}, 10)");
        return new Seeded(wave, agency, procedure, questionnaire, tag);
    }

    private async Task AddInvitationAsync(Seeded wave, string status, (string Status, int Rating)? response = null, bool speeder = false)
    {
        var n = Interlocked.Increment(ref _next);
        var phone = $"+8490{n:D7}";
        var invitation = await ScalarAsync<long>(
            $"""
            WITH t AS (
                INSERT INTO transactions (agency_id, procedure_id, dossier_code, phone, result_date)
                VALUES ({wave.Agency}, {wave.Procedure}, 'HS-{wave.Tag}-{n}', '{phone}', DATE '2026-02-01') RETURNING id
            )
            INSERT INTO invitations (wave_id, transaction_id, agency_id, phone, code, status, planned_at, sent_at)
            SELECT {wave.Id}, t.id, {wave.Agency}, '{phone}', 'wc{wave.Tag}{n}', '{status}', now(), now() FROM t
            RETURNING id
            """);
        if (response is { } r)
            await AddResponseAsync(wave, n, invitation, "sampled", null, r.Status, r.Rating, speeder);
    }

    private Task AddOpenResponseAsync(Seeded wave, int rating) =>
        AddResponseAsync(wave, Interlocked.Increment(ref _next), null, "open", null, "completed", rating, false);

    private async Task AddVerifiedResponseAsync(Seeded wave, int rating)
    {
        var n = Interlocked.Increment(ref _next);
        var dossier = await ScalarAsync<long>(
            $"INSERT INTO transactions (agency_id, procedure_id, dossier_code, result_date) VALUES ({wave.Agency}, {wave.Procedure}, 'HS-{wave.Tag}-v{n}', DATE '2026-02-01') RETURNING id");
        await AddResponseAsync(wave, n, null, "verified", dossier, "completed", rating, false);
    }

    // One rating for each of the sipas-sms element questions.
    private async Task AddResponseAsync(
        Seeded wave, int n, long? invitation, string provenance, long? dossier, string status, int rating, bool speeder)
    {
        var conversation = $"wc-{wave.Tag}-{n}";
        await ExecuteAsync(
            $"INSERT INTO conversations (id, channel, agency_id, questionnaire_id) VALUES ('{conversation}', 'test', {wave.Agency}, {wave.Questionnaire})");
        var completedAt = status == "completed" ? "now()" : "NULL";
        var response = await ScalarAsync<long>(
            $"""
            INSERT INTO responses (conversation_id, invitation_id, wave_id, agency_id, questionnaire_id, channel, status, completed_at,
                                   provenance, transaction_id, speeder)
            VALUES ('{conversation}', {invitation?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "NULL"}, {wave.Id},
                    {wave.Agency}, {wave.Questionnaire}, 'sms', '{status}', {completedAt}, '{provenance}',
                    {dossier?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "NULL"}, {speeder})
            RETURNING id
            """);
        await ExecuteAsync(
            $"""
            INSERT INTO answers (response_id, question_code, kind, rating)
            SELECT {response}, code, 'rating', {rating} FROM unnest(ARRAY['E1.S', 'E2.S', 'E3.S', 'E4.S', 'E5.S']) AS code
            """);
    }

    private async Task<Snapshot> SnapshotAsync(long wave)
    {
        await using var command = db.DataSource.CreateCommand(
            $"SELECT report::text, computed_at, final, ballots, ballots_checksum FROM score_snapshots WHERE wave_id = {wave}");
        await using var reader = await command.ExecuteReaderAsync(Cancel);
        Assert.True(await reader.ReadAsync(Cancel), $"Wave {wave} has no snapshot.");
        return new Snapshot(reader.GetString(0), reader.GetFieldValue<DateTimeOffset>(1), reader.GetBoolean(2),
            reader.IsDBNull(3) ? null : reader.GetInt32(3), reader.IsDBNull(4) ? null : reader.GetString(4));
    }

    private async Task<T> ScalarAsync<T>(string sql)
    {
        await using var command = db.DataSource.CreateCommand(sql);
        return (T)(await command.ExecuteScalarAsync(Cancel))!;
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var command = db.DataSource.CreateCommand(sql);
        await command.ExecuteNonQueryAsync(Cancel);
    }
}
