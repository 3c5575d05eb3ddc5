using System.Text.Json;
using ChatSurvey.BotHost.Bot;
using ChatSurvey.BotHost.WebChat;
using ChatSurvey.Domain.Conversations;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Bot.Builder;
using Microsoft.Bot.Schema;
using Newtonsoft.Json.Linq;

namespace ChatSurvey.BotHost.Channels.DirectLine;

/// <summary>
/// The part of Direct Line 3.0 that <c>botframework-directlinejs</c> uses with <c>webSocket: false</c>
/// (https://learn.microsoft.com/azure/bot-service/rest-api/bot-framework-rest-direct-line-3-0-api-reference):
/// start or resume a conversation, post an activity, poll activities after a watermark, refresh the token.
/// Every call carries a bearer token signed by <see cref="WebChatTokens"/> for exactly one conversation; a token for
/// another conversation, an expired or a forged one gets 403 and changes nothing.
/// </summary>
public static class DirectLineApi
{
    private const int MaxActivityBytes = 16 * 1024;
    private const int MaxTextLength = 2000;
    private const int MaxActivitiesPerPoll = 100;

    /// <summary>The start turn's dedup key: starting (or resuming) a conversation greets at most once.</summary>
    internal const string StartMessageId = "start";

    public static RouteGroupBuilder MapDirectLine(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/v3/directline").WithTags("Direct Line").DisableAntiforgery();
        group.MapPost("/conversations", StartAsync);
        group.MapGet("/conversations/{conversationId}", ResumeAsync);
        group.MapPost("/conversations/{conversationId}/activities", PostActivityAsync);
        group.MapGet("/conversations/{conversationId}/activities", GetActivitiesAsync);
        group.MapPost("/tokens/refresh", RefreshAsync);
        return group;
    }

    /// <summary>Direct Line's conversation object (<c>streamUrl</c> is absent: this endpoint only polls).</summary>
    public sealed record ConversationInfo(
        [property: System.Text.Json.Serialization.JsonPropertyName("conversationId")] string ConversationId,
        [property: System.Text.Json.Serialization.JsonPropertyName("token")] string Token,
        [property: System.Text.Json.Serialization.JsonPropertyName("expires_in")] int ExpiresIn);

    public sealed record ResourceId([property: System.Text.Json.Serialization.JsonPropertyName("id")] string Id);

    internal static async Task<Results<Created<ConversationInfo>, ContentHttpResult>> StartAsync(
        HttpRequest request, WebChatTokens tokens, DirectLineStore store, WebChatInbound webChat, IBot bot,
        CancellationToken cancellationToken)
    {
        // The token was issued for one conversation (POST /api/webchat/token); starting it is starting that one.
        var conversationId = tokens.Validate(WebChatTokens.FromHeader(request));
        var binding = conversationId is null ? null : await store.FindAsync(conversationId, cancellationToken);
        if (binding is null)
            return Error(StatusCodes.Status403Forbidden, "TokenInvalid", "The token is missing, expired or not valid.");
        await GreetOnceAsync(binding, webChat, bot, cancellationToken);
        return TypedResults.Created($"/v3/directline/conversations/{binding.Id}", Info(binding.Id, tokens));
    }

    internal static async Task<Results<Ok<ConversationInfo>, ContentHttpResult>> ResumeAsync(
        string conversationId, HttpRequest request, WebChatTokens tokens, DirectLineStore store, WebChatInbound webChat,
        IBot bot, CancellationToken cancellationToken)
    {
        var (binding, error) = await AuthorizeAsync(conversationId, request, tokens, store, cancellationToken);
        if (error is not null)
            return error;
        await GreetOnceAsync(binding!, webChat, bot, cancellationToken);
        return TypedResults.Ok(Info(conversationId, tokens));
    }

