using System.Globalization;
using System.Security.Claims;
using ChatSurvey.BotHost.Accounts;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace ChatSurvey.BotHost.Pages.Admin;

/// <summary>Any signed-in account changes its own password, proving the current one first.</summary>
public sealed class PasswordModel(AccountStore accounts) : PageModel
{
    [BindProperty]
    public string? Current { get; set; }

    [BindProperty]
    public string? New { get; set; }

    [BindProperty]
    public string? Confirm { get; set; }

    public bool Changed { get; private set; }

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        var id = long.Parse(User.FindFirstValue(AccountClaims.AccountId)!, CultureInfo.InvariantCulture);
        if (await accounts.SignInAsync(User.Identity!.Name, Current, cancellationToken) is not { } account || account.Id != id)
            ModelState.AddModelError(nameof(Current), "Mật khẩu hiện tại không đúng.");
        else if (!string.Equals(New, Confirm, StringComparison.Ordinal))
            ModelState.AddModelError(nameof(Confirm), "Hai lần nhập mật khẩu mới không khớp.");
        else
        {
            foreach (var problem in await accounts.SetPasswordAsync(id, New, cancellationToken))
                ModelState.AddModelError(nameof(New), problem.Vietnamese);
        }

        Current = New = Confirm = null;
        Changed = ModelState.IsValid;
        return Page();
    }
}
