namespace ChatSurvey.BotHost.Admin;

internal static class AdminApi
{
    public static IServiceCollection AddAdminApi(this IServiceCollection services)
    {
        services.AddOptions<AdminOptions>().BindConfiguration(AdminOptions.Section);
        services.AddSingleton<AdminApiKey>();
        services.AddAdminAuth();
        return services;
    }

    /// <summary><c>/api/admin/...</c>: every endpoint behind <see cref="AdminApiKeyFilter"/>.</summary>
    public static RouteGroupBuilder MapAdminApi(this IEndpointRouteBuilder endpoints)
    {
        var admin = endpoints.MapGroup("/api/admin")
            .AddEndpointFilter<AdminApiKeyFilter>()
            .WithTags("Admin")
            .DisableAntiforgery();
        admin.MapInvitationsApi();
        admin.MapSimulatorApi();
        admin.MapCatalogueApi();
        admin.MapTransactionsApi();
        admin.MapWavesApi();
        return admin;
    }
}
