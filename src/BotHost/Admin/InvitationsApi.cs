using ChatSurvey.Dispatcher;
using ChatSurvey.Dispatcher.Import;
using ChatSurvey.Dispatcher.Sending;
using ChatSurvey.Dispatcher.Sms;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace ChatSurvey.BotHost.Admin;

public sealed record InviteRequest(string? Phone, string? AgencyCode, string? ProcedureCode, string? Questionnaire);

public sealed record InviteResponse(long InvitationId, string Code, string Link, string Status);

/// <summary><c>POST /api/admin/invitations</c>: invite one person now (try the product on your own phone or the simulator).</summary>
public static class InvitationsApi
{
    public static RouteGroupBuilder MapInvitationsApi(this RouteGroupBuilder admin)
    {
        admin.MapPost("/invitations", InviteAsync).WithName("InviteOne");
        return admin;
    }

    internal static async Task<Results<Created<InviteResponse>, ValidationProblem, ProblemHttpResult>> InviteAsync(
        InviteRequest request,
        ManualInvitations invitations,
        SingleInvitationSender sender,
        IOptions<AppOptions> app,
        CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        if (!PhoneNormalizer.TryNormalize(request.Phone, out var phone))
            errors["phone"] = ["A valid phone number is required (0912345678 or +84912345678)."];
        if (string.IsNullOrWhiteSpace(request.AgencyCode))
            errors["agencyCode"] = ["Required."];
        if (string.IsNullOrWhiteSpace(request.ProcedureCode))
            errors["procedureCode"] = ["Required."];
        if (errors.Count > 0)
            return TypedResults.ValidationProblem(errors);

        ManualInvitation created;
        try
        {
            created = await invitations.CreateAsync(
                new ManualInvitationRequest(phone, request.AgencyCode!, request.ProcedureCode!, request.Questionnaire ?? "sipas-sms"),
                cancellationToken);
        }
        catch (InvitationRequestException e)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { [e.Field] = [e.Message] });
        }

        SendOutcome outcome;
        try
        {
            outcome = await sender.SendAsync(created.InvitationId, cancellationToken);
        }
        catch (SmsSendException e)
        {
            return TypedResults.Problem(title: "The SMS provider is unavailable; the invitation will be sent when it is back.",
                detail: e.Message, statusCode: StatusCodes.Status503ServiceUnavailable);
        }

        var link = $"{app.Value.PublicBaseUrl.TrimEnd('/')}/s/{created.Code}";
        var response = new InviteResponse(created.InvitationId, created.Code, link, outcome.ToString().ToLowerInvariant());
        return TypedResults.Created($"/api/admin/invitations/{created.InvitationId}", response);
    }
}
