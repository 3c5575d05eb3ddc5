using ChatSurvey.BotHost.Bot.Storage;
using ChatSurvey.BotHost.Channels.Twilio;
using ChatSurvey.Dispatcher.Verification;
using ChatSurvey.Domain.Questionnaires;
using Microsoft.Bot.Builder;
using Microsoft.Bot.Builder.Integration.AspNet.Core;
using Microsoft.Bot.Connector.Authentication;

namespace ChatSurvey.BotHost.Bot;

internal static class BotExtensions
{
    /// <summary>The bot, its PostgreSQL state and the channel adapters (Twilio SMS, Bot Framework channels).</summary>
    public static IServiceCollection AddSurveyBot(this IServiceCollection services)
    {
        // Bot state is read ahead in the turn's first round trip and written in its commit batch (BotStateSession).
        services.AddSingleton<IStorage>(sp => new PostgresStorage(
            sp.GetRequiredService<Npgsql.NpgsqlDataSource>(), ambientSession: () => BotStateSession.Current));
        services.AddSingleton<ConversationState>();
        services.AddSingleton<QuestionnaireStore>();
        services.AddSingleton<SurveyTurnStore>();
        services.AddSingleton<DossierLookup>();
        services.AddTransient<IBot, SurveyBot>();

        services.AddSingleton<TwilioRequestSigner>();
        services.AddSingleton<TwilioSmsAdapter>();

        // Inbound messages: recorded first, a bound on turns in flight, a worker for what a webhook could not finish.
        services.AddOptions<InboundOptions>().BindConfiguration(InboundOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<InboundMessageStore>();
        services.AddSingleton<TurnGate>();
        services.AddSingleton<InboundSignal>();
        services.AddSingleton<InboundSms>();
        services.AddHostedService<InboundWorker>();

        // Standard Bot Framework channels: JWT-validated when MicrosoftAppId is set (ConfigurationBotFrameworkAuthentication).
        services.AddSingleton<BotFrameworkAuthentication, ConfigurationBotFrameworkAuthentication>();
        services.AddSingleton<IBotFrameworkHttpAdapter, ChannelAdapter>();
        return services;
    }

    public static IEndpointRouteBuilder MapSurveyBot(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapTwilioWebhooks();
        endpoints.MapPost("/api/messages", (HttpRequest request, HttpResponse response, IBotFrameworkHttpAdapter adapter, IBot bot,
                CancellationToken cancellationToken) => adapter.ProcessAsync(request, response, bot, cancellationToken))
            .WithTags("Bot Framework")
            .DisableAntiforgery();
        return endpoints;
    }
}

/// <summary>
/// <c>CloudAdapter</c> for Bot Framework channels (Emulator, Teams …). These conversations are not tied to an
/// invitation or agency, so the bot answers keywords and points people to their survey link.
/// </summary>
internal sealed class ChannelAdapter : CloudAdapter
{
    public ChannelAdapter(BotFrameworkAuthentication auth, ILogger<ChannelAdapter> logger)
        : base(auth, logger)
    {
        Use(new RouteMiddleware());
        OnTurnError = async (turnContext, exception) =>
        {
            logger.LogError(exception, "Bot Framework turn failed in {Conversation}", turnContext.Activity.Conversation?.Id);
            await turnContext.SendActivityAsync("Xin lỗi, hệ thống đang bận. Ông/Bà vui lòng thử lại sau ít phút.");
        };
    }

    private sealed class RouteMiddleware : Microsoft.Bot.Builder.IMiddleware
    {
        public Task OnTurnAsync(ITurnContext turnContext, NextDelegate next, CancellationToken cancellationToken = default)
        {
            if (turnContext.TurnState.Get<SurveyRoute>() is null)
            {
                turnContext.TurnState.Add(new SurveyRoute(
                    turnContext.Activity.Conversation.Id, Domain.Conversations.SurveyChannel.Web, "directline",
                    null, null, null, null, null));
            }

            return next(cancellationToken);
        }
    }
}
