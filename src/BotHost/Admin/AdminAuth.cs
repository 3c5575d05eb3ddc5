using System.Security.Claims;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;

namespace ChatSurvey.BotHost.Admin;

/// <summary>
/// Sign-in for the admin pages: a cookie issued after the administrator proves they hold the admin key.
/// (Named accounts with roles come with the admin UI; the API keeps accepting <c>X-Api-Key</c>.)
/// </summary>
internal static class AdminAuth
{
    public const string Role = "admin";
    public const string Policy = "admin";

    public static IServiceCollection AddAdminAuth(this IServiceCollection services)
    {
        services.AddAuthentication(CookieAuthenticationDefaults.AuthenticationScheme)
            .AddCookie(options =>
            {
                options.LoginPath = "/admin/login";
                options.Cookie.Name = "chatsurvey.admin";
                options.Cookie.HttpOnly = true;
                options.Cookie.SameSite = SameSiteMode.Strict;
                options.ExpireTimeSpan = TimeSpan.FromHours(8);
                options.SlidingExpiration = true;
            });
        services.AddAuthorizationBuilder().AddPolicy(Policy, policy => policy.RequireRole(Role));
        services.AddAntiforgery();
        return services;
    }

    public static IEndpointRouteBuilder MapAdminLogin(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/admin/login", (HttpContext context, IAntiforgery antiforgery, string? error) =>
            Html.Page("Đăng nhập quản trị", $"""
                <form method="post" action="/admin/login" class="card">
                  {Html.Antiforgery(antiforgery, context)}
                  <label>Khóa quản trị (Admin:ApiKey)<input type="password" name="key" autocomplete="current-password" required></label>
                  {(error is null ? "" : "<p class=\"error\">Khóa không đúng.</p>")}
                  <button type="submit">Đăng nhập</button>
                </form>
                """));
        endpoints.MapPost("/admin/login", async (HttpContext context, AdminApiKey key, IAntiforgery antiforgery, string? returnUrl) =>
        {
            if (!await antiforgery.IsRequestValidAsync(context))
                return Results.BadRequest();
            var form = await context.Request.ReadFormAsync(context.RequestAborted);
            if (!key.Matches(form["key"].ToString()))
                return Results.Redirect("/admin/login?error=1");
            var identity = new ClaimsIdentity(
                [new Claim(ClaimTypes.Name, "admin"), new Claim(ClaimTypes.Role, Role)],
                CookieAuthenticationDefaults.AuthenticationScheme);
            await context.SignInAsync(new ClaimsPrincipal(identity));
            return Results.LocalRedirect(string.IsNullOrEmpty(returnUrl) || !returnUrl.StartsWith('/') ? "/admin/simulator" : returnUrl);
        });
        endpoints.MapPost("/admin/logout", async (HttpContext context) =>
        {
            await context.SignOutAsync();
            return Results.Redirect("/admin/login");
        }).RequireAuthorization(Policy);
        return endpoints;
    }
}
