using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace ChatSurvey.Dispatcher.Sms;

public static class SmsGatewayExtensions
{
    /// <summary>
    /// Registers <see cref="SmsOptions"/> and <see cref="TwilioOptions"/> (bound, validated on start) and
    /// <see cref="ISmsGateway"/>: <see cref="SimulatorSmsGateway"/> or <see cref="TwilioSmsGateway"/> as <c>Sms:Provider</c>
    /// says. The simulator needs the <see cref="Npgsql.NpgsqlDataSource"/> of <c>AddSurveyDatabaseAsync</c>.
    /// </summary>
    public static IHostApplicationBuilder AddSmsGateway(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;

        services.AddOptions<SmsOptions>().BindConfiguration(SmsOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SmsOptions>, SmsOptionsValidator>());
        services.AddOptions<TwilioOptions>().BindConfiguration(TwilioOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TwilioOptions>, TwilioOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);

        services.AddHttpClient(TwilioSmsGateway.HttpClientName, (sp, client) =>
                client.Timeout = sp.GetRequiredService<IOptions<TwilioOptions>>().Value.RequestTimeout)
            // Like the SDK's own client, no redirects. The gateway is long-lived (singleton senders hold it), so pooled
            // connections are recycled to pick up DNS changes.
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                AllowAutoRedirect = false,
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            })
            .AddHttpMessageHandler(sp => new TwilioApiHandler(sp.GetRequiredService<IOptions<TwilioOptions>>().Value.ApiBaseUrl))
            // The default request logging would write phone numbers (the To filter) into the log; the gateway logs masked.
            .RemoveAllLoggers();

        services.TryAddSingleton<TwilioSmsGateway>();
        services.TryAddSingleton<SimulatorSmsGateway>();
        services.TryAddSingleton<ISmsGateway>(sp => sp.GetRequiredService<IOptions<SmsOptions>>().Value.Provider switch
        {
            SmsProvider.Twilio => sp.GetRequiredService<TwilioSmsGateway>(),
            _ => sp.GetRequiredService<SimulatorSmsGateway>(),
        });
        return builder;
    }
}
