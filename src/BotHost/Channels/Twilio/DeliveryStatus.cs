using ChatSurvey.Dispatcher.Invitations;
using ChatSurvey.Dispatcher.OptOuts;
using ChatSurvey.Dispatcher.Sms;
using ChatSurvey.Domain.Statuses;
using Npgsql;

namespace ChatSurvey.BotHost.Channels.Twilio;

/// <summary>
/// Applies Twilio status callbacks to invitations. Callbacks arrive in any order, so a status only moves an invitation
/// forward (<see cref="DeliveryProgress"/>): a late "sent" never overwrites "delivered". Error 21610 (the recipient
/// unsubscribed at the carrier) records an opt-out whatever the order, in the same batch.
/// </summary>
internal static class DeliveryStatus
{
    public static async Task ApplyAsync(
        NpgsqlDataSource dataSource, string messageSid, string status, string? errorCode, CancellationToken cancellationToken)
    {
        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(InvitationStore.ApplyProviderStatus(messageSid, status, errorCode));
        if (errorCode == SmsErrorCodes.Unsubscribed)
            batch.BatchCommands.Add(OptOutStore.RecordForMessage(messageSid, OptOutSource.Provider));
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }
}
