using ChatSurvey.BotHost.Accounts;
using System.Text.Encodings.Web;
using System.Text.Unicode;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.WebEncoders;

namespace ChatSurvey.BotHost.Admin;

/// <summary>
/// The server-rendered pages (Razor Pages under <c>Pages/</c>). Every page under <c>/Admin</c> needs the administrator
/// role unless listed in <see cref="SignedInPages"/> (open to agency viewers, who see their own agency only);
/// <c>/Admin/Login</c> is open. Pages outside <c>/Admin</c> (the public results) are public by design.
/// </summary>
internal static class AdminUi
{
    /// <summary>Pages (and page folders) any signed-in account may open.</summary>
    private static readonly string[] SignedInPages = ["/Admin/Index", "/Admin/Logout", "/Admin/Password", "/Admin/Results"];

    public static IServiceCollection AddAdminUi(this IServiceCollection services)
    {
        services.Configure<RouteOptions>(options => options.LowercaseUrls = true);
        // Razor's default encoder escapes every non-Latin letter (&#x1EA1; for "ạ"): Vietnamese pages would be larger
        // and unreadable in source. Allowing all ranges still encodes <, >, &, quotes.
        services.Configure<WebEncoderOptions>(options => options.TextEncoderSettings = new TextEncoderSettings(UnicodeRanges.All));
        services.AddRazorPages(options =>
        {
            options.Conventions.AddFolderApplicationModelConvention("/Admin", model =>
            {
                var signedIn = SignedInPages.Any(p =>
                    model.ViewEnginePath.Equals(p, StringComparison.OrdinalIgnoreCase)
                    || model.ViewEnginePath.StartsWith(p + "/", StringComparison.OrdinalIgnoreCase));
                model.EndpointMetadata.Add(new AuthorizeAttribute(signedIn ? AuthPolicies.SignedIn : AuthPolicies.Administrator));
            });
            options.Conventions.AllowAnonymousToPage("/Admin/Login");
        });
        return services;
    }

    public static IEndpointRouteBuilder MapAdminUi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapRazorPages();
        return endpoints;
    }
}
