using System.Text.Json;

namespace ChatSurvey.BotHost.Tests.WebChat;

/// <summary>
/// Integrity flags written when a ballot completes, on the fake clock: verified ballots of a <c>sipas-full</c> wave
/// (18 ratings when no feedback was given), listed by the admin responses API.
/// </summary>
public sealed class ResponseFlagsTests : IAsyncLifetime
{
    private AgencyChatHost _host = null!;
    private long _waveId;

    public async ValueTask InitializeAsync()
    {
        _host = await AgencyChatHost.StartAsync(new DateTimeOffset(2025, 3, 20, 3, 0, 0, TimeSpan.Zero));
        await _host.SeedCatalogueAsync();
        await _host.ImportAsync(("HS-INV", "A1", "0912000100", "2025-03-02"));
        _waveId = await _host.StartWaveAsync("sipas-full");
        await _host.ImportAsync(("HS-F1", "A1", "0912007001", "2025-03-03"), ("HS-F2", "A1", "0912007002", "2025-03-04"));
    }

    public async ValueTask DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Flags_Should_MarkSpeederAndStraightLiner_When_AllFivesInNoTime()
    {
        var conversation = await VerifiedChatAsync("HS-F1", "7001", _ => 5, TimeSpan.Zero);

        Assert.Equal("completed|t|t", await FlagsAsync(conversation));
        Assert.Equal(["speeder", "straight_liner"], await ListedFlagsAsync());
    }

    [Fact]
    public async Task Flags_Should_StayClear_When_VariedRatingsAtAPersonsPace()
    {
        var conversation = await VerifiedChatAsync("HS-F2", "7002", n => n % 2 == 0 ? 4 : 5, TimeSpan.FromSeconds(5));

        Assert.Equal("completed|f|f", await FlagsAsync(conversation));
        Assert.Empty(await ListedFlagsAsync());
        // The row's times are the bot's clock: from the first question shown to the last answer.
        var answered = await _host.ScalarAsync<long>(
            "SELECT count(*) FROM answers a JOIN responses r ON r.id = a.response_id WHERE r.conversation_id = $1", conversation);
        Assert.Equal(answered * 5.0, await _host.ScalarAsync<double>(
            "SELECT extract(epoch FROM completed_at - started_at)::float8 FROM responses WHERE conversation_id = $1", conversation));
    }

    [Fact]
    public async Task Speeder_Should_CountAnsweredQuestionsOnly_When_SkipsTookTimeToo()
    {
        // 18 ratings, the feedback gate and the improvement choice are answered (20); the comment and the four profile
        // questions are skipped. At 1.9 s a message that is 25 × 1.9 = 47.5 s ≥ 2 s × 20 = 40 s: not a speeder;
        // at 1.5 s it is 37.5 s < 40 s: a speeder. Ratings vary, so neither is a straight-liner.
        var paced = await VerifiedChatAsync("HS-F1", "7001", n => 3 + n % 3, TimeSpan.FromSeconds(1.9));
        var hurried = await VerifiedChatAsync("HS-F2", "7002", n => 3 + n % 3, TimeSpan.FromSeconds(1.5));

        foreach (var conversation in new[] { paced, hurried })
        {
            Assert.Equal(20L, await _host.ScalarAsync<long>(
                "SELECT count(*) FROM answers a JOIN responses r ON r.id = a.response_id WHERE r.conversation_id = $1 AND a.kind <> 'skipped'",
                conversation));
            Assert.Equal(5L, await _host.ScalarAsync<long>(
                "SELECT count(*) FROM answers a JOIN responses r ON r.id = a.response_id WHERE r.conversation_id = $1 AND a.kind = 'skipped'",
                conversation));
        }

        Assert.Equal("completed|f|f", await FlagsAsync(paced));
        Assert.Equal("completed|t|f", await FlagsAsync(hurried));
    }

    private async Task<string> VerifiedChatAsync(string code, string digits, Func<int, int> rating, TimeSpan pause)
    {
        using var citizen = _host.NewCitizen();
        await citizen.OpenAsync();
        await citizen.SayAsync(code);
        Assert.Equal("Đã xác minh hồ sơ. Cảm ơn Ông/Bà!", AgencyChatHost.Citizen.Text((await citizen.SayAsync(digits))[0]));
        await citizen.AnswerAllAsync(rating, pause);
        return citizen.ConversationId!;
    }

    private async Task<string> FlagsAsync(string conversation) => await _host.ScalarAsync<string>(
        "SELECT concat_ws('|', status, CASE WHEN speeder THEN 't' ELSE 'f' END, CASE WHEN straight_liner THEN 't' ELSE 'f' END) FROM responses WHERE conversation_id = $1",
        conversation);

    /// <summary>The flags the admin responses API lists for the wave's one verified ballot (each test has its own host).</summary>
    private async Task<List<string>> ListedFlagsAsync()
    {
        using var response = await _host.Admin.GetAsync($"/api/admin/waves/{_waveId}/responses", TestContext.Current.CancellationToken);
        var list = JsonDocument.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement;
        var verified = Assert.Single(list.EnumerateArray(), r => r.GetProperty("provenance").GetString() == "verified");
        return verified.GetProperty("flags").EnumerateArray().Select(f => f.GetString()!).ToList();
    }
}
