using ChatSurvey.Dispatcher.Invitations;
using ChatSurvey.Dispatcher.Sms;
using ChatSurvey.Domain.Conversations;
using ChatSurvey.Domain.Invitations;
using ChatSurvey.Domain.Questionnaires;
using Microsoft.Extensions.Options;

namespace ChatSurvey.Dispatcher.Sending;

/// <summary>The texts sent to a citizen: the invitation (with the first question when SMS is two-way) and the reminder.</summary>
public sealed class InvitationMessages(QuestionnaireCache questionnaires, IOptions<SmsOptions> sms, IOptions<AppOptions> app)
{
    /// <summary>Where the provider posts delivery status callbacks.</summary>
    public Uri StatusCallback => new($"{BaseUrl}/api/sms/twilio/status");

    /// <summary>The invitation; with <c>Sms:TwoWay</c> it ends with the first question as the engine asks it, so the first reply answers it.</summary>
    public async ValueTask<string> InvitationAsync(InvitationClaim claim, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(claim);
        var firstQuestion = sms.Value.TwoWay
            ? await questionnaires.FirstPromptAsync(claim.QuestionnaireId, SurveyChannel.Sms, cancellationToken)
            : null;
        return InvitationText.Render(new InvitationTextInput(claim.AgencyName, claim.ProcedureShortName, Link(claim.Code), firstQuestion));
    }

    /// <summary>The reminder: the invitation's link only.</summary>
    public string Reminder(InvitationClaim claim)
    {
        ArgumentNullException.ThrowIfNull(claim);
        return "Nhac lai: " + InvitationText.Render(
            new InvitationTextInput(claim.AgencyName, claim.ProcedureShortName, Link(claim.Code), FirstQuestionSms: null));
    }

    /// <summary>What reconciliation looks for in a sent message's body: the invitation's link.</summary>
    public static bool Carries(string body, string code) => body.Contains($"/s/{code}", StringComparison.Ordinal);

    private string BaseUrl => app.Value.PublicBaseUrl.TrimEnd('/');

    private string Link(string code) => $"{BaseUrl}/s/{code}";
}
