using ChatSurvey.BotHost.WebChat;
using ChatSurvey.Dispatcher;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ChatSurvey.BotHost.Pages.Admin.Qr;

/// <summary>
/// <c>/admin/qr</c>: a printable sheet of QR codes, one card per agency, for the one-stop counters. The image is the
/// web chat's own <c>/chat/qr/{agency}.png</c> and the printed link is the one it encodes
/// (<see cref="WebChatApi.AgencyChatUrl"/>), so the paper and the code always lead to the same place.
/// </summary>
public sealed class IndexModel(NpgsqlDataSource dataSource, IOptions<AppOptions> app) : PageModel
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
        await using var command = dataSource.CreateCommand(
            """
            SELECT code, name, kind
            FROM agencies
            ORDER BY array_position(ARRAY['city', 'department', 'district', 'commune', 'central'], kind), name
            """);
        var agencies = new List<QrAgency>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var code = reader.GetString(0);
            agencies.Add(new QrAgency(code, reader.GetString(1), reader.GetString(2), WebChatApi.AgencyChatUrl(app.Value, code)));
        }

        All = agencies;
        Cards = [.. agencies.Where(a => (Kind.Count == 0 || Kind.Contains(a.Kind)) && (Agency.Count == 0 || Agency.Contains(a.Code)))];
    }

    public sealed record QrAgency(string Code, string Name, string Kind, string ChatUrl);
}
