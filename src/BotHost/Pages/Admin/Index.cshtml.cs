using System.Security.Claims;
using ChatSurvey.Domain.Statuses;
using ChatSurvey.BotHost.Accounts;
using ChatSurvey.Dispatcher.Waves;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace ChatSurvey.BotHost.Pages.Admin;

/// <summary>
/// The dashboard: today's activity (a day in Vietnam time) and the waves in progress. Two queries whatever the number
/// of waves: the running and paused waves with their counts, and today's sends and responses. Other roles have no
/// dashboard: they go to their own home page (<see cref="AccountRoles.HomePage"/>).
/// </summary>
public sealed class IndexModel(WaveQueries queries, TimeProvider clock) : PageModel
{
    private static readonly string[] ActiveStatuses = [WaveStatus.Running, WaveStatus.Paused];

    public DashboardResult Result { get; private set; } = DashboardResult.Empty;

    public async Task<IActionResult> OnGetAsync(CancellationToken cancellationToken)
    {
        if (!User.IsInRole(AccountRoles.Administrator))
            return LocalRedirect(AccountRoles.HomePage(User.FindFirstValue(ClaimTypes.Role)));
        var waves = await queries.ListAsync(ActiveStatuses, cancellationToken);
        var today = await queries.TodayAsync(clock.GetUtcNow(), cancellationToken);
        Result = new DashboardResult(waves, today);
        return Page();
    }

    /// <summary>
    /// The tiles: response rate = responded / sent and completed responses, both over the running and paused waves, so
    /// the rate is not diluted by waves that are over.
    /// </summary>
    public sealed record DashboardResult(IReadOnlyList<WaveSummary> Waves, WaveActivityToday Today)
    {
        public static DashboardResult Empty { get; } = new([], new WaveActivityToday(0, 0, 0));

        public int Running => Waves.Count(w => w.Status == WaveStatus.Running);

        public long Sent => Waves.Sum(w => w.Sent);

        public long Responded => Waves.Sum(w => w.Responded);

        public long Completed => Waves.Sum(w => w.Completed);
    }
}