    internal static async Task<Results<Ok<ResourceId>, ContentHttpResult>> PostActivityAsync(
        string conversationId, HttpRequest request, WebChatTokens tokens, DirectLineStore store, WebChatInbound webChat,
        IBot bot, TimeProvider clock, CancellationToken cancellationToken)
    {
        var (binding, error) = await AuthorizeAsync(conversationId, request, tokens, store, cancellationToken);
        if (error is not null)
            return error;

        var (posted, problem) = await ReadActivityAsync(request, cancellationToken);
        if (problem is not null)
            return problem;

        if (posted!.Type != ActivityTypes.Message)
        {
            // Typing indicators and client events are acknowledged and dropped: the survey only reads messages.
            return TypedResults.Ok(new ResourceId($"{conversationId}|{Guid.NewGuid():N}"));
        }

        var clientActivityId = posted.ClientActivityId;
        var echo = new Activity
        {
            Type = ActivityTypes.Message,
            ChannelId = DirectLineAdapter.ChannelId,
            Conversation = new ConversationAccount(id: conversationId),
            From = new ChannelAccount(id: posted.FromId, name: posted.FromName, role: RoleTypes.User),
            Recipient = DirectLineAdapter.Bot,
            Text = posted.Text,
            Locale = "vi-VN",
            Timestamp = clock.GetUtcNow(),
            ChannelData = EchoChannelData(clientActivityId, posted.DisplayText),
        };
        // Reposts of the same client activity are answered once: the dedup key is stable. (A post without one cannot be
        // told from a new message: it gets a key of its own.) The conversation is the sender whose messages keep their order.
        var inbound = new InboundMessage($"{conversationId}|{clientActivityId ?? Guid.NewGuid().ToString("N")}", conversationId, null, posted.Text);
        var turn = new Activity
        {
            Type = ActivityTypes.Message,
            From = echo.From,
            Text = posted.Text,
            Locale = "vi-VN",
            Timestamp = echo.Timestamp,
        };
        var id = await webChat.ReceiveAsync(Route(binding!), inbound, turn, bot, echo, clientActivityId, cancellationToken);
        return TypedResults.Ok(new ResourceId(id!));
    }

    internal static async Task<ContentHttpResult> GetActivitiesAsync(
        string conversationId, string? watermark, HttpRequest request, WebChatTokens tokens, DirectLineStore store,
        CancellationToken cancellationToken)
    {
        // The token alone authorises a poll: it was signed for this conversation when the conversation was bound, and a
        // poll only reads that conversation's transcript (empty when there is none), so it costs one round trip.
        if (TokenError(conversationId, request, tokens) is { } error)
            return error;
        long after = 0;
        if (!string.IsNullOrEmpty(watermark) && (!long.TryParse(watermark, out after) || after < 0))
            return Error(StatusCodes.Status400BadRequest, "BadArgument", "The watermark is not one this service handed out.");

        var activities = await store.ReadAsync(conversationId, after, MaxActivitiesPerPoll, cancellationToken);
        var next = activities.Count > 0 ? activities[^1].Seq : after;
        // The stored JSON is passed through as it is: {"activities":[…],"watermark":"n"}.
        var body = $$"""{"activities":[{{string.Join(',', activities.Select(a => a.Json))}}],"watermark":"{{next}}"}""";
        return TypedResults.Content(body, "application/json", System.Text.Encoding.UTF8);
    }

    internal static async Task<Results<Ok<ConversationInfo>, ContentHttpResult>> RefreshAsync(
        HttpRequest request, WebChatTokens tokens, DirectLineStore store, CancellationToken cancellationToken)
    {
        var conversationId = tokens.Validate(WebChatTokens.FromHeader(request));
        if (conversationId is null || await store.FindAsync(conversationId, cancellationToken) is null)
            return Error(StatusCodes.Status403Forbidden, "TokenInvalid", "The token is missing, expired or not valid.");
        return TypedResults.Ok(Info(conversationId, tokens));
    }

    /// <summary>
    /// The survey's intro and first question, shown before the citizen types anything: an invisible, empty message
    /// turn, deduplicated like any other, so starting, reconnecting or racing tabs greet exactly once.
    /// </summary>
    internal static async Task GreetOnceAsync(DirectLineBinding binding, WebChatInbound webChat, IBot bot, CancellationToken cancellationToken)
    {
        var inbound = new InboundMessage($"{binding.Id}|{StartMessageId}", binding.Id, null, "");
        if (await webChat.IsRecordedAsync(inbound, cancellationToken))
            return;
        var start = new Activity
        {
            Type = ActivityTypes.Message,
            From = new ChannelAccount(id: "citizen", role: RoleTypes.User),
            Text = "",
            Locale = "vi-VN",
        };
        await webChat.ReceiveAsync(Route(binding), inbound, start, bot, echo: null, clientActivityId: null, cancellationToken);
    }

    internal static SurveyRoute Route(DirectLineBinding binding) => new(
        binding.Id, SurveyChannel.Web, DirectLineAdapter.ChannelName, null,
        binding.InvitationId, binding.WaveId, binding.AgencyId, binding.QuestionnaireId);

