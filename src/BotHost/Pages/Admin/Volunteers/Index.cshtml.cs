using System.Globalization;
using ChatSurvey.BotHost.Accounts;
using ChatSurvey.BotHost.Volunteers;
using ChatSurvey.Dispatcher.Scoring;
using ChatSurvey.Domain.Problems;
using ChatSurvey.Domain.Scoring;
using ChatSurvey.Domain.Volunteers;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ChatSurvey.BotHost.Pages.Admin.Volunteers;

/// <summary>
/// The movement (phong trào), for coordinators and administrators: ballots per union unit with their ranking and per
/// volunteer, today, this week and in all (Vietnam time), against the targets set here; the quality flags; locking a
/// volunteer's account or giving it a new password. Never an answer; a volunteer's phone only to administrators.
/// </summary>
public sealed class IndexModel(
    NpgsqlDataSource dataSource,
    BallotExclusions exclusions,
    VolunteerStore volunteers,
    IOptions<VolunteerOptions> options,
    TimeProvider clock) : PageModel
{
    public MovementReport Report { get; private set; } = new(default, default, [], []);

    public VolunteerOptions Options => options.Value;

    /// <summary>Administrators see the volunteers' phones; coordinators never do.</summary>
    public bool ShowPhones => User.IsInRole(AccountRoles.Administrator);

    [TempData]
    public string? Message { get; set; }

    [TempData]
    public string? Error { get; set; }

    public async Task OnGetAsync(CancellationToken cancellationToken) =>
        Report = await VolunteerProgressQuery.RunAsync(
            dataSource, exclusions.Apply(new ScoreFilter()), clock.GetUtcNow(), ShowPhones, cancellationToken);

    public async Task<IActionResult> OnPostUnitTargetAsync(long id, string? target, CancellationToken cancellationToken) =>
        Done(ParseTarget(target, out var value) ?? await volunteers.SetUnitTargetAsync(id, value, cancellationToken),
            value is null ? "Đã bỏ chỉ tiêu của Đoàn cơ sở." : $"Đã đặt chỉ tiêu {value} phiếu cho Đoàn cơ sở.", "units");

    public async Task<IActionResult> OnPostVolunteerTargetAsync(long id, string? target, CancellationToken cancellationToken) =>
        Done(ParseTarget(target, out var value) ?? await volunteers.SetVolunteerTargetAsync(id, value, cancellationToken),
            value is null ? "Đã bỏ chỉ tiêu của tình nguyện viên." : $"Đã đặt chỉ tiêu {value} phiếu cho tình nguyện viên.", "volunteers");

    public async Task<IActionResult> OnPostDisableAsync(long id, bool disabled, CancellationToken cancellationToken) =>
        Done(await volunteers.SetDisabledAsync(id, disabled, cancellationToken) ? [] : [Problem.Of("id", ProblemCodes.VolunteerUnknown)],
            disabled ? "Đã khóa tài khoản tình nguyện viên." : "Đã mở khóa tài khoản tình nguyện viên.", "volunteers");

    public async Task<IActionResult> OnPostPasswordAsync(long id, string? password, CancellationToken cancellationToken) =>
        Done(await volunteers.SetPasswordAsync(id, password, cancellationToken), "Đã đặt mật khẩu mới cho tình nguyện viên.", "volunteers");

    /// <summary>Valid ballots as a share of the target, in percent; null without a target.</summary>
    public static double? OfTarget(int valid, int? target) => target is > 0 ? 100.0 * valid / target.Value : null;

    private RedirectToPageResult Done(IReadOnlyList<Problem> problems, string message, string fragment)
    {
        if (problems.Count == 0)
            Message = message;
        else
            Error = string.Join(" ", problems.Select(p => p.Vietnamese));
        return RedirectToPage(null, null, null, fragment);
    }

    // Empty clears the target; anything else must be a whole number (the store checks it is positive).
    private static IReadOnlyList<Problem>? ParseTarget(string? text, out int? target)
    {
        target = null;
        if (string.IsNullOrWhiteSpace(text))
            return null;
        if (int.TryParse(text.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
        {
            target = value;
            return null;
        }

        return [Problem.Of("target", ProblemCodes.VolunteerTargetNotPositive)];
    }
}
