using ChatSurvey.Domain.Statuses;
using ChatSurvey.Dispatcher.Sms;
using Npgsql;
using NpgsqlTypes;

namespace ChatSurvey.Dispatcher.Waves;

/// <summary>Waves and their quotas: creation, status changes other than start, progress and responses.</summary>
public sealed class WaveStore(NpgsqlDataSource dataSource)
{
    /// <summary>
    /// Creates a draft wave with its quotas after checking what needs the database: the questionnaire is stored and
    /// every agency code is known. Nothing is written when a check fails.
    /// </summary>
    public async Task<WaveCreateResult> CreateAsync(WaveDraft draft, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(draft);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        var errors = new Dictionary<string, string[]>();
        long? questionnaireId;
        await using (var questionnaire = new NpgsqlCommand(
            "SELECT id FROM questionnaires WHERE code = $1 ORDER BY version DESC LIMIT 1", connection, transaction))
        {
            questionnaire.Parameters.AddWithValue(draft.Questionnaire);
            questionnaireId = await questionnaire.ExecuteScalarAsync(cancellationToken) as long?;
        }

        if (questionnaireId is null)
            errors["questionnaire"] = [$"Unknown questionnaire '{draft.Questionnaire}'."];

        var codes = draft.Agencies.Select(a => a.AgencyCode).ToArray();
        var agencyIds = new Dictionary<string, long>(StringComparer.Ordinal);
        await using (var agencies = new NpgsqlCommand("SELECT code, id FROM agencies WHERE code = ANY ($1)", connection, transaction))
        {
            agencies.Parameters.AddWithValue(codes);
            await using var reader = await agencies.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
                agencyIds[reader.GetString(0)] = reader.GetInt64(1);
        }

        for (var i = 0; i < codes.Length; i++)
        {
            if (!agencyIds.ContainsKey(codes[i]))
                errors[$"agencies[{i}].agencyCode"] = [$"Unknown agency code '{codes[i]}'."];
        }

        if (errors.Count > 0)
            return WaveCreateResult.Invalid(errors);

        long waveId;
        await using (var insert = new NpgsqlCommand(
            """
            INSERT INTO waves (name, questionnaire_id, status, results_from, results_to, expected_response_rate,
                               send_window_start, send_window_end, reminder_after_hours, expire_after_days, cooldown_days, seed)
            VALUES ($1, $2, 'draft', $3, $4, $5, $6, $7, $8, $9, $10, $11)
            RETURNING id
            """, connection, transaction))
        {
            insert.Parameters.AddWithValue(draft.Name);
            insert.Parameters.AddWithValue(questionnaireId!.Value);
            insert.Parameters.AddWithValue(draft.ResultsFrom);
            insert.Parameters.AddWithValue(draft.ResultsTo);
            insert.Parameters.AddWithValue(draft.ExpectedResponseRate);
            insert.Parameters.AddWithValue(draft.SendWindowStart);
            insert.Parameters.AddWithValue(draft.SendWindowEnd);
            insert.Parameters.AddWithValue(draft.ReminderAfterHours);
            insert.Parameters.AddWithValue(draft.ExpireAfterDays);
            insert.Parameters.AddWithValue(draft.CooldownDays);
            insert.Parameters.AddWithValue(draft.Seed);
            waveId = (long)(await insert.ExecuteScalarAsync(cancellationToken))!;
        }

        await using (var quotas = new NpgsqlCommand(
            "INSERT INTO wave_quotas (wave_id, agency_id, target) SELECT $1, a, t FROM unnest($2::bigint[], $3::integer[]) AS q(a, t)",
            connection, transaction))
        {
            quotas.Parameters.AddWithValue(waveId);
            quotas.Parameters.AddWithValue(draft.Agencies.Select(a => agencyIds[a.AgencyCode]).ToArray());
            quotas.Parameters.AddWithValue(draft.Agencies.Select(a => a.Target).ToArray());
            await quotas.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return WaveCreateResult.Created(waveId);
    }

    /// <summary>Running → paused: due invitations stay planned and are not sent until the wave resumes.</summary>
    public Task<WaveChangeResult> PauseAsync(long waveId, CancellationToken cancellationToken) =>
        ChangeAsync(waveId, [WaveStatus.Running], WaveStatus.Paused, null, cancellationToken);

    /// <summary>Paused → running.</summary>
    public Task<WaveChangeResult> ResumeAsync(long waveId, CancellationToken cancellationToken) =>
        ChangeAsync(waveId, [WaveStatus.Paused], WaveStatus.Running, null, cancellationToken);

    /// <summary>
    /// Draft, running or paused → cancelled, for good: invitations not yet sent are cancelled in the same transaction
    /// (one being sent right now finishes its send).
    /// </summary>
    public Task<WaveChangeResult> CancelAsync(long waveId, CancellationToken cancellationToken) =>
        ChangeAsync(waveId, [WaveStatus.Draft, WaveStatus.Running, WaveStatus.Paused], WaveStatus.Cancelled,
            "UPDATE invitations SET status = 'cancelled' WHERE wave_id = $1 AND status = 'planned'", cancellationToken);

    private async Task<WaveChangeResult> ChangeAsync(
        long waveId, string[] from, string to, string? alsoSql, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var current = new NpgsqlCommand("SELECT status FROM waves WHERE id = $1 FOR UPDATE", connection, transaction))
        {
            current.Parameters.AddWithValue(waveId);
            var status = await current.ExecuteScalarAsync(cancellationToken) as string;
            if (status is null)
                return WaveChangeResult.NotFound;
            if (!from.Contains(status))
                return WaveChangeResult.Conflict(status);
        }

        await using (var update = new NpgsqlCommand(
            """
            UPDATE waves
            SET status = $2, finished_at = CASE WHEN $2 IN ('cancelled', 'completed') THEN now() ELSE finished_at END
            WHERE id = $1
            """, connection, transaction))
        {
            update.Parameters.AddWithValue(waveId);
            update.Parameters.AddWithValue(to);
            await update.ExecuteNonQueryAsync(cancellationToken);
        }

        if (alsoSql is not null)
        {
            await using var also = new NpgsqlCommand(alsoSql, connection, transaction);
            also.Parameters.AddWithValue(waveId);
            await also.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return new WaveChangeResult(WaveChangeOutcome.Changed, to, new WaveStatusChange(waveId, to));
    }

    /// <summary>The wave's status and invitation counts (see <see cref="WaveProgress"/>), or null when there is no such wave.</summary>
    public async Task<WaveProgress?> GetProgressAsync(long waveId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT w.status, i.planned, i.sent, i.delivered, i.failed, r.responded, r.completed, i.opted_out, i.expired
            FROM waves w
            CROSS JOIN LATERAL (
                SELECT count(*) AS planned,
                       count(*) FILTER (WHERE i.sent_at IS NOT NULL) AS sent,
                       count(*) FILTER (WHERE i.delivered_at IS NOT NULL OR i.status = 'delivered') AS delivered,
                       count(*) FILTER (WHERE i.status = 'failed') AS failed,
                       count(*) FILTER (WHERE i.status = 'opted_out' OR EXISTS (
                           SELECT 1 FROM opt_outs o WHERE o.phone = i.phone AND o.created_at >= i.created_at)) AS opted_out,
                       count(*) FILTER (WHERE i.status = 'expired') AS expired
                FROM invitations i
                WHERE i.wave_id = w.id
            ) i
            CROSS JOIN LATERAL (
                SELECT count(*) AS responded, count(*) FILTER (WHERE r.status = 'completed') AS completed
                FROM responses r JOIN invitations ri ON ri.id = r.invitation_id
                WHERE ri.wave_id = w.id
            ) r
            WHERE w.id = $1
            """);
        command.Parameters.AddWithValue(waveId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
            return null;
        return new WaveProgress(waveId, reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3),
            reader.GetInt64(4), reader.GetInt64(5), reader.GetInt64(6), reader.GetInt64(7), reader.GetInt64(8));
    }

    /// <summary>
    /// The wave's responses in the order they started, with masked phones, or null when there is no such wave.
    /// An expired response is reported as partial (its answers are incomplete).
    /// </summary>
    public async Task<IReadOnlyList<WaveResponse>?> GetResponsesAsync(long waveId, int skip, int take, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            WITH wave AS (
                SELECT id FROM waves WHERE id = $1
            ), page AS (
                SELECT r.id, r.invitation_id, r.channel, r.status, i.phone
                FROM responses r
                LEFT JOIN invitations i ON i.id = r.invitation_id
                WHERE r.wave_id = $1 OR i.wave_id = $1
                ORDER BY r.id
                OFFSET $2 LIMIT $3
            )
            SELECT true, p.id, p.invitation_id, p.channel, p.status, p.phone,
                   a.question_code, coalesce(a.rating::text, a.choice, a.text_value)
            FROM wave
            LEFT JOIN page p ON true
            LEFT JOIN answers a ON a.response_id = p.id
            ORDER BY p.id, a.id
            """);
        command.Parameters.AddWithValue(waveId);
        command.Parameters.AddWithValue(NpgsqlDbType.Bigint, (long)skip);
        command.Parameters.AddWithValue(NpgsqlDbType.Bigint, (long)take);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var found = false;
        var responses = new List<WaveResponse>();
        long? currentId = null;
        List<WaveAnswer>? answers = null;
        while (await reader.ReadAsync(cancellationToken))
        {
            found = true;
            if (reader.IsDBNull(1))
                continue;
            var responseId = reader.GetInt64(1);
            if (responseId != currentId)
            {
                currentId = responseId;
                answers = [];
                var status = reader.GetString(4) == "completed" ? "completed" : "partial";
                responses.Add(new WaveResponse(
                    reader.IsDBNull(2) ? null : reader.GetInt64(2),
                    reader.GetString(3),
                    status,
                    reader.IsDBNull(5) ? null : PhoneMask.Mask(reader.GetString(5)),
                    answers));
            }

            if (!reader.IsDBNull(6))
                answers!.Add(new WaveAnswer(reader.GetString(6), reader.IsDBNull(7) ? null : reader.GetString(7)));
        }

        return found ? responses : null;
    }

