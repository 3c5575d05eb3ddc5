using System.Net.Http.Json;
using System.Text.Json;
using ChatSurvey.TestSupport;

namespace ChatSurvey.BotHost.Tests.PublicResults;

/// <summary>The public page reads the score-refresh job's snapshot while it is fresh, and the live query otherwise.</summary>
public sealed class PublicResultsSnapshotTests : IAsyncLifetime
{
    private TestDatabase _database = null!;
    private BotHostFactory _factory = null!;

    public async ValueTask InitializeAsync()
    {
        _database = await (await PostgresServer.GetAsync()).CreateDatabaseAsync();
        _factory = new BotHostFactory(_database.ConnectionString, [new("Dispatcher:Enabled", "false")]);
    }

    [Theory]
    [InlineData("now()", "SNAP-1")]
    [InlineData("now() - interval '10 minutes'", null)]
    public async Task Results_Should_UseSnapshotOnlyWhileFresh_When_WaveHasOne(string computedAt, string? expectedAgency)
    {
        using var client = _factory.CreateClient();
        var cancel = TestContext.Current.CancellationToken;
        var wave = await ScalarAsync<long>(
            """
            INSERT INTO waves (name, questionnaire_id, status, results_from, results_to, seed, published_at)
            SELECT 'W', id, 'running', DATE '2026-01-01', DATE '2026-12-31', 1, now() FROM questionnaires ORDER BY id LIMIT 1
            RETURNING id
            """);
        // A snapshot only the job could have written: an agency that has no response in the database.
        await ScalarAsync<long>(
            $$"""
            INSERT INTO score_snapshots (wave_id, report, computed_at)
            VALUES ({{wave}}, jsonb_build_object(
                'otherQuestionnaires', jsonb_build_array(), 'blocks', jsonb_build_array(),
                'agencies', jsonb_build_array(jsonb_build_object('agencyCode', 'SNAP-1', 'agencyName', 'Snapshot', 'block', 'department',
                    'responses', 7, 'count', 0, 'lowSample', true, 'deliveredInvitations', 0, 'elements', jsonb_build_array(),
                    'improvements', jsonb_build_array())),
                'overall', jsonb_build_object('responses', 7, 'count', 0, 'lowSample', true,
                    'deliveredInvitations', 0, 'elements', jsonb_build_array(), 'improvements', jsonb_build_array()),
                'minimumCount', 30, 'indexRule', 'r', 'overallRule', 'r', 'intervalRule', 'r', 'lowSampleRule', 'r',
                'responseRateRule', 'r'), {{computedAt}})
            RETURNING wave_id
            """);

        var results = await client.GetFromJsonAsync<JsonElement>($"/api/public/results?wave={wave}", cancel);

        var agencies = results.GetProperty("agencies").EnumerateArray().Select(a => a.GetProperty("agencyCode").GetString()).ToList();
        if (expectedAgency is null)
            Assert.Empty(agencies);
        else
            Assert.Equal([expectedAgency], agencies);
    }

    public async ValueTask DisposeAsync()
    {
        await _factory.DisposeAsync();
        await _database.DisposeAsync();
    }

    private async Task<T> ScalarAsync<T>(string sql)
    {
        await using var command = _database.DataSource.CreateCommand(sql);
        return (T)(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken))!;
    }
}
