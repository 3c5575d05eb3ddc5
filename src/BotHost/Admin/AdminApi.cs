using ChatSurvey.BotHost.Accounts;
using ChatSurvey.BotHost.Integration;
using ChatSurvey.BotHost.Par;
using ChatSurvey.BotHost.Volunteers;
using ChatSurvey.Dispatcher.Catalogue;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ChatSurvey.BotHost.Admin;

internal static class AdminApi
{
    public static IServiceCollection AddAdminApi(this IServiceCollection services)
    {
        services.AddOptions<AdminOptions>().BindConfiguration(AdminOptions.Section);
        services.AddSingleton<AdminApiKey>();
        services.TryAddSingleton<CatalogueStore>();
        services.AddTransient<SmsSimulator>();
        services.AddAdminAuth();
        services.AddPar();
        return services;
    }

    /// <summary>
    /// <c>/api/admin/...</c>: every endpoint needs the administrator role, from the sign-in cookie or the
    /// <c>X-Api-Key</c> scheme (<see cref="AdminApiKeyHandler"/>), checked before any body is read.
    /// </summary>
    public static RouteGroupBuilder MapAdminApi(this IEndpointRouteBuilder endpoints)
    {
        var admin = endpoints.MapGroup("/api/admin")
            .RequireAuthorization(AuthPolicies.AdminApi)
            .WithTags("Admin")
            .DisableAntiforgery();
        admin.MapInvitationsApi();
        admin.MapSimulatorApi();
        admin.MapCatalogueApi();
        admin.MapTransactionsApi();
        admin.MapWavesApi();
        admin.MapStaffPhonesApi();
        admin.MapIntegrationKeysApi();
        admin.MapParApi();
        admin.MapVolunteersApi();
        return admin;
    }
}
