using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ChatSurvey.BotHost.Tests.WebChat;
using ChatSurvey.TestSupport.Twilio;

namespace ChatSurvey.BotHost.Tests.RateLimiting;

/// <summary>
/// Each rate limit, configured at 2: the third request of one client gets 429 with Retry-After and a problem body,
/// while another client (address, agency or phone) still gets through.
/// </summary>
public sealed class RateLimitTests : IAsyncLifetime
{
    private AgencyChatHost _host = null!;
    private int _sid;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        // The clock starts at the real time: an invitation's expiry is computed by the sender's clock and checked by
        // the database's, and the limiters themselves run on real time.
        _host = await AgencyChatHost.StartAsync(
            DateTimeOffset.UtcNow,
            ("RateLimits:TokensPerAddressPerMinute", "2"),
            ("RateLimits:StartsPerAgencyPerHour", "2"),
            ("RateLimits:InvitationPagesPerAddressPerMinute", "2"),
            ("RateLimits:SmsPerPhonePerMinute", "2"),
            ("RateLimits:PublicRequestsPerAddressPerMinute", "2"));
        await _host.SeedCatalogueAsync();
    }

    public async ValueTask DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Tokens_Should_Get429PerAddress_When_OneAddressAsksTooOften()
    {
        Assert.Equal(HttpStatusCode.OK, await TokenStatusAsync("10.1.0.1", "A1"));
        Assert.Equal(HttpStatusCode.OK, await TokenStatusAsync("10.1.0.1", "A2"));

        using (var citizen = _host.NewCitizen("10.1.0.1"))
        using (var refused = await citizen.RequestTokenAsync("A2"))
            await AssertTooManyAsync(refused);

        Assert.Equal(HttpStatusCode.OK, await TokenStatusAsync("10.1.0.2", "A2"));
        Assert.Equal(2L, await _host.ScalarAsync<long>("SELECT count(*) FROM directline_conversations WHERE agency_id = (SELECT id FROM agencies WHERE code = 'A2')"));
    }

    [Fact]
    public async Task Starts_Should_Get429PerAgency_When_OneAgencyStartsTooMany()
    {
        using var first = _host.NewCitizen("10.2.0.1");
        await first.OpenAsync("A1");
        Assert.Equal(HttpStatusCode.OK, await TokenStatusAsync("10.2.0.2", "A1"));

        using (var third = _host.NewCitizen("10.2.0.3"))
        using (var refused = await third.RequestTokenAsync("A1"))
            await AssertTooManyAsync(refused);

        // Another agency starts as usual, and resuming today's conversation is not a start.
        Assert.Equal(HttpStatusCode.OK, await TokenStatusAsync("10.2.0.3", "A2"));
        var conversation = first.ConversationId;
        await first.OpenAsync("A1");
        Assert.Equal(conversation, first.ConversationId);
        Assert.Equal(2L, await _host.ScalarAsync<long>("SELECT count(*) FROM directline_conversations WHERE agency_id = (SELECT id FROM agencies WHERE code = 'A1')"));
    }

    [Fact]
    public async Task InvitationPages_Should_Get429PerAddress_When_OneAddressLooksUpTooMany()
    {
        using var invited = await _host.Admin.PostAsJsonAsync("/api/admin/invitations",
            new { phone = "0912300001", agencyCode = "A1", procedureCode = "P1", questionnaire = "sipas-full" }, Cancel);
        Assert.Equal(HttpStatusCode.Created, invited.StatusCode);
        var code = (await invited.Content.ReadFromJsonAsync<JsonElement>(Cancel)).GetProperty("code").GetString();

        using var scanner = _host.NewCitizen("10.3.0.1");
        Assert.Equal(HttpStatusCode.NotFound, (await scanner.Http.GetAsync("/s/AAAAAAAAAA", Cancel)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await scanner.Http.GetAsync($"/s/{code}", Cancel)).StatusCode);
        using (var refused = await scanner.Http.GetAsync($"/s/{code}", Cancel))
            await AssertTooManyAsync(refused);

        using var citizen = _host.NewCitizen("10.3.0.2");
        Assert.Equal(HttpStatusCode.OK, (await citizen.Http.GetAsync($"/s/{code}", Cancel)).StatusCode);
    }

    [Fact]
    public async Task OpenData_Should_Get429PerAddress_When_OneAddressDownloadsTooOften()
    {
        // Counted before the wave is looked up: unknown waves spend the budget too, so scanning ids is throttled.
        using var scraper = _host.NewCitizen("10.5.0.1");
        Assert.Equal(HttpStatusCode.NotFound, (await scraper.Http.GetAsync("/api/public/waves/999/answers.csv", Cancel)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await scraper.Http.GetAsync("/api/public/waves/998/answers.csv", Cancel)).StatusCode);
        using (var refused = await scraper.Http.GetAsync("/api/public/waves/999/answers.csv", Cancel))
            await AssertTooManyAsync(refused);

        using var citizen = _host.NewCitizen("10.5.0.2");
        Assert.Equal(HttpStatusCode.NotFound, (await citizen.Http.GetAsync("/api/public/waves/999/answers.csv", Cancel)).StatusCode);
    }

    [Fact]
    public async Task Sms_Should_Get429PerPhoneAndRecordNothing_When_OnePhoneSendsTooFast()
    {
        const string flooding = "+84912400001";
        Assert.Equal(HttpStatusCode.OK, (await SmsAsync(flooding, "5")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SmsAsync(flooding, "5")).StatusCode);

        using (var refused = await SmsAsync(flooding, "5"))
            await AssertTooManyAsync(refused);

        using var other = await SmsAsync("+84912400002", "5");
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        Assert.Contains("<Message>", await other.Content.ReadAsStringAsync(Cancel), StringComparison.Ordinal);
        Assert.Equal(2L, await _host.ScalarAsync<long>("SELECT count(*) FROM inbound_messages WHERE from_address = $1", flooding));
    }

    [Fact]
    public async Task Sms_Should_NotSpendAPhonesBudget_When_PostsAreNotSigned()
    {
        const string phone = "+84912400003";
        for (var i = 0; i < 3; i++)
        {
            using var forged = new HttpRequestMessage(HttpMethod.Post, "/api/sms/twilio") { Content = new FormUrlEncodedContent(Form(phone, "5")) };
            using var response = await _host.Admin.SendAsync(forged, Cancel);
            Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        }

        using var genuine = await SmsAsync(phone, "5");
        Assert.Equal(HttpStatusCode.OK, genuine.StatusCode);
    }

    private async Task<HttpStatusCode> TokenStatusAsync(string address, string agency)
    {
        using var citizen = _host.NewCitizen(address);
        using var response = await citizen.RequestTokenAsync(agency);
        return response.StatusCode;
    }

    private async Task<HttpResponseMessage> SmsAsync(string from, string body)
    {
        using var request = TwilioSignature.SignedPost(AgencyChatHost.AuthToken, "http://localhost/api/sms/twilio", Form(from, body));
        return await _host.Admin.SendAsync(request, Cancel);
    }

    private List<KeyValuePair<string, string>> Form(string from, string body)
    {
        var sid = "SM" + Interlocked.Increment(ref _sid).ToString("x32", System.Globalization.CultureInfo.InvariantCulture);
        return [new("MessageSid", sid), new("From", from), new("To", "+15005550006"), new("Body", body)];
    }

    private static async Task AssertTooManyAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        var retryAfter = Assert.Single(response.Headers.GetValues("Retry-After"));
        Assert.InRange(int.Parse(retryAfter, System.Globalization.CultureInfo.InvariantCulture), 1, 3600);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(Cancel);
        Assert.Equal(429, problem.GetProperty("status").GetInt32());
        Assert.Contains($"{retryAfter} giây", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }
}
