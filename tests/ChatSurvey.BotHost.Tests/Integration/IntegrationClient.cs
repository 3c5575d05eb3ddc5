using System.Net;
using System.Text;
using System.Text.Json;
using ChatSurvey.BotHost.Tests.Admin;
using Microsoft.AspNetCore.Mvc.Testing;

namespace ChatSurvey.BotHost.Tests.Integration;

/// <summary>Integration keys made through the admin API, and clients that call BotHost with one.</summary>
internal static class IntegrationClient
{
    public const string DossiersPath = "/api/integrations/dossiers";

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    /// <summary>Creates a key with <c>POST /api/admin/integration-keys</c> (the admin key) and answers its id and the key.</summary>
    public static async Task<(long Id, string Key)> CreateKeyAsync(this AdminApiHost host, string name = "Một cửa Hải Phòng")
    {
        var (status, body) = await host.PostAsync("/api/admin/integration-keys", new { name });
        Assert.Equal(HttpStatusCode.Created, status);
        return (body.GetProperty("id").GetInt64(), body.GetProperty("key").GetString()!);
    }

    /// <summary>A client that sends <paramref name="key"/> as <c>X-Api-Key</c>, with no cookies and no redirects followed.</summary>
    public static HttpClient KeyClient(this WebApplicationFactory<Program> factory, string? key)
    {
        var client = factory.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });
        if (key is not null)
            client.DefaultRequestHeaders.Add("X-Api-Key", key);
        return client;
    }

    public static async Task<(HttpStatusCode Status, JsonElement Body)> PostDossiersAsync(this HttpClient client, string json)
    {
        using var content = new StringContent(json, Encoding.UTF8, "application/json");
        using var response = await client.PostAsync(DossiersPath, content, Cancel);
        var text = await response.Content.ReadAsStringAsync(Cancel);
        return (response.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    /// <summary>JSON in one canonical spelling (the server escapes ' and non-ASCII letters).</summary>
    public static string Canonical(string json) => JsonSerializer.Serialize(JsonDocument.Parse(json).RootElement);
}
