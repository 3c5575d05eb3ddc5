using System.Runtime.CompilerServices;
using ChatSurvey.BotHost.Bot.Storage;
using Microsoft.Bot.Builder;
using Microsoft.Bot.Builder.Adapters;

namespace ChatSurvey.BotHost.Tests.Bot.Storage;

/// <summary>
/// The <see cref="IStorage"/> contract ChatSurvey's bot relies on, written once and run on each store (as Bot Builder's
/// <c>StorageBaseTests</c>). A store under test must read <see cref="PocoItem"/> and <see cref="PocoStoreItem"/> back
/// as those types. Each test uses keys named after itself, so tests sharing a database never see each other's rows.
/// </summary>
public abstract class StorageContractTests
{
    protected static CancellationToken Cancel => TestContext.Current.CancellationToken;

    protected abstract IStorage CreateStorage();

    protected static string Key(string name, [CallerMemberName] string test = "") => $"{test}/{name}";

    [Fact]
    public async Task ReadAsync_Should_ReturnTypedObjectAndPoco_When_BothWereWritten()
    {
        var storage = CreateStorage();
        await storage.WriteAsync(new Dictionary<string, object>
        {
            [Key("poco")] = new PocoItem { Id = "1", Count = 7, Tags = ["a", "b"] },
            [Key("storeItem")] = new PocoStoreItem { Id = "2", Count = 3 },
        }, Cancel);

        var read = await storage.ReadAsync([Key("poco"), Key("storeItem")], Cancel);

        var poco = Assert.IsType<PocoItem>(read[Key("poco")]);
        Assert.Equal("1", poco.Id);
        Assert.Equal(7, poco.Count);
        Assert.NotNull(poco.Tags);
        Assert.Equal(["a", "b"], poco.Tags);
        var storeItem = Assert.IsType<PocoStoreItem>(read[Key("storeItem")]);
        Assert.Equal("2", storeItem.Id);
        Assert.Equal(3, storeItem.Count);
        Assert.False(string.IsNullOrEmpty(storeItem.ETag));
    }

    [Fact]
    public async Task ReadAsync_Should_OmitKeys_When_TheyWereNeverWritten()
    {
        var storage = CreateStorage();
        await storage.WriteAsync(new Dictionary<string, object> { [Key("present")] = new PocoItem { Id = "1" } }, Cancel);

        var mixed = await storage.ReadAsync([Key("missing"), Key("present")], Cancel);
        var none = await storage.ReadAsync([Key("unknown")], Cancel);
        var empty = await storage.ReadAsync([], Cancel);

        Assert.Equal([Key("present")], mixed.Keys);
        Assert.Empty(none);
        Assert.Empty(empty);
    }

    [Fact]
    public async Task WriteAsync_Should_UpdateAndChangeETag_When_ETagIsCurrent()
    {
        var storage = CreateStorage();
        await storage.WriteAsync(new Dictionary<string, object> { [Key("item")] = new PocoStoreItem { Id = "1", Count = 1 } }, Cancel);
        var loaded = (PocoStoreItem)(await storage.ReadAsync([Key("item")], Cancel))[Key("item")];
        var readETag = loaded.ETag;

        loaded.Count = 2;
        await storage.WriteAsync(new Dictionary<string, object> { [Key("item")] = loaded }, Cancel);

        var reloaded = (PocoStoreItem)(await storage.ReadAsync([Key("item")], Cancel))[Key("item")];
        Assert.Equal(2, reloaded.Count);
        Assert.NotEqual(readETag, reloaded.ETag);
        Assert.Equal(reloaded.ETag, loaded.ETag); // the writer's item carries the new ETag, ready for its next write
    }

    [Fact]
    public async Task WriteAsync_Should_ThrowStorageConcurrencyExceptionAndKeepRow_When_ETagIsStale()
    {
        var storage = CreateStorage();
        await storage.WriteAsync(new Dictionary<string, object> { [Key("item")] = new PocoStoreItem { Id = "1", Count = 1 } }, Cancel);
        var stale = (PocoStoreItem)(await storage.ReadAsync([Key("item")], Cancel))[Key("item")];
        var current = (PocoStoreItem)(await storage.ReadAsync([Key("item")], Cancel))[Key("item")];
        current.Count = 2;
        await storage.WriteAsync(new Dictionary<string, object> { [Key("item")] = current }, Cancel);
        var staleETag = stale.ETag;

        stale.Count = 99;
        var conflict = await Assert.ThrowsAsync<StorageConcurrencyException>(
            () => storage.WriteAsync(new Dictionary<string, object> { [Key("item")] = stale }, Cancel));

        Assert.Contains("ETag conflict", conflict.Message, StringComparison.Ordinal);
        Assert.Equal(Key("item"), conflict.Key);
        Assert.Equal(staleETag, stale.ETag);
        var stored = (PocoStoreItem)(await storage.ReadAsync([Key("item")], Cancel))[Key("item")];
        Assert.Equal(2, stored.Count);
        Assert.Equal(current.ETag, stored.ETag);
    }

