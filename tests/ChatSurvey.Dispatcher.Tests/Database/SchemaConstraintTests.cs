using ChatSurvey.TestSupport;
using Npgsql;

namespace ChatSurvey.Dispatcher.Tests.Database;

/// <summary>The rules the database itself enforces, whoever writes.</summary>
public sealed class SchemaConstraintTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task Transactions_Should_RefuseSecondDossier_When_SameAgencyAndCode()
    {
        var ids = await SeedBasicsAsync("DUP");
        await InsertTransactionAsync(ids, "HS-0001", "+84912345678");

        var error = await Assert.ThrowsAsync<PostgresException>(() => InsertTransactionAsync(ids, "HS-0001", "+84912345679"));

        Assert.Equal(PostgresErrorCodes.UniqueViolation, error.SqlState);
        Assert.Equal("transactions_dossier_per_agency_key", error.ConstraintName);
        Assert.Equal(1L, await ScalarAsync<long>("SELECT count(*) FROM transactions WHERE dossier_code = 'HS-0001'"));
    }

    [Fact]
    public async Task Transactions_Should_AcceptSameDossierCode_When_AgencyDiffers()
    {
        var first = await SeedBasicsAsync("A1");
        var second = await SeedBasicsAsync("A2");
        await InsertTransactionAsync(first, "HS-SHARED", "+84912000001");
        await InsertTransactionAsync(second, "HS-SHARED", "+84912000002");

        Assert.Equal(2L, await ScalarAsync<long>("SELECT count(*) FROM transactions WHERE dossier_code = 'HS-SHARED'"));
    }

    [Fact]
    public async Task Invitations_Should_RefuseSecondInvitation_When_SamePhoneInWave()
    {
        var ids = await SeedBasicsAsync("INV");
        var t1 = await InsertTransactionAsync(ids, "HS-I1", "+84987654321");
        var t2 = await InsertTransactionAsync(ids, "HS-I2", "+84987654321");
        var wave = await InsertWaveAsync();
        await InsertInvitationAsync(wave, t1, ids.Agency, "+84987654321", "code-i1");

        var error = await Assert.ThrowsAsync<PostgresException>(() =>
            InsertInvitationAsync(wave, t2, ids.Agency, "+84987654321", "code-i2"));

        Assert.Equal("invitations_phone_per_wave_key", error.ConstraintName);
        Assert.Equal(1L, await ScalarAsync<long>($"SELECT count(*) FROM invitations WHERE wave_id = {wave}"));
    }

    [Fact]
    public async Task Answers_Should_RefuseSecondAnswer_When_SameQuestionInResponse()
    {
        var ids = await SeedBasicsAsync("ANS");
        var questionnaire = await ScalarAsync<long>(
            """INSERT INTO questionnaires (code, version, title, definition) VALUES ('q-ans', 1, 'T', '{}') RETURNING id""");
        await ExecuteAsync($"INSERT INTO conversations (id, channel, agency_id, questionnaire_id) VALUES ('conv-ans', 'test', {ids.Agency}, {questionnaire})");
        var response = await ScalarAsync<long>(
            $"INSERT INTO responses (conversation_id, agency_id, questionnaire_id, channel) VALUES ('conv-ans', {ids.Agency}, {questionnaire}, 'test') RETURNING id");
        await ExecuteAsync($"INSERT INTO answers (response_id, question_code, kind, rating) VALUES ({response}, 'E1', 'rating', 4)");

        var error = await Assert.ThrowsAsync<PostgresException>(() =>
            ExecuteAsync($"INSERT INTO answers (response_id, question_code, kind, rating) VALUES ({response}, 'E1', 'rating', 5)"));

        Assert.Equal("answers_question_per_response_key", error.ConstraintName);
        Assert.Equal(4, await ScalarAsync<short>($"SELECT rating FROM answers WHERE response_id = {response}"));
    }

    [Theory]
    [InlineData("INSERT INTO answers (response_id, question_code, kind, rating) VALUES (1, 'X', 'rating', 6)", "answers_rating_range")]
    [InlineData("INSERT INTO opt_outs (phone, source) VALUES ('0912345678', 'keyword')", "opt_outs_phone_e164")]
    [InlineData("INSERT INTO agencies (code, name, kind) VALUES ('BAD', 'x', 'province')", "agencies_kind_known")]
    [InlineData("INSERT INTO procedures (code, name, short_name) VALUES ('P-BAD', 'x', 'Đăng ký')", "procedures_short_name_ascii")]
    public async Task Checks_Should_RefuseRow_When_ValueBreaksRule(string sql, string constraint)
    {
        var error = await Assert.ThrowsAsync<PostgresException>(() => ExecuteAsync(sql));
        Assert.Equal(constraint, error.ConstraintName);
    }

    private sealed record Basics(long Agency, long Procedure);

    private async Task<Basics> SeedBasicsAsync(string suffix)
    {
        var agency = await ScalarAsync<long>($"INSERT INTO agencies (code, name, kind) VALUES ('AG-{suffix}', 'Sở {suffix}', 'department') RETURNING id");
        var procedure = await ScalarAsync<long>($"INSERT INTO procedures (code, name, short_name) VALUES ('PR-{suffix}', 'Thủ tục {suffix}', 'Thu tuc') RETURNING id");
        return new Basics(agency, procedure);
    }

    private Task<long> InsertTransactionAsync(Basics ids, string dossier, string phone) => ScalarAsync<long>(
        $"""
        INSERT INTO transactions (agency_id, procedure_id, dossier_code, phone, result_date)
        VALUES ({ids.Agency}, {ids.Procedure}, '{dossier}', '{phone}', DATE '2026-10-01') RETURNING id
        """);

    private async Task<long> InsertWaveAsync()
    {
        var questionnaire = await ScalarAsync<long>(
            $"INSERT INTO questionnaires (code, version, title, definition) VALUES ('q-{Guid.NewGuid():N}', 1, 'T', '{{}}') RETURNING id");
        return await ScalarAsync<long>(
            $"INSERT INTO waves (name, questionnaire_id, results_from, results_to, seed) VALUES ('W', {questionnaire}, DATE '2026-10-01', DATE '2026-10-31', 7) RETURNING id");
    }

    private Task InsertInvitationAsync(long wave, long transaction, long agency, string phone, string code) => ExecuteAsync(
        $"""
        INSERT INTO invitations (wave_id, transaction_id, agency_id, phone, code, planned_at)
        VALUES ({wave}, {transaction}, {agency}, '{phone}', '{code}', now())
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
