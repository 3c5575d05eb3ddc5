using ChatSurvey.Dispatcher.Import;
using ChatSurvey.Dispatcher.Integrity;
using ChatSurvey.Dispatcher.Invitations;
using ChatSurvey.Dispatcher.Waves;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace ChatSurvey.Dispatcher;

public static class WavesExtensions
{
    /// <summary>Waves (creation, planning, status, progress, the admin pages' read queries) and transaction imports (the JSON batch and the upload job).</summary>
    public static IServiceCollection AddWaves(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<StaffPhoneStore>();
        services.TryAddSingleton<InvitationStore>();
        services.TryAddSingleton<WaveStore>();
        services.TryAddSingleton<ContinuousDecider>();
        services.TryAddSingleton<WavePlanner>();
        services.TryAddSingleton<WaveQueries>();
        services.TryAddSingleton(sp => new TransactionImporter(sp.GetRequiredService<TimeProvider>()));
        services.TryAddTransient<ImportJob>();

        services.TryAddSingleton<ImportJobScheduler>();
        return services;
    }
}
