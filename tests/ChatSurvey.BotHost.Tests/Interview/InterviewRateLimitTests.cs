using System.Net;
using ChatSurvey.BotHost.Tests.Pages;
using ChatSurvey.BotHost.Tests.WebChat;

namespace ChatSurvey.BotHost.Tests.Interview;

/// <summary><c>RateLimits:InterviewPostsPerAccountPerMinute</c>: posts per volunteer; reading stays free, other volunteers go on.</summary>
public sealed class InterviewRateLimitTests : IAsyncLifetime
{
    private AgencyChatHost _host = null!;

    public async ValueTask InitializeAsync()
    {
        _host = await AgencyChatHost.StartAsync(
            new DateTimeOffset(2025, 3, 20, 3, 0, 0, TimeSpan.Zero), ("RateLimits:InterviewPostsPerAccountPerMinute", "3"));
        await _host.SeedCatalogueAsync();
        await Volunteers.CreateAsync(_host.DataSource, "tnv1", "A1");
        await Volunteers.CreateAsync(_host.DataSource, "tnv2", "A1");
    }

    public async ValueTask DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Posts_Should_BeRefusedWith429_When_OneVolunteerSendsTooManyInAMinute()
    {
        using var busy = await VolunteerClient.SignInAsync(_host.Factory, "tnv1");
        using var other = await VolunteerClient.SignInAsync(_host.Factory, "tnv2");
        for (var i = 0; i < 3; i++)
            Assert.Contains("Không tìm thấy hồ sơ", (await busy.CheckAsync("A1", $"HS-{i}")).One("#refusal").Text(), StringComparison.Ordinal);

        using var refused = await busy.PostAsync("/interview?handler=Check", ("Agency", "A1"), ("DossierCode", "HS-X"));

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.True(int.Parse(refused.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture) >= 1);
        await busy.GetAsync("/interview");
        Assert.Contains("Không tìm thấy hồ sơ", (await other.CheckAsync("A1", "HS-X")).One("#refusal").Text(), StringComparison.Ordinal);
    }
}
