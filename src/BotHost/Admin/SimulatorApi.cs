using ChatSurvey.Dispatcher.Import;
using ChatSurvey.Domain.Problems;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ChatSurvey.BotHost.Admin;

/// <summary>
/// The SMS simulator's API (<c>Sms:Provider=Simulator</c>); the page is <c>Pages/Admin/Simulator</c>. Both go through
/// <see cref="SmsSimulator"/>, whose simulated replies take the Twilio webhook's own handling (deduplication, routing,
/// bot turn), so what works here works with a real phone.
/// </summary>
internal static class SimulatorApi
{
    public static RouteGroupBuilder MapSimulatorApi(this RouteGroupBuilder admin)
    {
        admin.MapPost("/simulator/messages", ReplyAsCitizenAsync);
        admin.MapGet("/simulator/conversation", ConversationAsync);
        return admin;
    }

    internal static async Task<Results<Ok<SimulatedReply>, ValidationProblem, ProblemHttpResult>> ReplyAsCitizenAsync(
        SimulatedMessage message, SmsSimulator simulator, CancellationToken cancellationToken)
    {
        var outcome = await simulator.ReplyAsCitizenAsync(message, cancellationToken);
        if (outcome.Reply is { } reply)
            return TypedResults.Ok(reply);
        if (outcome.Off)
            return TypedResults.Problem(title: "The simulator is off", detail: "Sms:Provider is not Simulator.", statusCode: StatusCodes.Status409Conflict);
        return TypedResults.ValidationProblem(Problem.ToErrors(outcome.Problems));
    }

    internal static async Task<Results<Ok<IReadOnlyList<ConversationLine>>, ValidationProblem>> ConversationAsync(
        string? phone, SmsSimulator simulator, CancellationToken cancellationToken)
    {
        if (!PhoneNormalizer.TryNormalize(phone, out var e164))
            return TypedResults.ValidationProblem(Problem.ToErrors([Problem.Of("phone", ProblemCodes.SimulatorPhoneInvalid)]));
        return TypedResults.Ok(await simulator.ReadConversationAsync(e164, cancellationToken));
    }
}
