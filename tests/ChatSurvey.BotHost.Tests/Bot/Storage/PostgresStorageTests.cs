using ChatSurvey.BotHost.Bot;
using ChatSurvey.BotHost.Bot.Storage;
using ChatSurvey.TestSupport;
using Microsoft.Bot.Builder;
using Newtonsoft.Json.Linq;
using Npgsql;

namespace ChatSurvey.BotHost.Tests.Bot.Storage;

/// <summary>The storage contract on PostgreSQL, plus what only this store promises (one transaction, its row format).</summary>
public sealed class PostgresStorageTests(DatabaseFixture db) : StorageContractTests, IClassFixture<DatabaseFixture>
{
    private static readonly StorageTypeMap Types = StorageTypeMap.Empty
        .Add<PocoItem>("test-poco")
        .Add<PocoStoreItem>("test-poco-store-item");

    protected override IStorage CreateStorage() => new PostgresStorage(db.DataSource, Types);

    [Fact]
    public async Task WriteAsync_Should_StoreNothing_When_OneChangeInTheCallConflicts()
    {
        var storage = CreateStorage();
        await storage.WriteAsync(new Dictionary<string, object> { [Key("b")] = new PocoStoreItem { Id = "b", Count = 1 } }, Cancel);
        var stale = (PocoStoreItem)(await storage.ReadAsync([Key("b")], Cancel))[Key("b")];
        await storage.WriteAsync(new Dictionary<string, object> { [Key("b")] = new PocoStoreItem { Id = "b", Count = 2, ETag = "*" } }, Cancel);
        var newItem = new PocoStoreItem { Id = "a", Count = 1 };

        await Assert.ThrowsAsync<StorageConcurrencyException>(() => storage.WriteAsync(new Dictionary<string, object>
        {
            [Key("a")] = newItem,
            [Key("b")] = stale,
            [Key("c")] = new PocoItem { Id = "c" },
        }, Cancel));

        var read = await storage.ReadAsync([Key("a"), Key("b"), Key("c")], Cancel);
        Assert.Equal([Key("b")], read.Keys);
        Assert.Equal(2, ((PocoStoreItem)read[Key("b")]).Count);
        Assert.Null(newItem.ETag);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("\"0x8D9\"")]
    [InlineData("-1")]
    public async Task WriteAsync_Should_ThrowStorageConcurrencyException_When_ETagIsNotARowVersion(string etag)
    {
        var storage = CreateStorage();
        await storage.WriteAsync(new Dictionary<string, object> { [Key("item")] = new PocoStoreItem { Id = "1", Count = 1 } }, Cancel);

        await Assert.ThrowsAsync<StorageConcurrencyException>(() => storage.WriteAsync(
            new Dictionary<string, object> { [Key("item")] = new PocoStoreItem { Id = "1", Count = 2, ETag = etag } }, Cancel));

        Assert.Equal(1, ((PocoStoreItem)(await storage.ReadAsync([Key("item")], Cancel))[Key("item")]).Count);
    }

    [Fact]
    public async Task WriteAsync_Should_StoreVersionedDocumentWithRowVersionAsETag_When_ItemIsTyped()
    {
        var storage = CreateStorage();
        var item = new PocoStoreItem { Id = "1", Count = 1 };
        await storage.WriteAsync(new Dictionary<string, object> { [Key("item")] = item }, Cancel);
        var firstETag = item.ETag;
        await storage.WriteAsync(new Dictionary<string, object> { [Key("item")] = item }, Cancel);

        await using var command = db.DataSource.CreateCommand("SELECT document::text, etag FROM bot_state WHERE key = $1");
        command.Parameters.AddWithValue(Key("item"));
        await using var reader = await command.ExecuteReaderAsync(Cancel);
        Assert.True(await reader.ReadAsync(Cancel));
        var document = JObject.Parse(reader.GetString(0));
        Assert.Equal("1", firstETag);
        Assert.Equal(2L, reader.GetInt64(1));
        Assert.Equal("2", item.ETag);
        Assert.Equal(1, (int)document["version"]!);
        Assert.Equal("test-poco-store-item", (string?)document["type"]);
        Assert.Equal(new JObject { ["id"] = "1", ["count"] = 1 }, document["value"], JToken.EqualityComparer);
    }