    [Fact]
    public async Task WriteAsync_Should_ThrowStorageConcurrencyException_When_ItemWasDeletedSinceRead()
    {
        var storage = CreateStorage();
        await storage.WriteAsync(new Dictionary<string, object> { [Key("item")] = new PocoStoreItem { Id = "1" } }, Cancel);
        var loaded = (PocoStoreItem)(await storage.ReadAsync([Key("item")], Cancel))[Key("item")];
        await storage.DeleteAsync([Key("item")], Cancel);

        await Assert.ThrowsAsync<StorageConcurrencyException>(
            () => storage.WriteAsync(new Dictionary<string, object> { [Key("item")] = loaded }, Cancel));

        Assert.Empty(await storage.ReadAsync([Key("item")], Cancel));
    }

    [Fact]
    public async Task WriteAsync_Should_Overwrite_When_ETagIsWildcard()
    {
        var storage = CreateStorage();
        await storage.WriteAsync(new Dictionary<string, object> { [Key("item")] = new PocoStoreItem { Id = "1", Count = 1 } }, Cancel);
        var first = (PocoStoreItem)(await storage.ReadAsync([Key("item")], Cancel))[Key("item")];
        first.Count = 2;
        await storage.WriteAsync(new Dictionary<string, object> { [Key("item")] = first }, Cancel);

        var blind = new PocoStoreItem { Id = "1", Count = 100, ETag = "*" };
        await storage.WriteAsync(new Dictionary<string, object> { [Key("item")] = blind }, Cancel);

        var stored = (PocoStoreItem)(await storage.ReadAsync([Key("item")], Cancel))[Key("item")];
        Assert.Equal(100, stored.Count);
        Assert.NotEqual(first.ETag, stored.ETag);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public async Task WriteAsync_Should_InsertOrOverwrite_When_ItemHasNoETag(string? etag)
    {
        var storage = CreateStorage();

        await storage.WriteAsync(new Dictionary<string, object>
        {
            [Key("storeItem")] = new PocoStoreItem { Id = "1", Count = 1, ETag = etag },
            [Key("poco")] = new PocoItem { Id = "1", Count = 1 },
        }, Cancel);
        await storage.WriteAsync(new Dictionary<string, object>
        {
            [Key("storeItem")] = new PocoStoreItem { Id = "1", Count = 2, ETag = etag },
            [Key("poco")] = new PocoItem { Id = "1", Count = 2 },
        }, Cancel);

        var read = await storage.ReadAsync([Key("storeItem"), Key("poco")], Cancel);
        Assert.Equal(2, ((PocoStoreItem)read[Key("storeItem")]).Count);
        Assert.Equal(2, ((PocoItem)read[Key("poco")]).Count);
    }

    [Fact]
    public async Task DeleteAsync_Should_RemoveItems_When_KeysExist()
    {
        var storage = CreateStorage();
        await storage.WriteAsync(new Dictionary<string, object>
        {
            [Key("delete1")] = new PocoStoreItem { Id = "1" },
            [Key("delete2")] = new PocoItem { Id = "2" },
            [Key("keep")] = new PocoItem { Id = "3" },
        }, Cancel);

        await storage.DeleteAsync([Key("delete1"), Key("delete2"), Key("never-written")], Cancel);

        var read = await storage.ReadAsync([Key("delete1"), Key("delete2"), Key("keep")], Cancel);
        Assert.Equal([Key("keep")], read.Keys);
    }

    [Fact]
    public async Task WriteAsync_Should_StoreAndReadBackEveryItem_When_ManyKeysAreBatched()
    {
        var storage = CreateStorage();
        var keys = Enumerable.Range(0, 250).Select(i => Key($"item-{i:D3}")).ToArray();
        await storage.WriteAsync(
            keys.Select((key, i) => KeyValuePair.Create(key, (object)new PocoStoreItem { Id = key, Count = i })).ToDictionary(), Cancel);

        var created = await storage.ReadAsync(keys, Cancel);
        foreach (var item in created.Values.Cast<PocoStoreItem>())
            item.Count += 1000;
        await storage.WriteAsync(created, Cancel);
        var updated = await storage.ReadAsync(keys, Cancel);

        Assert.Equal(keys.Order(StringComparer.Ordinal), updated.Keys.Order(StringComparer.Ordinal));
        for (var i = 0; i < keys.Length; i++)
        {
            var item = Assert.IsType<PocoStoreItem>(updated[keys[i]]);
            Assert.Equal(keys[i], item.Id);
            Assert.Equal(1000 + i, item.Count);
            Assert.Equal(((PocoStoreItem)created[keys[i]]).ETag, item.ETag);
        }
    }

    [Theory]
    [InlineData("!@#$%^&*()~/\\><,.?';\"`~")]
    [InlineData("'; DROP TABLE bot_state; --")]
    [InlineData("%_*")]
    [InlineData("sms/conversations/+84 90 123 45 67")]
    [InlineData("Người dân/khảo sát 😀")]
    [InlineData("tab\tnew line\n{\"json\": [1]}")]
    public async Task ReadAsync_Should_FindItem_When_KeyHasSpecialCharacters(string name)
    {
        var storage = CreateStorage();
        var key = Key(name);
        await storage.WriteAsync(new Dictionary<string, object>
        {
            [key] = new PocoStoreItem { Id = name },
            [Key("neighbour")] = new PocoStoreItem { Id = "other" },
        }, Cancel);

        var read = await storage.ReadAsync([key], Cancel);

        Assert.Equal([key], read.Keys);
        Assert.Equal(name, Assert.IsType<PocoStoreItem>(read[key]).Id);
    }

    [Fact]
    public async Task WriteAsync_Should_LetExactlyOneWriterWin_When_TwoWritersUseTheSameETag()
    {
        var storage = CreateStorage();
        var key = Key("item");
        await storage.WriteAsync(new Dictionary<string, object> { [key] = new PocoStoreItem { Id = "1", Count = 0 } }, Cancel);
        var first = (PocoStoreItem)(await storage.ReadAsync([key], Cancel))[key];
        var second = (PocoStoreItem)(await storage.ReadAsync([key], Cancel))[key];
        Assert.Equal(first.ETag, second.ETag);
        first.Count = 1;
        second.Count = 2;

        var outcomes = await Task.WhenAll(Task.Run(() => TryWriteAsync(first)), Task.Run(() => TryWriteAsync(second)));

        Assert.Single(outcomes, outcome => outcome is null);
        Assert.IsType<StorageConcurrencyException>(Assert.Single(outcomes, outcome => outcome is not null));
        var winner = outcomes[0] is null ? first : second;
        var stored = (PocoStoreItem)(await storage.ReadAsync([key], Cancel))[key];
        Assert.Equal(winner.Count, stored.Count);
        Assert.Equal(winner.ETag, stored.ETag);

        async Task<Exception?> TryWriteAsync(PocoStoreItem item)
        {
            try
            {
                await storage.WriteAsync(new Dictionary<string, object> { [key] = item }, Cancel);
                return null;
            }
            catch (StorageConcurrencyException e)
            {
                return e;
            }
        }
    }

    [Fact]
    public async Task ConversationState_Should_LoadRecordInLaterTurn_When_EarlierTurnSavedIt()
    {
        var storage = CreateStorage();
        var adapter = new TestAdapter(TestAdapter.CreateConversation(Key("conversation")));
        var saved = new SurveyRecord("SIPAS-2025", 3, ["5", "4", "yes"], new DateTimeOffset(2025, 3, 1, 8, 30, 0, TimeSpan.FromHours(7)),
            SurveyRecordChannel.Sms, 4.5m, new SurveyRecordAgency("HP", "Sở Y tế"));

        var firstState = new ConversationState(storage);
        var firstAccessor = firstState.CreateProperty<SurveyRecord>("survey");
        using (var firstTurn = NewTurn(adapter, "hello"))
        {
            Assert.Null(await firstAccessor.GetAsync(firstTurn, null, Cancel));
            await firstAccessor.SetAsync(firstTurn, saved, Cancel);
            await firstState.SaveChangesAsync(firstTurn, false, Cancel);
        }

        var laterState = new ConversationState(storage);
        var laterAccessor = laterState.CreateProperty<SurveyRecord>("survey");
        var countAccessor = laterState.CreateProperty<int>("turns");
        using var laterTurn = NewTurn(adapter, "5");
        var loaded = await laterAccessor.GetAsync(laterTurn, null, Cancel);
        // Setting another property saves the untouched record again, as BotState keeps it from the load.
        await countAccessor.SetAsync(laterTurn, 2, Cancel);
        await laterState.SaveChangesAsync(laterTurn, false, Cancel);

        Assert.Equivalent(saved, loaded, strict: true);
        Assert.Equal(saved.StartedAt.Offset, loaded.StartedAt.Offset);
        using var lastTurn = NewTurn(adapter, "4");
        var lastState = new ConversationState(storage);
        Assert.Equivalent(saved, await lastState.CreateProperty<SurveyRecord>("survey").GetAsync(lastTurn, null, Cancel), strict: true);
        Assert.Equal(2, await lastState.CreateProperty<int>("turns").GetAsync(lastTurn, () => 0, Cancel));
    }

    [Fact]
    public async Task ConversationState_Should_ThrowConflictThenSaveAfterReload_When_AnotherTurnSavedFirst()
    {
        var storage = CreateStorage();
        var adapter = new TestAdapter(TestAdapter.CreateConversation(Key("conversation")));
        var seedState = new ConversationState(storage);
        using (var seedTurn = NewTurn(adapter, "hello"))
        {
            await seedState.CreateProperty<SurveyRecord>("survey").SetAsync(seedTurn, NewRecord(step: 1), Cancel);
            await seedState.SaveChangesAsync(seedTurn, false, Cancel);
        }

        var (stateA, stateB) = (new ConversationState(storage), new ConversationState(storage));
        var (accessorA, accessorB) = (stateA.CreateProperty<SurveyRecord>("survey"), stateB.CreateProperty<SurveyRecord>("survey"));
        using var turnA = NewTurn(adapter, "a");
        using var turnB = NewTurn(adapter, "b");
        var recordA = await accessorA.GetAsync(turnA, null, Cancel);
        var recordB = await accessorB.GetAsync(turnB, null, Cancel);

        await accessorA.SetAsync(turnA, recordA with { Step = recordA.Step + 1 }, Cancel);
        await stateA.SaveChangesAsync(turnA, false, Cancel);
        await accessorB.SetAsync(turnB, recordB with { Step = recordB.Step + 1 }, Cancel);
        await Assert.ThrowsAsync<StorageConcurrencyException>(() => stateB.SaveChangesAsync(turnB, false, Cancel));

        // The bot's retry: reload, redo the turn on fresh state, save.
        await stateB.LoadAsync(turnB, force: true, Cancel);
        var fresh = await accessorB.GetAsync(turnB, null, Cancel);
        await accessorB.SetAsync(turnB, fresh with { Step = fresh.Step + 1 }, Cancel);
        await stateB.SaveChangesAsync(turnB, false, Cancel);

        var checkState = new ConversationState(storage);
        using var checkTurn = NewTurn(adapter, "check");
        Assert.Equal(3, (await checkState.CreateProperty<SurveyRecord>("survey").GetAsync(checkTurn, null, Cancel)).Step);
    }

    // ProcessActivityAsync would stamp the channel id; these tests build their turns directly.
    private static TurnContext NewTurn(TestAdapter adapter, string text)
    {
        var activity = adapter.MakeActivity(text);
        activity.ChannelId = adapter.Conversation.ChannelId;
        return new TurnContext(adapter, activity);
    }

    private static SurveyRecord NewRecord(int step) =>
        new("SIPAS-2025", step, [], new DateTimeOffset(2025, 3, 1, 8, 30, 0, TimeSpan.FromHours(7)), SurveyRecordChannel.Web, null, null);
}

public sealed class PocoItem
{
    public string? Id { get; set; }

    public int Count { get; set; }

    public string[]? Tags { get; set; }
}

public sealed class PocoStoreItem : IStoreItem
{
    public string? Id { get; set; }

    public int Count { get; set; }

    public string? ETag { get; set; }
}

public enum SurveyRecordChannel
{
    Sms,
    Web,
}

public sealed record SurveyRecordAgency(string Code, string Name);

public sealed record SurveyRecord(
    string Questionnaire,
    int Step,
    IReadOnlyList<string> Answers,
    DateTimeOffset StartedAt,
    SurveyRecordChannel Channel,
    decimal? Score,
    SurveyRecordAgency? Agency);
