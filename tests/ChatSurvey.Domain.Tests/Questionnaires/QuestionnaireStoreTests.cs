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

        Assert.Equal(5, first);
        Assert.Equal(0, second);
        Assert.All(concurrent, added => Assert.Equal(0, added));
        var rows = await new QuestionnaireStore(db.DataSource).ListAsync(ct);
        Assert.Equal(["sipas-2017:1", "sipas-2017:2", "sipas-full:1", "sipas-full:2", "sipas-sms:1"], rows.Select(r => $"{r.Code}:{r.Version}"));
        Assert.All(rows.Where(r => r.Code == "sipas-full"),
            r => Assert.Equal("Khảo sát mức độ hài lòng về sự phục vụ hành chính (SIPAS 2023)", r.Title));
    }
}

/// <summary>The shipped versions as seeded, on a database of its own: version 1 exactly as the field holds it, version 2 beside it.</summary>
public sealed class QuestionnaireStoreShippedVersionsTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    [Fact]
    public async Task EnsureDefaults_Should_StoreVersionOnesAsShippedAndAddVersionTwo_When_Seeded()
    {
        var ct = TestContext.Current.CancellationToken;
        await QuestionnaireStore.EnsureDefaultsAsync(db.DataSource, ct);

        // md5 of each version 1 as the databases in the field hold it (jsonb text, stored by the code that shipped it).
        await using var command = db.DataSource.CreateCommand(
            """
            SELECT code, version, md5(definition::text),
                   (SELECT coalesce(string_agg(q ->> 'code', ',' ORDER BY n), '')
                    FROM jsonb_array_elements(definition -> 'questions') WITH ORDINALITY AS e(q, n)
                    WHERE (q ->> 'allowNotApplicable')::boolean),
                   definition -> 'scoring' ->> 'element', definition -> 'scoring' ->> 'agency'
            FROM questionnaires
            ORDER BY code, version
            """);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var rows = new List<string>();
        while (await reader.ReadAsync(ct))
        {
            var version = reader.GetInt32(1);
            rows.Add($"{reader.GetString(0)} v{version} "
                + (version == 1 ? reader.GetString(2) : "-")
                + $" [{reader.GetString(3)}] {(reader.IsDBNull(4) ? "-" : reader.GetString(4))}/{(reader.IsDBNull(5) ? "-" : reader.GetString(5))}");
        }

        Assert.Equal(
            [
                "sipas-2017 v1 f08ff3943002605b1744248ef33b2b0d [] -/-",
                "sipas-2017 v2 - [E1.C1,E1.C2,E1.C3,E1.C4,E1.S,E2.C4] meanOfCriteria/meanOfElements",
                "sipas-full v1 1c20e6813d236bb8178f032eaac86c18 [] -/-",
                "sipas-full v2 - [E1.C1,E1.C2,E1.C3,E1.S,E2.C3] meanOfCriteria/meanOfElements",
                "sipas-sms v1 251e694e05d5e43e1697b469517e03c6 [] -/-",
            ],
            rows);
        var store = new QuestionnaireStore(db.DataSource);
        Assert.Equal(2, (await store.GetAsync(QuestionnaireCatalogue.Full, cancellationToken: ct))!.Definition.Version);
        Assert.Equal(2, (await store.GetAsync(QuestionnaireCatalogue.Method2017, cancellationToken: ct))!.Definition.Version);
        Assert.DoesNotContain((await store.GetAsync(QuestionnaireCatalogue.Full, 1, ct))!.Definition.Questions, q => q.AllowNotApplicable);
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
