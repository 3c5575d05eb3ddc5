using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using ChatSurvey.Dispatcher.Jobs;
using ChatSurvey.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace ChatSurvey.BotHost.Tests.PublicResults;

/// <summary>
/// The open-data files over HTTP, chiefly <c>GET /api/public/waves/{id}/answers.csv</c> (<see cref="OpenDataSeed"/>): one row per
/// answer of exactly the valid ballots behind the published figures, nothing that could identify a person or carry
/// free text, 404 for a wave the public cannot see, and a completed wave's frozen ballots only. Each test has its own
/// database and host, whose clock (a <see cref="FakeTimeProvider"/>) stands after every seeded ballot.
/// </summary>
public sealed partial class OpenDataTests : IAsyncLifetime
{
    private static readonly string[] Columns =
        ["ballotId", "agencyCode", "block", "questionnaireCode", "questionnaireVersion", "questionCode", "value", "channel", "provenance", "completedOn"];

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
            new("WebChat:TokenSigningKey", "open-data-tests-signing-key-0123456789abcdef"),
        ], _clock);
        _ = _factory.Services; // starts the host: migrations and the shipped questionnaires
    }

    public async ValueTask DisposeAsync()
    {
        await _factory.DisposeAsync();
        await _database.DisposeAsync();
    }

    [Fact]
    public async Task AnswersCsv_Should_GiveEveryAnswerOfEveryValidBallotAndNothingElse_When_WaveIsPublished()
    {
        var (wave, ballots) = await OpenDataSeed.SeedAsync(_database.DataSource);
        using var client = _factory.CreateClient();

        var file = await OpenDataFile.GetAsync(client, $"/api/public/waves/{wave}/answers.csv");

        Assert.Equal(Encoding.UTF8.Preamble.ToArray(), file.Bytes[..3]);
        Assert.Equal("text/csv; charset=utf-8", file.ContentType);
        Assert.Equal($"sipas-dot-{wave}-answers.csv", file.FileName);
        Assert.Equal(Columns, file.Columns);
        Assert.Equal(await ExpectedRowsAsync(wave, ballots), file.Rows);

        // One ballot per valid ballot of the figures the public API gives for the wave.
        var api = await client.GetFromJsonAsync<JsonElement>($"/api/public/results?wave={wave}", Cancel);
        var valid = ballots.Count(b => b.Valid);
        Assert.Equal(valid, file.Rows.Select(r => r[0]).Distinct().Count());
        Assert.Equal(valid, api.GetProperty("overall").GetProperty("responses").GetInt32());
        foreach (var agency in api.GetProperty("agencies").EnumerateArray())
        {
            var code = agency.GetProperty("agencyCode").GetString()!;
            Assert.Equal(agency.GetProperty("responses").GetInt32(),
                file.Rows.Where(r => file.Cell(r, "agencyCode") == code).Select(r => r[0]).Distinct().Count());
        }

        // "Không áp dụng" is written N/A; the ballot completed at 00:30 on 3 April in Vietnam (17:30 UTC on the 2nd) is
        // dated the 3rd; every block of the wave is there.
        Assert.Contains(file.Rows, r => file.Cell(r, "value") == "N/A");
        Assert.Contains(file.Rows, r => file.Cell(r, "completedOn") == "2026-04-03");
        Assert.Equal(["commune", "department", "ward"], file.Rows.Select(r => file.Cell(r, "block")).Distinct().Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task AnswersCsv_Should_HoldNoPhoneNoFreeTextAndNoIdentifier_When_BallotsCarryThem()
    {
        var (wave, ballots) = await OpenDataSeed.SeedAsync(_database.DataSource);
        // A random UUID's last group is all digits now and then (12 of them, like a phone number): make sure one is.
        await _database.DataSource.ExecuteAsync(
            """
            UPDATE responses SET public_ballot_id = '7a6b5c4d-3e2f-4a1b-8c9d-091234567890'
            WHERE id = (SELECT min(id) FROM responses WHERE wave_id = $1 AND provenance = 'sampled' AND status = 'completed' AND NOT speeder)
            """, [wave], Cancel);
        using var client = _factory.CreateClient();

        var file = await OpenDataFile.GetAsync(client, $"/api/public/waves/{wave}/answers.csv");

        // Nothing that looks like a phone number anywhere in the file (the comments and the dossiers hold several).
        Assert.True(ballots.Any(b => b.Valid && b.Answers.Any(a => a.Text == OpenDataSeed.PhoneComment)), "Valid ballots carry phone-like comments.");
        Assert.Empty(PhoneLike().Matches(file.Text));
        Assert.DoesNotContain("COMMENT", file.Text, StringComparison.Ordinal);
        Assert.DoesNotContain(OpenDataSeed.TypedChoice, file.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("X.EXTRA", file.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("OD-HS-", file.Text, StringComparison.Ordinal);
        Assert.DoesNotContain($"od-{wave}-", file.Text, StringComparison.Ordinal);

        // Every value is a rating, N/A, yes/no or one of the question's own options: no value can hold free text.
        var options = await OptionsAsync(wave);
        Assert.All(file.Rows, r =>
        {
            var value = file.Cell(r, "value");
            var question = file.Cell(r, "questionCode");
            Assert.True(value is "1" or "2" or "3" or "4" or "5" or "N/A" || options[question].Contains(value),
                $"'{value}' is a rating, N/A or an option of {question}.");
        });

        // The ballot id is the response's random UUID, written in letters: neither a response, invitation or
        // conversation id nor a dossier or invitation code.
        var identifiers = await IdentifiersAsync(wave);
        var randomIds = (await BallotIdsAsync(wave)).Values.ToHashSet();
        Assert.All(file.Rows.Select(r => r[0]).Distinct(), id =>
        {
            Assert.Matches(BallotIdShape(), id);
            var uuid = string.Concat(id.Select(c => c == '-' ? '-' : "0123456789abcdef"[Letters.IndexOf(c, StringComparison.Ordinal)]));
            Assert.Contains(uuid, randomIds);
            Assert.DoesNotContain(uuid, identifiers);
            Assert.DoesNotContain(id, identifiers);
        });
    }

    [Fact]
    public async Task OpenData_Should_Answer404_When_WaveIsUnknownOrUnpublished()
    {
        var (wave, _) = await OpenDataSeed.SeedAsync(_database.DataSource, published: false);
        using var client = _factory.CreateClient();

        foreach (var path in new[]
                 {
                     $"/api/public/waves/{wave}/answers.csv", $"/api/public/waves/{wave + 100}/answers.csv",
                     $"/api/public/waves/{wave}/results.csv", $"/api/public/waves/{wave + 100}/results.csv",
                 })
        {
            using var response = await client.GetAsync(path, Cancel);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            var problem = await response.Content.ReadFromJsonAsync<JsonElement>(Cancel);
            Assert.Equal(404, problem.GetProperty("status").GetInt32());
            Assert.Contains("not published", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        // Published, the same wave's file is served.
        using var admin = _factory.CreateClient();
        admin.DefaultRequestHeaders.Add("X-Api-Key", BotHostFactory.AdminKey);
        using (var published = await admin.PostAsync($"/api/admin/waves/{wave}/publish", null, Cancel))
            Assert.Equal(HttpStatusCode.OK, published.StatusCode);
        Assert.NotEmpty((await OpenDataFile.GetAsync(client, $"/api/public/waves/{wave}/answers.csv")).Rows);
        Assert.NotEmpty((await OpenDataFile.GetAsync(client, $"/api/public/waves/{wave}/results.csv")).Rows);
    }

    [Fact]
    public async Task AnswersCsv_Should_GiveTheFrozenBallotsOnly_When_WaveHasCompleted()
    {
        var (wave, ballots) = await OpenDataSeed.SeedAsync(_database.DataSource);
        // The partial ballots' invitations have expired, so every invitation is final and the period is over.
        await _database.DataSource.ExecuteAsync(
            """
            UPDATE invitations SET status = 'expired'
            WHERE wave_id = $1 AND id IN (SELECT invitation_id FROM responses WHERE status = 'partial' AND invitation_id IS NOT NULL)
            """, [wave], Cancel);
        Assert.Equal([wave], await ActivatorUtilities.CreateInstance<WaveCompletionJob>(_factory.Services).RunAsync(Cancel));

        // A ballot completed after the figures were frozen (a chat still open at completion) is in no figure.
        _clock.Advance(TimeSpan.FromHours(1));
        var late = await OpenDataSeed.AddAsync(_database.DataSource, wave, "OD-STP", _clock.GetUtcNow());
        _clock.Advance(TimeSpan.FromMinutes(1));
        using var client = _factory.CreateClient();

        var file = await OpenDataFile.GetAsync(client, $"/api/public/waves/{wave}/answers.csv");

        Assert.Equal(await ExpectedRowsAsync(wave, ballots), file.Rows);
        var sealedBallots = await _database.DataSource.ScalarAsync<int>(
            "SELECT ballots FROM score_snapshots WHERE wave_id = $1 AND final", [wave], Cancel);
        Assert.Equal(sealedBallots, file.Rows.Select(r => r[0]).Distinct().Count());
        var lateId = await _database.DataSource.ScalarAsync<Guid>(
            "SELECT public_ballot_id FROM responses WHERE conversation_id = $1", [late.Conversation], Cancel);
        Assert.DoesNotContain(file.Rows, r => r[0] == Letter(lateId.ToString()));
    }

    [Fact]
    public async Task Methodology_Should_TellHowToRecomputeTheFiguresFromTheOpenData_When_Read()
    {
        using var client = _factory.CreateClient();

        var page = await client.GetStringAsync("/cach-tinh", Cancel);

        Assert.Contains("<h2 id=\"open-data-recomputing-every-figure-from-answers.csv\">Open data: recomputing every figure from answers.csv</h2>",
            page, StringComparison.Ordinal);
        Assert.Contains("<h2 id=\"the-par-workbook\">The PAR workbook</h2>", page, StringComparison.Ordinal);
        foreach (var column in Columns)
            Assert.Contains($"<code>{column}</code>", page, StringComparison.Ordinal);
    }

    /// <summary>
    /// What the file must hold, from the seed alone: each valid ballot's rating, N/A, yes/no and option answers (never a
    /// text, skipped or missing one, nor a choice that is not an option, nor a profile answer), by ballot id and then in
    /// questionnaire order.
    /// </summary>
    private async Task<List<string[]>> ExpectedRowsAsync(long wave, IReadOnlyList<SeededBallot> ballots)
    {
        var ids = await BallotIdsAsync(wave);
        var options = await OptionsAsync(wave);
        var version = await _database.DataSource.ScalarAsync<int>(
            "SELECT q.version FROM waves w JOIN questionnaires q ON q.id = w.questionnaire_id WHERE w.id = $1", [wave], Cancel);
        var blocks = OpenDataSeed.Agencies.ToDictionary(a => a.Code, a => a.Kind);
        var questions = await OpenDataSeed.QuestionsAsync(_database.DataSource, wave);
        var order = questions.Select(q => q.Code).ToList();
        var profile = questions.Where(q => q.Role == "profile").Select(q => q.Code).ToHashSet(StringComparer.Ordinal);
        Assert.NotEmpty(profile); // the seed answers them: leaving them out is checked, not assumed
        var rows = new List<(string Id, int Order, string[] Row)>();
        foreach (var ballot in ballots.Where(b => b.Valid))
        {
            foreach (var answer in ballot.Answers.Where(a => !profile.Contains(a.QuestionCode)))
            {
                var value = answer.Kind switch
                {
                    "rating" => answer.Rating!.Value.ToString(CultureInfo.InvariantCulture),
                    "not_applicable" => "N/A",
                    "yes_no" => answer.Choice,
                    "choice" when options.TryGetValue(answer.QuestionCode, out var allowed) && allowed.Contains(answer.Choice!) => answer.Choice,
                    _ => null,
                };
                if (value is null)
                    continue;
                var id = Letter(ids[ballot.Conversation]);
                var day = ballot.CompletedAt.ToOffset(TimeSpan.FromHours(7)).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
                rows.Add((id, order.IndexOf(answer.QuestionCode),
                [
                    id, ballot.AgencyCode, blocks[ballot.AgencyCode], "sipas-full", version.ToString(CultureInfo.InvariantCulture),
                    answer.QuestionCode, value, ballot.Channel, ballot.Provenance, day,
                ]));
            }
        }

        Assert.DoesNotContain(rows, r => r.Order < 0);
        return rows.OrderBy(r => r.Id, StringComparer.Ordinal).ThenBy(r => r.Order).Select(r => r.Row).ToList();
    }

    // The ballot ids are UUIDs written with these letters for the hexadecimal digits 0–f (docs/methodology.md).
    private const string Letters = "bcdfghjkmnpqrstv";

    private static string Letter(string uuid) => string.Concat(uuid.Select(c => c == '-' ? '-' : Letters["0123456789abcdef".IndexOf(c, StringComparison.Ordinal)]));

    // Conversation id → the response's public_ballot_id (a UUID, lowercase).
    private async Task<Dictionary<string, string>> BallotIdsAsync(long wave)
    {
        var ids = new Dictionary<string, string>();
        await using var command = _database.DataSource.CreateCommand(
            "SELECT conversation_id, public_ballot_id::text FROM responses WHERE wave_id = $1");
        command.Parameters.AddWithValue(wave);
        await using var reader = await command.ExecuteReaderAsync(Cancel);
        while (await reader.ReadAsync(Cancel))
            ids[reader.GetString(0)] = reader.GetString(1);
        return ids;
    }

    // The option values of each choice question of the wave's questionnaire, and yes/no for its yes/no questions.
    private async Task<Dictionary<string, HashSet<string>>> OptionsAsync(long wave)
    {
        var options = new Dictionary<string, HashSet<string>>();
        await using var command = _database.DataSource.CreateCommand(
            """
            SELECT q ->> 'code', q ->> 'kind', coalesce(ARRAY(SELECT o ->> 'value' FROM jsonb_array_elements(q -> 'options') o), '{}')
            FROM waves w JOIN questionnaires qn ON qn.id = w.questionnaire_id, jsonb_array_elements(qn.definition -> 'questions') q
            WHERE w.id = $1 AND q ->> 'kind' IN ('choice', 'yes_no')
            """);
        command.Parameters.AddWithValue(wave);
        await using var reader = await command.ExecuteReaderAsync(Cancel);
        while (await reader.ReadAsync(Cancel))
            options[reader.GetString(0)] = reader.GetString(1) == "yes_no" ? ["yes", "no"] : [.. reader.GetFieldValue<string[]>(2)];
        return options;
    }

    // Everything that could tie a ballot to a person or a record: ids, conversation ids, dossier and invitation codes.
    private async Task<HashSet<string>> IdentifiersAsync(long wave)
    {
        var identifiers = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        await using var command = _database.DataSource.CreateCommand(
            """
            SELECT r.id::text, r.conversation_id, coalesce(r.invitation_id::text, ''), coalesce(i.code, ''), coalesce(t.dossier_code, ''),
                   coalesce(t.phone, '')
            FROM responses r LEFT JOIN invitations i ON i.id = r.invitation_id LEFT JOIN transactions t ON t.id = r.transaction_id
            WHERE r.wave_id = $1
            """);
        command.Parameters.AddWithValue(wave);
        await using var reader = await command.ExecuteReaderAsync(Cancel);
        while (await reader.ReadAsync(Cancel))
        {
            for (var i = 0; i < reader.FieldCount; i++)
            {
                if (reader.GetString(i).Length > 0)
                    identifiers.Add(reader.GetString(i));
            }
        }

        return identifiers;
    }

    [GeneratedRegex(@"\+?\d{9,}")]
    private static partial Regex PhoneLike();

    [GeneratedRegex("^[bcdfghjkmnpqrstv]{8}-[bcdfghjkmnpqrstv]{4}-[bcdfghjkmnpqrstv]{4}-[bcdfghjkmnpqrstv]{4}-[bcdfghjkmnpqrstv]{12}$")]
    private static partial Regex BallotIdShape();
}
