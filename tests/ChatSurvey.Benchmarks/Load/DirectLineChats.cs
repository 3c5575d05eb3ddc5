using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace ChatSurvey.Benchmarks.Load;

/// <summary>One web chat as the load generator holds it: its conversation and token, the watermark, the bot's replies seen.</summary>
public sealed class ChatConversation(string id, string token, int variant)
{
    public string Id { get; } = id;

    public string Token { get; set; } = token;

    public int Variant { get; } = variant;

    /// <summary>-1 before the greeting turn; then the next script step to send.</summary>
    public int Next { get; set; } = -1;

    public string? Watermark { get; set; }

    public int BotMessages { get; set; }
}

/// <summary>A Direct Line service as Web Chat uses it without WebSockets: open, post, poll after a watermark.</summary>
public interface IChatEndpoint
{
    /// <summary>A new conversation and its token (for the product: <c>POST /api/webchat/token</c> with an invitation code).</summary>
    Task<ChatConversation> OpenAsync(CancellationToken cancellationToken);

    /// <summary>The turn that greets before the citizen types (the product: <c>POST /v3/directline/conversations</c>).</summary>
    Task<HttpResponseMessage> StartAsync(ChatConversation conversation, CancellationToken cancellationToken);

    /// <summary>Posts the citizen's message activity.</summary>
    Task<HttpResponseMessage> PostAsync(ChatConversation conversation, string text, CancellationToken cancellationToken);

    /// <summary>The activities after the conversation's watermark.</summary>
    Task<HttpResponseMessage> PollAsync(ChatConversation conversation, CancellationToken cancellationToken);
}

/// <summary>
/// The web chat turn as a citizen sees it: post an answer (or open the chat), then poll until the bot's reply is
/// visible. Latency is from the post's send to the poll that shows every reply of the turn: the first poll goes out as
/// soon as the post is answered, later ones every <c>pollInterval</c>. (Web Chat itself polls once a second; the
/// figure is when the reply can be seen, not when a one-second timer happens to look.)
/// </summary>
public sealed class DirectLineChats(IChatEndpoint endpoint, SurveyScript script, TimeSpan pollInterval, TimeSpan deadline)
{
    /// <summary>One turn of the conversation (the greeting, then each answer); records it into the stats.</summary>
    public async Task<Outcome> TurnAsync(ChatConversation conversation, LoadStats stats, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(conversation);
        ArgumentNullException.ThrowIfNull(stats);
        var since = Stopwatch.GetTimestamp();
        var greeting = conversation.Next < 0;
        var expected = conversation.BotMessages + (greeting ? script.GreetingReplies : script.Steps[conversation.Next].Replies);
        try
        {
            using (var posted = greeting
                       ? await endpoint.StartAsync(conversation, cancellationToken)
                       : await endpoint.PostAsync(conversation, script.Answer(conversation.Next, conversation.Variant), cancellationToken))
            {
                if (!posted.IsSuccessStatusCode)
                    return await FailAsync(posted, stats, since, cancellationToken);
            }

            conversation.Next++;
            while (true)
            {
                using var poll = await endpoint.PollAsync(conversation, cancellationToken);
                if (!poll.IsSuccessStatusCode)
                    return await FailAsync(poll, stats, since, cancellationToken);
                await using (var body = await poll.Content.ReadAsStreamAsync(cancellationToken))
                    await ReadActivitiesAsync(conversation, body, cancellationToken);
                if (conversation.BotMessages >= expected)
                {
                    stats.Record(Outcome.Ok, LoadDriver.MillisecondsSince(since), 200);
                    return Outcome.Ok;
                }

                if (Stopwatch.GetElapsedTime(since) > deadline)
                {
                    stats.Record(Outcome.Timeout, LoadDriver.MillisecondsSince(since));
                    return Outcome.Timeout;
                }

                await Task.Delay(pollInterval, cancellationToken);
            }
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            stats.Record(Outcome.Timeout, LoadDriver.MillisecondsSince(since));
            return Outcome.Timeout;
        }
        catch (HttpRequestException)
        {
            stats.Record(Outcome.NetworkError, LoadDriver.MillisecondsSince(since));
            return Outcome.NetworkError;
        }
    }

    /// <summary>True once the conversation's last answer has been replied to.</summary>
    public bool Done(ChatConversation conversation)
    {
        ArgumentNullException.ThrowIfNull(conversation);
        return conversation.Next >= script.Steps.Count;
    }

    private static async Task<Outcome> FailAsync(HttpResponseMessage response, LoadStats stats, long since, CancellationToken cancellationToken)
    {
        var status = (int)response.StatusCode;
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        var outcome = status >= 500 ? Outcome.ServerError : Outcome.ClientError;
        stats.Record(outcome, LoadDriver.MillisecondsSince(since), status, text.Length > 300 ? text[..300] : text);
        return outcome;
    }

