using ChatSurvey.BotHost.Admin;
using ChatSurvey.BotHost.Bot;
using ChatSurvey.BotHost.Channels.Twilio;
using ChatSurvey.Dispatcher.Import;
using ChatSurvey.Dispatcher.Sms;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Bot.Builder;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ChatSurvey.BotHost.Pages.Admin.Simulator;

/// <summary>
/// <c>/admin/simulator</c>: with <c>Sms:Provider=Simulator</c>, the outbox of everything "sent" and one phone's
/// conversation, with a box to reply as the citizen. A reply goes through <see cref="SimulatorApi.ReplyAsCitizenAsync"/>,
/// that is the Twilio webhook's own handling, so what works here works with a real phone.
/// </summary>
/// <remarks>
/// A conversation is picked by outbox message id (<c>?m=</c>) rather than by number, so phone numbers stay out of URLs
/// and so out of access logs; a number typed in by hand is the exception.
/// </remarks>
public sealed class IndexModel(NpgsqlDataSource dataSource, IOptions<SmsOptions> sms) : PageModel
{
    public const int OutboxCount = 100;

    public bool Enabled => sms.Value.Provider == SmsProvider.Simulator;

    /// <summary>The selected phone in E.164, or null.</summary>
    public string? Phone { get; private set; }

    [BindProperty]
    public string? From { get; set; }

    [BindProperty]
    public string? Body { get; set; }

    public string? FromError { get; private set; }

    public string? BodyError { get; private set; }

    public IReadOnlyList<OutboxRow> Outbox { get; private set; } = [];

    public IReadOnlyList<ConversationLine> Conversation { get; private set; } = [];

    public async Task OnGetAsync(long? m, string? phone, CancellationToken cancellationToken)
    {
        Phone = m is { } messageId ? await PhoneOfMessageAsync(messageId, cancellationToken)
            : PhoneNormalizer.TryNormalize(phone, out var e164) ? e164 : null;
        if (phone is not null && Phone is null)
            FromError = "Số điện thoại không hợp lệ.";
        await LoadAsync(cancellationToken);
    }

    public async Task<IActionResult> OnPostAsync(
        [FromServices] SurveyTurnStore store,
        [FromServices] TwilioSmsAdapter adapter,
        [FromServices] IBot bot,
        [FromServices] ILoggerFactory loggers,
        CancellationToken cancellationToken)
    {
        var result = await SimulatorApi.ReplyAsCitizenAsync(new SimulatedMessage(From, Body), store, adapter, bot, loggers, sms, cancellationToken);
        Phone = PhoneNormalizer.TryNormalize(From, out var e164) ? e164 : null;
        switch (result.Result)
        {
            case Ok<SimulatedReply>:
                return await LatestMessageAsync(Phone!, cancellationToken) is { } messageId
                    ? RedirectToPage(null, null, new { m = messageId }, "conversation")
                    : RedirectToPage(null, null, new { phone = Phone }, "conversation");
            case ValidationProblem problem:
                FromError = problem.ProblemDetails.Errors.ContainsKey("from") ? "Số điện thoại không hợp lệ." : null;
                BodyError = problem.ProblemDetails.Errors.ContainsKey("body") ? "Nhập nội dung tin nhắn, tối đa 1.600 ký tự." : null;
                Response.StatusCode = StatusCodes.Status400BadRequest;
                break;
            default:
                // The simulator is off: nothing was handled, the page explains how to turn it on.
                Response.StatusCode = StatusCodes.Status409Conflict;
                break;
        }

        await LoadAsync(cancellationToken);
        return Page();
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT id, to_phone, body, status, created_at
            FROM sms_outbox
            ORDER BY created_at DESC, id DESC
            LIMIT $1
            """);
        command.Parameters.AddWithValue(OutboxCount);
        var outbox = new List<OutboxRow>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                var to = reader.GetString(1);
                outbox.Add(new OutboxRow(reader.GetInt64(0), PhoneMask.Mask(to), reader.GetString(2), reader.GetString(3),
                    reader.GetFieldValue<DateTimeOffset>(4), to == Phone));
            }
        }

        Outbox = outbox;
        if (Phone is not null)
            Conversation = await SimulatorApi.ReadConversationAsync(dataSource, Phone, cancellationToken);
    }

    private async Task<string?> PhoneOfMessageAsync(long messageId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT to_phone FROM sms_outbox WHERE id = $1");
        command.Parameters.AddWithValue(messageId);
        return await command.ExecuteScalarAsync(cancellationToken) as string;
    }

    private async Task<long?> LatestMessageAsync(string phone, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT max(id) FROM sms_outbox WHERE to_phone = $1");
        command.Parameters.AddWithValue(phone);
        return await command.ExecuteScalarAsync(cancellationToken) as long?;
    }

    public sealed record OutboxRow(long Id, string MaskedTo, string Body, string Status, DateTimeOffset At, bool Selected);
}
