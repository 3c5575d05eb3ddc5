using System.Text.Json;
using static ChatSurvey.BotHost.Tests.WebChat.AgencyChatHost;

namespace ChatSurvey.BotHost.Tests.WebChat;

/// <summary>
/// One host for the class: agency A1 in a running wave over March 2025 (questionnaire <c>sipas-sms</c>) whose one
/// invitation went to dossier HS-INV; further A1 dossiers imported after the draw; a staff phone, an agent's phone on six
/// dossiers, a dossier outside the period and one of agency A2 (not in the wave).
/// </summary>
public sealed class DossierVerificationFixture : IAsyncLifetime
{
    internal AgencyChatHost Host { get; private set; } = null!;

    public long WaveId { get; private set; }

    public async ValueTask InitializeAsync()
    {
        Host = await AgencyChatHost.StartAsync(new DateTimeOffset(2025, 3, 20, 3, 0, 0, TimeSpan.Zero));
        await Host.SeedCatalogueAsync();
        await Host.ImportAsync(("HS-INV", "A1", "0912000100", "2025-03-02"));
        WaveId = await Host.StartWaveAsync("sipas-sms");
        await Host.ImportAsync(
            [
                ("HS-1", "A1", "0912001111", "2025-03-03"),
                ("HS-2", "A1", "0912002222", "2025-03-04"),
                ("HS-3", "A1", "0912003333", "2025-03-05"),
                ("HS-4", "A1", "0912004040", "2025-03-05"),
                ("HS-STAFF", "A1", "0912009999", "2025-03-06"),
                ("HS-OLD", "A1", "0912004444", "2025-01-10"),
                ("HS-B", "A2", "0912006666", "2025-03-07"),
                .. Enumerable.Range(1, 6).Select(i => ($"HS-AG{i}", "A1", "0912005555", $"2025-03-{i + 7:D2}")),
            ]);
        await Host.ExecuteAsync("INSERT INTO staff_phones (agency_id, phone) SELECT id, '+84912009999' FROM agencies WHERE code = 'A1'");
    }

    public async ValueTask DisposeAsync() => await Host.DisposeAsync();
}

/// <summary>The dossier check of invitation-free chats over HTTP (Direct Line) and PostgreSQL.</summary>
public sealed class DossierVerificationTests(DossierVerificationFixture fixture) : IClassFixture<DossierVerificationFixture>
{
    private const string AskCode = "Mã hồ sơ (in trên giấy hẹn trả kết quả)";
    private const string SmsIntro = "tối đa 7 câu hỏi";
    private const string FullIntro = "tối đa 29 câu hỏi";
    private readonly AgencyChatHost _host = fixture.Host;

    [Fact]
    public async Task Verified_Should_BindTheBallotToTheDossierAndItsWavesQuestionnaire_When_CodeAndDigitsMatch()
    {
        using var citizen = _host.NewCitizen();
        var greeting = Assert.Single(await citizen.OpenAsync());
        Assert.Contains(AskCode, Citizen.Text(greeting), StringComparison.Ordinal);
        Assert.Equal(["0"], Citizen.Values(greeting));

        // The code as a phone keyboard types it (lower case), then the digits.
        Assert.Contains("4 số cuối", Citizen.Text(Assert.Single(await citizen.SayAsync("hs-1"))), StringComparison.Ordinal);
        var replies = await citizen.SayAsync("1111");

        Assert.Equal("Đã xác minh hồ sơ. Cảm ơn Ông/Bà!", Citizen.Text(replies[0]));
        Assert.Contains(SmsIntro, Citizen.Text(replies[1]), StringComparison.Ordinal);
        Assert.StartsWith("Câu 1/7", Citizen.Text(replies[^1]), StringComparison.Ordinal);

        // The ballot is claimed at once, and every row names the wave's questionnaire.
        var sms = await _host.ScalarAsync<long>("SELECT id FROM questionnaires WHERE code = 'sipas-sms' ORDER BY version DESC LIMIT 1");
        var dossier = await _host.ScalarAsync<long>("SELECT id FROM transactions WHERE dossier_code = 'HS-1'");
        Assert.Equal(
            $"verified|{fixture.WaveId}|{dossier}|{sms}|partial",
            await _host.ScalarAsync<string>(
                "SELECT concat_ws('|', provenance, wave_id, transaction_id, questionnaire_id, status) FROM responses WHERE conversation_id = $1",
                citizen.ConversationId!));
        Assert.Equal(sms, await _host.ScalarAsync<long>("SELECT questionnaire_id FROM conversations WHERE id = $1", citizen.ConversationId!));
        Assert.Equal(
            $"{fixture.WaveId}|{sms}",
            await _host.ScalarAsync<string>("SELECT concat_ws('|', wave_id, questionnaire_id) FROM directline_conversations WHERE id = $1", citizen.ConversationId!));

        Assert.Equal(7, await citizen.AnswerAllAsync(n => 4, TimeSpan.FromSeconds(10)));
        Assert.Equal("completed", await _host.ScalarAsync<string>("SELECT status FROM responses WHERE conversation_id = $1", citizen.ConversationId!));
        Assert.Equal(7L, await _host.ScalarAsync<long>(
            "SELECT count(*) FROM answers a JOIN responses r ON r.id = a.response_id WHERE r.conversation_id = $1", citizen.ConversationId!));

        using var listed = await _host.Admin.GetAsync($"/api/admin/waves/{fixture.WaveId}/responses", TestContext.Current.CancellationToken);
        var responses = JsonDocument.Parse(await listed.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).RootElement;
        var verified = Assert.Single(responses.EnumerateArray(), r => r.GetProperty("provenance").GetString() == "verified"
            && r.GetProperty("answers").GetArrayLength() == 7);
        Assert.Equal(JsonValueKind.Null, verified.GetProperty("invitationId").ValueKind);
        Assert.Empty(verified.GetProperty("flags").EnumerateArray());
    }

