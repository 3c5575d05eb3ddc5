using ChatSurvey.Dispatcher.Catalogue;
using ChatSurvey.Domain.Integrity;
using ChatSurvey.Dispatcher.Invitations;
using ChatSurvey.Dispatcher.Sms;
using ChatSurvey.Domain.Statuses;
using Npgsql;
using NpgsqlTypes;

namespace ChatSurvey.Dispatcher.Waves;

/// <summary>A wave as its start (and a continuous wave's decisions) see it, read under its row lock.</summary>
public sealed record WaveToStart(string Status, TimeOnly SendWindowStart, TimeOnly SendWindowEnd, double ExpectedResponseRate)
{
    public string Mode { get; init; } = WaveMode.Batch;

    public bool Manual { get; init; }

    public DateOnly ResultsFrom { get; init; }

    public DateOnly ResultsTo { get; init; }

    public int Seed { get; init; }

    public int CooldownDays { get; init; }

    public int InviteWithinHours { get; init; }
}

/// <summary>What planning found for one agency: invitations drawn, the eligible pool, and the phones two rules left out.</summary>
public sealed record AgencyPlan(long AgencyId, int Planned, int Eligible, int ExcludedStaff, int ExcludedManyDossiers);

/// <summary>
/// One agency of a running wave, for a top-up and a continuous wave's pacing: its target, completed ballots, invitations
/// not yet final (no completed response and still planned, claimed, sent or delivered), and the latest draw that gave it
/// invitations. <see cref="Settled"/> counts its invitations whose outcome is known for good at the time asked (failed,
/// cancelled, expired, opted out, or completed with their expiry passed) and <see cref="SettledCompleted"/> the completed
/// ones among them: the observed response rate of continuous pacing.
/// </summary>
public sealed record AgencyNeed(long AgencyId, string AgencyCode, int Target, int Completed, int Open, int LastDraw)
{
    public string AgencyName { get; init; } = "";

    public int Settled { get; init; }

    public int SettledCompleted { get; init; }
}

/// <summary>What a pass of a continuous wave added to one agency's quota row: invitations, eligible dossiers, and dossiers left out as staff or for too many dossiers.</summary>
public sealed record AgencyDecided(long AgencyId, int Invited, int Eligible, int ExcludedStaff, int ExcludedManyDossiers);

/// <summary>
/// The <c>waves</c> and <c>wave_quotas</c> tables: the only code that writes them. Creation, status changes (the start's
/// inside <see cref="WavePlanner"/>'s transaction), the standing manual wave, progress and responses.
/// </summary>
public sealed class WaveStore(NpgsqlDataSource dataSource, InvitationStore invitations)
{
    /// <summary>
    /// Creates a draft wave with its quotas after checking what needs the database: the questionnaire is stored and
    /// every agency code is known and current (not retired). Nothing is written when a check fails.
    /// </summary>
    public async Task<WaveCreateResult> CreateAsync(WaveDraft draft, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(draft);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        var problems = new List<ChatSurvey.Domain.Problems.Problem>();
        long? questionnaireId;
        await using (var questionnaire = new NpgsqlCommand(
            "SELECT id FROM questionnaires WHERE code = $1 ORDER BY version DESC LIMIT 1", connection, transaction))
        {
            questionnaire.Parameters.AddWithValue(draft.Questionnaire);
            questionnaireId = await questionnaire.ExecuteScalarAsync(cancellationToken) as long?;
        }

        if (questionnaireId is null)
            problems.Add(ChatSurvey.Domain.Problems.Problem.Of("questionnaire", ChatSurvey.Domain.Problems.ProblemCodes.WaveQuestionnaireNotStored, draft.Questionnaire));

        var codes = draft.Agencies.Select(a => a.AgencyCode).ToArray();
        var agencyIds = new Dictionary<string, long>(StringComparer.Ordinal);
        var retired = new HashSet<string>(StringComparer.Ordinal);
        await using (var agencies = new NpgsqlCommand(
            $"SELECT a.code, a.id, NOT {CatalogueStore.Current("a")} FROM agencies a WHERE a.code = ANY ($1)", connection, transaction))
        {
            agencies.Parameters.AddWithValue(codes);
            await using var reader = await agencies.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                agencyIds[reader.GetString(0)] = reader.GetInt64(1);
                if (reader.GetBoolean(2))
                    retired.Add(reader.GetString(0));
            }
        }

