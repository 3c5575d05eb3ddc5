using ChatSurvey.BotHost.Admin;
using ChatSurvey.BotHost.Volunteers;
using ChatSurvey.Domain.Volunteers;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ChatSurvey.BotHost.Pages.Admin.BackChecks;

/// <summary>
/// Back-check calls (phúc tra phiếu), for administrators of the Department of Home Affairs only: per wave, each
/// volunteer's reproducible sample of ballots (<see cref="BackCheckSample"/>) with the dossier code and the respondent's
/// phone to call, and the outcome recorded (confirmed, or not confirmed: the ballot then leaves the official figures).
/// </summary>
public sealed class IndexModel(NpgsqlDataSource dataSource, BackCheckStore backChecks, IOptions<VolunteerOptions> options) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public long? Wave { get; set; }

    public IReadOnlyList<BackCheckWave> Waves { get; private set; } = [];

    public BackCheckWave? Selected { get; private set; }

    public IReadOnlyList<BackCheckGroup> Groups { get; private set; } = [];

    public double Share => options.Value.BackCheckShare;

    [TempData]
    public string? Message { get; set; }

    [TempData]
    public string? Error { get; set; }

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        Waves = await BackCheckSample.WavesAsync(dataSource, cancellationToken);
        Selected = Wave is null ? (Waves.Count > 0 ? Waves[0] : null) : Waves.FirstOrDefault(w => w.Id == Wave);
        if (Selected is not null)
            Groups = await BackCheckSample.ListAsync(dataSource, Selected.Id, Share, cancellationToken);
        else if (Wave is not null)
            Response.StatusCode = StatusCodes.Status404NotFound;
    }

    public async Task<IActionResult> OnPostRecordAsync(long responseId, string? outcome, string? note, CancellationToken cancellationToken)
    {
        var problems = await backChecks.RecordAsync(responseId, outcome, note, User.AccountId(), cancellationToken);
        if (problems.Count == 0)
            Message = $"Đã ghi kết quả phúc tra phiếu số {responseId}.";
        else
            Error = string.Join(" ", problems.Select(p => p.Vietnamese));
        return RedirectToPage(null, null, new { wave = Wave }, $"ballot-{responseId}");
    }
}