    [Fact]
    public async Task Open_Should_FollowTwoTriesThatMatchNothing_When_NeitherSaysWhichPartWasWrong()
    {
        using var citizen = _host.NewCitizen();
        await citizen.OpenAsync();

        await citizen.SayAsync("HS-NONE");
        var first = Assert.Single(await citizen.SayAsync("1111"));
        Assert.Contains("chưa khớp", Citizen.Text(first), StringComparison.Ordinal);
        Assert.Equal(["0"], Citizen.Values(first));

        // The right code with the wrong digits gets the same kind of answer: nothing tells which was wrong.
        await citizen.SayAsync("HS-3");
        var second = await citizen.SayAsync("3334");
        Assert.Contains("Chưa xác minh được hồ sơ", Citizen.Text(second[0]), StringComparison.Ordinal);
        foreach (var reply in new[] { first, second[0] })
        {
            Assert.DoesNotContain("điện thoại", Citizen.Text(reply), StringComparison.Ordinal);
            Assert.DoesNotContain("không đúng", Citizen.Text(reply), StringComparison.Ordinal);
        }

        Assert.Contains(FullIntro, Citizen.Text(second[1]), StringComparison.Ordinal);

        await citizen.SayAsync("5");
        Assert.Equal($"open|{fixture.WaveId}||", await ResponseAsync(citizen));
        // The open questionnaire (WebChat:Questionnaire) in its newest version.
        Assert.Equal("sipas-full v2", await QuestionnaireCodeAsync(citizen));
        // HS-3 stays free for its own ballot.
        Assert.Equal(0L, await _host.ScalarAsync<long>(
            "SELECT count(*) FROM responses r JOIN transactions t ON t.id = r.transaction_id WHERE t.dossier_code = 'HS-3'"));
    }

    [Fact]
    public async Task Skip_Should_GoOnWithTheOpenQuestionnaire_When_ChosenInsteadOfTheCode()
    {
        using var citizen = _host.NewCitizen();
        await citizen.OpenAsync();

        var replies = await citizen.SayAsync("0");

        Assert.Contains("không tính vào kết quả chính thức", Citizen.Text(replies[0]), StringComparison.Ordinal);
        Assert.Contains(FullIntro, Citizen.Text(replies[1]), StringComparison.Ordinal);
        await citizen.SayAsync("4");
        Assert.Equal($"open|{fixture.WaveId}||", await ResponseAsync(citizen));
    }

    [Fact]
    public async Task Open_Should_BelongToNoWave_When_TheAgencyHasNoRunningWave()
    {
        // An open ballot is kept apart in its agency's running wave (the tests above); A2 has none.
        using var citizen = _host.NewCitizen("10.0.0.9");
        await citizen.OpenAsync("A2");

        await citizen.SayAsync("0");
        await citizen.SayAsync("4");

        Assert.Equal("open|||", await ResponseAsync(citizen));
    }

