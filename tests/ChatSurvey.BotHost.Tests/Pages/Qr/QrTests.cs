using System.Net;
using System.Text.RegularExpressions;
using ChatSurvey.BotHost.Tests.Admin;

namespace ChatSurvey.BotHost.Tests.Pages.Qr;

/// <summary><c>/admin/qr</c>: a printable card per agency whose image is the web chat's QR code PNG.</summary>
public sealed partial class QrTests : IAsyncLifetime
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

        var html = await client.GetPageAsync("/admin/qr");
        var cards = Card().Matches(html).Select(m => (Code: m.Groups["code"].Value, Name: m.Groups["name"].Value, Src: m.Groups["src"].Value, Url: m.Groups["url"].Value)).ToList();
        Assert.Equal(
        [
            ("A1", "Sở Tư pháp", "/chat/qr/A1.png", "https://khaosat.haiphong.gov.vn/chat?agency=A1"),
            ("A2", "UBND quận Lê Chân", "/chat/qr/A2.png", "https://khaosat.haiphong.gov.vn/chat?agency=A2"),
        ], cards);
        Assert.Contains("Quét mã bằng camera điện thoại", html, StringComparison.Ordinal);
        Assert.Contains("onclick=\"window.print()\"", html, StringComparison.Ordinal);
        foreach (var card in cards)
        {
            using var image = await client.GetAsync(card.Src, Cancel);
            Assert.Equal(HttpStatusCode.OK, image.StatusCode);
            Assert.Equal("image/png", image.Content.Headers.ContentType?.MediaType);
            Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], (await image.Content.ReadAsByteArrayAsync(Cancel))[..4]);
        }

        // Filters: by kind, or by picking agencies.
        Assert.Equal(["A2"], Card().Matches(await client.GetPageAsync("/admin/qr?kind=district")).Select(m => m.Groups["code"].Value));
        Assert.Equal(["A1"], Card().Matches(await client.GetPageAsync("/admin/qr?agency=A1")).Select(m => m.Groups["code"].Value));
        Assert.Empty(Card().Matches(await client.GetPageAsync("/admin/qr?kind=commune")));
    }

    [Fact]
    public async Task Page_Should_Answer403_When_AgencyViewer()
    {
        await AdminSignIn.CreateViewerAsync(_host.DataSource, "viewer.a1", "viewer-password-1", "A1");
        using var viewer = await _host.Factory.SignedInClientAsync("viewer.a1", "viewer-password-1");
        using var response = await viewer.GetAsync("/admin/qr", Cancel);
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [GeneratedRegex("""<section class="qr-card" data-code="(?<code>[^"]+)">\s*<h3>(?<name>[^<]+)</h3>\s*<img src="(?<src>[^"]+)"[^>]*>\s*<div class="qr-url">(?<url>[^<]+)</div>""")]
    private static partial Regex Card();
}
