using ChatSurvey.Dispatcher.Invitations;
using ChatSurvey.Dispatcher.Jobs;
using ChatSurvey.Dispatcher.OptOuts;
using ChatSurvey.Dispatcher.Scoring;
using ChatSurvey.Dispatcher.Sending;
using ChatSurvey.Dispatcher.Sms;
using ChatSurvey.Domain.Integrity;
using ChatSurvey.Domain.Scoring;
using ChatSurvey.Dispatcher.Waves;
using ChatSurvey.Domain.Questionnaires;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace ChatSurvey.Dispatcher;

public static class DispatcherExtensions
{
    /// <summary>
    /// The sending side shared by BotHost and the worker-only process: options, the SMS gateway chosen by
    /// <c>Sms:Provider</c>, the invitation services, and Hangfire on the survey database — the client always, the server
    /// (workers on the import, plan, send and default queues, and the recurring jobs) unless
    /// <c>Dispatcher:Enabled=false</c>. Call after <c>AddSurveyDatabaseAsync</c>.
    /// </summary>
    public static IHostApplicationBuilder AddDispatcher(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<AppOptions>()
            .BindConfiguration(AppOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        // The bot writes the integrity flags, scoring reads which of them exclude a ballot: both hosts bind the section.
        builder.Services.AddOptions<IntegrityOptions>()
            .BindConfiguration(IntegrityOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddOptions<ScoringOptions>()
            .BindConfiguration(ScoringOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<QuestionnaireStore>();
        builder.Services.AddSingleton<QuestionnaireCache>();
        builder.AddSmsGateway();
        builder.Services.TryAddSingleton<InvitationStore>();
        builder.Services.TryAddSingleton<OptOutStore>();
        builder.Services.TryAddSingleton<WaveStore>();
        builder.Services.AddSingleton<SendRateLimiter>();
        builder.Services.AddSingleton<ProviderCalls>();
        builder.Services.AddSingleton<InvitationMessages>();
        builder.Services.AddSingleton<ClaimedInvitationSender>();
        builder.Services.AddSingleton<ClaimReconciler>();
        builder.Services.AddSingleton<SingleInvitationSender>();
        builder.Services.AddSingleton<BatchSender>();
        builder.Services.AddSingleton<ReminderSender>();
        builder.Services.AddSingleton<ManualInvitations>();
        builder.Services.AddTransient<SendDueJob>();
        builder.Services.AddTransient<ReconcileClaimsJob>();
        builder.Services.AddTransient<ReminderJob>();
        builder.Services.AddTransient<ExpiryJob>();
        // Which flags exclude a ballot from official figures (section Integrity) and the minimum behind a figure (section
        // Scoring), for every host that scores.
        builder.Services.AddSingleton(sp => BallotExclusions.From(
            sp.GetRequiredService<IOptions<IntegrityOptions>>().Value, sp.GetRequiredService<IOptions<ScoringOptions>>().Value));
        builder.Services.AddTransient<ScoreRefreshJob>();
        builder.Services.AddTransient<WaveCompletionJob>();
        builder.Services.TryAddSingleton<WaveQueries>();
        builder.Services.TryAddSingleton<ContinuousDecider>();
        builder.Services.AddTransient<ContinuousWaveJob>();
        builder.AddHangfireDispatcher();
        return builder;
    }
}