        // A retired agency is kept for history only: a new wave cannot give it a quota.
        for (var i = 0; i < codes.Length; i++)
        {
            if (!agencyIds.ContainsKey(codes[i]))
                problems.Add(ChatSurvey.Domain.Problems.Problem.Of($"agencies[{i}].agencyCode", ChatSurvey.Domain.Problems.ProblemCodes.WaveAgencyUnknown, codes[i]));
            else if (retired.Contains(codes[i]))
                problems.Add(ChatSurvey.Domain.Problems.Problem.Of($"agencies[{i}].agencyCode", ChatSurvey.Domain.Problems.ProblemCodes.WaveAgencyRetired, codes[i]));
        }

        if (problems.Count > 0)
            return WaveCreateResult.Invalid(problems);

        long waveId;
        await using (var insert = new NpgsqlCommand(
            $"""
            INSERT INTO waves (name, questionnaire_id, status, results_from, results_to, expected_response_rate,
                               send_window_start, send_window_end, reminder_after_hours, expire_after_days, cooldown_days, seed,
                               mode, invite_within_hours)
            VALUES ($1, $2, '{WaveStatus.Draft}', $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
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
            insert.Parameters.AddWithValue(draft.Mode);
            insert.Parameters.AddWithValue(draft.InviteWithinHours);
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
            (connection, transaction) => invitations.CancelPlannedAsync(connection, transaction, waveId, cancellationToken),
            cancellationToken);

    /// <summary>Reads a wave for its start and locks its row until the caller's transaction ends; null when there is no such wave.</summary>
    public Task<WaveToStart?> LockForStartAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, long waveId, CancellationToken cancellationToken) =>
        ReadSettingsAsync(connection, transaction, waveId, "FOR UPDATE", cancellationToken);

    /// <summary>A wave's settings as <see cref="LockForStartAsync"/> reads them, without a lock; null when there is no such wave.</summary>
    public async Task<WaveToStart?> GetSettingsAsync(long waveId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        return await ReadSettingsAsync(connection, null, waveId, "", cancellationToken);
    }

    private static async Task<WaveToStart?> ReadSettingsAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, long waveId, string locking, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            $"""
            SELECT status, send_window_start, send_window_end, expected_response_rate, mode, manual, results_from, results_to,
                   seed, cooldown_days, invite_within_hours
            FROM waves WHERE id = $1 {locking}
            """, connection, transaction);
        command.Parameters.AddWithValue(waveId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
            return null;
        return new WaveToStart(reader.GetString(0), reader.GetFieldValue<TimeOnly>(1), reader.GetFieldValue<TimeOnly>(2),
            (double)reader.GetDecimal(3))
        {
            Mode = reader.GetString(4),
            Manual = reader.GetBoolean(5),
            ResultsFrom = reader.GetFieldValue<DateOnly>(6),
            ResultsTo = reader.GetFieldValue<DateOnly>(7),
            Seed = reader.GetInt32(8),
            CooldownDays = reader.GetInt32(9),
            InviteWithinHours = reader.GetInt32(10),
        };
    }

    /// <summary>
    /// Draft → running at <paramref name="startedAt"/>, with each agency's plan on its quota (planned count, eligible pool,
    /// phones left out as staff or for too many dossiers).
    /// </summary>
    public async Task MarkStartedAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, long waveId, IReadOnlyList<AgencyPlan> plan,
        DateTimeOffset startedAt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plan);
        await using var batch = new NpgsqlBatch(connection, transaction);
        var quotas = new NpgsqlBatchCommand(
            """
            UPDATE wave_quotas q
            SET planned = x.planned, eligible = x.eligible, excluded_staff = x.staff, excluded_many_dossiers = x.many
            FROM unnest($2::bigint[], $3::integer[], $4::integer[], $5::integer[], $6::integer[])
                AS x(agency_id, planned, eligible, staff, many)
            WHERE q.wave_id = $1 AND q.agency_id = x.agency_id
            """);
        quotas.Parameters.Add(new NpgsqlParameter { Value = waveId });
        quotas.Parameters.Add(new NpgsqlParameter { Value = plan.Select(p => p.AgencyId).ToArray() });
        quotas.Parameters.Add(new NpgsqlParameter { Value = plan.Select(p => p.Planned).ToArray() });
        quotas.Parameters.Add(new NpgsqlParameter { Value = plan.Select(p => p.Eligible).ToArray() });
        quotas.Parameters.Add(new NpgsqlParameter { Value = plan.Select(p => p.ExcludedStaff).ToArray() });
        quotas.Parameters.Add(new NpgsqlParameter { Value = plan.Select(p => p.ExcludedManyDossiers).ToArray() });
        batch.BatchCommands.Add(quotas);
        var running = new NpgsqlBatchCommand($"UPDATE waves SET status = '{WaveStatus.Running}', started_at = $2 WHERE id = $1");
        running.Parameters.Add(new NpgsqlParameter { Value = waveId });
        running.Parameters.Add(new NpgsqlParameter { Value = startedAt });
        batch.BatchCommands.Add(running);
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// Per agency of the wave, what a top-up and continuous pacing need to know (<see cref="AgencyNeed"/>) at
    /// <paramref name="now"/>, by agency code. <paramref name="transaction"/> may be null for a read outside a change.
    /// </summary>
    public async Task<IReadOnlyList<AgencyNeed>> ReadNeedsAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, long waveId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        await using var command = new NpgsqlCommand(
            $"""
            SELECT q.agency_id, a.code, q.target,
                   count(*) FILTER (WHERE r.status = '{ResponseStatus.Completed}')::integer AS completed,
                   count(*) FILTER (WHERE i.status IN ('{InvitationStatus.Planned}', '{InvitationStatus.Claimed}',
                                                       '{InvitationStatus.Sent}', '{InvitationStatus.Delivered}')
                                    AND r.status IS DISTINCT FROM '{ResponseStatus.Completed}')::integer AS open,
                   coalesce(max(i.draw), 0)::integer AS last_draw,
                   a.name,
                   count(*) FILTER (WHERE i.status = ANY ($3)
                                    OR (r.status = '{ResponseStatus.Completed}' AND i.expires_at <= $2))::integer AS settled,
                   count(*) FILTER (WHERE r.status = '{ResponseStatus.Completed}'
                                    AND (i.status = ANY ($3) OR i.expires_at <= $2))::integer AS settled_completed
            FROM wave_quotas q
            JOIN agencies a ON a.id = q.agency_id
            LEFT JOIN invitations i ON i.wave_id = q.wave_id AND i.agency_id = q.agency_id
            LEFT JOIN responses r ON r.invitation_id = i.id
            WHERE q.wave_id = $1
            GROUP BY q.agency_id, a.code, a.name, q.target
            ORDER BY a.code
            """, connection, transaction);
        command.Parameters.AddWithValue(waveId);
        command.Parameters.AddWithValue(now);
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text, Value = FinalInvitationStatuses.ToArray() });
        var needs = new List<AgencyNeed>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            needs.Add(new AgencyNeed(reader.GetInt64(0), reader.GetString(1), reader.GetInt32(2), reader.GetInt32(3),
                reader.GetInt32(4), reader.GetInt32(5))
            {
                AgencyName = reader.GetString(6),
                Settled = reader.GetInt32(7),
                SettledCompleted = reader.GetInt32(8),
            });
        }

        return needs;
    }

    /// <summary>
    /// A continuous wave's pass, in the caller's transaction: adds what it decided to each agency's quota row (invitations
    /// planned, eligible dossiers, dossiers left out as staff or for too many dossiers).
    /// </summary>
    public static async Task AddDecidedAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, long waveId, IReadOnlyList<AgencyDecided> decided,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(decided);
        if (decided.Count == 0)
            return;
        await using var command = new NpgsqlCommand(
            """
            UPDATE wave_quotas q
            SET planned = q.planned + x.invited, eligible = q.eligible + x.eligible,
                excluded_staff = q.excluded_staff + x.staff, excluded_many_dossiers = q.excluded_many_dossiers + x.many
            FROM unnest($2::bigint[], $3::integer[], $4::integer[], $5::integer[], $6::integer[])
                AS x(agency_id, invited, eligible, staff, many)
            WHERE q.wave_id = $1 AND q.agency_id = x.agency_id
            """, connection, transaction);
        command.Parameters.AddWithValue(waveId);
        command.Parameters.AddWithValue(decided.Select(d => d.AgencyId).ToArray());
        command.Parameters.AddWithValue(decided.Select(d => d.Invited).ToArray());
        command.Parameters.AddWithValue(decided.Select(d => d.Eligible).ToArray());
        command.Parameters.AddWithValue(decided.Select(d => d.ExcludedStaff).ToArray());
        command.Parameters.AddWithValue(decided.Select(d => d.ExcludedManyDossiers).ToArray());
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>The running continuous waves (never the manual wave), by id: those whose arriving dossiers are decided.</summary>
    public async Task<IReadOnlyList<long>> RunningContinuousAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT id FROM waves WHERE status = $1 AND mode = $2 AND NOT manual ORDER BY id");
        command.Parameters.AddWithValue(WaveStatus.Running);
        command.Parameters.AddWithValue(WaveMode.Continuous);
        var waves = new List<long>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            waves.Add(reader.GetInt64(0));
        return waves;
    }

    /// <summary>
    /// The standing manual-invitation wave of a questionnaire (<c>waves.manual</c>, always running, never drawn), created on
    /// first use in the caller's transaction. Returns its id.
    /// </summary>
    public async Task<long> GetOrCreateManualWaveAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string name, long questionnaireId, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            $"""
            WITH existing AS (
                SELECT id FROM waves WHERE manual AND questionnaire_id = $2 AND status = '{WaveStatus.Running}' ORDER BY id LIMIT 1
            ), created AS (
                INSERT INTO waves (name, questionnaire_id, status, results_from, results_to, seed, started_at, manual)
                SELECT $1, $2, '{WaveStatus.Running}', DATE '2000-01-01', DATE '2999-12-31', 0, now(), true
                WHERE NOT EXISTS (SELECT 1 FROM existing)
                RETURNING id
            )
            SELECT id FROM existing UNION ALL SELECT id FROM created
            """, connection, transaction);
        command.Parameters.AddWithValue(name);
        command.Parameters.AddWithValue(questionnaireId);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private async Task<WaveChangeResult> ChangeAsync(
        long waveId, string[] from, string to, Func<NpgsqlConnection, NpgsqlTransaction, Task<int>>? also,
        CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var status = await LockStatusAsync(connection, transaction, waveId, cancellationToken);
        if (status is null)
            return WaveChangeResult.NotFound;
        if (!from.Contains(status))
            return WaveChangeResult.Conflict(status);

        await using (var update = new NpgsqlCommand(
            $"""
            UPDATE waves
            SET status = $2,
                finished_at = CASE WHEN $2 IN ('{WaveStatus.Cancelled}', '{WaveStatus.Completed}') THEN now() ELSE finished_at END
            WHERE id = $1
            """, connection, transaction))
        {
            update.Parameters.AddWithValue(waveId);
            update.Parameters.AddWithValue(to);
            await update.ExecuteNonQueryAsync(cancellationToken);
        }

        if (also is not null)
            await also(connection, transaction);

        await transaction.CommitAsync(cancellationToken);
        return new WaveChangeResult(WaveChangeOutcome.Changed, to, new WaveStatusChange(waveId, to));
    }

    /// <summary>
    /// The wave's status and invitation counts (see <see cref="WaveProgress"/>), or null when there is no such wave: the
    /// sum of its agencies' rows in the <c>wave_agency_progress</c> view, as the wave list and the agency table count them.
    /// </summary>
    public async Task<WaveProgress?> GetProgressAsync(long waveId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT w.status, coalesce(sum(p.planned), 0)::bigint, coalesce(sum(p.sent), 0)::bigint,
                   coalesce(sum(p.delivered), 0)::bigint, coalesce(sum(p.failed), 0)::bigint,
                   coalesce(sum(p.responded), 0)::bigint, coalesce(sum(p.completed), 0)::bigint,
                   coalesce(sum(p.opted_out), 0)::bigint, coalesce(sum(p.expired), 0)::bigint
            FROM waves w
            LEFT JOIN wave_agency_progress p ON p.wave_id = w.id
            WHERE w.id = $1
            GROUP BY w.id, w.status
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
                SELECT r.id, r.invitation_id, r.channel, r.status, i.phone, r.provenance, r.speeder, r.straight_liner,
                       coalesce(v.full_name, ac.display_name) AS interviewer
                FROM responses r
                LEFT JOIN invitations i ON i.id = r.invitation_id
                LEFT JOIN accounts ac ON ac.id = r.interviewer_id
                LEFT JOIN volunteers v ON v.account_id = r.interviewer_id
                WHERE r.wave_id = $1 OR i.wave_id = $1
                ORDER BY r.id
                OFFSET $2 LIMIT $3
            )
            SELECT true, p.id, p.invitation_id, p.channel, p.status, p.phone,
                   a.question_code, coalesce(a.rating::text, a.choice, a.text_value), p.provenance, p.speeder, p.straight_liner,
                   p.interviewer
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
                var status = reader.GetString(4) == ResponseStatus.Completed ? ResponseStatus.Completed : ResponseStatus.Partial;
                responses.Add(new WaveResponse(
                    reader.IsDBNull(2) ? null : reader.GetInt64(2),
                    reader.GetString(3),
                    status,
                    reader.GetString(8),
                    reader.IsDBNull(11) ? null : reader.GetString(11),
                    IntegrityFlags.Of(reader.GetBoolean(9), reader.GetBoolean(10)),
                    reader.IsDBNull(5) ? null : PhoneMask.Mask(reader.GetString(5)),
                    answers));
            }

            if (!reader.IsDBNull(6))
                answers!.Add(new WaveAnswer(reader.GetString(6), reader.IsDBNull(7) ? null : reader.GetString(7)));
        }

        return found ? responses : null;
    }

    /// <summary>
    /// The waves that collect an agency's invitation-free ballots (a verified dossier's, an open chat's): running, not the
    /// manual wave, with a quota for the agency given by the SQL expression <paramref name="agencyId"/>. Columns: id,
    /// questionnaire_id, results_from, results_to, started_at; order them by <see cref="NewestFirst"/>.
    /// </summary>
    public static string CollectingWaves(string agencyId) =>
        $"""
        SELECT w.id, w.questionnaire_id, w.results_from, w.results_to, w.started_at
        FROM waves w JOIN wave_quotas q ON q.wave_id = w.id AND q.agency_id = {agencyId}
        WHERE w.status = '{WaveStatus.Running}' AND NOT w.manual
        """;

    /// <summary>The order of <see cref="CollectingWaves"/> (aliased <paramref name="alias"/>) when one is chosen: the newest started first.</summary>
    public static string NewestFirst(string alias) => $"{alias}.started_at DESC NULLS LAST, {alias}.id DESC";

    /// <summary>Invitation statuses that are final without a response.</summary>
    public static IReadOnlyList<string> FinalInvitationStatuses { get; } =
        [InvitationStatus.Expired, InvitationStatus.Failed, InvitationStatus.Cancelled, InvitationStatus.OptedOut];

    // A wave (aliased w) that is due to complete on @today: running, not the manual wave, its period over, every
    // invitation final (a completed response, or expired, failed, cancelled, opted out), and for a continuous wave every
    // dossier of its agencies with a result date in the period decided.
    private const string DueForCompletion =
        """
        w.status = @running AND NOT w.manual AND w.results_to < @today
        AND NOT EXISTS (
            SELECT 1 FROM invitations i
            WHERE i.wave_id = w.id
              AND i.status <> ALL (@final_statuses)
              AND NOT EXISTS (SELECT 1 FROM responses r WHERE r.invitation_id = i.id AND r.status = @completed))
        AND (w.mode <> @continuous OR NOT EXISTS (
            SELECT 1 FROM wave_quotas q
            JOIN transactions t ON t.agency_id = q.agency_id AND t.result_date BETWEEN w.results_from AND w.results_to
            WHERE q.wave_id = w.id
              AND NOT EXISTS (SELECT 1 FROM wave_decisions d WHERE d.wave_id = w.id AND d.transaction_id = t.id)))
        """;

    /// <summary>The waves due to complete on <paramref name="today"/> (a Vietnam date), by id.</summary>
    public async Task<IReadOnlyList<long>> DueForCompletionAsync(DateOnly today, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand($"SELECT w.id FROM waves w WHERE {DueForCompletion} ORDER BY w.id");
        AddDueParameters(command.Parameters, today);
        var due = new List<long>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            due.Add(reader.GetInt64(0));
        return due;
    }

    /// <summary>
    /// In the caller's transaction: locks the wave and marks it completed at <paramref name="now"/> if it is still due on
    /// <paramref name="today"/>; false when it no longer is (paused, cancelled, completed meanwhile, a late invitation).
    /// </summary>
    public static async Task<bool> CompleteIfDueAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, long waveId, DateOnly today, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        await using (var lockWave = new NpgsqlCommand(
            $"SELECT w.id FROM waves w WHERE w.id = @wave AND {DueForCompletion} FOR UPDATE", connection, transaction))
        {
            lockWave.Parameters.AddWithValue("wave", waveId);
            AddDueParameters(lockWave.Parameters, today);
            if (await lockWave.ExecuteScalarAsync(cancellationToken) is null)
                return false;
        }

        await using var complete = new NpgsqlCommand(
            "UPDATE waves SET status = @completed_wave, finished_at = @now WHERE id = @wave", connection, transaction);
        complete.Parameters.AddWithValue("completed_wave", WaveStatus.Completed);
        complete.Parameters.AddWithValue("now", now);
        complete.Parameters.AddWithValue("wave", waveId);
        await complete.ExecuteNonQueryAsync(cancellationToken);
        return true;
    }

    private static void AddDueParameters(NpgsqlParameterCollection parameters, DateOnly today)
    {
        parameters.AddWithValue("running", WaveStatus.Running);
        parameters.AddWithValue("today", today);
        parameters.Add(new NpgsqlParameter("final_statuses", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = FinalInvitationStatuses.ToArray() });
        parameters.AddWithValue("completed", ResponseStatus.Completed);
        parameters.AddWithValue("continuous", WaveMode.Continuous);
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
        var status = await LockStatusAsync(connection, transaction, waveId, cancellationToken);
        if (status is null)
            return new WavePublicationResult(WaveChangeOutcome.NotFound, null, null);
        if (!PublishableStatuses.Contains(status))
            return new WavePublicationResult(WaveChangeOutcome.Conflict, status, null);

        await using (var update = new NpgsqlCommand($"UPDATE waves SET published_at = {publishedAt} WHERE id = $1", connection, transaction))
        {
            update.Parameters.AddWithValue(waveId);
            await update.ExecuteNonQueryAsync(cancellationToken);
        }

        var publication = await ReadPublicationAsync(connection, transaction, waveId, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new WavePublicationResult(WaveChangeOutcome.Changed, publication!.Status, publication);
    }

    // Locks the wave's row for the caller's change; its status, or null when there is no such wave.
    private static async Task<string?> LockStatusAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, long waveId, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT status FROM waves WHERE id = $1 FOR UPDATE", connection, transaction);
        command.Parameters.AddWithValue(waveId);
        return await command.ExecuteScalarAsync(cancellationToken) as string;
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
