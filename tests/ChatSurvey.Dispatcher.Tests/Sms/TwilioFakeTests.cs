using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using ChatSurvey.TestSupport.Twilio;
using Twilio.Security;

namespace ChatSurvey.Dispatcher.Tests.Sms;

/// <summary>
/// The fake speaks Twilio's wire format, checked with plain HTTP (the gateway tests go through the SDK). Its clock
/// stands at 10 March 2026, 09:15 UTC.
/// </summary>
public sealed class TwilioFakeTests : IAsyncLifetime
{
    private readonly ManualClock _clock = new(new DateTimeOffset(2026, 3, 10, 9, 15, 0, TimeSpan.Zero));
    private TwilioFake _fake = null!;
    private HttpClient _http = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private string Messages => $"/2010-04-01/Accounts/{_fake.AccountSid}/Messages.json";

    public async ValueTask InitializeAsync()
    {
        _fake = await TwilioFake.StartAsync(new TwilioFakeOptions { MaxPageSize = 2, TimeProvider = _clock }, Ct);
        _http = Client(_fake.AccountSid, _fake.AuthToken);
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _fake.DisposeAsync();
    }

    [Fact]
    public async Task Post_Should_Answer201WithTwilioMessageResource_When_TheMessageIsValid()
    {
        using var response = await PostAsync(_http, ("To", "+84912345678"), ("From", "+15005550006"), ("Body", "Xin chao"),
            ("StatusCallback", "http://127.0.0.1:5080/api/sms/twilio/status"));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        using var json = await JsonAsync(response);
        var message = json.RootElement;
        var sid = message.GetProperty("sid").GetString()!;
        Assert.Matches("^SM[0-9a-f]{32}$", sid);
        Assert.Equal("queued", message.GetProperty("status").GetString());
        Assert.Equal("+84912345678", message.GetProperty("to").GetString());
        Assert.Equal("+15005550006", message.GetProperty("from").GetString());
        Assert.Equal("Xin chao", message.GetProperty("body").GetString());
        Assert.Equal("1", message.GetProperty("num_segments").GetString());
        Assert.Equal("outbound-api", message.GetProperty("direction").GetString());
        Assert.Equal("2010-04-01", message.GetProperty("api_version").GetString());
        Assert.Equal(_fake.AccountSid, message.GetProperty("account_sid").GetString());
        Assert.Equal(JsonValueKind.Null, message.GetProperty("error_code").ValueKind);
        Assert.Equal(JsonValueKind.Null, message.GetProperty("date_sent").ValueKind);
        Assert.Equal("Tue, 10 Mar 2026 09:15:00 +0000", message.GetProperty("date_created").GetString());
        Assert.Equal($"/2010-04-01/Accounts/{_fake.AccountSid}/Messages/{sid}.json", message.GetProperty("uri").GetString());

        using var fetched = await _http.GetAsync(message.GetProperty("uri").GetString(), Ct);
        Assert.Equal(HttpStatusCode.OK, fetched.StatusCode);
        using var again = await JsonAsync(fetched);
        Assert.Equal(sid, again.RootElement.GetProperty("sid").GetString());
    }

    [Theory]
    [InlineData(null, "+15005550006", "hi", 21604)]
    [InlineData("+84912345678", null, "hi", 21603)]
    [InlineData("+84912345678", "+15005550006", null, 21602)]
    [InlineData("0912345678", "+15005550006", "hi", 21211)]
    public async Task Post_Should_Answer400WithTwilioCode_When_AFieldIsMissingOrInvalid(string? to, string? from, string? body, int code)
    {
        var fields = new List<(string, string)>();
        if (to is not null)
            fields.Add(("To", to));
        if (from is not null)
            fields.Add(("From", from));
        if (body is not null)
            fields.Add(("Body", body));

        using var response = await PostAsync(_http, [.. fields]);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var json = await JsonAsync(response);
        Assert.Equal(code, json.RootElement.GetProperty("code").GetInt32());
        Assert.Equal(400, json.RootElement.GetProperty("status").GetInt32());
        Assert.Equal($"https://www.twilio.com/docs/errors/{code}", json.RootElement.GetProperty("more_info").GetString());
        Assert.False(string.IsNullOrEmpty(json.RootElement.GetProperty("message").GetString()));
        Assert.Equal(0, _fake.AcceptedCount);
    }

    [Theory]
    [InlineData(false, "x")]
    [InlineData(true, "wrong-token")]
    public async Task Request_Should_Answer401TwilioError_When_CredentialsAreMissingOrWrong(bool sendCredentials, string token)
    {
        using var client = sendCredentials ? Client(_fake.AccountSid, token) : new HttpClient { BaseAddress = _fake.BaseUrl };

        using var response = await PostAsync(client, ("To", "+84912345678"), ("From", "+15005550006"), ("Body", "hi"));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        using var json = await JsonAsync(response);
        Assert.Equal(20003, json.RootElement.GetProperty("code").GetInt32());
        Assert.Equal(401, json.RootElement.GetProperty("status").GetInt32());
        Assert.Empty(_fake.Messages);
    }

    [Fact]
    public async Task Get_Should_Answer404_When_TheSidIsUnknown()
    {
        using var response = await _http.GetAsync($"/2010-04-01/Accounts/{_fake.AccountSid}/Messages/SM00000000000000000000000000000000.json", Ct);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        using var json = await JsonAsync(response);
        Assert.Equal(20404, json.RootElement.GetProperty("code").GetInt32());
    }

