using ChatSurvey.BotHost.Admin;
using ChatSurvey.Dispatcher.Import;
using ChatSurvey.Dispatcher.Sms;
using ChatSurvey.Domain.Problems;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace ChatSurvey.BotHost.Pages.Admin.Simulator;

/// <summary>
/// <c>/admin/simulator</c>: with <c>Sms:Provider=Simulator</c>, the outbox of everything "sent" and one phone's
/// conversation, with a box to reply as the citizen. A reply goes through <see cref="SmsSimulator"/> as the API's does,
/// that is the Twilio webhook's own handling, so what works here works with a real phone.
/// </summary>
/// <remarks>
/// A conversation is picked by outbox message id (<c>?m=</c>) rather than by number, so phone numbers stay out of URLs
/// and so out of access logs; a number typed in by hand is the exception.
/// </remarks>
public sealed class IndexModel(SmsSimulator simulator, SimulatorSmsGateway outbox) : PageModel
{
    public const int OutboxCount = 100;

    public bool Enabled => simulator.Enabled;

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
        Phone = m is { } messageId ? await outbox.RecipientOfAsync(messageId, cancellationToken)
            : PhoneNormalizer.TryNormalize(phone, out var e164) ? e164 : null;
        if (phone is not null && Phone is null)
            FromError = Problem.Of("phone", ProblemCodes.SimulatorPhoneInvalid).Vietnamese;
        await LoadAsync(cancellationToken);
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        var outcome = await simulator.ReplyAsCitizenAsync(new SimulatedMessage(From, Body), cancellationToken);
        Phone = PhoneNormalizer.TryNormalize(From, out var e164) ? e164 : null;
        if (outcome.Reply is not null)
        {
            return await outbox.LatestMessageToAsync(Phone!, cancellationToken) is { } messageId
                ? RedirectToPage(null, null, new { m = messageId }, "conversation")
                : RedirectToPage(null, null, new { phone = Phone }, "conversation");
        }

        // Refused, or the simulator is off: nothing was handled (when off, the page explains how to turn it on).
        Response.StatusCode = outcome.Off ? StatusCodes.Status409Conflict : StatusCodes.Status400BadRequest;
        FromError = outcome.Problems.FirstOrDefault(p => p.Field == "from")?.Vietnamese;
        BodyError = outcome.Problems.FirstOrDefault(p => p.Field == "body")?.Vietnamese;

        await LoadAsync(cancellationToken);
        return Page();
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        Outbox = [.. (await outbox.ListOutboxAsync(OutboxCount, cancellationToken))
            .Select(m => new OutboxRow(m.Id, PhoneMask.Mask(m.To), m.Body, m.Status, m.CreatedAt, m.To == Phone))];
        if (Phone is not null)
            Conversation = await simulator.ReadConversationAsync(Phone, cancellationToken);
    }

    public sealed record OutboxRow(long Id, string MaskedTo, string Body, string Status, DateTimeOffset At, bool Selected);
}
