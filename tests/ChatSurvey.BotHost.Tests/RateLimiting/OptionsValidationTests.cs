using ChatSurvey.BotHost.RateLimiting;
using ChatSurvey.Domain.Integrity;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ChatSurvey.BotHost.Tests.RateLimiting;

/// <summary>The <c>RateLimits</c> and <c>Integrity</c> sections refuse values outside their ranges, naming the setting.</summary>
public sealed class OptionsValidationTests
{
    [Theory]
    [InlineData("RateLimits:TokensPerAddressPerMinute", "0")]
    [InlineData("RateLimits:StartsPerAgencyPerHour", "-1")]
    [InlineData("RateLimits:InvitationPagesPerAddressPerMinute", "0")]
    [InlineData("RateLimits:SmsPerPhonePerMinute", "100000")]
    [InlineData("RateLimits:PublicRequestsPerAddressPerMinute", "0")]
    public void RateLimits_Should_BeRefusedWithTheSettingsName_When_OutOfRange(string key, string value)
    {
        using var services = Services(key, value, s => s.AddRateLimits());

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<RateLimitOptions>>().Value);

        Assert.Contains(key, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RateLimits_Should_DefaultForACounterQueue_When_NotConfigured()
    {
        using var services = Services("Unrelated", "1", s => s.AddRateLimits());

        var limits = services.GetRequiredService<IOptions<RateLimitOptions>>().Value;

        Assert.Equal((30, 200, 20, 10, 30), (limits.TokensPerAddressPerMinute, limits.StartsPerAgencyPerHour,
            limits.InvitationPagesPerAddressPerMinute, limits.SmsPerPhonePerMinute, limits.PublicRequestsPerAddressPerMinute));
    }

    [Theory]
    [InlineData("Integrity:SpeederSecondsPerQuestion", "-1")]
    [InlineData("Integrity:SpeederSecondsPerQuestion", "61")]
    [InlineData("Integrity:MaxDossiersPerPhone", "-1")]
    public void Integrity_Should_BeRefusedWithTheSettingsName_When_OutOfRange(string key, string value)
    {
        using var services = Services(key, value, s => s.AddOptions<IntegrityOptions>()
            .BindConfiguration(IntegrityOptions.Section).ValidateDataAnnotations());

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<IntegrityOptions>>().Value);

        Assert.Contains(key, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Integrity_Should_DefaultToTheMethodsRules_When_NotConfigured()
    {
        var options = new IntegrityOptions();

        Assert.Equal((2.0, true, false, 5),
            (options.SpeederSecondsPerQuestion, options.ExcludeSpeeders, options.ExcludeStraightLiners, options.MaxDossiersPerPhone));
    }

    private static ServiceProvider Services(string key, string value, Action<IServiceCollection> register)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection([new(key, value)]).Build();
        var services = new ServiceCollection().AddSingleton<IConfiguration>(configuration);
        register(services);
        return services.BuildServiceProvider();
    }
}
