using ChatSurvey.Dispatcher.Sms;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ChatSurvey.Dispatcher.Tests.Sms;

public sealed class SmsOptionsTests
{
    private const string Secret = "s3cr3t-auth-token";

    private static readonly KeyValuePair<string, string?>[] ValidTwilio =
    [
        new("Sms:Provider", "Twilio"),
        new("Twilio:AccountSid", "AC0123456789abcdef0123456789abcdef"),
        new("Twilio:AuthToken", Secret),
        new("Twilio:From", "+15005550006"),
        new("Twilio:ApiBaseUrl", "http://127.0.0.1:9"),
    ];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void AddSmsGateway_Should_UseTheSimulatorWithDefaults_When_NothingIsConfigured()
    {
        using var host = SmsHost.Build([], services: AddDataSource);

        var sms = host.Services.GetRequiredService<IOptions<SmsOptions>>().Value;
        var twilio = host.Services.GetRequiredService<IOptions<TwilioOptions>>().Value;
        Assert.Equal(SmsProvider.Simulator, sms.Provider);
        Assert.Equal(10, sms.MessagesPerSecond);
        Assert.True(sms.TwoWay);
        Assert.Equal("https://api.twilio.com", twilio.ApiBaseUrl);
        Assert.IsType<SimulatorSmsGateway>(host.Services.GetRequiredService<ISmsGateway>());
    }

    [Fact]
    public async Task AddSmsGateway_Should_UseTwilio_When_ProviderIsTwilio()
    {
        using var host = SmsHost.Build(ValidTwilio);

        await host.StartAsync(Ct);

        Assert.IsType<TwilioSmsGateway>(host.Services.GetRequiredService<ISmsGateway>());
        await host.StopAsync(Ct);
    }

    [Fact]
    public async Task Start_Should_FailNamingEachMissingSetting_When_TwilioIsChosenWithoutCredentials()
    {
        using var host = SmsHost.Build([new("Sms:Provider", "Twilio")]);

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(Ct));

        Assert.Contains("Twilio:AccountSid is required when Sms:Provider is Twilio.", error.Failures);
        Assert.Contains("Twilio:AuthToken is required when Sms:Provider is Twilio.", error.Failures);
        Assert.Contains("Twilio:From or Twilio:MessagingServiceSid is required when Sms:Provider is Twilio.", error.Failures);
    }

    [Theory]
    [InlineData("Sms:MessagesPerSecond", "0", "Sms:MessagesPerSecond must be greater than 0, but was 0.")]
    [InlineData("Sms:MessagesPerSecond", "-5", "Sms:MessagesPerSecond must be greater than 0, but was -5.")]
    [InlineData("Twilio:ApiBaseUrl", "ftp://127.0.0.1", "Twilio:ApiBaseUrl must be an absolute http or https URL, but was 'ftp://127.0.0.1'.")]
    [InlineData("Twilio:ApiBaseUrl", "api.twilio.com", "Twilio:ApiBaseUrl must be an absolute http or https URL, but was 'api.twilio.com'.")]
    [InlineData("Twilio:ApiBaseUrl", "", "Twilio:ApiBaseUrl is required (default https://api.twilio.com).")]
    [InlineData("Twilio:PublicBaseUrl", "/api/sms", "Twilio:PublicBaseUrl must be an absolute http or https URL, but was '/api/sms'.")]
    [InlineData("Twilio:AccountSid", "AC123", "Twilio:AccountSid must be 'AC' followed by 32 hexadecimal digits, but was 'AC123'.")]
    [InlineData("Twilio:MessagingServiceSid", "MG42", "Twilio:MessagingServiceSid must be 'MG' followed by 32 hexadecimal digits, but was 'MG42'.")]
    [InlineData("Twilio:From", "not a sender!", "Twilio:From must be an E.164 number (+84…), a short code or an alphanumeric sender ID of at most 11 characters, but was 'not a sender!'.")]
    [InlineData("Twilio:RequestTimeout", "00:00:00", "Twilio:RequestTimeout must be greater than 0, but was 00:00:00.")]
    public async Task Start_Should_FailNamingThePropertyAndValue_When_ASettingIsInvalid(string key, string value, string message)
    {
        using var host = SmsHost.Build(ValidTwilio.With(key, value));

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(Ct));

        Assert.Equal(message, Assert.Single(error.Failures));
        Assert.DoesNotContain(Secret, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("+84912345678")]
    [InlineData("8088")]
    [InlineData("SoNoiVuHP")]
    public async Task Start_Should_Succeed_When_FromIsANumberShortCodeOrSenderId(string from)
    {
        using var host = SmsHost.Build(ValidTwilio.With("Twilio:From", from));

        await host.StartAsync(Ct);
        await host.StopAsync(Ct);
    }

    [Fact]
    public async Task Start_Should_FailNamingTheValue_When_ProviderIsUnknown()
    {
        using var host = SmsHost.Build([new("Sms:Provider", "Twillio")], services: AddDataSource);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => host.StartAsync(Ct));

        Assert.Contains("'Twillio'", error.Message, StringComparison.Ordinal);
        Assert.Contains("Sms:Provider", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Start_Should_IgnoreMissingTwilioSettings_When_TheSimulatorIsChosen()
    {
        using var host = SmsHost.Build([new("Twilio:AuthToken", Secret)], services: AddDataSource);

        await host.StartAsync(Ct);
        await host.StopAsync(Ct);
    }

    // The simulator needs a data source to be resolved; this one never connects.
    private static void AddDataSource(IServiceCollection services) =>
        services.AddSingleton(_ => NpgsqlDataSource.Create("Host=127.0.0.1;Port=9;Database=none"));
}
