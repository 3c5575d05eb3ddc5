using ChatSurvey.BotHost.Accounts;
using ChatSurvey.BotHost.Interview;
using ChatSurvey.BotHost.RateLimiting;
using ChatSurvey.Domain.Volunteers;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;
using Npgsql;

namespace ChatSurvey.BotHost.Pages.Interview;

/// <summary>
/// <c>/interview</c>: the volunteer picks an agency, types the receipt's dossier code (and, in "phiếu giấy" mode, the
/// paper ballot's serial), the dossier is checked, the consent line is read aloud, and the ballot starts on
/// <c>/interview/{id}</c>. Also lists the volunteer's unfinished ballots, to resume.
/// </summary>
[Authorize(Policy = AuthPolicies.Interviewer)]
[EnableRateLimiting(RateLimits.InterviewPolicy)]
public sealed class IndexModel(InterviewTurns turns, InterviewQueries queries, TimeProvider clock, NpgsqlDataSource dataSource) : PageModel
{
    public const string PaperMode = "paper";

    [BindProperty(SupportsGet = true)]
    public string? Mode { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Agency { get; set; }

    [BindProperty]
    public string? DossierCode { get; set; }

    [BindProperty]
    public string? Serial { get; set; }

    public bool Paper => Mode == PaperMode;

    public IReadOnlyList<AssignedAgency> Agencies { get; private set; } = [];

    public IReadOnlyList<InterviewRecord> Unfinished { get; private set; } = [];

    /// <summary>The volunteer's own completed ballots and their union unit's (today, this week, in all), as the movement counts them.</summary>
    public OwnProgress? Progress { get; private set; }

    /// <summary>Why the dossier (or serial) was refused; nothing was stored.</summary>
    public string? Error { get; private set; }

    /// <summary>The dossier checked and eligible: the consent line is read before the interview starts.</summary>
    public InterviewCheck? Consent { get; private set; }

    public async Task OnGetAsync(CancellationToken cancellationToken) => await LoadAsync(cancellationToken);

    /// <summary>Interview mode: check the dossier, then show the consent line (nothing stored yet).</summary>
    public async Task<IActionResult> OnPostCheckAsync(CancellationToken cancellationToken)
    {
        var check = await turns.CheckAsync(User.AccountId(), Typed(), cancellationToken);
        if (check.Resume is { } own)
            return RedirectToPage("/Interview/Ballot", new { id = own });
        if (check.Refusal is null)
            Consent = check;
        else
            Error = check.Message;
        await LoadAsync(cancellationToken);
        return Page();
    }

    /// <summary>The citizen agreed (or the paper ballot is keyed in): check again, claim the ballot, show the first question.</summary>
    public async Task<IActionResult> OnPostStartAsync(CancellationToken cancellationToken)
    {
        var (check, conversationId) = await turns.StartAsync(User.AccountId(), Typed(), cancellationToken);
        if ((conversationId ?? check.Resume) is { } id)
            return RedirectToPage("/Interview/Ballot", new { id });
        Error = check.Message;
        await LoadAsync(cancellationToken);
        return Page();
    }

    public async Task<IActionResult> OnPostSignOutAsync()
    {
        await HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        return LocalRedirect("/admin/login?ReturnUrl=%2Finterview");
    }

    private InterviewRequest Typed() => new(Agency, DossierCode, Paper, Serial);

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        var account = User.AccountId();
        Agencies = await queries.AssignedAgenciesAsync(account, cancellationToken);
        Unfinished = await queries.UnfinishedAsync(account, cancellationToken);
        Progress = await VolunteerProgressQuery.ForVolunteerAsync(dataSource, account, clock.GetUtcNow(), cancellationToken);
        if (Agency is null && Agencies.Count == 1)
            Agency = Agencies[0].Code;
    }
}
