using ChatSurvey.Dispatcher.Waves;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace ChatSurvey.BotHost.Pages.Admin.Waves;

/// <summary>All waves, newest first, with their counts (one query).</summary>
public sealed class IndexModel(WaveQueries queries) : PageModel
{
    public IReadOnlyList<WaveSummary> Waves { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken cancellationToken) =>
        Waves = await queries.ListAsync(null, cancellationToken);
}
