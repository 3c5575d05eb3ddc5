using System.Globalization;
using System.Security.Claims;
using ChatSurvey.BotHost.Accounts;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;

namespace ChatSurvey.BotHost.Admin;

/// <summary>
/// Cookie sign-in for the admin UI with the accounts in PostgreSQL (<see cref="AccountStore"/>), and the policies
/// (<see cref="AuthPolicies"/>).
/// Scripts keep using <c>X-Api-Key</c> on <c>/api/admin</c> (<see cref="AdminApiKeyHandler"/>).
/// </summary>
internal static class AdminAuth
{
    public const string LoginPath = "/admin/login";

    public static IServiceCollection AddAdminAuth(this IServiceCollection services)
    {
        services.AddSingleton<AccountStore>();
        services.AddHostedService<InitialAdministrator>();
        services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme)
            .AddCookie(options =>
            {
                options.LoginPath = LoginPath;
                options.Cookie.Name = "chatsurvey.admin";
                options.Cookie.HttpOnly = true;
                options.Cookie.SameSite = SameSiteMode.Strict;
                options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                options.ExpireTimeSpan = TimeSpan.FromHours(8);
                options.SlidingExpiration = true;
                options.Events.OnValidatePrincipal = ValidateAccountAsync;
                options.Events.OnRedirectToLogin = context => Challenge(context, StatusCodes.Status401Unauthorized);
                options.Events.OnRedirectToAccessDenied = context => Challenge(context, StatusCodes.Status403Forbidden);
            })
            .AddScheme<AuthenticationSchemeOptions, AdminApiKeyHandler>(AdminApiKeyHandler.SchemeName, null);
        services.AddAuthorizationBuilder()
            .AddPolicy(AuthPolicies.Administrator, policy => policy.RequireRole(AccountRoles.Administrator))
            .AddPolicy(AuthPolicies.SignedIn, policy => policy.RequireRole(AccountRoles.Administrator, AccountRoles.AgencyViewer))
            .AddPolicy(AuthPolicies.AnyAccount, policy => policy.RequireRole(AccountRoles.All))
            .AddPolicy(AuthPolicies.Interviewer, policy => policy.RequireRole(AccountRoles.Interviewer))
            .AddPolicy(AuthPolicies.VolunteerManagers, policy => policy.RequireRole(AccountRoles.Administrator, AccountRoles.Coordinator))
            .AddPolicy(AuthPolicies.AdminApi, policy => policy
                .AddAuthenticationSchemes(CookieAuthenticationDefaults.AuthenticationScheme, AdminApiKeyHandler.SchemeName)
                .RequireRole(AccountRoles.Administrator));
        services.AddAntiforgery();
        return services;
    }

    /// <summary>Issues the sign-in cookie for an account that has just proved its password.</summary>
    public static Task SignInAsync(HttpContext context, Account account)
    {
        List<Claim> claims =
        [
            new(ClaimTypes.Name, account.UserName),
            new(ClaimTypes.GivenName, account.DisplayName),
            new(ClaimTypes.Role, account.Role),
            new(AccountClaims.AccountId, account.Id.ToString(CultureInfo.InvariantCulture)),
        ];
        if (account.AgencyCode is not null)
            claims.Add(new(AccountClaims.AgencyCode, account.AgencyCode));
        var identity = new ClaimsIdentity(claims, CookieAuthenticationDefaults.AuthenticationScheme);
        return context.SignInAsync(new ClaimsPrincipal(identity));
    }

    /// <summary>The signed-in account's id; null for a script on the <c>X-Api-Key</c> scheme or an anonymous visitor.</summary>
    public static long? AccountId(this ClaimsPrincipal user) =>
        long.TryParse(user.FindFirstValue(AccountClaims.AccountId), CultureInfo.InvariantCulture, out var id) ? id : null;

    /// <summary>The agency an agency viewer may read; null for an administrator (every agency).</summary>
    public static string? ViewerAgency(this ClaimsPrincipal user) =>
        user.IsInRole(AccountRoles.Administrator) ? null : user.FindFirstValue(AccountClaims.AgencyCode) ?? "";

    /// <summary>Whether the signed-in account may read this agency's results.</summary>
    public static bool MayRead(this ClaimsPrincipal user, string? agencyCode) =>
        user.IsInRole(AccountRoles.Administrator)
        || (agencyCode is not null && user.IsInRole(AccountRoles.AgencyViewer)
            && string.Equals(user.FindFirstValue(AccountClaims.AgencyCode), agencyCode, StringComparison.Ordinal));

    // A disabled, deleted or re-roled account loses its session at the next request, not when the cookie expires.
    private static async Task ValidateAccountAsync(CookieValidatePrincipalContext context)
    {
        var id = context.Principal?.FindFirstValue(AccountClaims.AccountId);
        var role = context.Principal?.FindFirstValue(ClaimTypes.Role);
        var store = context.HttpContext.RequestServices.GetRequiredService<AccountStore>();
        var account = long.TryParse(id, CultureInfo.InvariantCulture, out var accountId)
            ? await store.FindAsync(accountId, context.HttpContext.RequestAborted)
            : null;
        if (account is null || account.Disabled || account.Role != role)
        {
            context.RejectPrincipal();
            await context.HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        }
    }

    // Pages: to the login form (401) or a short Vietnamese refusal (403). APIs and scripts: the bare status.
    private static Task Challenge(RedirectContext<CookieAuthenticationOptions> context, int status)
    {
        var request = context.Request;
        if (request.Path.StartsWithSegments("/api") || !HttpMethods.IsGet(request.Method))
        {
            context.Response.StatusCode = status;
            return Task.CompletedTask;
        }

        if (status == StatusCodes.Status401Unauthorized)
        {
            context.Response.Redirect(context.RedirectUri);
            return Task.CompletedTask;
        }

        context.Response.StatusCode = status;
        context.Response.ContentType = "text/html; charset=utf-8";
        return context.Response.WriteAsync("""
            <!doctype html><html lang="vi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Không có quyền · ChatSurvey</title><link rel="stylesheet" href="/lib/pico.min.css"></head>
            <body><main class="container"><h1>403 — Không có quyền truy cập</h1>
            <p>Tài khoản của bạn không được xem trang này.</p><p><a href="/admin">Về trang chủ</a></p></main></body></html>
            """, context.HttpContext.RequestAborted);
    }
}
