using System.Globalization;
using System.Security.Claims;
using ChatSurvey.BotHost.Accounts;
using ChatSurvey.BotHost.Integration;
using ChatSurvey.Dispatcher.Catalogue;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace ChatSurvey.BotHost.Pages.Admin.Accounts;

/// <summary>
/// Administrators manage the sign-in accounts (create administrators, agency viewers and coordinators — volunteers are
/// created on the volunteers' page with their profile —, reset a password, disable or enable) and the integration keys
/// of one-stop-shop systems (create — the key is shown once, on the page that answers the creation —, list, revoke).
/// </summary>
public sealed class IndexModel(AccountStore accounts, CatalogueStore catalogue, IntegrationKeyStore integrationKeys) : PageModel
{
    public IReadOnlyList<Account> Accounts { get; private set; } = [];

    public IReadOnlyList<IntegrationKey> IntegrationKeys { get; private set; } = [];

    /// <summary>The key just created: shown in this answer only, never stored.</summary>
    public CreatedIntegrationKey? NewKey { get; private set; }

    [BindProperty]
    public string? KeyName { get; set; }

    public string? KeyNameError { get; private set; }

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

    public async Task<IActionResult> OnPostCreateKeyAsync(CancellationToken cancellationToken)
    {
        // The answer holds the key itself: no cache keeps it.
        Response.Headers.CacheControl = "no-store";
        var (created, problems) = await integrationKeys.CreateAsync(KeyName, User.Identity?.Name, cancellationToken);
        if (created is null)
            KeyNameError = string.Join(" ", problems.Select(p => p.Vietnamese));
        else
            KeyName = null;
        NewKey = created;
        await LoadAsync(cancellationToken);
        if (created is null)
            Response.StatusCode = StatusCodes.Status400BadRequest;
        return Page();
    }

    public async Task<IActionResult> OnPostRevokeKeyAsync(long id, CancellationToken cancellationToken)
    {
        Message = await integrationKeys.RevokeAsync(id, cancellationToken) ? "Đã thu hồi khoá tích hợp." : "Không có khoá tích hợp này.";
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
        IntegrationKeys = await integrationKeys.ListAsync(cancellationToken);
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
