using ChatSurvey.BotHost.Accounts;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace ChatSurvey.BotHost.Pages.Admin;

public sealed class IndexModel : PageModel
{
    public IActionResult OnGet() =>
        User.IsInRole(AccountRoles.Administrator) ? Page() : LocalRedirect("/admin/results");
}