    private static async Task<(DirectLineBinding? Binding, ContentHttpResult? Error)> AuthorizeAsync(
        string conversationId, HttpRequest request, WebChatTokens tokens, DirectLineStore store, CancellationToken cancellationToken)
    {
        if (TokenError(conversationId, request, tokens) is { } error)
            return (null, error);
        var binding = await store.FindAsync(conversationId, cancellationToken);
        return binding is null
            ? (null, Error(StatusCodes.Status404NotFound, "NotFound", "The conversation does not exist."))
            : (binding, null);
    }

    /// <summary>403 unless the request's bearer token is valid and for <paramref name="conversationId"/>.</summary>
    private static ContentHttpResult? TokenError(string conversationId, HttpRequest request, WebChatTokens tokens)
    {
        var granted = tokens.Validate(WebChatTokens.FromHeader(request));
        if (granted is null)
            return Error(StatusCodes.Status403Forbidden, "TokenInvalid", "The token is missing, expired or not valid.");
        return string.Equals(granted, conversationId, StringComparison.Ordinal)
            ? null
            : Error(StatusCodes.Status403Forbidden, "TokenConversationMismatch", "The token is for another conversation.");
    }

    private static ConversationInfo Info(string conversationId, WebChatTokens tokens) =>
        new(conversationId, tokens.Issue(conversationId), (int)tokens.Lifetime.TotalSeconds);

    /// <summary>Direct Line's error shape: <c>{"error":{"code","message"}}</c>.</summary>
    private static ContentHttpResult Error(int status, string code, string message) =>
        TypedResults.Content(
            JsonSerializer.Serialize(new { error = new { code, message } }), "application/json", System.Text.Encoding.UTF8, status);

    private sealed record PostedActivity(string Type, string Text, string FromId, string? FromName, string? ClientActivityId, string? DisplayText);

    /// <summary>What Web Chat needs back in the echo: its own id (to mark the message sent) and a button's label.</summary>
    private static JObject? EchoChannelData(string? clientActivityId, string? displayText)
    {
        if (clientActivityId is null && displayText is null)
            return null;
        var channelData = new JObject();
        if (clientActivityId is not null)
            channelData["clientActivityID"] = clientActivityId;
        if (displayText is not null)
            channelData["messageBack"] = new JObject { ["displayText"] = displayText };
        return channelData;
    }

    private static async Task<(PostedActivity? Activity, ContentHttpResult? Problem)> ReadActivityAsync(
        HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength > MaxActivityBytes || request.ContentType?.StartsWith("application/json", StringComparison.OrdinalIgnoreCase) != true)
            return (null, Error(StatusCodes.Status400BadRequest, "BadArgument", $"Expected a JSON activity of at most {MaxActivityBytes} bytes."));

        var buffer = new byte[MaxActivityBytes + 1];
        var length = 0;
        int read;
        while (length < buffer.Length && (read = await request.Body.ReadAsync(buffer.AsMemory(length), cancellationToken)) > 0)
            length += read;
        if (length > MaxActivityBytes)
            return (null, Error(StatusCodes.Status400BadRequest, "BadArgument", $"Expected a JSON activity of at most {MaxActivityBytes} bytes."));

        try
        {
            using var document = JsonDocument.Parse(buffer.AsMemory(0, length));
            var root = document.RootElement;
            var type = String(root, "type");
            var text = String(root, "text") ?? "";
            if (type is null || text.Length > MaxTextLength)
                return (null, Error(StatusCodes.Status400BadRequest, "BadArgument", $"An activity needs a type and at most {MaxTextLength} characters of text."));
            string? fromId = null, fromName = null, clientActivityId = null, displayText = null;
            if (root.TryGetProperty("from", out var from) && from.ValueKind == JsonValueKind.Object)
            {
                fromId = String(from, "id");
                fromName = String(from, "name");
            }

            if (root.TryGetProperty("channelData", out var channelData) && channelData.ValueKind == JsonValueKind.Object)
            {
                clientActivityId = String(channelData, "clientActivityID");
                if (channelData.TryGetProperty("messageBack", out var messageBack))
                    displayText = String(messageBack, "displayText");
            }

            return (new PostedActivity(type, text, Limit(fromId) ?? "citizen", Limit(fromName), Limit(clientActivityId), Limit(displayText, 200)), null);
        }
        catch (JsonException)
        {
            return (null, Error(StatusCodes.Status400BadRequest, "BadArgument", "The body is not valid JSON."));
        }
    }

    private static string? String(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

    private static string? Limit(string? value, int max = 64) => string.IsNullOrEmpty(value) ? null : value.Length <= max ? value : value[..max];
}
