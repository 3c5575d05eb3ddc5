using ChatSurvey.Dispatcher.Sms;
using ChatSurvey.Domain.Conversations;
using ChatSurvey.Domain.Invitations;
using ChatSurvey.Domain.Questionnaires;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ChatSurvey.Dispatcher.Sending;

public enum SendOutcome
{
    Sent,
    /// <summary>Not planned any more (already claimed, sent, cancelled …): nothing was sent.</summary>
    NotDue,
    /// <summary>The number opted out: the invitation is closed without sending.</summary>
    OptedOut,
    /// <summary>The provider refused it for good; the code is stored on the invitation.</summary>
    Failed,
}

/// <summary>
/// Sends one invitation at most once: the row is claimed in the database before the provider call and the provider's
/// message id stored after it. A retryable provider error puts the row back to planned (the caller retries later);
/// a final one records the provider's code, and 21610 (unsubscribed) records an opt-out.
/// </summary>
public sealed class InvitationSender(
    NpgsqlDataSource dataSource,
    ISmsGateway gateway,
    QuestionnaireStore questionnaires,
    IOptions<SmsOptions> smsOptions,
    IOptions<AppOptions> appOptions,
    TimeProvider clock,
    ILogger<InvitationSender> logger)
{
    public async Task<SendOutcome> SendAsync(long invitationId, CancellationToken cancellationToken)
    {
        var claim = await ClaimAsync(invitationId, cancellationToken);
        if (claim is null)
            return SendOutcome.NotDue;
        if (claim.OptedOut)
        {
            await SetStatusAsync(invitationId, "opted_out", null, cancellationToken);
            return SendOutcome.OptedOut;
        }

        var body = await ComposeAsync(claim, cancellationToken);
        var baseUrl = appOptions.Value.PublicBaseUrl.TrimEnd('/');
        try
        {
            var result = await gateway.SendAsync(
                new SmsMessage(claim.Phone, body, new Uri($"{baseUrl}/api/sms/twilio/status")), cancellationToken);
            await using var sent = dataSource.CreateCommand(
                """
                UPDATE invitations
                SET status = CASE WHEN status = 'claimed' THEN 'sent' ELSE status END,
                    provider_message_id = $2, provider_status = $3, sent_at = coalesce(sent_at, now())
                WHERE id = $1
                """);
            sent.Parameters.AddWithValue(invitationId);
            sent.Parameters.AddWithValue(result.ProviderMessageId);
            sent.Parameters.AddWithValue(result.Status);
            await sent.ExecuteNonQueryAsync(cancellationToken);
            logger.LogInformation("Invitation {Invitation} sent to {Phone} as {MessageSid}",
                invitationId, PhoneMask.Mask(claim.Phone), result.ProviderMessageId);
            return SendOutcome.Sent;
        }
        catch (SmsSendException e) when (e.Retryable)
        {
            // The provider may have accepted the message before the error (a lost answer, a timeout): only a look at
            // its message list may put the row back to planned. If that look fails too, the row stays claimed for
            // the reconciliation job, and nothing is sent twice.
            logger.LogWarning("Invitation {Invitation} to {Phone}: provider error ({Status}); reconciling before any retry",
                invitationId, PhoneMask.Mask(claim.Phone), e.HttpStatus);
            await ReconcileAsync(invitationId, cancellationToken);
            throw;
        }
        catch (SmsSendException e)
        {
            await SetStatusAsync(invitationId, "failed", e.ProviderCode, cancellationToken);
            if (e.ProviderCode == SmsErrorCodes.Unsubscribed)
                await RecordOptOutAsync(claim.Phone, cancellationToken);
            logger.LogWarning("Invitation {Invitation} to {Phone} failed for good: {Code} {Message}",
                invitationId, PhoneMask.Mask(claim.Phone), e.ProviderCode, e.Message);
            return SendOutcome.Failed;
        }
    }

    /// <summary>
    /// Settles a claimed invitation whose send has no recorded outcome (a crash or an error between claim and
    /// confirmation): if the provider lists a message to that phone carrying the invitation's link since the claim,
    /// the invitation is sent (with that message id); otherwise it goes back to planned. Returns true when it was sent.
    /// </summary>
    /// <exception cref="SmsSendException">The provider's list could not be read; the invitation stays claimed.</exception>
    public async Task<bool> ReconcileAsync(long invitationId, CancellationToken cancellationToken)
    {
        await using var read = dataSource.CreateCommand(
            "SELECT phone, code, claimed_at FROM invitations WHERE id = $1 AND status = 'claimed' AND provider_message_id IS NULL");
        read.Parameters.AddWithValue(invitationId);
        string phone, code;
        DateTimeOffset claimedAt;
        await using (var reader = await read.ExecuteReaderAsync(cancellationToken))
        {
            if (!await reader.ReadAsync(cancellationToken))
                return false;
            (phone, code, claimedAt) = (reader.GetString(0), reader.GetString(1), reader.GetFieldValue<DateTimeOffset>(2));
        }

        var sent = await gateway.ListSentAsync(phone, claimedAt.AddMinutes(-1), cancellationToken);
        var match = sent.FirstOrDefault(m => m.Body.Contains($"/s/{code}", StringComparison.Ordinal));
        await using var settle = dataSource.CreateCommand(
            match is null
                ? "UPDATE invitations SET status = 'planned' WHERE id = $1 AND status = 'claimed'"
                : """
                  UPDATE invitations SET status = 'sent', provider_message_id = $2, provider_status = $3, sent_at = coalesce(sent_at, now())
                  WHERE id = $1 AND status = 'claimed'
                  """);
        settle.Parameters.AddWithValue(invitationId);
        if (match is not null)
        {
            settle.Parameters.AddWithValue(match.ProviderMessageId);
            settle.Parameters.AddWithValue(match.Status);
        }

        await settle.ExecuteNonQueryAsync(cancellationToken);
        return match is not null;
    }

    private sealed record Claim(
        string Phone, string Code, string AgencyName, string ProcedureShortName, long QuestionnaireId, bool OptedOut);

    private async Task<Claim?> ClaimAsync(long invitationId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            UPDATE invitations i
            SET status = 'claimed', claimed_at = now(), attempts = i.attempts + 1
            FROM waves w, agencies a, transactions t, procedures p
            WHERE i.id = $1 AND i.status = 'planned'
              AND w.id = i.wave_id AND a.id = i.agency_id AND t.id = i.transaction_id AND p.id = t.procedure_id
            RETURNING i.phone, i.code, a.name, p.short_name, w.questionnaire_id,
                      EXISTS (SELECT 1 FROM opt_outs o WHERE o.phone = i.phone)
            """);
        command.Parameters.AddWithValue(invitationId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
            return null;
        return new Claim(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
            reader.GetInt64(4), reader.GetBoolean(5));
    }

    private async Task<string> ComposeAsync(Claim claim, CancellationToken cancellationToken)
    {
        string? firstQuestion = null;
        if (smsOptions.Value.TwoWay)
        {
            var stored = await questionnaires.GetByIdAsync(claim.QuestionnaireId, cancellationToken)
                ?? throw new InvalidOperationException($"Questionnaire {claim.QuestionnaireId} is missing.");
            // The same first prompt the engine shows, so the first reply answers it.
            firstQuestion = SurveyEngine.Start(stored.Definition, SurveyChannel.Sms, clock.GetUtcNow()).Replies[^1].Text;
        }

        var link = $"{appOptions.Value.PublicBaseUrl.TrimEnd('/')}/s/{claim.Code}";
        return InvitationText.Render(new InvitationTextInput(claim.AgencyName, claim.ProcedureShortName, link, firstQuestion));
    }

    private async Task SetStatusAsync(long invitationId, string status, string? errorCode, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "UPDATE invitations SET status = $2, error_code = coalesce($3, error_code) WHERE id = $1");
        command.Parameters.AddWithValue(invitationId);
        command.Parameters.AddWithValue(status);
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)errorCode ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private async Task RecordOptOutAsync(string phone, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "INSERT INTO opt_outs (phone, source) VALUES ($1, 'provider') ON CONFLICT (phone) DO NOTHING");
        command.Parameters.AddWithValue(phone);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