    [Theory]
    [InlineData(160, 'a', "1")]
    [InlineData(161, 'a', "2")]
    [InlineData(70, 'đ', "1")]
    [InlineData(71, 'đ', "2")]
    public async Task Post_Should_CountSegmentsLikeTwilio_When_TextIsGsm7OrUcs2(int length, char letter, string segments)
    {
        using var response = await PostAsync(_http, ("To", "+84912345678"), ("From", "+15005550006"), ("Body", new string(letter, length)));

        using var json = await JsonAsync(response);
        Assert.Equal(segments, json.RootElement.GetProperty("num_segments").GetString());
    }

    [Fact]
    public async Task List_Should_PageNewestFirstAndFilterByTo_When_FollowingNextPageUri()
    {
        for (var i = 0; i < 3; i++)
            (await PostAsync(_http, ("To", "+84912345678"), ("From", "+15005550006"), ("Body", $"m{i}"))).Dispose();
        (await PostAsync(_http, ("To", "+84987654321"), ("From", "+15005550006"), ("Body", "other"))).Dispose();

        var bodies = new List<string>();
        string? next = $"{Messages}?To={Uri.EscapeDataString("+84912345678")}&{Uri.EscapeDataString("DateSent>")}=2020-01-01";
        var pages = 0;
        while (next is not null)
        {
            using var response = await _http.GetAsync(next, Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            using var json = await JsonAsync(response);
            var page = json.RootElement;
            Assert.Equal(pages, page.GetProperty("page").GetInt32());
            Assert.Equal(2, page.GetProperty("page_size").GetInt32());
            Assert.True(page.TryGetProperty("first_page_uri", out _));
            bodies.AddRange(page.GetProperty("messages").EnumerateArray().Select(m => m.GetProperty("body").GetString()!));
            next = page.GetProperty("next_page_uri").GetString();
            pages++;
        }

        Assert.Equal(2, pages);
        Assert.Equal(["m2", "m1", "m0"], bodies);
    }

    [Fact]
    public async Task List_Should_ReturnNothing_When_DateSentIsAfterEveryMessage()
    {
        (await PostAsync(_http, ("To", "+84912345678"), ("From", "+15005550006"), ("Body", "m"))).Dispose();
        using var response = await _http.GetAsync($"{Messages}?{Uri.EscapeDataString("DateSent>")}=2026-03-11", Ct);

        using var json = await JsonAsync(response);
        Assert.Empty(json.RootElement.GetProperty("messages").EnumerateArray());
        Assert.Equal(JsonValueKind.Null, json.RootElement.GetProperty("next_page_uri").ValueKind);
    }

    [Fact]
    public void TwilioSignature_Should_MatchTwilioPublishedExample_When_SigningAForm()
    {
        // The vector Twilio's own SDK tests RequestValidator with.
        var form = new Dictionary<string, string>
        {
            ["CallSid"] = "CA1234567890ABCDE",
            ["From"] = "+14158675309",
            ["Digits"] = "1234",
            ["To"] = "+18005551212",
            ["Caller"] = "+14158675309",
        };

        Assert.Equal("RSOYDt4T1cUTdK1PDd93/VVr8B8=", TwilioSignature.Compute("12345", "https://mycompany.com/myapp.php?foo=1&bar=2", form));
    }

    [Theory]
    [InlineData("http://127.0.0.1:5080/api/sms/twilio", "Body", "Rất hài lòng 5")]
    [InlineData("https://survey.example.vn/api/sms/twilio?x=1", "Body", "")]
    [InlineData("http://localhost/api/sms/twilio", "From", "+84912345678")]
    public void TwilioSignature_Should_BeAcceptedByTheSdkValidator_When_SigningAnInboundWebhook(string url, string key, string value)
    {
        var form = new Dictionary<string, string>
        {
            ["MessageSid"] = "SM0123456789abcdef0123456789abcdef",
            ["AccountSid"] = "AC0123456789abcdef0123456789abcdef",
            ["To"] = "+15005550006",
            [key] = value,
        };

        var signature = TwilioSignature.Compute("token-123", url, form);

        Assert.True(new RequestValidator("token-123").Validate(url, form, signature));
    }

    [Fact]
    public async Task FailNext_Should_FailOnlyTheGivenNumberOfRequests_When_Injected()
    {
        _fake.FailNext(2, 429);

        using var first = await PostAsync(_http, ("To", "+84912345678"), ("From", "+15005550006"), ("Body", "a"));
        using var second = await PostAsync(_http, ("To", "+84912345678"), ("From", "+15005550006"), ("Body", "a"));
        using var third = await PostAsync(_http, ("To", "+84912345678"), ("From", "+15005550006"), ("Body", "a"));

        Assert.Equal([HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests, HttpStatusCode.Created],
            [first.StatusCode, second.StatusCode, third.StatusCode]);
        using var json = await JsonAsync(first);
        Assert.Equal(20429, json.RootElement.GetProperty("code").GetInt32());
        Assert.Equal(1, _fake.AcceptedCount);
        Assert.Equal(3, _fake.RequestCount);
    }

    private Task<HttpResponseMessage> PostAsync(HttpClient client, params (string Key, string Value)[] fields) =>
        client.PostAsync(Messages, new FormUrlEncodedContent(fields.Select(f => new KeyValuePair<string, string>(f.Key, f.Value))), Ct);

    private static async Task<JsonDocument> JsonAsync(HttpResponseMessage response)
    {
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct));
    }

    private HttpClient Client(string user, string password)
    {
        var client = new HttpClient { BaseAddress = _fake.BaseUrl };
        client.DefaultRequestHeaders.Authorization =
            new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));
        return client;
    }
}
