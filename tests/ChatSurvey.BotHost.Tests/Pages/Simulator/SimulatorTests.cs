using System.Net;
using System.Net.Http.Json;
using AngleSharp.Dom;
using ChatSurvey.BotHost.Tests.Admin;

namespace ChatSurvey.BotHost.Tests.Pages.Simulator;

/// <summary>
/// <c>/admin/simulator</c>: the outbox with masked numbers, a phone's conversation, and replying as the citizen through
/// the Twilio webhook's handling. With another provider the page explains how to turn the simulator on and refuses replies.
/// </summary>
public sealed class SimulatorTests
{
    private const string Page = "/admin/simulator";
    private const string Phone = "+84912000001";

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ReplyForm_Should_ReachTheBotAndShowItsReply_When_ProviderIsSimulator()
    {
        await using var host = await AdminApiHost.StartAsync(("Storage:SeedDemoData", "true"));
        await InviteAsync(host);
        using var client = await host.Factory.SignedInClientAsync();

        // The outbox lists the invitation with the number masked; the number itself is nowhere on the page.
        var outbox = await client.GetPageAsync(Page);
        var row = Assert.Single(PageForms.TableRows(outbox, "outbox"));
        Assert.Contains("+8491*****01", row, StringComparison.Ordinal);
        Assert.Contains("Cau 1/7", row, StringComparison.Ordinal);
        Assert.DoesNotContain("912000001", outbox.Source, StringComparison.Ordinal);

        // Picking it opens the conversation and the reply box.
        var link = outbox.One("#outbox tbody a[href$='#conversation']").Attribute("href");
        Assert.Matches(@"^\?m=\d+#conversation$", link);
        var conversation = await client.GetPageAsync(Page + link[..link.IndexOf('#', StringComparison.Ordinal)]);
        Assert.Contains("Hội thoại +8491*****01", conversation.Text, StringComparison.Ordinal);
        Assert.Single(Bubbles(conversation, "out"));

        using var reply = await client.PostFormAsync(Page + link, [("From", Phone), ("Body", "5")], Page);
        Assert.Equal(HttpStatusCode.Redirect, reply.StatusCode);
        var after = await client.GetPageAsync(reply.Headers.Location!.OriginalString);
        Assert.Equal(["5"], Bubbles(after, "in"));
        // The bot took the answer and asked the next question.
        Assert.Contains(Bubbles(after, "out"), b => b.Contains("Cau 2/7", StringComparison.Ordinal));
        Assert.Equal(1L, await host.ScalarAsync<long>("SELECT count(*) FROM inbound_messages WHERE from_address = $1", Phone));
        Assert.Equal(1L, await host.ScalarAsync<long>("SELECT count(*) FROM answers"));
        Assert.Contains(after.All("script[src]"), script => script.GetAttribute("src")!.StartsWith("/js/simulator.js", StringComparison.Ordinal));

        // An empty reply is refused beside the box and reaches nobody.
        using var empty = await client.PostFormAsync(Page + link, [("From", Phone), ("Body", "")], Page);
        Assert.Equal(HttpStatusCode.BadRequest, empty.StatusCode);
        Assert.Contains("Nhập nội dung tin nhắn", (await empty.ReadPageAsync()).Text, StringComparison.Ordinal);
        Assert.Equal(1L, await host.ScalarAsync<long>("SELECT count(*) FROM inbound_messages"));

        // The JSON API still answers for scripts.
        var lines = await host.Client.GetFromJsonAsync<List<Dictionary<string, object>>>($"/api/admin/simulator/conversation?phone={Uri.EscapeDataString(Phone)}", Cancel);
        Assert.True(lines!.Count >= 3);
    }

    [Fact]
    public async Task Page_Should_ExplainHowToTurnItOnAndRefuseReplies_When_ProviderIsNotSimulator()
    {
        await using var host = await AdminApiHost.StartAsync(
            ("Storage:SeedDemoData", "true"), ("Sms:Provider", "Twilio"), ("Twilio:AccountSid", "AC" + new string('0', 32)),
            ("Twilio:AuthToken", "test-auth-token"), ("Twilio:From", "+15005550006"), ("Twilio:ApiBaseUrl", "http://127.0.0.1:9"));
        using var client = await host.Factory.SignedInClientAsync();

        var page = await client.GetPageAsync(Page);
        Assert.Contains("Trình mô phỏng SMS đang tắt", page.Text, StringComparison.Ordinal);
        Assert.Contains("Sms:Provider=Simulator", page.Text, StringComparison.Ordinal);

        // Even on a conversation's page, the reply is refused: nothing reaches the bot.
        using var reply = await client.PostFormAsync(Page + "?phone=0912000001", [("From", Phone), ("Body", "5")], Page);
        Assert.Equal(HttpStatusCode.Conflict, reply.StatusCode);
        Assert.Contains("Trình mô phỏng SMS đang tắt", (await reply.ReadPageAsync()).Text, StringComparison.Ordinal);
        Assert.Equal(0L, await host.ScalarAsync<long>("SELECT count(*) FROM inbound_messages"));
    }

    private static async Task InviteAsync(AdminApiHost host)
    {
        using var response = await host.Client.PostAsJsonAsync("/api/admin/invitations",
            new { phone = "0912000001", agencyCode = "HP-STP", procedureCode = "DEMO-LLTP", questionnaire = "sipas-sms" }, Cancel);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    /// <summary>The texts of the conversation's bubbles one way (<c>in</c> or <c>out</c>), without their time.</summary>
    private static List<string> Bubbles(HtmlPage page, string direction) =>
        [.. page.All($".msg.{direction}").Select(bubble => HtmlPage.Collapse(string.Concat(
            bubble.ChildNodes.Where(n => n.NodeType == NodeType.Text).Select(n => n.TextContent))))];
}
