using ChatSurvey.Dispatcher.Sms;
using Npgsql;

namespace ChatSurvey.BotHost.Channels.Twilio;

/// <summary>
/// Applies Twilio status callbacks to invitations. Callbacks arrive in any order, so a status only moves an
/// invitation forward (queued → sent → delivered/failed): a late "sent" never overwrites "delivered".
/// Error 21610 (the recipient unsubscribed at the carrier) records an opt-out whatever the order.
/// </summary>
internal static class DeliveryStatus
{
    /// <summary>Progress rank of a Twilio MessageStatus, or null when unknown.</summary>
    public static int? Rank(string twilioStatus) => twilioStatus switch
    {
        "accepted" or "scheduled" or "queued" or "sending" => 1,
        "sent" => 2,
        "delivered" or "read" or "undelivered" or "failed" => 3,
        "canceled" => 3,
        _ => null,
    };

    public static async Task ApplyAsync(
        NpgsqlDataSource dataSource, string messageSid, string status, string? errorCode, CancellationToken cancellationToken)
    {
        var invitationStatus = status switch
        {
            "sent" => "sent",
            "delivered" or "read" => "delivered",
            "undelivered" or "failed" or "canceled" => "failed",
            _ => null,
        };

        await using var batch = dataSource.CreateBatch();
        var update = new NpgsqlBatchCommand(
            """
            UPDATE invitations
            SET status = coalesce($2, status),
                provider_status = $3,
                error_code = coalesce($4, error_code),
                sent_at = CASE WHEN $2 IS NOT NULL THEN coalesce(sent_at, now()) ELSE sent_at END,
                delivered_at = CASE WHEN $2 = 'delivered' THEN coalesce(delivered_at, now()) ELSE delivered_at END
            WHERE provider_message_id = $1
              AND (CASE status WHEN 'delivered' THEN 3 WHEN 'failed' THEN 3 WHEN 'sent' THEN 2 ELSE 0 END) < $5
            """);
        update.Parameters.Add(new NpgsqlParameter { Value = messageSid });
        update.Parameters.Add(new NpgsqlParameter { Value = (object?)invitationStatus ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        update.Parameters.Add(new NpgsqlParameter { Value = status });
        update.Parameters.Add(new NpgsqlParameter { Value = (object?)errorCode ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        update.Parameters.Add(new NpgsqlParameter { Value = Rank(status)!.Value });
        batch.BatchCommands.Add(update);

        if (errorCode == SmsErrorCodes.Unsubscribed)
        {
            var optOut = new NpgsqlBatchCommand(
                """
                INSERT INTO opt_outs (phone, source)
                SELECT phone, 'provider' FROM invitations WHERE provider_message_id = $1
                ON CONFLICT (phone) DO NOTHING
                """);
            optOut.Parameters.Add(new NpgsqlParameter { Value = messageSid });
            batch.BatchCommands.Add(optOut);
        }

        await batch.ExecuteNonQueryAsync(cancellationToken);
    }
}
