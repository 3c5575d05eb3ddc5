using System.Net;
using ChatSurvey.BotHost.Tests.Admin;

namespace ChatSurvey.BotHost.Tests.Pages.Qr;

/// <summary><c>/admin/qr</c>: a printable card per agency whose image is the web chat's QR code PNG.</summary>
public sealed class QrTests : IAsyncLifetime
{
    private AdminApiHost _host = null!;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        _host = await AdminApiHost.StartAsync(("App:PublicBaseUrl", "https://khaosat.haiphong.gov.vn"));
        await _host.SeedCatalogueAsync();
    }

    public async ValueTask DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Page_Should_ShowACardWithAWorkingPngPerAgency_When_Administrator()
    {
        using var client = await _host.Factory.SignedInClientAsync();

        var page = await client.GetPageAsync("/admin/qr");
        var cards = page.All("section.qr-card").Select(card =>
            (Code: card.Attribute("data-code"), Name: card.One("h3").Text(), Src: card.One("img").Attribute("src"), Url: card.One(".qr-url").Text())).ToList();
        Assert.Equal(
        [
            ("A1", "Sở Tư pháp", "/chat/qr/A1.png", "https://khaosat.haiphong.gov.vn/chat?agency=A1"),
            ("A2", "UBND quận Lê Chân", "/chat/qr/A2.png", "https://khaosat.haiphong.gov.vn/chat?agency=A2"),
        ], cards);
        Assert.Contains("Quét mã bằng camera điện thoại", page.Text, StringComparison.Ordinal);
        Assert.Single(page.All("button[onclick='window.print()']"));
        foreach (var card in cards)
        {
            using var image = await client.GetAsync(card.Src, Cancel);
            Assert.Equal(HttpStatusCode.OK, image.StatusCode);
            Assert.Equal("image/png", image.Content.Headers.ContentType?.MediaType);
            Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], (await image.Content.ReadAsByteArrayAsync(Cancel))[..4]);
        }

        // Filters: by kind, or by picking agencies.
        Assert.Equal(["A2"], await CardCodesAsync(client, "/admin/qr?kind=district"));
        Assert.Equal(["A1"], await CardCodesAsync(client, "/admin/qr?agency=A1"));
        Assert.Empty(await CardCodesAsync(client, "/admin/qr?kind=commune"));
    }

    [Fact]
    public async Task Page_Should_Answer403_When_AgencyViewer()
    {
        await AdminSignIn.CreateViewerAsync(_host.DataSource, "viewer.a1", "viewer-password-1", "A1");
        using var viewer = await _host.Factory.SignedInClientAsync("viewer.a1", "viewer-password-1");
        using var response = await viewer.GetAsync("/admin/qr", Cancel);
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    private static async Task<List<string>> CardCodesAsync(HttpClient client, string path) =>
        [.. (await client.GetPageAsync(path)).All("section.qr-card").Select(card => card.Attribute("data-code"))];
}
