using Hangfire;
using Hangfire.Dashboard;
using ChatSurvey.BotHost.Accounts;

namespace ChatSurvey.BotHost.Admin;

/// <summary>The Hangfire dashboard at <c>/admin/jobs</c> (docs/design.md#endpoints), for the admin role only.</summary>
internal static class JobsDashboard
{
    public const string Path = "/admin/jobs";

    public static IEndpointConventionBuilder MapJobsDashboard(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapHangfireDashboard(Path, new DashboardOptions
        {
            AppPath = "/admin",
            DashboardTitle = "ChatSurvey — jobs",
            DisplayStorageConnectionString = false,
            // The endpoint's policy signs in (cookie) and checks the role; the filter checks again inside Hangfire,
            // whose default filter (local requests only) would be wrong behind a proxy.
            Authorization = [new AdminRoleFilter()],
        }).RequireAuthorization(AuthPolicies.Administrator);

    private sealed class AdminRoleFilter : IDashboardAuthorizationFilter
    {
        public bool Authorize(DashboardContext context) => context.GetHttpContext().User.IsInRole(AccountRoles.Administrator);
    }
}
