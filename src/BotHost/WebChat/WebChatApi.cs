using ChatSurvey.BotHost.Channels.DirectLine;
using ChatSurvey.BotHost.RateLimiting;
using ChatSurvey.Dispatcher;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using QRCoder;

namespace ChatSurvey.BotHost.WebChat;

public sealed record TokenRequest(string? InvitationCode, string? AgencyCode);

public sealed record TokenResponse(
    [property: System.Text.Json.Serialization.JsonPropertyName("token")] string Token,
    [property: System.Text.Json.Serialization.JsonPropertyName("conversationId")] string ConversationId,
    [property: System.Text.Json.Serialization.JsonPropertyName("expires_in")] int ExpiresIn);

/// <summary>
/// Web chat for citizens: <c>POST /api/webchat/token</c>, the pages <c>/chat</c> and <c>/s/{code}</c>, the
/// counter page and QR code of each agency (<c>/chat/counter/{agency}</c>, <c>/chat/qr/{agency}.png</c>); the
/// embeddable snippet is the static <c>/webchat/embed.js</c>.
/// </summary>
public static class WebChatApi
{
    private const string Html = "text/html; charset=utf-8";

    public static IServiceCollection AddWebChat(this IServiceCollection services)
    {
        services.AddOptions<WebChatOptions>().BindConfiguration(WebChatOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<WebChatTokens>();
        services.AddSingleton<WebChatEntries>();
        services.AddSingleton<DirectLineStore>();
        services.AddSingleton<DirectLineAdapter>();
        services.AddSingleton<WebChatInbound>();
        return services;
    }

    public static IEndpointRouteBuilder MapWebChat(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapDirectLine();
        var api = endpoints.MapGroup("/api/webchat").WithTags("Web chat").DisableAntiforgery();
        api.MapPost("/token", IssueTokenAsync).RequireRateLimiting(RateLimits.TokenPolicy);

        var pages = endpoints.MapGroup("").WithTags("Web chat pages").ExcludeFromDescription();
        pages.MapGet("/chat", ChatPageAsync);
        pages.MapGet("/s/{code}", InvitationPageAsync).RequireRateLimiting(RateLimits.InvitationPagePolicy);
        pages.MapGet("/chat/counter/{agencyCode}", CounterPageAsync);
        pages.MapGet("/chat/qr/{agencyCode}.png", QrCodeAsync);
        return endpoints;
    }

    internal static async Task<Results<Ok<TokenResponse>, ValidationProblem, ProblemHttpResult>> IssueTokenAsync(
        HttpContext http, WebChatTokens tokens, WebChatEntries entries, KeyedRateLimits limits, TimeProvider clock,
        CancellationToken cancellationToken)
    {
        var request = http.Request;
        if (!tokens.Enabled)
            return TypedResults.Problem(title: "Web chat is not configured", detail: "Set WebChat:TokenSigningKey.", statusCode: StatusCodes.Status503ServiceUnavailable);

        // The body is optional: a request without one (or an empty one) asks for nothing in particular.
        TokenRequest? body = null;
        if (request.ContentLength is > 0 || request.Headers.TransferEncoding.Count > 0)
        {
            if (request.ContentLength > 4096 || !request.HasJsonContentType())
                return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["body"] = ["Expected JSON of at most 4096 bytes."] });
            try
            {
                body = await request.ReadFromJsonAsync<TokenRequest>(cancellationToken);
            }
            catch (System.Text.Json.JsonException)
            {
                return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["body"] = ["The body is not valid JSON."] });
            }
        }

        WebChatEntry entry;
        if (!string.IsNullOrEmpty(body?.InvitationCode))
            entry = await entries.ForInvitationAsync(body.InvitationCode, cancellationToken);
        else if (!string.IsNullOrEmpty(body?.AgencyCode))
            return await AgencyTokenAsync(http, body.AgencyCode, tokens, entries, limits, clock, cancellationToken);
        else
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["invitationCode"] = ["An invitation code (from the SMS link) or an agency code (from the counter's QR code) is required."],
            });

        if (entry.Binding is { } binding)
            return TypedResults.Ok(new TokenResponse(tokens.Issue(binding.Id), binding.Id, (int)tokens.Lifetime.TotalSeconds));
        return entry.Refusal switch
        {
            EntryRefusal.Expired => TypedResults.Problem(title: "The invitation has expired", statusCode: StatusCodes.Status410Gone),
            EntryRefusal.AnsweredBySms => TypedResults.Problem(title: "The invitation is being answered by SMS", statusCode: StatusCodes.Status409Conflict),
            EntryRefusal.UnknownAgency => TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["agencyCode"] = ["Unknown agency code."] }),
            _ => TypedResults.Problem(title: "Unknown invitation code", statusCode: StatusCodes.Status404NotFound),
        };
    }

    /// <summary>
    /// An agency's invitation-free chat: today's conversation of this browser when its cookie names one (a resume, not a
    /// start), else a new one — within the agency's hourly budget of starts — and the cookie for the rest of the day.
    /// </summary>
    private static async Task<Results<Ok<TokenResponse>, ValidationProblem, ProblemHttpResult>> AgencyTokenAsync(
        HttpContext http, string agencyCode, WebChatTokens tokens, WebChatEntries entries, KeyedRateLimits limits, TimeProvider clock,
        CancellationToken cancellationToken)
    {
        var agency = await entries.FindAgencyByCodeAsync(agencyCode, cancellationToken);
        if (agency is null)
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["agencyCode"] = ["Unknown agency code."] });
        if (!agency.Value.TakesSurveys)
            return TypedResults.Problem(title: "The agency is retired and takes no surveys", statusCode: StatusCodes.Status410Gone);

        var resumed = tokens.ValidateResume(AgencyChatCookie.Read(http.Request, agencyCode), agencyCode) is { } conversationId
            ? await entries.ResumeAgencyAsync(conversationId, agency.Value.Id, cancellationToken)
            : null;
        if (resumed is not null)
            return TypedResults.Ok(new TokenResponse(tokens.Issue(resumed.Id), resumed.Id, (int)tokens.Lifetime.TotalSeconds));

        if (!limits.TryAcquire(KeyedLimit.StartsPerAgency, agencyCode, out var retryAfter))
            return RateLimits.TooManyRequests(http.Response, retryAfter);
        var binding = await entries.StartForAgencyAsync(agency.Value.Id, cancellationToken);
        var endOfDay = AgencyChatCookie.EndOfDay(clock.GetUtcNow());
        AgencyChatCookie.Write(http, agencyCode, tokens.IssueResume(binding.Id, agencyCode, endOfDay), endOfDay);
        return TypedResults.Ok(new TokenResponse(tokens.Issue(binding.Id), binding.Id, (int)tokens.Lifetime.TotalSeconds));
    }

    internal static async Task<ContentHttpResult> ChatPageAsync(
        string? agency, bool? embed, WebChatEntries entries, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(agency))
            return TypedResults.Content(WebChatPages.ChooseAgency(await entries.AgenciesTakingSurveysAsync(cancellationToken)), Html);
        var found = await entries.FindAgencyByCodeAsync(agency, cancellationToken);
        return found switch
        {
            null => TypedResults.Content(WebChatPages.Refusal(EntryRefusal.UnknownAgency), Html, statusCode: StatusCodes.Status404NotFound),
            { TakesSurveys: false } => TypedResults.Content(WebChatPages.Refusal(EntryRefusal.AgencyRetired), Html, statusCode: StatusCodes.Status410Gone),
            _ => TypedResults.Content(WebChatPages.Chat(null, agency, found.Value.Name, embed == true), Html),
        };
    }

    /// <summary>
    /// The personal link of an SMS invitation. The code is checked here so a dead link gets a clear page; the
    /// conversation itself is bound when the page asks for its token.
    /// </summary>
    internal static async Task<ContentHttpResult> InvitationPageAsync(string code, WebChatEntries entries, CancellationToken cancellationToken)
    {
        var entry = await entries.ForInvitationAsync(code, cancellationToken);
        if (entry.Refusal is { } refusal)
        {
            var status = refusal == EntryRefusal.Expired ? StatusCodes.Status410Gone : refusal == EntryRefusal.UnknownCode ? StatusCodes.Status404NotFound : StatusCodes.Status200OK;
            return TypedResults.Content(WebChatPages.Refusal(refusal), Html, statusCode: status);
        }

        return TypedResults.Content(WebChatPages.Chat(code.ToUpperInvariant(), null, null, embedded: false), Html);
    }

    internal static async Task<ContentHttpResult> CounterPageAsync(
        string agencyCode, WebChatEntries entries, IOptions<AppOptions> app, CancellationToken cancellationToken)
    {
        var found = await entries.FindAgencyByCodeAsync(agencyCode, cancellationToken);
        return found switch
        {
            null => TypedResults.Content(WebChatPages.Refusal(EntryRefusal.UnknownAgency), Html, statusCode: StatusCodes.Status404NotFound),
            { TakesSurveys: false } => TypedResults.Content(WebChatPages.Refusal(EntryRefusal.AgencyRetired), Html, statusCode: StatusCodes.Status410Gone),
            _ => TypedResults.Content(WebChatPages.Counter(agencyCode, found.Value.Name, WebChatLinks.AgencyChat(app.Value, agencyCode)), Html),
        };
    }

    /// <summary>A PNG QR code of the agency's chat link, for printing at its counter.</summary>
    internal static async Task<Results<FileContentHttpResult, NotFound>> QrCodeAsync(
        string agencyCode, WebChatEntries entries, IOptions<AppOptions> app, CancellationToken cancellationToken)
    {
        // A retired agency's code no longer leads anywhere a new counter card should.
        if (await entries.FindAgencyByCodeAsync(agencyCode, cancellationToken) is not { TakesSurveys: true })
            return TypedResults.NotFound();
        using var generator = new QRCodeGenerator();
        using var data = generator.CreateQrCode(WebChatLinks.AgencyChat(app.Value, agencyCode), QRCodeGenerator.ECCLevel.Q);
        var png = new PngByteQRCode(data).GetGraphic(10);
        return TypedResults.File(png, "image/png");
    }

}
