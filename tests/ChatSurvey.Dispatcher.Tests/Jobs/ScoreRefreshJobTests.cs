using System.Text.Json;
using ChatSurvey.Dispatcher.Jobs;
using ChatSurvey.Dispatcher.Scoring;
using ChatSurvey.Domain.Questionnaires;
using ChatSurvey.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;

namespace ChatSurvey.Dispatcher.Tests.Jobs;

public sealed class ScoreRefreshJobTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task ScoreRefresh_Should_SnapshotLiveWavesOnly_When_Run()
    {
        var cancel = TestContext.Current.CancellationToken;
        await QuestionnaireStore.EnsureDefaultsAsync(db.DataSource, cancel);
        var agency = await ScalarAsync<long>("INSERT INTO agencies (code, name, kind) VALUES ('SR-1', 'Sở Thử', 'department') RETURNING id");
        var running = await InsertWaveAsync("running", "NULL");
        var oldCancelled = await InsertWaveAsync("cancelled", "now() - interval '3 days'");
        await ExecuteAsync($"INSERT INTO conversations (id, channel, agency_id, questionnaire_id) SELECT 'sr-c1', 'test', {agency}, questionnaire_id FROM waves WHERE id = {running}");
        // A valid ballot: invitation-free but verified against a dossier (an open one would not count).
        var procedure = await ScalarAsync<long>("INSERT INTO procedures (code, name, short_name) VALUES ('SR-P1', 'Thủ tục', 'Thu tuc') RETURNING id");
        var dossier = await ScalarAsync<long>(
            $"INSERT INTO transactions (agency_id, procedure_id, dossier_code, result_date) VALUES ({agency}, {procedure}, 'SR-HS-1', DATE '2026-02-01') RETURNING id");
        var response = await ScalarAsync<long>(
            $"""
            INSERT INTO responses (conversation_id, wave_id, agency_id, questionnaire_id, channel, status, completed_at, provenance, transaction_id)
            SELECT 'sr-c1', {running}, {agency}, questionnaire_id, 'test', 'completed', now(), 'verified', {dossier} FROM waves WHERE id = {running} RETURNING id
            """);
        await ExecuteAsync($"INSERT INTO answers (response_id, question_code, kind, rating) VALUES ({response}, 'E1.S', 'rating', 5), ({response}, 'E2.S', 'rating', 2)");

        var refreshed = await new ScoreRefreshJob(db.DataSource, BallotExclusions.Default, NullLogger<ScoreRefreshJob>.Instance).RunAsync(cancel);

        Assert.Equal(1, refreshed);
        Assert.Equal(0L, await ScalarAsync<long>($"SELECT count(*) FROM score_snapshots WHERE wave_id = {oldCancelled}"));
        var json = await ScalarAsync<string>($"SELECT report::text FROM score_snapshots WHERE wave_id = {running}");
        var agencyScore = Assert.Single(JsonDocument.Parse(json).RootElement.GetProperty("agencies").EnumerateArray());
        Assert.Equal("SR-1", agencyScore.GetProperty("agencyCode").GetString());
        Assert.Equal(1, agencyScore.GetProperty("responses").GetInt32());
        // E1 100 %, E2 0 %: the agency index is their mean.
        Assert.Equal(50.0, agencyScore.GetProperty("index").GetDouble(), 6);
    }

    private async Task<long> InsertWaveAsync(string status, string finishedAt) => await ScalarAsync<long>(
        $"""
        INSERT INTO waves (name, questionnaire_id, status, results_from, results_to, seed, finished_at)
        SELECT 'W {status}', id, '{status}', DATE '2026-01-01', DATE '2026-12-31', 1, {finishedAt}
        FROM questionnaires WHERE code = 'sipas-sms' ORDER BY version DESC LIMIT 1
        RETURNING id
        """);

    private async Task<T> ScalarAsync<T>(string sql)
    {
        await using var command = db.DataSource.CreateCommand(sql);
        return (T)(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken))!;
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var command = db.DataSource.CreateCommand(sql);
        await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
    }
}
