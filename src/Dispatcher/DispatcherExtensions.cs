using ChatSurvey.Dispatcher.Sending;
using ChatSurvey.Dispatcher.Sms;
using ChatSurvey.Domain.Questionnaires;

namespace ChatSurvey.Dispatcher;

public static class DispatcherExtensions
{
    /// <summary>
    /// The sending side shared by BotHost and the worker-only process: options, the SMS gateway chosen by
    /// <c>Sms:Provider</c>, and the invitation services. Call after <c>AddSurveyDatabaseAsync</c>.
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
        builder.Services.AddSingleton<InvitationSender>();
        builder.Services.AddSingleton<ManualInvitations>();
        return builder;
    }
}