    /// <summary>Direct Line's <c>{"activities":[…],"watermark":"n"}</c>: counts the bot's messages, moves the watermark.</summary>
    private static async Task ReadActivitiesAsync(ChatConversation conversation, Stream body, CancellationToken cancellationToken)
    {
        using var document = await JsonDocument.ParseAsync(body, cancellationToken: cancellationToken);
        var root = document.RootElement;
        foreach (var activity in root.GetProperty("activities").EnumerateArray())
        {
            // The bot's messages only: a typing indicator is not a reply.
            if (activity.TryGetProperty("type", out var type) && type.GetString() == "message"
                && activity.TryGetProperty("from", out var from) && from.TryGetProperty("role", out var role) && role.GetString() == "bot")
                conversation.BotMessages++;
        }

        if (root.TryGetProperty("watermark", out var watermark) && watermark.ValueKind == JsonValueKind.String)
            conversation.Watermark = watermark.GetString();
    }

    /// <summary>A citizen's message as Web Chat posts it.</summary>
    internal static StringContent Activity(string text)
    {
        var json = JsonSerializer.Serialize(new
        {
            type = "message",
            text,
            from = new { id = "citizen", role = "user" },
            locale = "vi-VN",
            textFormat = "plain",
            channelData = new { clientActivityID = Guid.NewGuid().ToString("N")[..12] },
        });
        return new StringContent(json, Encoding.UTF8, new MediaTypeHeaderValue("application/json"));
    }
}

/// <summary>
/// What the product and the floor share: Direct Line's activity post and watermark poll under <paramref name="conversations"/>
/// (the path of the conversations collection), with the conversation's bearer token.
/// </summary>
public abstract class DirectLineShapedEndpoint(HttpClient http, Uri baseUrl, string conversations)
{
    private int _variant;

    protected HttpClient Http => http;

    protected Uri BaseUrl => baseUrl;

    /// <summary>The next variant number, so conversations answer differently.</summary>
    protected int NextVariant() => Interlocked.Increment(ref _variant);

    public Task<HttpResponseMessage> PostAsync(ChatConversation conversation, string text, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(conversation);
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(baseUrl, $"{conversations}/{conversation.Id}/activities"))
        {
            Content = DirectLineChats.Activity(text),
        };
        return SendAsync(request, conversation, cancellationToken);
    }

    public Task<HttpResponseMessage> PollAsync(ChatConversation conversation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(conversation);
        var watermark = conversation.Watermark is null ? "" : "?watermark=" + Uri.EscapeDataString(conversation.Watermark);
        return SendAsync(new HttpRequestMessage(HttpMethod.Get, new Uri(baseUrl, $"{conversations}/{conversation.Id}/activities{watermark}")),
            conversation, cancellationToken);
    }

    protected async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, ChatConversation conversation, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(conversation);
        using (request)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", conversation.Token);
            return await http.SendAsync(request, cancellationToken);
        }
    }
}

/// <summary>The product's web chat: a token for an invitation's personal code, then BotHost's own Direct Line 3.0 endpoint.</summary>
public sealed class ProductChatEndpoint(HttpClient http, Uri baseUrl, ItemPool<string> invitationCodes)
    : DirectLineShapedEndpoint(http, baseUrl, "/v3/directline/conversations"), IChatEndpoint
{
    public async Task<ChatConversation> OpenAsync(CancellationToken cancellationToken)
    {
        var code = await invitationCodes.TakeAsync();
        using var content = new StringContent(JsonSerializer.Serialize(new { invitationCode = code }), Encoding.UTF8, new MediaTypeHeaderValue("application/json"));
        using var response = await Http.PostAsync(new Uri(BaseUrl, "/api/webchat/token"), content, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if (response.StatusCode != HttpStatusCode.OK)
            throw new InvalidOperationException($"POST /api/webchat/token answered {(int)response.StatusCode}: {text}");
        using var document = JsonDocument.Parse(text);
        return new ChatConversation(
            document.RootElement.GetProperty("conversationId").GetString()!,
            document.RootElement.GetProperty("token").GetString()!,
            NextVariant());
    }

    public Task<HttpResponseMessage> StartAsync(ChatConversation conversation, CancellationToken cancellationToken) =>
        SendAsync(new HttpRequestMessage(HttpMethod.Post, new Uri(BaseUrl, "/v3/directline/conversations")), conversation, cancellationToken);
}

/// <summary>The Direct Line floor (<see cref="Floor.FloorServer"/>): the same shapes, a conversation per new id.</summary>
public sealed class FloorChatEndpoint(HttpClient http, Uri baseUrl, string tokenKey)
    : DirectLineShapedEndpoint(http, baseUrl, "/floor/directline/conversations"), IChatEndpoint
{
    public Task<ChatConversation> OpenAsync(CancellationToken cancellationToken)
    {
        var id = Convert.ToBase64String(Guid.NewGuid().ToByteArray()).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        return Task.FromResult(new ChatConversation(id, Floor.FloorServer.Token(tokenKey, id), NextVariant()));
    }

    public Task<HttpResponseMessage> StartAsync(ChatConversation conversation, CancellationToken cancellationToken) =>
        PostAsync(conversation, "", cancellationToken);
}
