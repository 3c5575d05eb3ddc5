using System.Text.Json.Nodes;
using ChatSurvey.Domain.Questionnaires;
using ChatSurvey.TestSupport;

namespace ChatSurvey.Domain.Tests.Questionnaires;

/// <summary>Seeding the defaults, on a database of its own so the counts are this test's alone.</summary>
public sealed class QuestionnaireStoreDefaultsTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task EnsureDefaults_Should_InsertEachDefaultOnce_When_CalledTwice()
    {
        var ct = TestContext.Current.CancellationToken;

        var first = await QuestionnaireStore.EnsureDefaultsAsync(db.DataSource, ct);
        var second = await QuestionnaireStore.EnsureDefaultsAsync(db.DataSource, ct);
        var concurrent = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => QuestionnaireStore.EnsureDefaultsAsync(db.DataSource, ct)));

        Assert.Equal(3, first);
        Assert.Equal(0, second);
        Assert.All(concurrent, added => Assert.Equal(0, added));
        var rows = await new QuestionnaireStore(db.DataSource).ListAsync(ct);
        Assert.Equal(["sipas-2017:1", "sipas-full:1", "sipas-sms:1"], rows.Select(r => $"{r.Code}:{r.Version}"));
        Assert.Equal("Khảo sát mức độ hài lòng về sự phục vụ hành chính (SIPAS 2023)", rows.Single(r => r.Code == "sipas-full").Title);
    }
}

public sealed class QuestionnaireStoreTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    private readonly QuestionnaireStore _store = new(db.DataSource);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A default's JSON under another code (unique per test) and version.</summary>
    private static string Variant(string code, int version, string? title = null)
    {
        var json = JsonNode.Parse(QuestionnaireCatalogue.Serialize(QuestionnaireCatalogue.Default(QuestionnaireCatalogue.Full)))!;
        json["code"] = code;
        json["version"] = version;
        if (title is not null)
            json["title"] = title;
        return json.ToJsonString();
    }

    [Fact]
    public async Task Get_Should_ReturnTheDefinitionWithItsId_When_DefaultsEnsured()
    {
        await QuestionnaireStore.EnsureDefaultsAsync(db.DataSource, Ct);

        var stored = await _store.GetAsync(QuestionnaireCatalogue.Sms, cancellationToken: Ct);

        Assert.NotNull(stored);
        Assert.True(stored.Id > 0);
        var expected = QuestionnaireCatalogue.Default(QuestionnaireCatalogue.Sms);
        Assert.Equal(QuestionnaireCatalogue.Serialize(expected), QuestionnaireCatalogue.Serialize(stored.Definition));
        var byId = await _store.GetByIdAsync(stored.Id, Ct);
        Assert.Equal(QuestionnaireCatalogue.Serialize(expected), QuestionnaireCatalogue.Serialize(byId!.Definition));
    }

    [Fact]
    public async Task AddVersion_Should_RoundTripAndServeLatest_When_NewVersionsAdded()
    {
        var first = await _store.AddVersionAsync(Variant("rt-latest", 1, "Bản 1"), Ct);
        var third = await _store.AddVersionAsync(Variant("rt-latest", 3, "Bản 3"), Ct);
        var second = await _store.AddVersionAsync(Variant("rt-latest", 2, "Bản 2"), Ct);

        var latest = await _store.GetAsync("rt-latest", cancellationToken: Ct);
        var given = await _store.GetAsync("rt-latest", 2, Ct);

        Assert.Equal((third.Id, 3, "Bản 3"), (latest!.Id, latest.Definition.Version, latest.Definition.Title));
        Assert.Equal((second.Id, 2), (given!.Id, given.Definition.Version));
        Assert.Equal(QuestionnaireCatalogue.Serialize(second.Definition), QuestionnaireCatalogue.Serialize(given.Definition));
        Assert.Equal(29, given.Definition.Questions.Count);
        Assert.Equal(new AskCondition("FEEDBACK", "yes"), given.Definition.Questions.Single(q => q.Code == "E5.S").AskIf);
        Assert.NotEqual(first.Id, second.Id);
        var listed = (await _store.ListAsync(Ct)).Where(r => r.Code == "rt-latest").Select(r => (r.Version, r.Title));
        Assert.Equal([(1, "Bản 1"), (2, "Bản 2"), (3, "Bản 3")], listed);
    }

    [Fact]
    public async Task AddVersion_Should_RefuseAndKeepTheStoredOne_When_VersionExists()
    {
        await _store.AddVersionAsync(Variant("rt-dup", 1, "Gốc"), Ct);
        await _store.AddVersionAsync(Variant("rt-dup", 2, "Gốc 2"), Ct);

        var error = await Assert.ThrowsAsync<QuestionnaireVersionConflictException>(() =>
            _store.AddVersionAsync(Variant("rt-dup", 1, "Sửa"), Ct));

        Assert.Equal(("rt-dup", 1, 2), (error.Code, error.Version, error.LatestVersion));
        Assert.Contains("version 3", error.Message, StringComparison.Ordinal);
        Assert.Equal("Gốc", (await _store.GetAsync("rt-dup", 1, Ct))!.Definition.Title);
    }

    [Fact]
    public async Task AddVersion_Should_StoreNothing_When_DefinitionInvalid()
    {
        var json = JsonNode.Parse(Variant("rt-invalid", 1))!;
        json["questions"]![0]!["element"] = "E9";

        var error = await Assert.ThrowsAsync<QuestionnaireValidationException>(() => _store.AddVersionAsync(json.ToJsonString(), Ct));

        Assert.Contains(error.Problems, p => p.Subject == "E1.C1");
        Assert.Null(await _store.GetAsync("rt-invalid", cancellationToken: Ct));
    }

    [Fact]
    public async Task Get_Should_ReturnNull_When_CodeOrVersionUnknown()
    {
        await _store.AddVersionAsync(Variant("rt-missing", 1), Ct);

        Assert.Null(await _store.GetAsync("rt-nothing", cancellationToken: Ct));
        Assert.Null(await _store.GetAsync("rt-missing", 2, Ct));
        Assert.Null(await _store.GetByIdAsync(long.MaxValue, Ct));
    }

    [Fact]
    public async Task StoredDefinition_Should_BeCamelCaseJsonb_When_Written()
    {
        var stored = await _store.AddVersionAsync(Variant("rt-jsonb", 1), Ct);

        await using var command = db.DataSource.CreateCommand(
            """
            SELECT definition -> 'questions' -> 0 ->> 'kind', definition ->> 'code', jsonb_typeof(definition -> 'questions')
            FROM questionnaires WHERE id = $1
            """);
        command.Parameters.AddWithValue(stored.Id);
        await using var reader = await command.ExecuteReaderAsync(Ct);
        Assert.True(await reader.ReadAsync(Ct));
        Assert.Equal(("rating", "rt-jsonb", "array"), (reader.GetString(0), reader.GetString(1), reader.GetString(2)));
    }
}
