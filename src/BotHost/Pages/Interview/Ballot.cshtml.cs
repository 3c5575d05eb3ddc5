using ChatSurvey.BotHost.Accounts;
using ChatSurvey.BotHost.Interview;
using ChatSurvey.BotHost.RateLimiting;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.AspNetCore.RateLimiting;

namespace ChatSurvey.BotHost.Pages.Interview;

/// <summary>
/// <c>/interview/{id}</c>: one question per page, its answers as large submit buttons. Each post records one answer
/// (<see cref="InterviewTurns.AnswerAsync"/>) and redirects here, so a reload or a dropped connection resumes at the
/// question waiting; the end says "Đã lưu phiếu" and offers the next interview.
/// </summary>
[Authorize(Policy = AuthPolicies.Interviewer)]
[EnableRateLimiting(RateLimits.InterviewPolicy)]
public sealed class BallotModel(InterviewTurns turns) : PageModel
{
    /// <summary>What the "Câu trước" button sends: the engine's "back" keyword.</summary>
    public const string BackCommand = "lại";

    public InterviewView View { get; private set; } = null!;

    public async Task<IActionResult> OnGetAsync(string id, CancellationToken cancellationToken)
    {
        var view = await turns.LoadAsync(id, User.AccountId(), cancellationToken);
        if (view is null)
            return NotFound();
        View = view;
        return Page();
    }

    /// <param name="id">The interview.</param>
    /// <param name="step">The step the page showed (<see cref="InterviewView.Step"/>).</param>
    /// <param name="answer">The button pressed: an answer's value, "Bỏ qua", "Không áp dụng" or "Câu trước".</param>
    /// <param name="text">The typed answer of a text question, sent with its "Lưu" button (which has no value).</param>
    /// <param name="cancellationToken">The request's.</param>
    public async Task<IActionResult> OnPostAsync(string id, string? step, string? answer, string? text, CancellationToken cancellationToken)
    {
        if (!await turns.AnswerAsync(id, User.AccountId(), step, answer ?? text, cancellationToken))
            return NotFound();
        return RedirectToPage(new { id });
    }
}
