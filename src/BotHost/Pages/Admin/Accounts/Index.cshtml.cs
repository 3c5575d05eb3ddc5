using System.Globalization;
using System.Security.Claims;
using ChatSurvey.BotHost.Accounts;
using ChatSurvey.Dispatcher.Catalogue;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace ChatSurvey.BotHost.Pages.Admin.Accounts;

/// <summary>
/// Administrators manage the sign-in accounts: create (administrators, agency viewers, coordinators; volunteers are
/// created on the volunteers' page with their profile), reset a password, disable or enable.
/// </summary>
public sealed class IndexModel(AccountStore accounts, CatalogueStore catalogue) : PageModel
{
    public IReadOnlyList<Account> Accounts { get; private set; } = [];

    public IReadOnlyList<(string Code, string Name)> Agencies { get; private set; } = [];

    [BindProperty]
    public NewAccountForm Form { get; set; } = new();

    [TempData]
    public string? Message { get; set; }

    public long CurrentAccountId =>
        long.TryParse(User.FindFirstValue(AccountClaims.AccountId), CultureInfo.InvariantCulture, out var id) ? id : 0;

    public async Task OnGetAsync(CancellationToken cancellationToken) => await LoadAsync(cancellationToken);

    public async Task<IActionResult> OnPostCreateAsync(CancellationToken cancellationToken)
    {
        var (account, problems) = await accounts.CreateAsync(
            new NewAccount(Form.UserName, Form.DisplayName, Form.Role,
                Form.Role == AccountRoles.AgencyViewer ? Form.AgencyCode : null, Form.Password),
            cancellationToken);
        if (account is null)
        {
            foreach (var problem in problems)
                ModelState.AddModelError($"Form.{char.ToUpperInvariant(problem.Field[0])}{problem.Field[1..]}", problem.Vietnamese);
            Form.Password = null;
            await LoadAsync(cancellationToken);
            return Page();
        }

        Message = $"Đã tạo tài khoản {account.UserName}.";
        return RedirectToPage();
    }

    public async Task<IActionResult> OnPostPasswordAsync(long id, string? password, CancellationToken cancellationToken)
    {
        var problems = await accounts.SetPasswordAsync(id, password, cancellationToken);
        Message = problems.Count == 0 ? "Đã đặt mật khẩu mới." : string.Join(" ", problems.Select(p => p.Vietnamese));
        return RedirectToPage();
    }

    public async Task<IActionResult> OnPostDisableAsync(long id, bool disabled, CancellationToken cancellationToken)
    {
        if (disabled && id == CurrentAccountId)
        {
            Message = "Không thể khóa tài khoản đang đăng nhập.";
            return RedirectToPage();
        }

        Message = await accounts.SetDisabledAsync(id, disabled, cancellationToken)
            ? disabled ? "Đã khóa tài khoản." : "Đã mở khóa tài khoản."
            : "Không có tài khoản này.";
        return RedirectToPage();
    }

    public static string RoleName(string role) => role switch
    {
        AccountRoles.Administrator => "Quản trị viên",
        AccountRoles.Interviewer => "Tình nguyện viên",
        AccountRoles.Coordinator => "Điều phối viên",
        _ => "Người xem của đơn vị",
    };

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        Accounts = await accounts.ListAsync(cancellationToken);
        Agencies = [.. (await catalogue.ListAgenciesAsync(cancellationToken)).Select(a => (a.Code, a.Name))];
    }

    public sealed class NewAccountForm
    {
        public string? UserName { get; set; }

        public string? DisplayName { get; set; }

        public string? Role { get; set; } = AccountRoles.AgencyViewer;

        public string? AgencyCode { get; set; }

        public string? Password { get; set; }
    }
}