    [Fact]
    public async Task ReadAsync_Should_ReturnStoreItemDictionaryWithETag_When_TypeIsNotRegistered()
    {
        var storage = CreateStorage();
        await storage.WriteAsync(new Dictionary<string, object>
        {
            [Key("item")] = new SurveyRecord("Q", 2, ["1", "2"], DateTimeOffset.UnixEpoch, SurveyRecordChannel.Web, 1.5m,
                new SurveyRecordAgency("HP", "Sở Y tế")),
        }, Cancel);

        var read = await storage.ReadAsync([Key("item")], Cancel);

        var dictionary = Assert.IsType<StoreItemDictionary>(read[Key("item")]);
        Assert.Equal("1", dictionary.ETag);
        Assert.Equal("Q", dictionary["questionnaire"]);
        Assert.Equal(2L, dictionary["step"]);
        Assert.Equal("1970-01-01T00:00:00+00:00", dictionary["startedAt"]);
        Assert.Equal("Web", dictionary["channel"]);
        Assert.IsType<JArray>(dictionary["answers"]);
        Assert.Equal("HP", (string?)Assert.IsType<JObject>(dictionary["agency"])["code"]);
    }

    [Fact]
    public async Task ReadAsync_Should_Throw_When_DocumentTypeIsNotRegistered()
    {
        await CreateStorage().WriteAsync(new Dictionary<string, object> { [Key("item")] = new PocoItem { Id = "1" } }, Cancel);
        var storageWithoutTypes = new PostgresStorage(db.DataSource);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => storageWithoutTypes.ReadAsync([Key("item")], Cancel));

