using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ChatSurvey.TestSupport;
using Npgsql;

namespace ChatSurvey.BotHost.Tests.Admin;

/// <summary>BotHost on a fresh database of its own, with an admin client (<c>X-Api-Key</c>) and catalogue helpers.</summary>
internal sealed class AdminApiHost : IAsyncDisposable
{
    private AdminApiHost(TestDatabase database, BotHostFactory factory, HttpClient client)
    {
        Database = database;
        Factory = factory;
        Client = client;
    }

    public TestDatabase Database { get; }

    public BotHostFactory Factory { get; }

    public HttpClient Client { get; }

    public NpgsqlDataSource DataSource => Database.DataSource;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public static Task<AdminApiHost> StartAsync(params (string Key, string? Value)[] settings) => StartAsync(null, settings);

    /// <summary>The host on <paramref name="clock"/> (the system's when null).</summary>
    public static async Task<AdminApiHost> StartAsync(TimeProvider? clock, params (string Key, string? Value)[] settings)
    {
        var database = await (await PostgresServer.GetAsync()).CreateDatabaseAsync();
        // No Hangfire server in the test host: nothing sends or imports behind a test's back; tests run jobs themselves.
        var factory = new BotHostFactory(database.ConnectionString,
        [
            new("Storage:SeedDemoData", "false"),
            new("Dispatcher:Enabled", "false"),
            new("WebChat:TokenSigningKey", "admin-api-tests-signing-key-0123456789abcdef"),
            .. settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)),
        ], clock);
        var client = factory.CreateClient();
        client.DefaultRequestHeaders.Add("X-Api-Key", BotHostFactory.AdminKey);
        return new AdminApiHost(database, factory, client);
    }

    /// <summary>Agencies <c>A1</c>, <c>A2</c> and procedure <c>P1</c>, created through the catalogue API.</summary>
    public async Task SeedCatalogueAsync()
    {
        await PostCreatedAsync("/api/admin/agencies", new { code = "A1", name = "Sở Tư pháp", kind = "department" });
        await PostCreatedAsync("/api/admin/agencies", new { code = "A2", name = "UBND quận Lê Chân", kind = "district" });
        await PostCreatedAsync("/api/admin/procedures", new { code = "P1", name = "Đăng ký khai sinh" });
    }

    public async Task PostCreatedAsync(string path, object body)
    {
        using var response = await Client.PostAsJsonAsync(path, body, Cancel);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    public async Task<(HttpStatusCode Status, JsonElement Body)> PostAsync(string path, object? body = null)
    {
        using var response = body is null
            ? await Client.PostAsync(path, null, Cancel)
            : await Client.PostAsJsonAsync(path, body, Cancel);
        return (response.StatusCode, await ReadAsync(response));
    }

    public async Task<(HttpStatusCode Status, JsonElement Body)> GetAsync(string path)
    {
        using var response = await Client.GetAsync(path, Cancel);
        return (response.StatusCode, await ReadAsync(response));
    }

    public Task<T> ScalarAsync<T>(string sql, params object[] parameters) => DataSource.ScalarAsync<T>(sql, parameters, Cancel);

    public Task ExecuteAsync(string sql, params object[] parameters) => DataSource.ExecuteAsync(sql, parameters, Cancel);

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Factory.DisposeAsync();
        await Database.DisposeAsync();
    }

    private static async Task<JsonElement> ReadAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync(Cancel);
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }
}
