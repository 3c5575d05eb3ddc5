using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using ChatSurvey.TestSupport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace ChatSurvey.BotHost.Tests.WebChat;

/// <summary>
/// BotHost on a fresh database with a fake clock and per-request client addresses (header <see cref="AddressHeader"/>),
/// for invitation-free chats: each <see cref="Citizen"/> is a client of its own with its own cookies, handled by hand so
/// the fake clock decides what expires.
/// </summary>
internal sealed class AgencyChatHost : IAsyncDisposable
{
    public const string AddressHeader = "X-Test-Client-Address";
    public const string AuthToken = "agency-chat-tests-twilio-auth-token";
    private readonly BotHostFactory _baseFactory;

    private AgencyChatHost(TestDatabase database, BotHostFactory baseFactory, WebApplicationFactory<Program> factory, FakeTimeProvider clock)
    {
        Database = database;
        _baseFactory = baseFactory;
        Factory = factory;
        Clock = clock;
        Admin = factory.CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = false });
        Admin.DefaultRequestHeaders.Add("X-Api-Key", BotHostFactory.AdminKey);
    }

    public TestDatabase Database { get; }

    public WebApplicationFactory<Program> Factory { get; }

    public FakeTimeProvider Clock { get; }

    public HttpClient Admin { get; }

    public NpgsqlDataSource DataSource => Database.DataSource;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    /// <summary>Starts the host at <paramref name="now"/> with the given extra settings; no demo data, no Hangfire server.</summary>
    public static async Task<AgencyChatHost> StartAsync(DateTimeOffset now, params (string Key, string? Value)[] settings)
    {
        var database = await (await PostgresServer.GetAsync()).CreateDatabaseAsync();
        var clock = new FakeTimeProvider(now);
        var baseFactory = new BotHostFactory(database.ConnectionString,
        [
            new("Storage:SeedDemoData", "false"),
            new("Dispatcher:Enabled", "false"),
            new("WebChat:TokenSigningKey", DirectLineProtocolTests.SigningKey),
            new("Twilio:AuthToken", AuthToken),
            .. settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)),
        ]);
        var factory = baseFactory.WithWebHostBuilder(builder => builder.ConfigureTestServices(services =>
        {
            services.AddSingleton<TimeProvider>(clock);
            services.AddSingleton<IStartupFilter, ClientAddressFilter>();
        }));
        return new AgencyChatHost(database, baseFactory, factory, clock);
    }

    /// <summary>A browser at <paramref name="address"/>, with no cookies yet.</summary>
    public Citizen NewCitizen(string address = "10.0.0.1") => new(this, address);

    public async Task PostCreatedAsync(string path, object body)
    {
        using var response = await Admin.PostAsJsonAsync(path, body, Cancel);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    /// <summary>Agencies A1 and A2 and procedure P1, through the catalogue API.</summary>
    public async Task SeedCatalogueAsync()
    {
        await PostCreatedAsync("/api/admin/agencies", new { code = "A1", name = "Sở Tư pháp", kind = "department" });
        await PostCreatedAsync("/api/admin/agencies", new { code = "A2", name = "UBND phường Lê Chân", kind = "commune" });
        await PostCreatedAsync("/api/admin/procedures", new { code = "P1", name = "Cấp phiếu lý lịch tư pháp" });
    }

    /// <summary>Completed procedures through the transactions API: (dossier, agency, phone, result date).</summary>
    public async Task ImportAsync(params (string Dossier, string Agency, string Phone, string Date)[] rows)
    {
        using var response = await Admin.PostAsJsonAsync("/api/admin/transactions",
            rows.Select(r => new { dossierCode = r.Dossier, agencyCode = r.Agency, procedureCode = "P1", phone = r.Phone, resultDate = r.Date }).ToArray(),
            Cancel);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var report = await response.Content.ReadFromJsonAsync<JsonElement>(Cancel);
        Assert.Equal(rows.Length, report.GetProperty("accepted").GetInt32());
    }

    /// <summary>Creates and starts a wave over March 2025 for A1 (target 1, every eligible transaction drawn up to it).</summary>
    public async Task<long> StartWaveAsync(string questionnaire)
    {
        using var created = await Admin.PostAsJsonAsync("/api/admin/waves", new
        {
            name = "Đợt tháng 3/2025",
            questionnaire,
            resultsFrom = "2025-03-01",
            resultsTo = "2025-03-31",
            agencies = new[] { new { agencyCode = "A1", target = 1 } },
            expectedResponseRate = 1.0,
            seed = 7,
        }, Cancel);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.Content.ReadFromJsonAsync<JsonElement>(Cancel)).GetProperty("id").GetInt64();
        using var started = await Admin.PostAsync($"/api/admin/waves/{id}/start", null, Cancel);
        Assert.Equal(HttpStatusCode.OK, started.StatusCode);
        return id;
    }

    public Task<T> ScalarAsync<T>(string sql, params object[] parameters) => DataSource.ScalarAsync<T>(sql, parameters, Cancel);

    public Task ExecuteAsync(string sql, params object[] parameters) => DataSource.ExecuteAsync(sql, parameters, Cancel);

    public async ValueTask DisposeAsync()
    {
        Admin.Dispose();
        await Factory.DisposeAsync();
        await _baseFactory.DisposeAsync();
        await Database.DisposeAsync();
    }

    /// <summary>Sets <c>Connection.RemoteIpAddress</c> from the test header, before anything else sees the request.</summary>
    private sealed class ClientAddressFilter : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, nextMiddleware) =>
            {
                if (IPAddress.TryParse(context.Request.Headers[AddressHeader].ToString(), out var address))
                    context.Connection.RemoteIpAddress = address;
                return nextMiddleware(context);
            });
            next(app);
        };
    }

    /// <summary>One browser: its address, its cookies (kept by hand), and the chat it has open.</summary>
    internal sealed class Citizen : IDisposable
    {
        private readonly AgencyChatHost _host;
        private readonly HttpClient _http;
        private readonly Dictionary<string, string> _cookies = new(StringComparer.Ordinal);
        private int _sent;

        public Citizen(AgencyChatHost host, string address)
        {
            _host = host;
            _http = host.Factory.CreateClient(new WebApplicationFactoryClientOptions { HandleCookies = false });
            _http.DefaultRequestHeaders.Add(AddressHeader, address);
        }

        public string? ConversationId { get; private set; }

        public string? Token { get; private set; }

        /// <summary>The last Set-Cookie header the token endpoint sent, as it came.</summary>
        public string? LastSetCookie { get; private set; }

        public HttpClient Http => _http;

        /// <summary>POST /api/webchat/token for the agency, with this browser's cookies; keeps what it sets.</summary>
        public async Task<HttpResponseMessage> RequestTokenAsync(string agencyCode)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/webchat/token") { Content = JsonContent.Create(new { agencyCode }) };
            if (_cookies.Count > 0)
                request.Headers.Add("Cookie", string.Join("; ", _cookies.Select(c => $"{c.Key}={c.Value}")));
            var response = await _http.SendAsync(request, Cancel);
            if (response.Headers.TryGetValues("Set-Cookie", out var setCookies))
            {
                foreach (var setCookie in setCookies)
                {
                    LastSetCookie = setCookie;
                    var pair = setCookie.Split(';', 2)[0].Split('=', 2);
                    _cookies[pair[0]] = pair[1];
                }
            }

            return response;
        }

        /// <summary>Opens the agency's chat as the page does: a token, then the Direct Line start (the greeting).</summary>
        public async Task<IReadOnlyList<JsonElement>> OpenAsync(string agencyCode = "A1")
        {
            using var response = await RequestTokenAsync(agencyCode);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var json = await response.Content.ReadFromJsonAsync<JsonElement>(Cancel);
            Token = json.GetProperty("token").GetString();
            ConversationId = json.GetProperty("conversationId").GetString();
            using var start = Request(HttpMethod.Post, "/v3/directline/conversations");
            using var started = await _http.SendAsync(start, Cancel);
            Assert.Equal(HttpStatusCode.Created, started.StatusCode);
            return await BotMessagesAsync();
        }

        /// <summary>Sends the citizen's message and returns the bot's replies to it.</summary>
        public async Task<IReadOnlyList<JsonElement>> SayAsync(string text)
        {
            var before = (await ActivitiesAsync()).Count;
            using var request = Request(HttpMethod.Post, $"/v3/directline/conversations/{ConversationId}/activities", new
            {
                type = "message",
                text,
                from = new { id = "citizen", role = "user" },
                channelData = new { clientActivityID = $"m{Interlocked.Increment(ref _sent)}" },
            });
            using var response = await _http.SendAsync(request, Cancel);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return (await ActivitiesAsync()).Skip(before).Where(IsBot).ToList();
        }

        /// <summary>Every bot message of the conversation so far, oldest first.</summary>
        public async Task<IReadOnlyList<JsonElement>> BotMessagesAsync() => (await ActivitiesAsync()).Where(IsBot).ToList();

        public async Task<List<JsonElement>> ActivitiesAsync()
        {
            using var request = Request(HttpMethod.Get, $"/v3/directline/conversations/{ConversationId}/activities");
            using var response = await _http.SendAsync(request, Cancel);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var json = await response.Content.ReadFromJsonAsync<JsonElement>(Cancel);
            return json.GetProperty("activities").EnumerateArray().Select(a => a.Clone()).ToList();
        }

        /// <summary>
        /// Answers every question until the survey thanks the citizen: each rating with <paramref name="rating"/> (by
        /// question number), "Không" at a yes/no, the first option of a choice, "Bỏ qua" where allowed, and moves the
        /// fake clock <paramref name="pause"/> before each answer. Returns the number of answers sent.
        /// </summary>
        public async Task<int> AnswerAllAsync(Func<int, int> rating, TimeSpan pause)
        {
            var last = (await BotMessagesAsync())[^1];
            for (var sent = 0; sent < 60; sent++)
            {
                var values = Values(last);
                if (values.Count == 0)
                    return sent;
                _host.Clock.Advance(pause);
                var answer = values.Contains("5") ? rating(sent).ToString(System.Globalization.CultureInfo.InvariantCulture)
                    : values.Contains("no") ? "no"
                    : values.Contains("0") ? "0"
                    : values[0];
                var replies = await SayAsync(answer);
                last = replies[^1];
            }

            throw new InvalidOperationException("The survey did not end after 60 answers.");
        }

        public static string Text(JsonElement activity) => activity.GetProperty("text").GetString()!;

        /// <summary>The values of an activity's buttons (empty when it has none).</summary>
        public static List<string> Values(JsonElement activity) =>
            activity.TryGetProperty("suggestedActions", out var actions)
                ? actions.GetProperty("actions").EnumerateArray().Select(a => a.GetProperty("text").GetString()!).ToList()
                : [];

        public void Dispose() => _http.Dispose();

        private static bool IsBot(JsonElement activity) =>
            activity.GetProperty("from").GetProperty("role").GetString() == "bot" && activity.GetProperty("type").GetString() == "message";

        private HttpRequestMessage Request(HttpMethod method, string url, object? body = null)
        {
            var request = new HttpRequestMessage(method, url);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
            if (body is not null)
                request.Content = JsonContent.Create(body);
            return request;
        }
    }
}
