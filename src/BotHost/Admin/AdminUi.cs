using ChatSurvey.BotHost.Accounts;
using System.Text.Encodings.Web;
using System.Text.Unicode;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.WebEncoders;

namespace ChatSurvey.BotHost.Admin;

/// <summary>
/// The server-rendered pages (Razor Pages under <c>Pages/</c>). Every page under <c>/Admin</c> needs the administrator
/// role unless <see cref="OpenPages"/> gives it another policy: any account (landing, password, sign-out), the results'
/// readers (agency viewers see their own agency only), or the volunteer managers (administrators and coordinators);
/// <c>/Admin/Login</c> is open. The interview pages under <c>/Interview</c> are the volunteers' only. Other pages outside
/// <c>/Admin</c> (the public results, the methodology) are public by design.
/// </summary>
internal static class AdminUi
{
    /// <summary>Pages (and page folders) open to more than administrators, with the policy that opens them.</summary>
    private static readonly (string Page, string Policy)[] OpenPages =
    [
        ("/Admin/Index", AuthPolicies.AnyAccount),
        ("/Admin/Logout", AuthPolicies.AnyAccount),
        ("/Admin/Password", AuthPolicies.AnyAccount),
        ("/Admin/Results", AuthPolicies.SignedIn),
        ("/Admin/Volunteers", AuthPolicies.VolunteerManagers),
    ];

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
                var open = OpenPages.FirstOrDefault(p =>
                    model.ViewEnginePath.Equals(p.Page, StringComparison.OrdinalIgnoreCase)
                    || model.ViewEnginePath.StartsWith(p.Page + "/", StringComparison.OrdinalIgnoreCase));
                model.EndpointMetadata.Add(new AuthorizeAttribute(open.Policy ?? AuthPolicies.Administrator));
            });
            options.Conventions.AllowAnonymousToPage("/Admin/Login");
            options.Conventions.AuthorizeFolder("/Interview", AuthPolicies.Interviewer);
        });
        return services;
    }

    public static IEndpointRouteBuilder MapAdminUi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapRazorPages();
        return endpoints;
    }
}
