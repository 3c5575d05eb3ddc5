using System.Globalization;
using System.Security.Cryptography;
using ChatSurvey.Dispatcher.Jobs;
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

/// <summary>What one batch did.</summary>
/// <param name="Claimed">Invitations claimed (0: nothing was due in an open window of a running wave).</param>
/// <param name="Sent">Handed to the provider and confirmed with its message id.</param>
/// <param name="Failed">Refused by the provider for good (its code is stored).</param>
/// <param name="OptedOut">Closed without sending: the number opted out.</param>
/// <param name="RetryableError">The provider answered 429/5xx or could not be reached; the batch stopped early.</param>
public sealed record BatchResult(int Claimed, int Sent, int Failed, int OptedOut, bool RetryableError);

/// <summary>
/// Sends invitations at most once: rows are claimed in the database (<c>planned → claimed</c>) before the provider call
/// and the provider's message id stored after it. A final provider error records the provider's code (21610 also records
/// an opt-out). A retryable one (429, 5xx, network) leaves the row claimed with a backed-off <c>planned_at</c>: the
/// provider may have accepted it, so only <see cref="ReconcileAsync"/> — a look at the provider's message list — may put
/// it back to planned.
/// <para>
/// Batches (<see cref="SendDueBatchAsync"/>) claim due rows with <c>FOR UPDATE SKIP LOCKED</c>, so any number of workers
/// share a wave through the database. Each batch holds a session advisory lock on its claim token while it runs; a claim
/// whose token is no longer locked belongs to a batch that ended or died (SIGKILL closes its connection, and PostgreSQL
/// drops the lock), and <see cref="ReconcileAbandonedAsync"/> settles it against the provider before anything is re-sent.
/// </para>
/// </summary>
public sealed class InvitationSender(
    NpgsqlDataSource dataSource,
    ISmsGateway gateway,
    QuestionnaireStore questionnaires,
    SendRateLimiter rateLimiter,
    IOptions<SmsOptions> smsOptions,
    IOptions<AppOptions> appOptions,
    IOptions<DispatcherOptions> dispatcherOptions,
    TimeProvider clock,
    ILogger<InvitationSender> logger)
{
    // Advisory locks with two int keys live apart from the single-bigint ones (the migrator's); this is the first key.
    private const int ClaimLockNamespace = 0x43535344;

    private static readonly string ClaimedBy = string.Create(CultureInfo.InvariantCulture, $"{Environment.MachineName}:{Environment.ProcessId}");

    // The claim statement's tail, shared by the single and the batch claim: the columns the invitation text needs.
    private const string ClaimReturning =
        """
        RETURNING i.id, i.phone, i.code, a.name, p.short_name, w.questionnaire_id,
                  EXISTS (SELECT 1 FROM opt_outs o WHERE o.phone = i.phone)
        """;

    /// <summary>Sends one invitation now (manual invitations), whatever its wave's window; reconciles at once on a retryable error.</summary>
    /// <exception cref="SmsSendException">A retryable provider error; the invitation is planned again unless the provider has it.</exception>
    public async Task<SendOutcome> SendAsync(long invitationId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            $"""
            UPDATE invitations i
            SET status = 'claimed', claimed_at = now(), attempts = i.attempts + 1, claim_token = NULL, claimed_by = $2
            FROM waves w, agencies a, transactions t, procedures p
            WHERE i.id = $1 AND i.status = 'planned'
              AND w.id = i.wave_id AND a.id = i.agency_id AND t.id = i.transaction_id AND p.id = t.procedure_id
            {ClaimReturning}
            """);
        command.Parameters.AddWithValue(invitationId);
        command.Parameters.AddWithValue(ClaimedBy);
        var claims = await ReadClaimsAsync(command, cancellationToken);
        if (claims.Count == 0)
            return SendOutcome.NotDue;
        try
        {
            return await SendClaimedAsync(claims[0], cancellationToken);
        }
        catch (SmsSendException e) when (e.Retryable)
        {
            await ReconcileAsync(invitationId, cancellationToken);
            throw;
        }
    }

    /// <summary>
    /// Claims up to <paramref name="maxCount"/> due invitations — planned, <c>planned_at</c> reached, wave running, now
    /// inside the wave's send window (Vietnam time) — and sends them in slots of the deployment-wide rate.
    /// Stops at the first retryable provider error; claims not yet handed to the provider go back to planned.
    /// </summary>
    public async Task<BatchResult> SendDueBatchAsync(int maxCount, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxCount);
        await using var lockConnection = await dataSource.OpenConnectionAsync(cancellationToken);
        int token;
        await using (var take = new NpgsqlCommand(
            "SELECT t, pg_advisory_lock($1, t) FROM (SELECT nextval('invitation_claim_token_seq')::integer AS t) s", lockConnection))
        {
            take.Parameters.AddWithValue(ClaimLockNamespace);
            token = (int)(await take.ExecuteScalarAsync(cancellationToken))!;
        }

        var pending = new List<Claim>();
        try
        {
            var now = clock.GetUtcNow();
            await using var command = dataSource.CreateCommand(
                $"""
                WITH due AS (
                    SELECT i.id
                    FROM invitations i JOIN waves w ON w.id = i.wave_id
                    WHERE i.status = 'planned' AND i.planned_at <= $1 AND w.status = 'running'
                      AND w.send_window_start <= $2 AND $2 < w.send_window_end
                    ORDER BY i.planned_at, i.id
                    LIMIT $3
                    FOR UPDATE OF i SKIP LOCKED
                )
                UPDATE invitations i
                SET status = 'claimed', claimed_at = now(), attempts = i.attempts + 1, claim_token = $4, claimed_by = $5
                FROM due, waves w, agencies a, transactions t, procedures p
                WHERE i.id = due.id
                  AND w.id = i.wave_id AND a.id = i.agency_id AND t.id = i.transaction_id AND p.id = t.procedure_id
                {ClaimReturning}
                """);
            command.Parameters.AddWithValue(now);
            command.Parameters.AddWithValue(SendWindow.LocalTimeOfDay(now));
            command.Parameters.AddWithValue(maxCount);
            command.Parameters.AddWithValue(token);
            command.Parameters.AddWithValue(ClaimedBy);
            var claims = await ReadClaimsAsync(command, cancellationToken);
            if (claims.Count == 0)
                return new BatchResult(0, 0, 0, 0, false);

            var optedOut = 0;
            foreach (var claim in claims)
            {
                if (claim.OptedOut)
                {
                    await SetStatusAsync(claim.Id, "opted_out", null, CancellationToken.None);
                    optedOut++;
                }
                else
                {
                    pending.Add(claim);
                }
            }

            int sent = 0, failed = 0;
            if (pending.Count == 0)
                return new BatchResult(claims.Count, 0, 0, optedOut, false);
            var slots = await rateLimiter.ReserveAsync(pending.Count, cancellationToken);
            for (var i = 0; pending.Count > 0; i++)
            {
                await slots.WaitForAsync(i, cancellationToken);
                var claim = pending[0];
                // From here the provider may have it: the row is no longer ours to release.
                pending.RemoveAt(0);
                try
                {
                    if (await SendClaimedAsync(claim, cancellationToken) == SendOutcome.Sent)
                        sent++;
                    else
                        failed++;
                }
                catch (SmsSendException e) when (e.Retryable)
                {
                    await BackOffAsync(claim.Id, CancellationToken.None);
                    return new BatchResult(claims.Count, sent, failed, optedOut, true);
                }
            }

            return new BatchResult(claims.Count, sent, failed, optedOut, false);
        }
        finally
        {
            // Never handed to the provider (early stop, cancellation): certainly not sent, so simply planned again.
            if (pending.Count > 0)
                await ReleaseAsync(pending.Select(c => c.Id).ToArray(), token);
            await using var unlock = new NpgsqlCommand("SELECT pg_advisory_unlock($1, $2)", lockConnection);
            unlock.Parameters.AddWithValue(ClaimLockNamespace);
            unlock.Parameters.AddWithValue(token);
            await unlock.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }

    /// <summary>
    /// Settles every claim without a provider id whose batch has ended or died and which is older than
    /// <c>Dispatcher:ReconcileAfter</c>: see <see cref="ReconcileAsync"/>. Claims of live batches are left alone (their
    /// advisory lock is held), and so are claims another reconciler is settling. Returns how many were settled.
    /// A provider error while listing stops the pass; those claims stay claimed for the next one.
    /// </summary>
    public async Task<int> ReconcileAbandonedAsync(CancellationToken cancellationToken)
    {
        var tokens = new List<int>();
        await using (var find = dataSource.CreateCommand(
            """
            SELECT DISTINCT coalesce(claim_token, 0) FROM invitations
            WHERE status = 'claimed' AND provider_message_id IS NULL AND claimed_at <= now() - $1
            """))
        {
            find.Parameters.AddWithValue(dispatcherOptions.Value.ReconcileAfter);
            await using var reader = await find.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
                tokens.Add(reader.GetInt32(0));
        }

        var settled = 0;
        foreach (var token in tokens)
        {
            await using var lockConnection = await dataSource.OpenConnectionAsync(cancellationToken);
            await using (var tryLock = new NpgsqlCommand("SELECT pg_try_advisory_lock($1, $2)", lockConnection))
            {
                tryLock.Parameters.AddWithValue(ClaimLockNamespace);
                tryLock.Parameters.AddWithValue(token);
                if (!(bool)(await tryLock.ExecuteScalarAsync(cancellationToken))!)
                    continue;
            }

            try
            {
                var ids = new List<long>();
                await using (var rows = dataSource.CreateCommand(
                    """
                    SELECT id FROM invitations
                    WHERE status = 'claimed' AND provider_message_id IS NULL AND coalesce(claim_token, 0) = $1
                      AND claimed_at <= now() - $2
                    ORDER BY id
                    """))
                {
                    rows.Parameters.AddWithValue(token);
                    rows.Parameters.AddWithValue(dispatcherOptions.Value.ReconcileAfter);
                    await using var reader = await rows.ExecuteReaderAsync(cancellationToken);
                    while (await reader.ReadAsync(cancellationToken))
                        ids.Add(reader.GetInt64(0));
                }

                foreach (var id in ids)
                {
                    var wasSent = await ReconcileAsync(id, cancellationToken);
                    settled++;
                    logger.LogInformation("Invitation {Invitation}: abandoned claim reconciled, {Outcome}",
                        id, wasSent ? "the provider has it (sent)" : "the provider has none (planned again)");
                }
            }
            catch (SmsSendException e)
            {
                logger.LogWarning("Reconciliation stopped: the provider's message list could not be read ({Status}); claims stay claimed",
                    e.HttpStatus);
                break;
            }
            finally
            {
                await using var unlock = new NpgsqlCommand("SELECT pg_advisory_unlock($1, $2)", lockConnection);
                unlock.Parameters.AddWithValue(ClaimLockNamespace);
                unlock.Parameters.AddWithValue(token);
                await unlock.ExecuteNonQueryAsync(CancellationToken.None);
            }
        }

        return settled;
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
        if (match is null)
        {
            await using var planned = dataSource.CreateCommand(
                "UPDATE invitations SET status = 'planned', claim_token = NULL WHERE id = $1 AND status = 'claimed'");
            planned.Parameters.AddWithValue(invitationId);
            await planned.ExecuteNonQueryAsync(cancellationToken);
            return false;
        }

        await MarkSentAsync(invitationId, match.ProviderMessageId, match.Status, cancellationToken);
        return true;
    }

    /// <summary>
    /// Sends a reminder (link only) to up to <paramref name="maxCount"/> invitations whose reminder is due, inside the
    /// wave's send window, whose wave is running, that have not expired, whose number has not opted out and whose
    /// survey is not completed. At most one reminder: <c>reminded_at</c> is set before the provider call, so a crash or a
    /// provider error loses the reminder rather than risking a second one.
    /// </summary>
    public async Task<int> SendDueRemindersAsync(int maxCount, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        await using var command = dataSource.CreateCommand(
            $"""
            WITH due AS (
                SELECT i.id
                FROM invitations i JOIN waves w ON w.id = i.wave_id
                WHERE i.status IN ('sent', 'delivered') AND i.reminded_at IS NULL AND i.reminder_due_at <= $1
                  AND (i.expires_at IS NULL OR i.expires_at > $1) AND w.status = 'running'
                  AND w.send_window_start <= $2 AND $2 < w.send_window_end
                  AND NOT EXISTS (SELECT 1 FROM responses r WHERE r.invitation_id = i.id AND r.status = 'completed')
                  AND NOT EXISTS (SELECT 1 FROM opt_outs o WHERE o.phone = i.phone)
                ORDER BY i.reminder_due_at, i.id
                LIMIT $3
                FOR UPDATE OF i SKIP LOCKED
            )
            UPDATE invitations i
            SET reminded_at = $1
            FROM due, waves w, agencies a, transactions t, procedures p
            WHERE i.id = due.id
              AND w.id = i.wave_id AND a.id = i.agency_id AND t.id = i.transaction_id AND p.id = t.procedure_id
            {ClaimReturning}
            """);
        command.Parameters.AddWithValue(now);
        command.Parameters.AddWithValue(SendWindow.LocalTimeOfDay(now));
        command.Parameters.AddWithValue(maxCount);
        var claims = await ReadClaimsAsync(command, cancellationToken);
        if (claims.Count == 0)
            return 0;

        var sent = 0;
        var slots = await rateLimiter.ReserveAsync(claims.Count, cancellationToken);
        for (var i = 0; i < claims.Count; i++)
        {
            await slots.WaitForAsync(i, cancellationToken);
            var claim = claims[i];
            var body = "Nhac lai: " + InvitationText.Render(
                new InvitationTextInput(claim.AgencyName, claim.ProcedureShortName, Link(claim.Code), FirstQuestionSms: null));
            try
            {
                var result = await gateway.SendAsync(new SmsMessage(claim.Phone, body, StatusCallback()), cancellationToken);
                sent++;
                logger.LogInformation("Reminder for invitation {Invitation} sent to {Phone} as {MessageSid}",
                    claim.Id, PhoneMask.Mask(claim.Phone), result.ProviderMessageId);
            }
            catch (SmsSendException e)
            {
                if (e.ProviderCode == SmsErrorCodes.Unsubscribed)
                    await RecordOptOutAsync(claim.Phone, CancellationToken.None);
                logger.LogWarning("Reminder for invitation {Invitation} to {Phone} not sent (no retry: at most one reminder): {Code} {Status}",
                    claim.Id, PhoneMask.Mask(claim.Phone), e.ProviderCode, e.HttpStatus);
            }
        }

        return sent;
    }

    private sealed record Claim(
        long Id, string Phone, string Code, string AgencyName, string ProcedureShortName, long QuestionnaireId, bool OptedOut);

    private async Task<bool> IsOptedOutAsync(string phone, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT EXISTS (SELECT 1 FROM opt_outs WHERE phone = $1)");
        command.Parameters.AddWithValue(phone);
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private static async Task<List<Claim>> ReadClaimsAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var claims = new List<Claim>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            claims.Add(new Claim(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
                reader.GetString(4), reader.GetInt64(5), reader.GetBoolean(6)));
        }

        return claims;
    }

    /// <summary>Hands one claimed invitation to the provider and records the outcome. Retryable errors are thrown.</summary>
    private async Task<SendOutcome> SendClaimedAsync(Claim claim, CancellationToken cancellationToken)
    {
        // Checked again right before the provider call: a STOP may have arrived while the batch waited for its rate slot.
        if (claim.OptedOut || await IsOptedOutAsync(claim.Phone, cancellationToken))
        {
            await SetStatusAsync(claim.Id, "opted_out", null, cancellationToken);
            return SendOutcome.OptedOut;
        }

        var body = await ComposeAsync(claim, cancellationToken);
        try
        {
            var result = await gateway.SendAsync(new SmsMessage(claim.Phone, body, StatusCallback()), cancellationToken);
            // The provider has it: record that even if this job is being cancelled.
            await MarkSentAsync(claim.Id, result.ProviderMessageId, result.Status, CancellationToken.None);
            logger.LogInformation("Invitation {Invitation} sent to {Phone} as {MessageSid}",
                claim.Id, PhoneMask.Mask(claim.Phone), result.ProviderMessageId);
            return SendOutcome.Sent;
        }
        catch (SmsSendException e) when (e.Retryable)
        {
            logger.LogWarning("Invitation {Invitation} to {Phone}: provider error ({Status}); it stays claimed until reconciled",
                claim.Id, PhoneMask.Mask(claim.Phone), e.HttpStatus);
            throw;
        }
        catch (SmsSendException e)
        {
            await SetStatusAsync(claim.Id, "failed", e.ProviderCode, CancellationToken.None);
            if (e.ProviderCode == SmsErrorCodes.Unsubscribed)
                await RecordOptOutAsync(claim.Phone, CancellationToken.None);
            logger.LogWarning("Invitation {Invitation} to {Phone} failed for good: {Code} {Message}",
                claim.Id, PhoneMask.Mask(claim.Phone), e.ProviderCode, e.Message);
            return SendOutcome.Failed;
        }
    }

    /// <summary>Sent: the provider's id, and the reminder and expiry clocks start now (the wave's policy).</summary>
    private async Task MarkSentAsync(long invitationId, string providerMessageId, string providerStatus, CancellationToken cancellationToken)
    {
        await using var sent = dataSource.CreateCommand(
            """
            UPDATE invitations i
            SET status = CASE WHEN i.status <> 'claimed' THEN i.status WHEN $3 = 'delivered' THEN 'delivered' ELSE 'sent' END,
                provider_message_id = $2, provider_status = $3, sent_at = coalesce(i.sent_at, $4), claim_token = NULL,
                -- The simulator (and some providers) report delivery at once; a status callback may still follow.
                delivered_at = CASE WHEN $3 = 'delivered' THEN coalesce(i.delivered_at, $4) ELSE i.delivered_at END,
                reminder_due_at = CASE WHEN w.reminder_after_hours > 0 THEN $4 + make_interval(hours => w.reminder_after_hours) END,
                expires_at = $4 + make_interval(days => w.expire_after_days)
            FROM waves w
            WHERE i.id = $1 AND w.id = i.wave_id
            """);
        sent.Parameters.AddWithValue(invitationId);
        sent.Parameters.AddWithValue(providerMessageId);
        sent.Parameters.AddWithValue(providerStatus);
        sent.Parameters.AddWithValue(clock.GetUtcNow());
        await sent.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>After a retryable error: the next try waits base × 2^(attempts−1), capped, with ±50 % jitter.</summary>
    private async Task BackOffAsync(long invitationId, CancellationToken cancellationToken)
    {
        var options = dispatcherOptions.Value;
        await using var command = dataSource.CreateCommand(
            """
            UPDATE invitations
            SET planned_at = $2 + make_interval(secs => least($3 * power(2, greatest(attempts - 1, 0)), $4) * $5)
            WHERE id = $1 AND status = 'claimed'
            """);
        command.Parameters.AddWithValue(invitationId);
        command.Parameters.AddWithValue(clock.GetUtcNow());
        command.Parameters.AddWithValue(options.RetryBackoff.TotalSeconds);
        command.Parameters.AddWithValue(options.MaxRetryBackoff.TotalSeconds);
        command.Parameters.AddWithValue(RandomNumberGenerator.GetInt32(500, 1500) / 1000.0);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private async Task ReleaseAsync(long[] invitationIds, int token)
    {
        await using var command = dataSource.CreateCommand(
            "UPDATE invitations SET status = 'planned', claim_token = NULL WHERE id = ANY($1) AND status = 'claimed' AND claim_token = $2");
        command.Parameters.AddWithValue(invitationIds);
        command.Parameters.AddWithValue(token);
        await command.ExecuteNonQueryAsync(CancellationToken.None);
    }

    private string Link(string code) => $"{appOptions.Value.PublicBaseUrl.TrimEnd('/')}/s/{code}";

    private Uri StatusCallback() => new($"{appOptions.Value.PublicBaseUrl.TrimEnd('/')}/api/sms/twilio/status");

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

        return InvitationText.Render(new InvitationTextInput(claim.AgencyName, claim.ProcedureShortName, Link(claim.Code), firstQuestion));
    }

    private async Task SetStatusAsync(long invitationId, string status, string? errorCode, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "UPDATE invitations SET status = $2, error_code = coalesce($3, error_code), claim_token = NULL WHERE id = $1");
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
