using ChatSurvey.BotHost.Admin;
using Microsoft.Extensions.Options;

namespace ChatSurvey.BotHost.Accounts;

/// <summary>
/// Creates the administrator named in <c>Admin:InitialAdmin</c> at start-up (after the schema is migrated) when no
/// account has that name. Without it and without any administrator, says once how to create one.
/// </summary>
internal sealed class InitialAdministrator(
    AccountStore accounts,
    IOptions<AdminOptions> options,
    ILogger<InitialAdministrator> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var initial = options.Value.InitialAdmin;
        if (!string.IsNullOrWhiteSpace(initial.UserName) && !await accounts.ExistsAsync(initial.UserName, cancellationToken))
        {
            var (account, problems) = await accounts.CreateAsync(
                new NewAccount(initial.UserName, "Quản trị viên", AccountRoles.Administrator, null, initial.Password), cancellationToken);
            if (account is null)
            {
                throw new OptionsValidationException(nameof(AdminOptions.InitialAdmin), typeof(InitialAdminOptions),
                    problems.Select(p => $"Admin:InitialAdmin:{(p.Field == "password" ? "Password" : "UserName")}: {p.Vietnamese}"));
            }

            logger.LogInformation("Created administrator account {UserName} from Admin:InitialAdmin", account.UserName);
            return;
        }

        if (!(await accounts.ListAsync(cancellationToken)).Any(a => a.Role == AccountRoles.Administrator && !a.Disabled))
        {
            logger.LogWarning(
                "No administrator account exists yet: start once with Admin__InitialAdmin__UserName and "
                + "Admin__InitialAdmin__Password (at least {Length} characters) set to create one (see README, Accounts)",
                AccountStore.MinimumPasswordLength);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