        Assert.Contains("'test-poco'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void StorageTypeMap_Should_Refuse_When_NameOrTypeIsTakenOrTypeIsADictionary()
    {
        Assert.Throws<ArgumentException>(() => Types.Add<SurveyRecord>("test-poco"));
        Assert.Throws<ArgumentException>(() => Types.Add<PocoItem>("another-name"));
        Assert.Throws<ArgumentException>(() => Types.Add<SurveyRecord>(" "));
        Assert.Throws<ArgumentException>(() => Types.Add<Dictionary<string, object>>("state"));
        Assert.Throws<ArgumentException>(() => Types.Add<JObject>("json"));
    }

    [Fact]
    public async Task WriteAsync_Should_CommitWithAmbientTransaction_When_OneIsGiven()
    {
        await CreateStorage().WriteAsync(new Dictionary<string, object> { [Key("existing")] = new PocoStoreItem { Id = "e", Count = 1 } }, Cancel);
        await using var connection = await db.DataSource.OpenConnectionAsync(Cancel);
        BotStateSession? ambient = null;
        var storage = new PostgresStorage(db.DataSource, Types, () => ambient);
        var stale = new PocoStoreItem { Id = "e", Count = 5, ETag = "999" };

        await using (var transaction = await connection.BeginTransactionAsync(Cancel))
        {
            ambient = new BotStateSession(connection) { Transaction = transaction };
            await storage.WriteAsync(new Dictionary<string, object> { [Key("rolled-back")] = new PocoItem { Id = "r" } }, Cancel);
            Assert.Single(await storage.ReadAsync([Key("rolled-back")], Cancel));
        }

        await using (var transaction = await connection.BeginTransactionAsync(Cancel))
        {
            ambient = new BotStateSession(connection) { Transaction = transaction };
            await storage.WriteAsync(new Dictionary<string, object> { [Key("committed")] = new PocoItem { Id = "c" } }, Cancel);
            await Assert.ThrowsAsync<StorageConcurrencyException>(() => storage.WriteAsync(new Dictionary<string, object>
            {
                [Key("conflict-new")] = new PocoItem { Id = "n" },
                [Key("existing")] = stale,
            }, Cancel));
            await transaction.CommitAsync(Cancel); // the conflict undid only its own call
        }

        ambient = null;
        var read = await storage.ReadAsync([Key("rolled-back"), Key("committed"), Key("conflict-new"), Key("existing")], Cancel);
        Assert.Equal([Key("committed"), Key("existing")], read.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(1, ((PocoStoreItem)read[Key("existing")]).Count);
    }

    [Fact]
    public async Task ReadAsync_Should_ServeTheRowsReadAhead_When_TheSessionHasThemAll()
    {
        await CreateStorage().WriteAsync(new Dictionary<string, object> { [Key("in-db")] = new PocoItem { Id = "db", Count = 1 } }, Cancel);
        await using var connection = await db.DataSource.OpenConnectionAsync(Cancel);
        var session = new BotStateSession(connection);
        var storage = new PostgresStorage(db.DataSource, Types, () => session);
        // What the turn's first round trip read: a different document than the table now holds, and a known absence.
        session.Prefetch(Key("in-db"), new PrefetchedState(1, "test-poco", """{"Id":"ahead","Count":7}""", 42));
        session.Prefetch(Key("absent"), null);

        var ahead = await storage.ReadAsync([Key("in-db"), Key("absent")], Cancel);
        Assert.Equal("ahead", Assert.IsType<PocoItem>(Assert.Single(ahead).Value).Id);

        session.ForgetPrefetched();
        var fresh = await storage.ReadAsync([Key("in-db"), Key("absent")], Cancel);
        Assert.Equal("db", Assert.IsType<PocoItem>(Assert.Single(fresh).Value).Id);
    }

    [Fact]
    public async Task WriteAsync_Should_QueueItsStatements_When_TheSessionDefersWrites()
    {
        await using var connection = await db.DataSource.OpenConnectionAsync(Cancel);
        var session = new BotStateSession(connection) { DeferWrites = true };
        var storage = new PostgresStorage(db.DataSource, Types, () => session);
        var item = new PocoStoreItem { Id = "d", Count = 3 };

        await storage.WriteAsync(new Dictionary<string, object> { [Key("deferred")] = item }, Cancel);
        Assert.Empty(await CreateStorage().ReadAsync([Key("deferred")], Cancel));

        var writes = session.TakeDeferred();
        var write = Assert.Single(writes);
        await using (var batch = new NpgsqlBatch(connection) { BatchCommands = { write.Command } })
            write.Written((long)(await batch.ExecuteScalarAsync(Cancel))!);
        Assert.Equal("1", item.ETag);
        Assert.Equal(3, ((PocoStoreItem)(await CreateStorage().ReadAsync([Key("deferred")], Cancel))[Key("deferred")]).Count);
        Assert.Empty(session.TakeDeferred());
    }

    [Fact]
    public async Task ConversationRecord_Should_StoreTheEnginesJsonOnce_When_Written_AndReadTheOldStringFormat()
    {
        var storage = CreateStorage();
        const string progress = """{"schemaVersion":1,"step":3}""";
        await storage.WriteAsync(new Dictionary<string, object>
        {
            [Key("record")] = new Dictionary<string, object> { ["survey"] = new ConversationRecord { ProgressJson = progress } },
        }, Cancel);
        await using (var command = db.DataSource.CreateCommand(
            "SELECT jsonb_typeof(document -> 'value' -> 'survey' -> 'progressJson') FROM bot_state WHERE key = $1"))
        {
            command.Parameters.AddWithValue(Key("record"));
            Assert.Equal("object", await command.ExecuteScalarAsync(Cancel));
        }

        // State written before: the progress as a string of escaped JSON.
        await using (var command = db.DataSource.CreateCommand(
            """INSERT INTO bot_state (key, document) VALUES ($1, jsonb_build_object('version', 1, 'value', jsonb_build_object('survey', jsonb_build_object('progressJson', $2::text))))"""))
        {
            command.Parameters.AddWithValue(Key("old"));
            command.Parameters.AddWithValue(progress);
            await command.ExecuteNonQueryAsync(Cancel);
        }

        var read = await storage.ReadAsync([Key("record"), Key("old")], Cancel);
        foreach (var key in new[] { Key("record"), Key("old") })
        {
            var record = Assert.IsType<JObject>(((IDictionary<string, object>)read[key])["survey"]).ToObject<ConversationRecord>()!;
            Assert.Equal("step3", string.Concat(JObject.Parse(record.ProgressJson!).Properties().Where(p => p.Name == "step").Select(p => p.Name + p.Value)));
            Assert.Null(record.VerificationJson);
        }
    }
}
