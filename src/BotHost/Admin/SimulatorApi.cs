using System.Security.Cryptography;
using ChatSurvey.BotHost.Accounts;
using ChatSurvey.BotHost.Bot;
using ChatSurvey.BotHost.Channels.Twilio;
using ChatSurvey.Dispatcher.Import;
using ChatSurvey.Dispatcher.Sms;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Bot.Builder;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ChatSurvey.BotHost.Admin;

public sealed record SimulatedMessage(string? From, string? Body);

public sealed record SimulatedReply(string MessageSid, IReadOnlyList<string> Replies);

public sealed record ConversationLine(string Direction, string Body, DateTimeOffset At);

/// <summary>
/// The SMS simulator (<c>Sms:Provider=Simulator</c>): the outbox of everything "sent" and a "reply as the citizen" box.
/// A simulated reply goes through the Twilio webhook's own handling (deduplication, routing, bot turn), so what works
/// here works with a real phone.
/// </summary>
internal static class SimulatorApi
{
    public static RouteGroupBuilder MapSimulatorApi(this RouteGroupBuilder admin)
    {
        admin.MapPost("/simulator/messages", ReplyAsCitizenAsync);
        admin.MapGet("/simulator/conversation", ConversationAsync);
        return admin;
    }

    public static IEndpointRouteBuilder MapSimulatorPage(this IEndpointRouteBuilder endpoints)
    {
        var page = endpoints.MapGroup("/admin/simulator").RequireAuthorization(AuthPolicies.Administrator);
        page.MapGet("/", PageAsync);
        page.MapPost("/", async (HttpContext context, SurveyTurnStore store, TwilioSmsAdapter adapter, IBot bot,
            ILoggerFactory loggers, IOptions<SmsOptions> sms, IAntiforgery antiforgery) =>
        {
            if (!await antiforgery.IsRequestValidAsync(context))
                return Results.BadRequest();
            var form = await context.Request.ReadFormAsync(context.RequestAborted);
            var result = await ReplyAsCitizenAsync(new SimulatedMessage(form["from"], form["body"]), store, adapter, bot, loggers, sms,
                context.RequestAborted);
            var phone = PhoneNormalizer.TryNormalize(form["from"], out var e164) ? e164 : "";
            return result.Result is Ok<SimulatedReply>
                ? Results.Redirect($"/admin/simulator?phone={Uri.EscapeDataString(phone)}")
                : Results.Redirect($"/admin/simulator?phone={Uri.EscapeDataString(phone)}&error=1");
        });
        return endpoints;
    }

    internal static async Task<Results<Ok<SimulatedReply>, ValidationProblem, ProblemHttpResult>> ReplyAsCitizenAsync(
        SimulatedMessage message,
        SurveyTurnStore store,
        TwilioSmsAdapter adapter,
        IBot bot,
        ILoggerFactory loggers,
        IOptions<SmsOptions> sms,
        CancellationToken cancellationToken)
    {
        if (sms.Value.Provider != SmsProvider.Simulator)
            return TypedResults.Problem(title: "The simulator is off", detail: "Sms:Provider is not Simulator.", statusCode: StatusCodes.Status409Conflict);
        if (!PhoneNormalizer.TryNormalize(message.From, out var from))
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["from"] = ["A valid phone number is required."] });
        if (message.Body is null || message.Body.Length > 1600)
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["body"] = ["Required, at most 1600 characters."] });

        var sid = "SM" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var replies = await TwilioWebhookApi.HandleInboundAsync(
            new InboundMessage(sid, from, "simulator", message.Body), store, adapter, bot,
            loggers.CreateLogger(typeof(SimulatorApi)), cancellationToken);
        return TypedResults.Ok(new SimulatedReply(sid, replies));
    }

    internal static async Task<Results<Ok<IReadOnlyList<ConversationLine>>, ValidationProblem>> ConversationAsync(
        string? phone, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        if (!PhoneNormalizer.TryNormalize(phone, out var e164))
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["phone"] = ["A valid phone number is required."] });
        return TypedResults.Ok(await ReadConversationAsync(dataSource, e164, cancellationToken));
    }

    /// <summary>Outbox messages, citizen messages and the bot's replies to them, oldest first.</summary>
    private static async Task<IReadOnlyList<ConversationLine>> ReadConversationAsync(
        NpgsqlDataSource dataSource, string phone, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT direction, body, at FROM (
                SELECT 'out' AS direction, body, created_at AS at, 0 AS part FROM sms_outbox WHERE to_phone = $1
                UNION ALL
                SELECT 'in', body, received_at, 1 FROM inbound_messages WHERE from_address = $1
                UNION ALL
                SELECT 'out', replace(reply, chr(30), E'\n\n'), received_at, 2
                FROM inbound_messages WHERE from_address = $1 AND coalesce(reply, '') <> ''
            ) lines
            ORDER BY at, part
            """);
        command.Parameters.AddWithValue(phone);
        var lines = new List<ConversationLine>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            lines.Add(new ConversationLine(reader.GetString(0), reader.GetString(1), reader.GetFieldValue<DateTimeOffset>(2)));
        return lines;
    }

    private static async Task<IResult> PageAsync(
        HttpContext context, IAntiforgery antiforgery, NpgsqlDataSource dataSource, string? phone, string? error)
    {
        var known = PhoneNormalizer.TryNormalize(phone, out var e164);
        var lines = known ? await ReadConversationAsync(dataSource, e164, context.RequestAborted) : [];
        var conversation = lines.Count == 0
            ? "<p class=\"meta\">Chưa có tin nhắn nào với số này.</p>"
            : string.Concat(lines.Select(l =>
                $"<div class=\"msg {(l.Direction == "in" ? "in" : "out")}\">{Html.E(l.Body)}<div class=\"meta\">{l.At.ToOffset(TimeSpan.FromHours(7)):dd/MM HH:mm:ss}</div></div>"));
        var token = Html.Antiforgery(antiforgery, context);
        return Html.Page("Mô phỏng SMS", $"""
            <section class="card">
              <h2>Mời tham gia khảo sát</h2>
              <p class="meta">Gửi lời mời thử tới một số điện thoại (tin nhắn nằm trong hộp thư mô phỏng, không gửi ra ngoài):
              <code>POST /api/admin/invitations</code> với <code>{"{"}"phone","agencyCode","procedureCode","questionnaire"{"}"}</code>.</p>
              <form method="get" action="/admin/simulator">
                <label>Số điện thoại<input name="phone" value="{Html.E(known ? e164 : phone)}" placeholder="0912345678"></label>
                <button type="submit">Xem hội thoại</button>
              </form>
            </section>
            <section class="card">
              <h2>Hội thoại {Html.E(known ? PhoneMask.Mask(e164) : "")}</h2>
              {conversation}
              {(error is null ? "" : "<p class=\"error\">Tin nhắn không hợp lệ.</p>")}
              <form method="post" action="/admin/simulator">
                {token}
                <input type="hidden" name="from" value="{Html.E(known ? e164 : "")}">
                <label>Trả lời như người dân<textarea name="body" rows="2" required placeholder="5"></textarea></label>
                <button type="submit" {(known ? "" : "disabled")}>Gửi</button>
              </form>
            </section>
            """);
    }
}
