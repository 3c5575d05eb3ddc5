using ChatSurvey.BotHost.WebChat;
using ChatSurvey.Dispatcher;
using ChatSurvey.Dispatcher.Catalogue;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;

namespace ChatSurvey.BotHost.Pages.Admin.Qr;

/// <summary>
/// <c>/admin/qr</c>: a printable sheet of QR codes, one card per agency, for the one-stop counters. The image is the
/// web chat's own <c>/chat/qr/{agency}.png</c> and the printed link is the one it encodes
/// (<see cref="WebChatLinks.AgencyChat"/>), so the paper and the code always lead to the same place.
/// </summary>
public sealed class IndexModel(CatalogueStore catalogue, IOptions<AppOptions> app) : PageModel
{
    /// <summary>Kinds to show; none means all.</summary>
    [BindProperty(SupportsGet = true)]
    public List<string> Kind { get; set; } = [];

    /// <summary>Agency codes to show; none means all (within <see cref="Kind"/>).</summary>
    [BindProperty(SupportsGet = true)]
    public List<string> Agency { get; set; } = [];

    public IReadOnlyList<QrAgency> All { get; private set; } = [];

    public IReadOnlyList<QrAgency> Cards { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        // Current agencies only: a retired one gets no new counter cards. By kind (the city, departments, wards …), then
        // by name as the catalogue lists them (a stable sort).
        All = [.. (await catalogue.ListAgenciesAsync(cancellationToken))
            .Where(a => !a.Retired)
            .OrderBy(a => CatalogueStore.KindOrder(a.Kind))
            .Select(a => new QrAgency(a.Code, a.Name, a.Kind, WebChatLinks.AgencyChat(app.Value, a.Code)))];
        Cards = [.. All.Where(a => (Kind.Count == 0 || Kind.Contains(a.Kind)) && (Agency.Count == 0 || Agency.Contains(a.Code)))];
    }

    public sealed record QrAgency(string Code, string Name, string Kind, string ChatUrl);
}
