using System.Net;
using System.Security.Cryptography;
using System.Text;
using ChatSurvey.BotHost.Tests.Admin;
using ChatSurvey.BotHost.Tests.Pages;

namespace ChatSurvey.BotHost.Tests.Integration;

/// <summary>
/// Integration keys: created and revoked through <c>/api/admin/integration-keys</c> and on the accounts page; the key is
/// shown once and only its hash is stored; a revoked key stops working at once.
/// </summary>
public sealed class IntegrationKeysTests : IAsyncLifetime
{
    private const string Dossier = """[{"MaHoSo":"HS-1","MaTTHC":"P1","MaDonVi":"A1","SoDienThoai":"0912000001","NgayTra":"20250301100000"}]""";
    private const string AccountsPage = "/admin/accounts";

    private AdminApiHost _host = null!;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _host = await AdminApiHost.StartAsync();
        await _host.SeedCatalogueAsync();
    }

    public async ValueTask DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Create_Should_Answer201WithTheKeyOnce_And_StoreOnlyItsHashAndPrefix()
    {
        var (status, created) = await _host.PostAsync("/api/admin/integration-keys", new { name = "  Một cửa   Hải Phòng " });

        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal(["id", "key"], created.EnumerateObject().Select(p => p.Name));
        var id = created.GetProperty("id").GetInt64();
        var key = created.GetProperty("key").GetString()!;
        Assert.Matches("^csk_[A-Za-z0-9_-]{43}$", key);

        Assert.Equal(("Một cửa Hải Phòng", key[..12], "api-key"), (
            await _host.ScalarAsync<string>("SELECT name FROM integration_keys WHERE id = $1", id),
            await _host.ScalarAsync<string>("SELECT key_prefix FROM integration_keys WHERE id = $1", id),
            await _host.ScalarAsync<string>("SELECT created_by FROM integration_keys WHERE id = $1", id)));
        Assert.Equal(SHA256.HashData(Encoding.UTF8.GetBytes(key)), await _host.ScalarAsync<byte[]>("SELECT key_hash FROM integration_keys WHERE id = $1", id));
        Assert.False(await _host.ScalarAsync<bool>(
            "SELECT EXISTS (SELECT 1 FROM integration_keys k WHERE row_to_json(k)::text LIKE '%' || $1 || '%')", key[12..]),
            "The key's secret part is stored nowhere.");

        // The list shows the prefix and dates, never the key.
        var (_, list) = await _host.GetAsync("/api/admin/integration-keys");
        var listed = Assert.Single(list.EnumerateArray());
        Assert.Equal((id, key[..12]), (listed.GetProperty("id").GetInt64(), listed.GetProperty("prefix").GetString()));
        Assert.DoesNotContain(key, list.GetRawText(), StringComparison.Ordinal);
        Assert.Equal(System.Text.Json.JsonValueKind.Null, listed.GetProperty("revokedAt").ValueKind);

        // Two keys are two different secrets.
        var (_, second) = await _host.CreateKeyAsync("Một cửa thứ hai");
        Assert.NotEqual(key, second);
    }

    [Fact]
    public async Task Create_Should_Answer400NamingName_When_NameIsMissingOrTooLong()
    {
        foreach (var body in new object[] { new { name = "" }, new { name = (string?)null }, new { name = new string('x', 201) } })
        {
            var (status, problem) = await _host.PostAsync("/api/admin/integration-keys", body);
            Assert.Equal(HttpStatusCode.BadRequest, status);
            Assert.Equal("Required: 1–200 characters, without control characters.", problem.GetProperty("errors").GetProperty("name")[0].GetString());
        }

        Assert.Equal(0L, await _host.ScalarAsync<long>("SELECT count(*) FROM integration_keys"));
    }

    [Fact]
    public async Task Revoke_Should_RefuseTheKeyFromItsNextRequest_And_Answer404ForAnUnknownKey()
    {
        var (id, key) = await _host.CreateKeyAsync();
        using var integration = _host.Factory.KeyClient(key);
        Assert.Equal(HttpStatusCode.OK, (await integration.PostDossiersAsync(Dossier)).Status);

        using (var revoke = await _host.Client.DeleteAsync($"/api/admin/integration-keys/{id}", Cancel))
            Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);
        var revokedAt = await _host.ScalarAsync<string>("SELECT revoked_at::text FROM integration_keys WHERE id = $1", id);
        // Revoking again changes nothing (the first time stays).
        using (var again = await _host.Client.DeleteAsync($"/api/admin/integration-keys/{id}", Cancel))
            Assert.Equal(HttpStatusCode.NoContent, again.StatusCode);
        Assert.Equal(revokedAt, await _host.ScalarAsync<string>("SELECT revoked_at::text FROM integration_keys WHERE id = $1", id));

        Assert.Equal(HttpStatusCode.Unauthorized, (await integration.PostDossiersAsync(Dossier)).Status);

        using var unknown = await _host.Client.DeleteAsync("/api/admin/integration-keys/999999", Cancel);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("application/problem+json", unknown.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task AccountsPage_Should_ShowANewKeyOnce_ListKeysByPrefix_And_RevokeThem()
    {
        using var admin = await _host.Factory.SignedInClientAsync();

        using var create = await admin.PostFormAsync(AccountsPage, [("KeyName", "Hệ thống một cửa Sở Tư pháp")], AccountsPage + "?handler=CreateKey");
        Assert.Equal(HttpStatusCode.OK, create.StatusCode);
        Assert.Contains("no-store", create.Headers.CacheControl?.ToString(), StringComparison.Ordinal);
        var created = await create.ReadPageAsync();
        var key = created.One("#new-key-value").Text();
        Assert.Matches("^csk_[A-Za-z0-9_-]{43}$", key);

        // The key works at once; the page never shows it again, only its prefix, who made it and when it was used.
        using var integration = _host.Factory.KeyClient(key);
        Assert.Equal(HttpStatusCode.OK, (await integration.PostDossiersAsync(Dossier)).Status);
        var page = await admin.GetPageAsync(AccountsPage);
        Assert.DoesNotContain(key, page.Source, StringComparison.Ordinal);
        Assert.Empty(page.All("#new-key-value"));
        var row = Assert.Single(PageForms.TableRows(page, "integration-keys-table"));
        Assert.StartsWith($"Hệ thống một cửa Sở Tư pháp | {key[..12]}… | {BotHostFactory.AdminUser} | ", row, StringComparison.Ordinal);
        Assert.EndsWith("| Đang dùng | Thu hồi", row, StringComparison.Ordinal);
        Assert.DoesNotContain("| chưa |", row, StringComparison.Ordinal);

        var id = await _host.ScalarAsync<long>("SELECT id FROM integration_keys");
        using var revoke = await admin.SubmitFormAsync($"{AccountsPage}?handler=RevokeKey&id={id}", page);
        Assert.Equal(HttpStatusCode.Redirect, revoke.StatusCode);
        var after = await admin.GetPageAsync(AccountsPage);
        Assert.Contains("Đã thu hồi khoá tích hợp.", after.Text, StringComparison.Ordinal);
        Assert.Contains("| Đã thu hồi ", Assert.Single(PageForms.TableRows(after, "integration-keys-table")), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, (await integration.PostDossiersAsync(Dossier)).Status);

        // A name is required; nothing is created without one.
        using var nameless = await admin.PostFormAsync(AccountsPage, [("KeyName", " ")], AccountsPage + "?handler=CreateKey");
        Assert.Equal(HttpStatusCode.BadRequest, nameless.StatusCode);
        Assert.Contains("Nhập tên khoá", (await nameless.ReadPageAsync()).One("#key-name-error").Text(), StringComparison.Ordinal);
        Assert.Equal(1L, await _host.ScalarAsync<long>("SELECT count(*) FROM integration_keys"));
    }
}
