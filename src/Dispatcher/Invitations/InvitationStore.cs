using ChatSurvey.Dispatcher.Sending;
using ChatSurvey.Domain.Statuses;
using Npgsql;
using NpgsqlTypes;

namespace ChatSurvey.Dispatcher.Invitations;

/// <summary>A claimed invitation with what its text needs; <see cref="OptedOut"/> is the phone's opt-out at the claim.</summary>
public sealed record InvitationClaim(
    long Id, string Phone, string Code, string AgencyName, string ProcedureShortName, long QuestionnaireId, bool OptedOut);

/// <summary>An invitation the provider took: its message id and the status it answered (<see cref="InvitationStore.RecordAsync"/>).</summary>
public sealed record SentInvitation(long Id, string ProviderMessageId, string ProviderStatus);

/// <summary>
/// An invitation closed without a send (<see cref="InvitationStore.RecordAsync"/>): <see cref="InvitationStatus.OptedOut"/>,
/// or <see cref="InvitationStatus.Failed"/> with the provider's code.
/// </summary>
public sealed record ClosedInvitation(long Id, string Status, string? ErrorCode = null);

/// <summary>One invitation of a wave's plan (<see cref="InvitationStore.InsertPlannedAsync"/>).</summary>
/// <see cref="Draw"/> is 0 for the draw at the wave's start, n for its n-th top-up.
public sealed record PlannedInvitation(long TransactionId, long AgencyId, string Phone, string Code, DateTimeOffset PlannedAt, short Draw = 0);

/// <summary>A claim whose send has no recorded outcome: what reconciliation looks for in the provider's message list.</summary>
public sealed record UnconfirmedClaim(string Phone, string Code, DateTimeOffset ClaimedAt);

/// <summary>
/// The <c>invitations</c> table: the only code that writes it. Statuses move planned → claimed → sent → delivered, or to
/// failed, cancelled, expired, opted out (<see cref="InvitationStatus"/>); status callbacks only move them forward
/// (<see cref="DeliveryProgress"/>). A claim (<c>planned → claimed</c>) comes before any provider call and the provider's
/// message id is stored after it, which is what makes sending at most once; the claim statements lock the rows they take
/// with <c>FOR UPDATE SKIP LOCKED</c>, so any number of workers share the due rows. Writes that belong to a larger change
/// (planning a wave, a manual invitation, cancelling a wave) take the caller's connection and transaction.
/// </summary>
public sealed class InvitationStore(NpgsqlDataSource dataSource)
{
    private const string Planned = InvitationStatus.Planned;
    private const string Claimed = InvitationStatus.Claimed;
    private const string Sent = InvitationStatus.Sent;
    private const string Delivered = InvitationStatus.Delivered;
    private const string Cancelled = InvitationStatus.Cancelled;
    private const string Expired = InvitationStatus.Expired;

    /// <summary>
    /// Due invitations: planned, <c>planned_at</c> reached ($1), wave running, the local time of day ($2, Vietnam time)
    /// inside the wave's send window. The one definition, for counting and for claiming.
    /// </summary>
    private const string DueInvitations =
        $"""
        FROM invitations i JOIN waves w ON w.id = i.wave_id
        WHERE i.status = '{Planned}' AND i.planned_at <= $1 AND w.status = '{WaveStatus.Running}'
          AND w.send_window_start <= $2 AND $2 < w.send_window_end
        """;

    // The claim statements' tail: the columns the invitation text needs (see InvitationClaim).
    private const string ClaimReturning =
        """
        RETURNING i.id, i.phone, i.code, a.name, p.short_name, w.questionnaire_id,
                  EXISTS (SELECT 1 FROM opt_outs o WHERE o.phone = i.phone)
        """;

    private const string ClaimJoins =
        "w.id = i.wave_id AND a.id = i.agency_id AND t.id = i.transaction_id AND p.id = t.procedure_id";

    // A planned invitation's reminder (when the wave has one that falls before expiry) and expiry, from x.planned_at and
    // the wave w.
    private const string ReminderAndExpiry =
        """
        CASE WHEN w.reminder_after_hours > 0 AND w.reminder_after_hours < w.expire_after_days * 24
             THEN x.planned_at + make_interval(hours => w.reminder_after_hours) END,
        x.planned_at + make_interval(days => w.expire_after_days)
        """;

