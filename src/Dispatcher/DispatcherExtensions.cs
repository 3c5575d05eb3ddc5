using ChatSurvey.Dispatcher.Jobs;
using ChatSurvey.Dispatcher.Scoring;
using ChatSurvey.Dispatcher.Sending;
using ChatSurvey.Dispatcher.Sms;
using ChatSurvey.Domain.Questionnaires;

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
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<QuestionnaireStore>();
        builder.AddSmsGateway();
        builder.Services.AddSingleton<SendRateLimiter>();
        builder.Services.AddSingleton<InvitationSender>();
        builder.Services.AddSingleton<ManualInvitations>();
        builder.Services.AddTransient<SendDueJob>();
        builder.Services.AddTransient<ReconcileClaimsJob>();
        builder.Services.AddTransient<ReminderJob>();
        builder.Services.AddTransient<ExpiryJob>();
        // Which flags exclude a ballot from official figures (section Integrity), for every host that scores.
        builder.Services.AddSingleton(sp => BallotExclusions.From(sp.GetRequiredService<IConfiguration>()));
        builder.Services.AddTransient<ScoreRefreshJob>();
        builder.Services.AddTransient<WaveCompletionJob>();
        builder.AddHangfireDispatcher();
        return builder;
    }
}
