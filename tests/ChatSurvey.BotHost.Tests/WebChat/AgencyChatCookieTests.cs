using System.Net;
using static ChatSurvey.BotHost.Tests.WebChat.AgencyChatHost;

namespace ChatSurvey.BotHost.Tests.WebChat;

/// <summary>One invitation-free conversation per browser per agency per Hai Phong day, kept by an HttpOnly cookie.</summary>
public sealed class AgencyChatCookieTests : IAsyncLifetime
{
    // 23:30 in Hai Phong (UTC+7): the day ends in 30 minutes.
    private static readonly DateTimeOffset LateEvening = new(2025, 3, 20, 16, 30, 0, TimeSpan.Zero);
    private AgencyChatHost _host = null!;

    public async ValueTask InitializeAsync()
    {
        _host = await AgencyChatHost.StartAsync(LateEvening);
        await _host.SeedCatalogueAsync();
    }

    public async ValueTask DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task Reopen_Should_ResumeTheSameConversationAndState_When_SameBrowserSameAgencySameDay()
    {
        using var citizen = _host.NewCitizen();
        await citizen.OpenAsync("A1");
        var first = citizen.ConversationId;
        Assert.Contains("4 số cuối", Citizen.Text(Assert.Single(await citizen.SayAsync("HS-404"))), StringComparison.Ordinal);
        var history = await citizen.ActivitiesAsync();

        var cookie = citizen.LastSetCookie!;
        Assert.StartsWith("chatsurvey-agency-A1=", cookie, StringComparison.Ordinal);
        Assert.Contains("expires=Thu, 20 Mar 2025 17:00:00 GMT", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("path=/api/webchat", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=lax", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);

        // Reopened a few minutes later (same day): the same conversation, its history, no second greeting.
        _host.Clock.Advance(TimeSpan.FromMinutes(20));
        await citizen.OpenAsync("A1");
        Assert.Equal(first, citizen.ConversationId);
        Assert.Equal(history.Select(a => a.GetRawText()), (await citizen.ActivitiesAsync()).Select(a => a.GetRawText()));
        // The bot state is intact: it still waits for the digits of the code given before.
        Assert.Contains("chưa khớp", Citizen.Text(Assert.Single(await citizen.SayAsync("1234"))), StringComparison.Ordinal);

        using var other = _host.NewCitizen();
        await other.OpenAsync("A1");
        Assert.NotEqual(first, other.ConversationId);
        Assert.Equal(2L, await _host.ScalarAsync<long>("SELECT count(*) FROM directline_conversations"));
    }

    [Fact]
    public async Task Reopen_Should_StartANewConversation_When_TheDayEndedOrTheAgencyDiffers()
    {
        using var citizen = _host.NewCitizen();
        await citizen.OpenAsync("A1");
        var today = citizen.ConversationId;

        await citizen.OpenAsync("A2");
        Assert.NotEqual(today, citizen.ConversationId);
        await citizen.OpenAsync("A1");
        Assert.Equal(today, citizen.ConversationId);

        // Past midnight in Hai Phong the cookie no longer resumes, even if a browser kept it.
        _host.Clock.Advance(TimeSpan.FromMinutes(31));
        await citizen.OpenAsync("A1");
        Assert.NotEqual(today, citizen.ConversationId);
        Assert.Contains("expires=Fri, 21 Mar 2025 17:00:00 GMT", citizen.LastSetCookie, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Cookie_Should_BeIgnored_When_TamperedOrFromAnotherAgency()
    {
        using var citizen = _host.NewCitizen();
        await citizen.OpenAsync("A1");
        var value = citizen.LastSetCookie!.Split(';')[0].Split('=', 2)[1];

        foreach (var (name, forged) in new[] { ("A1", value[..^3] + "AAA"), ("A2", value) })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/webchat/token")
            {
                Content = System.Net.Http.Json.JsonContent.Create(new { agencyCode = name }),
            };
            request.Headers.Add("Cookie", $"chatsurvey-agency-{name}={forged}");
            using var response = await citizen.Http.SendAsync(request, TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
            Assert.DoesNotContain(citizen.ConversationId!, body, StringComparison.Ordinal);
        }
    }
}