    /// <summary>
    /// Inserts a wave's plan: each invitation with its planned time, its reminder (when the wave has one that falls before
    /// expiry) and its expiry counted from the planned time (moved to the send time when it is sent). A continuous wave's
    /// decisions give <paramref name="createdAt"/>, their decision time (the cool-down and the one-per-phone rule count
    /// from it); otherwise the database's clock. Returns each invitation's id by its transaction id.
    /// </summary>
    public async Task<IReadOnlyDictionary<long, long>> InsertPlannedAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, long waveId, IReadOnlyList<PlannedInvitation> invitations,
        CancellationToken cancellationToken, DateTimeOffset? createdAt = null)
    {
        ArgumentNullException.ThrowIfNull(invitations);
        await using var insert = new NpgsqlCommand(
            $"""
            INSERT INTO invitations (wave_id, transaction_id, agency_id, phone, code, planned_at, reminder_due_at, expires_at, draw,
                                     created_at)
            SELECT w.id, x.transaction_id, x.agency_id, x.phone, x.code, x.planned_at, {ReminderAndExpiry}, x.draw, coalesce($8, now())
            FROM waves w,
                 unnest($2::bigint[], $3::bigint[], $4::text[], $5::text[], $6::timestamptz[], $7::smallint[])
                     AS x(transaction_id, agency_id, phone, code, planned_at, draw)
            WHERE w.id = $1
            RETURNING transaction_id, id
            """, connection, transaction);
        insert.CommandTimeout = 0;
        insert.Parameters.AddWithValue(waveId);
        insert.Parameters.AddWithValue(invitations.Select(i => i.TransactionId).ToArray());
        insert.Parameters.AddWithValue(invitations.Select(i => i.AgencyId).ToArray());
        insert.Parameters.AddWithValue(invitations.Select(i => i.Phone).ToArray());
        insert.Parameters.AddWithValue(invitations.Select(i => i.Code).ToArray());
        insert.Parameters.Add(new NpgsqlParameter
        {
            NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz,
            Value = invitations.Select(i => i.PlannedAt.UtcDateTime).ToArray(),
        });
        insert.Parameters.AddWithValue(invitations.Select(i => i.Draw).ToArray());
        insert.Parameters.Add(new NpgsqlParameter
        {
            NpgsqlDbType = NpgsqlDbType.TimestampTz,
            Value = createdAt is { } at ? at.ToUniversalTime() : DBNull.Value,
        });
        var ids = new Dictionary<long, long>(invitations.Count);
        await using var reader = await insert.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            ids[reader.GetInt64(0)] = reader.GetInt64(1);
        return ids;
    }

    /// <summary>
    /// Inserts a wave's plan drawn in the database, as <see cref="InsertPlannedAsync"/> does (reminder and expiry from the
    /// planned time, the database's clock as creation time) without the rows leaving it: one invitation for each row of
    /// <paramref name="source"/> (a table with <c>transaction_id</c>, <c>agency_id</c> and <c>phone</c>; rows without a
    /// transaction are skipped), the n-th in <paramref name="sendOrder"/> (an ORDER BY list over its columns) taking
    /// <paramref name="codes"/>[n] and <paramref name="plannedAt"/>[n]. Rows go in in transaction order, so that the
    /// foreign-key checks and the per-wave indexes meet them in order (a fifth less work than in send order). Returns how
    /// many it inserted.
    /// </summary>
    public async Task<int> InsertPlannedFromAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, long waveId, string source, string sendOrder,
        IReadOnlyList<string> codes, IReadOnlyList<DateTimeOffset> plannedAt, short draw, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(source);
        ArgumentException.ThrowIfNullOrEmpty(sendOrder);
        ArgumentNullException.ThrowIfNull(codes);
        ArgumentNullException.ThrowIfNull(plannedAt);
        await using var insert = new NpgsqlCommand(
            $"""
            INSERT INTO invitations (wave_id, transaction_id, agency_id, phone, code, planned_at, reminder_due_at, expires_at, draw)
            SELECT w.id, s.transaction_id, s.agency_id, s.phone, x.code, x.planned_at, {ReminderAndExpiry}, $4
            FROM waves w
            CROSS JOIN (SELECT transaction_id, agency_id, phone, row_number() OVER (ORDER BY {sendOrder}) AS slot
                        FROM {source} WHERE transaction_id IS NOT NULL) s
            JOIN unnest($2::text[], $3::timestamptz[]) WITH ORDINALITY AS x(code, planned_at, slot) ON x.slot = s.slot
            WHERE w.id = $1
            ORDER BY s.transaction_id
            """, connection, transaction);
        insert.CommandTimeout = 0;
        insert.Parameters.AddWithValue(waveId);
        insert.Parameters.AddWithValue(codes.ToArray());
        insert.Parameters.Add(new NpgsqlParameter
        {
            NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz,
            Value = plannedAt.Select(t => t.UtcDateTime).ToArray(),
        });
        insert.Parameters.AddWithValue(draw);
        return await insert.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// Inserts a manual invitation, planned a minute ahead (the caller sends it at once; the background sender only takes it
    /// up if that send did not go through), expiring after the wave's <c>expire_after_days</c>. Returns its id, or null when
    /// the phone already has an invitation in that wave (one per phone per wave; the database refuses a second).
    /// </summary>
    public async Task<long?> InsertManualAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, long waveId, long transactionId, long agencyId, string phone,
        string code, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            """
            INSERT INTO invitations (wave_id, transaction_id, agency_id, phone, code, planned_at, expires_at)
            VALUES ($1, $2, $3, $4, $5, now() + interval '1 minute',
                    now() + make_interval(days => (SELECT expire_after_days FROM waves WHERE id = $1)))
            ON CONFLICT (wave_id, phone) DO NOTHING
            RETURNING id
            """, connection, transaction);
        command.Parameters.AddWithValue(waveId);
        command.Parameters.AddWithValue(transactionId);
        command.Parameters.AddWithValue(agencyId);
        command.Parameters.AddWithValue(phone);
        command.Parameters.AddWithValue(code);
        return await command.ExecuteScalarAsync(cancellationToken) as long?;
    }

    /// <summary>A wave is cancelled: its invitations not yet claimed are cancelled (one being sent right now finishes its send).</summary>
    public async Task<int> CancelPlannedAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, long waveId, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            $"UPDATE invitations SET status = '{Cancelled}' WHERE wave_id = $1 AND status = '{Planned}'", connection, transaction);
        command.Parameters.AddWithValue(waveId);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Planned invitations of cancelled waves become cancelled (a claim released after its wave was cancelled).</summary>
    public async Task<int> CancelPlannedOfCancelledWavesAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            $"""
            UPDATE invitations i SET status = '{Cancelled}'
            FROM waves w
            WHERE w.id = i.wave_id AND w.status = '{WaveStatus.Cancelled}' AND i.status = '{Planned}'
            """);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Sent invitations whose <c>expires_at</c> is at or before <paramref name="now"/> without a completed response expire.</summary>
    public async Task<int> ExpireAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            $"""
            UPDATE invitations i SET status = '{Expired}'
            WHERE i.status IN ('{Sent}', '{Delivered}') AND i.expires_at <= $1
              AND NOT EXISTS (SELECT 1 FROM responses r WHERE r.invitation_id = i.id AND r.status = '{ResponseStatus.Completed}')
            """);
        command.Parameters.AddWithValue(now);
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>How many invitations are due at <paramref name="now"/>, counting up to <paramref name="limit"/>.</summary>
    public async Task<long> CountDueAsync(DateTimeOffset now, int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT count(*) FROM (SELECT 1 {DueInvitations} LIMIT $3) due");
        command.Parameters.AddWithValue(now);
        command.Parameters.AddWithValue(SendWindow.LocalTimeOfDay(now));
        command.Parameters.AddWithValue(limit);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>Claims one planned invitation, whatever its wave's window and status; null when it is not planned.</summary>
    public async Task<InvitationClaim?> ClaimAsync(long invitationId, string claimedBy, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            $"""
            UPDATE invitations i
            SET status = '{Claimed}', claimed_at = now(), attempts = i.attempts + 1, claim_token = NULL, claimed_by = $2
            FROM waves w, agencies a, transactions t, procedures p
            WHERE i.id = $1 AND i.status = '{Planned}' AND {ClaimJoins}
            {ClaimReturning}
            """);
        command.Parameters.AddWithValue(invitationId);
        command.Parameters.AddWithValue(claimedBy);
        var claims = await ReadClaimsAsync(command, cancellationToken);
        return claims.Count == 0 ? null : claims[0];
    }

    /// <summary>
    /// Claims up to <paramref name="maxCount"/> invitations due at <paramref name="now"/>, oldest plan first, skipping rows
    /// another batch holds, under <paramref name="claimToken"/> (the batch's advisory lock).
    /// </summary>
    public async Task<IReadOnlyList<InvitationClaim>> ClaimDueAsync(
        DateTimeOffset now, int maxCount, int claimToken, string claimedBy, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            $"""
            WITH due AS (
                SELECT i.id
                {DueInvitations}
                ORDER BY i.planned_at, i.id
                LIMIT $3
                FOR UPDATE OF i SKIP LOCKED
            )
            UPDATE invitations i
            SET status = '{Claimed}', claimed_at = now(), attempts = i.attempts + 1, claim_token = $4, claimed_by = $5
            FROM due, waves w, agencies a, transactions t, procedures p
            WHERE i.id = due.id AND {ClaimJoins}
            {ClaimReturning}
            """);
        command.Parameters.AddWithValue(now);
        command.Parameters.AddWithValue(SendWindow.LocalTimeOfDay(now));
        command.Parameters.AddWithValue(maxCount);
        command.Parameters.AddWithValue(claimToken);
        command.Parameters.AddWithValue(claimedBy);
        return await ReadClaimsAsync(command, cancellationToken);
    }

    /// <summary>
    /// Takes up to <paramref name="maxCount"/> invitations whose reminder is due at <paramref name="now"/> — sent, not
    /// reminded, not expired, wave running, inside its send window, survey not completed, phone not opted out — and sets
    /// their <c>reminded_at</c> before any provider call: at most one reminder each.
    /// </summary>
    public async Task<IReadOnlyList<InvitationClaim>> TakeDueRemindersAsync(DateTimeOffset now, int maxCount, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            $"""
            WITH due AS (
                SELECT i.id
                FROM invitations i JOIN waves w ON w.id = i.wave_id
                WHERE i.status IN ('{Sent}', '{Delivered}') AND i.reminded_at IS NULL AND i.reminder_due_at <= $1
                  AND (i.expires_at IS NULL OR i.expires_at > $1) AND w.status = '{WaveStatus.Running}'
                  AND w.send_window_start <= $2 AND $2 < w.send_window_end
                  AND NOT EXISTS (SELECT 1 FROM responses r WHERE r.invitation_id = i.id AND r.status = '{ResponseStatus.Completed}')
                  AND NOT EXISTS (SELECT 1 FROM opt_outs o WHERE o.phone = i.phone)
                ORDER BY i.reminder_due_at, i.id
                LIMIT $3
                FOR UPDATE OF i SKIP LOCKED
            )
            UPDATE invitations i
            SET reminded_at = $1
            FROM due, waves w, agencies a, transactions t, procedures p
            WHERE i.id = due.id AND {ClaimJoins}
            {ClaimReturning}
            """);
        command.Parameters.AddWithValue(now);
        command.Parameters.AddWithValue(SendWindow.LocalTimeOfDay(now));
        command.Parameters.AddWithValue(maxCount);
        return await ReadClaimsAsync(command, cancellationToken);
    }

    /// <summary>
    /// The provider has it: its message id and status are stored, the invitation is sent (delivered when the provider
    /// already says so), and the reminder and expiry clocks start at <paramref name="sentAt"/> (the wave's policy).
    /// An invitation that is no longer claimed keeps its status.
    /// </summary>
    public Task MarkSentAsync(
        long invitationId, string providerMessageId, string providerStatus, DateTimeOffset sentAt, CancellationToken cancellationToken) =>
        RecordAsync([new SentInvitation(invitationId, providerMessageId, providerStatus)], [], sentAt, cancellationToken);

    /// <summary>
    /// A group of sends, in one round trip: each of <paramref name="sent"/> as <see cref="MarkSentAsync"/> records one (at
    /// <paramref name="sentAt"/>), each of <paramref name="closed"/> closed without a send — opted out, or failed with the
    /// provider's code.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">A closed invitation's status is neither opted out nor failed.</exception>
    public async Task RecordAsync(
        IReadOnlyList<SentInvitation> sent, IReadOnlyList<ClosedInvitation> closed, DateTimeOffset sentAt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sent);
        ArgumentNullException.ThrowIfNull(closed);
        foreach (var c in closed)
        {
            if (c.Status is not (InvitationStatus.OptedOut or InvitationStatus.Failed))
                throw new ArgumentOutOfRangeException(nameof(closed), c.Status, "An invitation is closed as opted out or failed.");
        }

        await using var batch = dataSource.CreateBatch();
        if (sent.Count > 0)
        {
            var command = new NpgsqlBatchCommand(
                $"""
                UPDATE invitations i
                SET status = CASE WHEN i.status <> '{Claimed}' THEN i.status ELSE x.status_after END,
                    provider_message_id = x.message_id, provider_status = x.provider_status, sent_at = coalesce(i.sent_at, $1),
                    claim_token = NULL,
                    delivered_at = CASE WHEN x.status_after = '{Delivered}' THEN coalesce(i.delivered_at, $1) ELSE i.delivered_at END,
                    reminder_due_at = CASE WHEN w.reminder_after_hours > 0 THEN $1 + make_interval(hours => w.reminder_after_hours) END,
                    expires_at = $1 + make_interval(days => w.expire_after_days)
                FROM unnest($2::bigint[], $3::text[], $4::text[], $5::text[]) AS x(id, message_id, provider_status, status_after),
                     waves w
                WHERE i.id = x.id AND w.id = i.wave_id
                """);
            command.Parameters.Add(new NpgsqlParameter { Value = sentAt });
            command.Parameters.Add(new NpgsqlParameter { Value = sent.Select(s => s.Id).ToArray() });
            command.Parameters.Add(new NpgsqlParameter { Value = sent.Select(s => s.ProviderMessageId).ToArray() });
            command.Parameters.Add(new NpgsqlParameter { Value = sent.Select(s => s.ProviderStatus).ToArray() });
            command.Parameters.Add(new NpgsqlParameter { Value = sent.Select(s => DeliveryProgress.StatusAfterSend(s.ProviderStatus)).ToArray() });
            batch.BatchCommands.Add(command);
        }

        if (closed.Count > 0)
        {
            var command = new NpgsqlBatchCommand(
                """
                UPDATE invitations i
                SET status = x.status, error_code = coalesce(x.error_code, i.error_code), claim_token = NULL
                FROM unnest($1::bigint[], $2::text[], $3::text[]) AS x(id, status, error_code)
                WHERE i.id = x.id
                """);
            command.Parameters.Add(new NpgsqlParameter { Value = closed.Select(c => c.Id).ToArray() });
            command.Parameters.Add(new NpgsqlParameter { Value = closed.Select(c => c.Status).ToArray() });
            command.Parameters.Add(new NpgsqlParameter
            {
                Value = closed.Select(c => c.ErrorCode).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text,
            });
            batch.BatchCommands.Add(command);
        }

        if (batch.BatchCommands.Count > 0)
            await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// After a retryable provider error the claim stays (the provider may have the message) and its next try waits
    /// <paramref name="firstBackoff"/> × 2^(attempts−1), at most <paramref name="maxBackoff"/>, times <paramref name="jitter"/>.
    /// </summary>
    public async Task BackOffAsync(
        long invitationId, DateTimeOffset now, TimeSpan firstBackoff, TimeSpan maxBackoff, double jitter, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            $"""
            UPDATE invitations
            SET planned_at = $2 + make_interval(secs => least($3 * power(2, greatest(attempts - 1, 0)), $4) * $5)
            WHERE id = $1 AND status = '{Claimed}'
            """);
        command.Parameters.AddWithValue(invitationId);
        command.Parameters.AddWithValue(now);
        command.Parameters.AddWithValue(firstBackoff.TotalSeconds);
        command.Parameters.AddWithValue(maxBackoff.TotalSeconds);
        command.Parameters.AddWithValue(jitter);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Claims of batch <paramref name="claimToken"/> never handed to the provider: certainly not sent, planned again.</summary>
    public async Task ReleaseAsync(long[] invitationIds, int claimToken, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            $"""
            UPDATE invitations SET status = '{Planned}', claim_token = NULL
            WHERE id = ANY($1) AND status = '{Claimed}' AND claim_token = $2
            """);
        command.Parameters.AddWithValue(invitationIds);
        command.Parameters.AddWithValue(claimToken);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Reconciliation found no message of this claim at the provider: planned again.</summary>
    public async Task ReplanAsync(long invitationId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            $"UPDATE invitations SET status = '{Planned}', claim_token = NULL WHERE id = $1 AND status = '{Claimed}'");
        command.Parameters.AddWithValue(invitationId);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The claim tokens (0 for single sends) of claims without a provider id at least <paramref name="olderThan"/> old.</summary>
    public async Task<IReadOnlyList<int>> UnconfirmedClaimTokensAsync(TimeSpan olderThan, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            $"""
            SELECT DISTINCT coalesce(claim_token, 0) FROM invitations
            WHERE status = '{Claimed}' AND provider_message_id IS NULL AND claimed_at <= now() - $1
            """);
        command.Parameters.AddWithValue(olderThan);
        var tokens = new List<int>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            tokens.Add(reader.GetInt32(0));
        return tokens;
    }

    /// <summary>The ids of the claims of <paramref name="claimToken"/> without a provider id at least <paramref name="olderThan"/> old.</summary>
    public async Task<IReadOnlyList<long>> UnconfirmedClaimsAsync(int claimToken, TimeSpan olderThan, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            $"""
            SELECT id FROM invitations
            WHERE status = '{Claimed}' AND provider_message_id IS NULL AND coalesce(claim_token, 0) = $1
              AND claimed_at <= now() - $2
            ORDER BY id
            """);
        command.Parameters.AddWithValue(claimToken);
        command.Parameters.AddWithValue(olderThan);
        var ids = new List<long>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            ids.Add(reader.GetInt64(0));
        return ids;
    }

    /// <summary>The invitation when it is claimed without a provider id, else null.</summary>
    public async Task<UnconfirmedClaim?> GetUnconfirmedClaimAsync(long invitationId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            $"SELECT phone, code, claimed_at FROM invitations WHERE id = $1 AND status = '{Claimed}' AND provider_message_id IS NULL");
        command.Parameters.AddWithValue(invitationId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
            return null;
        return new UnconfirmedClaim(reader.GetString(0), reader.GetString(1), reader.GetFieldValue<DateTimeOffset>(2));
    }

    /// <summary>
    /// A provider status callback, for the caller's batch: stores the provider's status and error code and moves the
    /// invitation forward only (<see cref="DeliveryProgress"/>), stamping <c>sent_at</c> and <c>delivered_at</c>.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Not a known provider status.</exception>
    public static NpgsqlBatchCommand ApplyProviderStatus(string providerMessageId, string providerStatus, string? errorCode)
    {
        var rank = DeliveryProgress.Rank(providerStatus);
        var command = new NpgsqlBatchCommand(
            $"""
            UPDATE invitations
            SET status = coalesce($2, status),
                provider_status = $3,
                error_code = coalesce($4, error_code),
                sent_at = CASE WHEN $2 IS NOT NULL THEN coalesce(sent_at, now()) ELSE sent_at END,
                delivered_at = CASE WHEN $2 = '{Delivered}' THEN coalesce(delivered_at, now()) ELSE delivered_at END
            WHERE provider_message_id = $1 AND NOT (status = ANY ($5))
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = providerMessageId });
        command.Parameters.Add(new NpgsqlParameter
        {
            Value = (object?)DeliveryProgress.InvitationStatusFor(providerStatus) ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text,
        });
        command.Parameters.Add(new NpgsqlParameter { Value = providerStatus });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)errorCode ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter
        {
            Value = DeliveryProgress.InvitationStatusesAtOrBeyond(rank), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text,
        });
        return command;
    }

    private static async Task<List<InvitationClaim>> ReadClaimsAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var claims = new List<InvitationClaim>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            claims.Add(new InvitationClaim(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3),
                reader.GetString(4), reader.GetInt64(5), reader.GetBoolean(6)));
        }

        return claims;
    }
}