    /// <summary>The statuses a wave may be published (or unpublished) from: drafts have no figures, cancelled waves are withdrawn.</summary>
    public static IReadOnlyList<string> PublishableStatuses { get; } = [WaveStatus.Running, WaveStatus.Paused, WaveStatus.Completed];

    /// <summary>
    /// Makes the wave public (a running, paused or completed one; the manual-invitation wave too, when chosen): the
    /// public page and API list it from then on. Publishing a published wave keeps its first publication time.
    /// </summary>
    public Task<WavePublicationResult> PublishAsync(long waveId, CancellationToken cancellationToken) =>
        SetPublishedAsync(waveId, "coalesce(published_at, now())", cancellationToken);

    /// <summary>Withdraws the wave from the public side (its figures and snapshot stay as they are).</summary>
    public Task<WavePublicationResult> UnpublishAsync(long waveId, CancellationToken cancellationToken) =>
        SetPublishedAsync(waveId, "NULL", cancellationToken);

    /// <summary>The wave's publication and final-figures state, or null when there is no such wave.</summary>
    public async Task<WavePublication?> GetPublicationAsync(long waveId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await ReadPublicationAsync(connection, null, waveId, cancellationToken);
    }

    private async Task<WavePublicationResult> SetPublishedAsync(long waveId, string publishedAt, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var current = new NpgsqlCommand("SELECT status FROM waves WHERE id = $1 FOR UPDATE", connection, transaction))
        {
            current.Parameters.AddWithValue(waveId);
            var status = await current.ExecuteScalarAsync(cancellationToken) as string;
            if (status is null)
                return new WavePublicationResult(WaveChangeOutcome.NotFound, null, null);
            if (!PublishableStatuses.Contains(status))
                return new WavePublicationResult(WaveChangeOutcome.Conflict, status, null);
        }