    [Fact]
    public async Task AnsweredDossier_Should_BeRefusedPolitely_When_AnotherChatNamesItInTheSameWave()
    {
        using var first = _host.NewCitizen("10.0.0.2");
        await first.OpenAsync();
        await first.SayAsync("HS-2");
        Assert.Equal("Đã xác minh hồ sơ. Cảm ơn Ông/Bà!", Citizen.Text((await first.SayAsync("2222"))[0]));

        using var second = _host.NewCitizen("10.0.0.3");
        await second.OpenAsync();
        await second.SayAsync("HS-2");
        var refused = Assert.Single(await second.SayAsync("2222"));
        Assert.Contains("mỗi hồ sơ chỉ được đánh giá một lần", Citizen.Text(refused), StringComparison.Ordinal);

        // Nothing more starts: any later message hears the same, and no second ballot exists.
        Assert.Equal(Citizen.Text(refused), Citizen.Text(Assert.Single(await second.SayAsync("5"))));
        Assert.Equal(1L, await _host.ScalarAsync<long>(
            "SELECT count(*) FROM responses r JOIN transactions t ON t.id = r.transaction_id WHERE t.dossier_code = 'HS-2'"));
        Assert.Equal(0L, await _host.ScalarAsync<long>("SELECT count(*) FROM responses WHERE conversation_id = $1", second.ConversationId!));
    }

    [Fact]
    public async Task Dossier_Should_GetOneBallot_When_TwoChatsVerifyItAtTheSameMoment()
    {
        using var left = _host.NewCitizen("10.0.0.4");
        using var right = _host.NewCitizen("10.0.0.5");
        foreach (var citizen in new[] { left, right })
        {
            await citizen.OpenAsync();
            await citizen.SayAsync("HS-4");
        }

        var replies = await Task.WhenAll(left.SayAsync("4040"), right.SayAsync("4040"));

        var firsts = replies.Select(r => Citizen.Text(r[0])).ToList();
        Assert.Single(firsts, t => t == "Đã xác minh hồ sơ. Cảm ơn Ông/Bà!");
        Assert.Single(firsts, t => t.Contains("mỗi hồ sơ chỉ được đánh giá một lần", StringComparison.Ordinal));
        Assert.Equal(1L, await _host.ScalarAsync<long>(
            "SELECT count(*) FROM responses r JOIN transactions t ON t.id = r.transaction_id WHERE t.dossier_code = 'HS-4'"));
    }

    [Fact]
    public async Task InvitedDossier_Should_BePointedToItsInvitation_When_NamedInAnInvitationFreeChat()
    {
        Assert.Equal(1L, await _host.ScalarAsync<long>(
            "SELECT count(*) FROM invitations i JOIN transactions t ON t.id = i.transaction_id WHERE t.dossier_code = 'HS-INV' AND i.wave_id = $1",
            fixture.WaveId));
        using var citizen = _host.NewCitizen();
        await citizen.OpenAsync();
        await citizen.SayAsync("HS-INV");

        var reply = Assert.Single(await citizen.SayAsync("0100"));

        Assert.Contains("đường dẫn trong tin nhắn mời", Citizen.Text(reply), StringComparison.Ordinal);
        Assert.Equal(0L, await _host.ScalarAsync<long>("SELECT count(*) FROM responses WHERE conversation_id = $1", citizen.ConversationId!));
        Assert.Equal(Citizen.Text(reply), Citizen.Text(Assert.Single(await citizen.SayAsync("5"))));
    }

    [Theory]
    [InlineData("HS-STAFF", "9999")] // a staff phone of the agency
    [InlineData("HS-AG1", "5555")] // a phone on six of the agency's dossiers (an agent)
    [InlineData("HS-OLD", "4444")] // a result outside every running wave's period
    [InlineData("HS-B", "6666")] // another agency's dossier
    public async Task Dossier_Should_NotBeVerified_When_ItIsNotEligible(string code, string digits)
    {
        using var citizen = _host.NewCitizen();
        await citizen.OpenAsync();

        await citizen.SayAsync(code);
        Assert.Contains("chưa khớp", Citizen.Text(Assert.Single(await citizen.SayAsync(digits))), StringComparison.Ordinal);
        await citizen.SayAsync(code);
        var replies = await citizen.SayAsync(digits);

        Assert.Contains("Chưa xác minh được hồ sơ", Citizen.Text(replies[0]), StringComparison.Ordinal);
        await citizen.SayAsync("5");
        Assert.Equal($"open|{fixture.WaveId}||", await ResponseAsync(citizen));
    }

    private async Task<string> ResponseAsync(Citizen citizen) => await _host.ScalarAsync<string>(
        "SELECT concat(provenance, '|', wave_id, '|', transaction_id, '|', invitation_id) FROM responses WHERE conversation_id = $1",
        citizen.ConversationId!);

    private async Task<string> QuestionnaireCodeAsync(Citizen citizen) => await _host.ScalarAsync<string>(
        "SELECT q.code || ' v' || q.version FROM responses r JOIN questionnaires q ON q.id = r.questionnaire_id WHERE r.conversation_id = $1",
        citizen.ConversationId!);
}
