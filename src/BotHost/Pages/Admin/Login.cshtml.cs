using ChatSurvey.BotHost.Accounts;
using ChatSurvey.BotHost.Admin;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace ChatSurvey.BotHost.Pages.Admin;

public sealed class LoginModel(AccountStore accounts, ILogger<LoginModel> logger) : PageModel
{
    [BindProperty(SupportsGet = true)]
    public string? ReturnUrl { get; set; }

    [BindProperty]
    public string? UserName { get; set; }

    [BindProperty]
    public string? Password { get; set; }

    public bool Failed { get; private set; }

    public void OnGet()
    {
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        var account = await accounts.SignInAsync(UserName, Password, cancellationToken);
        if (account is null)
        {
            logger.LogWarning("Failed sign-in for {UserName}", AccountStore.NormalizeUserName(UserName));
            Failed = true;
            Password = null;
            return Page();
        }

        await AdminAuth.SignInAsync(HttpContext, account);
        logger.LogInformation("{UserName} signed in ({Role})", account.UserName, account.Role);
        if (!string.IsNullOrEmpty(ReturnUrl) && Url.IsLocalUrl(ReturnUrl))
            return LocalRedirect(ReturnUrl);
        return LocalRedirect(AccountRoles.HomePage(account.Role));
    }
}