        await using (var update = new NpgsqlCommand($"UPDATE waves SET published_at = {publishedAt} WHERE id = $1", connection, transaction))
        {
            update.Parameters.AddWithValue(waveId);
            await update.ExecuteNonQueryAsync(cancellationToken);
        }

        var publication = await ReadPublicationAsync(connection, transaction, waveId, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new WavePublicationResult(WaveChangeOutcome.Changed, publication!.Status, publication);
    }

    private static async Task<WavePublication?> ReadPublicationAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, long waveId, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            """
            SELECT w.status, w.published_at, w.manual, coalesce(s.final, false), s.computed_at, s.ballots, s.ballots_checksum
            FROM waves w
            LEFT JOIN score_snapshots s ON s.wave_id = w.id AND s.final
            WHERE w.id = $1
            """, connection, transaction);
        command.Parameters.AddWithValue(waveId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
            return null;
        var publishedAt = reader.IsDBNull(1) ? (DateTimeOffset?)null : reader.GetFieldValue<DateTimeOffset>(1);
        var final = reader.GetBoolean(3);
        return new WavePublication(waveId, reader.GetString(0), publishedAt is not null, publishedAt, reader.GetBoolean(2), final,
            final ? reader.GetFieldValue<DateTimeOffset>(4) : null,
            reader.IsDBNull(5) ? null : reader.GetInt32(5),
            reader.IsDBNull(6) ? null : reader.GetString(6));
    }
}
