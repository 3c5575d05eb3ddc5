using ChatSurvey.Dispatcher.Import;
using Npgsql;
using NpgsqlTypes;

namespace ChatSurvey.Dispatcher.Transactions;

/// <summary>
/// The <c>transactions</c> table (completed procedures, one per agency and dossier code): the only code that writes it.
/// Transactions are always written as part of a larger change (an import with its report, an integration post, a manual invitation), so
/// every method takes the caller's connection and transaction.
/// </summary>
public static class TransactionStore
{
    /// <summary>Inserts one transaction (a manual invitation's own) and returns its id.</summary>
    public static async Task<long> InsertAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, long agencyId, long procedureId, string dossierCode, string phone,
        DateOnly resultDate, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            """
            INSERT INTO transactions (agency_id, procedure_id, dossier_code, phone, result_date)
            VALUES ($1, $2, $3, $4, $5) RETURNING id
            """, connection, transaction);
        command.Parameters.AddWithValue(agencyId);
        command.Parameters.AddWithValue(procedureId);
        command.Parameters.AddWithValue(dossierCode);
        command.Parameters.AddWithValue(phone);
        command.Parameters.AddWithValue(resultDate);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>
    /// Saves dossiers posted by a one-stop-shop system (<see cref="DossierIntake"/>), each at most once per (agency,
    /// dossier code) in <paramref name="dossiers"/>: a new dossier is inserted; a stored one that no wave has decided yet
    /// takes the posted fields (procedure, phone, result date and time, receipt and appointment dates, status, applicant)
    /// and <c>updated_at = now()</c> when any of them differs; a decided one (a <c>wave_decisions</c> row) never changes.
    /// The stored rows are locked (<c>FOR UPDATE</c>, in id order) before their decisions are read, so a wave deciding one
    /// of them at the same time waits for this transaction (its decision's foreign key takes a share lock on the row).
    /// Answers each dossier's outcome, by its row number.
    /// </summary>
    internal static async Task<IReadOnlyDictionary<int, DossierOutcome>> SaveDossiersAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<ValidTransaction> dossiers, long importId,
        CancellationToken cancellationToken)
    {
        var outcomes = new Dictionary<int, DossierOutcome>(dossiers.Count);
        if (dossiers.Count == 0)
            return outcomes;

        await using (var lockRows = new NpgsqlCommand(
            """
            SELECT t.id
            FROM transactions t
            JOIN unnest($1::bigint[], $2::text[]) AS k (agency_id, dossier_code) USING (agency_id, dossier_code)
            ORDER BY t.id
            FOR UPDATE OF t
            """, connection, transaction))
        {
            lockRows.Parameters.AddWithValue(dossiers.Select(d => d.AgencyId).ToArray());
            lockRows.Parameters.AddWithValue(dossiers.Select(d => d.DossierCode).ToArray());
            await lockRows.ExecuteNonQueryAsync(cancellationToken);
        }

        // A new statement, so decisions committed while this transaction waited for the locks are seen.
        var stored = new Dictionary<int, (long Id, bool Decided, bool Same)>();
        await using (var read = new NpgsqlCommand(
            $"""
            WITH posted AS ({Posted})
            SELECT p.row, t.id,
                   EXISTS (SELECT 1 FROM wave_decisions d WHERE d.transaction_id = t.id),
                   ({StoredFields}) IS NOT DISTINCT FROM ({PostedFields})
            FROM posted p
            JOIN transactions t USING (agency_id, dossier_code)
            """, connection, transaction))
        {
            AddPosted(read, dossiers);
            await using var reader = await read.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
                stored[reader.GetInt32(0)] = (reader.GetInt64(1), reader.GetBoolean(2), reader.GetBoolean(3));
        }

        var changed = new List<ValidTransaction>();
        var fresh = new List<ValidTransaction>();
        foreach (var dossier in dossiers)
        {
            if (!stored.TryGetValue(dossier.Row, out var row))
                fresh.Add(dossier);
            else if (row.Same)
                outcomes[dossier.Row] = DossierOutcome.Unchanged;
            else if (row.Decided)
                outcomes[dossier.Row] = DossierOutcome.Decided;
            else
                changed.Add(dossier);
        }

        if (changed.Count > 0)
        {
            await using var update = new NpgsqlCommand(
                $"""
                WITH posted AS ({Posted})
                UPDATE transactions t
                SET procedure_id = p.procedure_id, phone = p.phone, result_date = p.result_date, result_at = p.result_at,
                    received_on = p.received_on, due_on = p.due_on, dossier_status = p.dossier_status,
                    applicant_name = p.applicant_name, applicant_type = p.applicant_type, updated_at = now()
                FROM posted p
                WHERE (t.agency_id, t.dossier_code) = (p.agency_id, p.dossier_code)
                """, connection, transaction);
            AddPosted(update, changed);
            await update.ExecuteNonQueryAsync(cancellationToken);
            foreach (var dossier in changed)
                outcomes[dossier.Row] = DossierOutcome.Updated;
        }

        if (fresh.Count > 0)
        {
            // Another post may have inserted the same dossier since the read: that one stands, this one is unchanged.
            // Keys are inserted in one order whatever the post's, so two posts sharing new dossiers cannot deadlock.
            await using var insert = new NpgsqlCommand(
                $"""
                WITH posted AS ({Posted})
                INSERT INTO transactions (agency_id, procedure_id, dossier_code, phone, result_date, result_at, received_on, due_on,
                                          dossier_status, applicant_name, applicant_type, import_id)
                SELECT agency_id, procedure_id, dossier_code, phone, result_date, result_at, received_on, due_on,
                       dossier_status, applicant_name, applicant_type, $13
                FROM posted
                ORDER BY agency_id, dossier_code
                ON CONFLICT (agency_id, dossier_code) DO NOTHING
                RETURNING agency_id, dossier_code
                """, connection, transaction);
            AddPosted(insert, fresh);
            insert.Parameters.AddWithValue(importId);
            var inserted = new HashSet<(long, string)>();
            await using (var reader = await insert.ExecuteReaderAsync(cancellationToken))
            {
                while (await reader.ReadAsync(cancellationToken))
                    inserted.Add((reader.GetInt64(0), reader.GetString(1)));
            }

            foreach (var dossier in fresh)
            {
                outcomes[dossier.Row] = inserted.Contains((dossier.AgencyId, dossier.DossierCode))
                    ? DossierOutcome.Inserted
                    : DossierOutcome.Unchanged;
            }
        }

        return outcomes;
    }

    // The posted dossiers as a relation, from the twelve array parameters AddPosted binds ($1–$12).
    private const string Posted =
        """
        SELECT * FROM unnest($1::int[], $2::bigint[], $3::bigint[], $4::text[], $5::text[], $6::date[], $7::timestamptz[],
                             $8::date[], $9::date[], $10::text[], $11::text[], $12::text[])
            AS p (row, agency_id, procedure_id, dossier_code, phone, result_date, result_at, received_on, due_on, dossier_status,
                  applicant_name, applicant_type)
        """;

    private const string StoredFields =
        "t.procedure_id, t.phone, t.result_date, t.result_at, t.received_on, t.due_on, t.dossier_status, t.applicant_name, t.applicant_type";

    private const string PostedFields =
        "p.procedure_id, p.phone, p.result_date, p.result_at, p.received_on, p.due_on, p.dossier_status, p.applicant_name, p.applicant_type";

    private static void AddPosted(NpgsqlCommand command, IReadOnlyList<ValidTransaction> dossiers)
    {
        command.Parameters.AddWithValue(dossiers.Select(d => d.Row).ToArray());
        command.Parameters.AddWithValue(dossiers.Select(d => d.AgencyId).ToArray());
        command.Parameters.AddWithValue(dossiers.Select(d => d.ProcedureId).ToArray());
        command.Parameters.AddWithValue(dossiers.Select(d => d.DossierCode).ToArray());
        command.Parameters.AddWithValue(dossiers.Select(d => d.Phone).ToArray());
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Date, Value = dossiers.Select(d => d.ResultDate).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.TimestampTz, Value = dossiers.Select(d => d.ResultAt).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Date, Value = dossiers.Select(d => d.ReceivedOn).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Date, Value = dossiers.Select(d => d.DueOn).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text, Value = dossiers.Select(d => d.DossierStatus).ToArray() });
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text, Value = dossiers.Select(d => d.ApplicantName).ToArray() });
        command.Parameters.AddWithValue(dossiers.Select(d => d.ApplicantType).ToArray());
    }

    /// <summary>
    /// Starts a bulk load for import <paramref name="importId"/>: valid rows stream with binary COPY into a temporary staging
    /// table (dropped at commit) and move into <c>transactions</c> every <paramref name="chunkRows"/> rows and at
    /// <see cref="TransactionBulkLoad.CompleteAsync"/>. <paramref name="staged"/> is told how many rows earlier chunks
    /// staged, on the load's connection, before each chunk's move (the import's progress).
    /// </summary>
    internal static async Task<TransactionBulkLoad> BeginBulkLoadAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, long importId, int chunkRows,
        Func<long, CancellationToken, Task> staged, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkRows, 1);
        await using (var staging = new NpgsqlCommand(
            """
            CREATE TEMP TABLE import_staging (
                row             integer NOT NULL,
                agency_id       bigint NOT NULL,
                procedure_id    bigint NOT NULL,
                dossier_code    text NOT NULL,
                phone           text NOT NULL,
                result_date     date,
                applicant_name  text,
                applicant_type  text NOT NULL,
                result_at       timestamptz,
                received_on     date,
                due_on          date,
                dossier_status  text
            ) ON COMMIT DROP
            """, connection, transaction))
        {
            await staging.ExecuteNonQueryAsync(cancellationToken);
        }

        // The sort that keeps each dossier's first row fits in memory with the session's budget for bulk work.
        await using (var memory = new NpgsqlCommand("SELECT set_config('work_mem', current_setting('maintenance_work_mem'), true)", connection, transaction))
            await memory.ExecuteScalarAsync(cancellationToken);

        var load = new TransactionBulkLoad(connection, transaction, importId, chunkRows, staged);
        await load.OpenCopyAsync(cancellationToken);
        return load;
    }
}

/// <summary>What saving one posted dossier did (<see cref="TransactionStore.SaveDossiersAsync"/>).</summary>
internal enum DossierOutcome
{
    Inserted,
    Updated,

    /// <summary>The dossier was stored with the same fields already (or another post inserted it at the same moment).</summary>
    Unchanged,

    /// <summary>A wave has decided the dossier: the post differs but is not applied.</summary>
    Decided,
}

/// <summary>
/// A bulk load of transactions in progress (<see cref="TransactionStore.BeginBulkLoadAsync"/>; docs/design.md
/// "Transactions import"). The valid rows stream into the staging table; every <c>chunkRows</c> rows the COPY ends and one
/// statement moves that chunk into <c>transactions</c> while the caller goes on reading and validating the file (the rows
/// it hands over meanwhile wait in memory, at most one chunk), so the client's work and the server's overlap.
/// </summary>
/// <remarks>
/// Each chunk's move inserts the first staged row (lowest row number) of each (agency, dossier code) that is not in
/// <c>transactions</c> yet, in key order, with <c>INSERT … SELECT DISTINCT ON … ON CONFLICT DO NOTHING</c>: a dossier
/// repeated in a later chunk, or stored meanwhile by another session, meets the row already there and is left as it is.
/// Chunks move in file order, so the first valid occurrence of a dossier is the one kept.
/// <para>
/// PostgreSQL checks each inserted row's three foreign keys with a trigger, one query per key and row: half the load's
/// time. The rows' agencies and procedures are the catalogue's (the validator resolved their codes in this transaction), so
/// the load proves them once per chunk instead: it locks the few referenced rows <c>FOR KEY SHARE</c> (what each trigger
/// would do, once per row) and checks they are all still there (the import's own row is locked already,
/// <see cref="ImportStore.LockAsync"/>), then moves rows with <c>session_replication_role = replica</c>, which skips the
/// table's triggers: the foreign keys' only, as it checks first. Only a superuser, or a role granted <c>SET</c> on that
/// parameter, may; otherwise, or when <c>transactions</c> has other foreign keys or triggers of its own, PostgreSQL checks
/// every row as usual.
/// </para>
/// </remarks>
internal sealed class TransactionBulkLoad : IAsyncDisposable
{
    /// <summary>
    /// The foreign keys of <c>transactions</c> (column, referenced table and column) that the load proves itself; with any
    /// other, or a trigger of its own on the table, it leaves the checks to PostgreSQL.
    /// </summary>
    internal const string ProvenForeignKeys = "agency_id>agencies.id,import_id>imports.id,procedure_id>procedures.id";

    private readonly NpgsqlConnection _connection;
    private readonly NpgsqlTransaction _transaction;
    private readonly long _importId;
    private readonly int _chunkRows;
    private readonly Func<long, CancellationToken, Task> _staged;
    private readonly HashSet<long> _agencyIds = [];
    private readonly HashSet<long> _procedureIds = [];
    private readonly List<ValidTransaction> _waiting = [];

    // Ends a chunk's move when the load is abandoned (the caller's transaction then rolls back).
    private readonly CancellationTokenSource _abandon = new();
    private CancellationTokenSource? _moveCancellation;
    private NpgsqlBinaryImporter? _copy;
    private Task<int>? _moving;
    private int _copied;
    private long _stagedBefore;
    private int _inserted;
    private bool? _provenBySet;
    private bool _replica;

    internal TransactionBulkLoad(
        NpgsqlConnection connection, NpgsqlTransaction transaction, long importId, int chunkRows, Func<long, CancellationToken, Task> staged)
    {
        _connection = connection;
        _transaction = transaction;
        _importId = importId;
        _chunkRows = chunkRows;
        _staged = staged;
    }

    public async Task WriteAsync(ValidTransaction row, CancellationToken cancellationToken)
    {
        if (_moving is not null)
        {
            if (!_moving.IsCompleted && _waiting.Count < _chunkRows)
            {
                _waiting.Add(row);
                return;
            }

            await ResumeCopyAsync(cancellationToken);
        }

        await CopyAsync(row, cancellationToken);
        if (_copied >= _chunkRows)
            await StartMoveAsync(cancellationToken);
    }

    /// <summary>Moves the last rows and answers how many rows the load inserted in all.</summary>
    /// <exception cref="InvalidOperationException">An agency or procedure named by the rows was deleted while the import ran.</exception>
    public async Task<int> CompleteAsync(CancellationToken cancellationToken)
    {
        if (_moving is not null && _waiting.Count == 0)
        {
            _inserted += await _moving;
            _moving = null;
        }
        else if (_moving is not null)
        {
            await ResumeCopyAsync(cancellationToken);
        }

        if (_copied > 0)
        {
            await StartMoveAsync(cancellationToken);
            _inserted += await _moving!;
            _moving = null;
        }
        else
        {
            await EndCopyAsync(cancellationToken);
        }

        if (_replica)
            await SetReplicationRoleAsync("origin", cancellationToken);
        return _inserted;
    }

    internal async Task OpenCopyAsync(CancellationToken cancellationToken)
    {
        _copy = await _connection.BeginBinaryImportAsync(
            """
            COPY import_staging (row, agency_id, procedure_id, dossier_code, phone, result_date, applicant_name, applicant_type,
                                 result_at, received_on, due_on, dossier_status)
            FROM STDIN (FORMAT BINARY)
            """, cancellationToken);
        _copy.Timeout = TimeSpan.Zero;
    }

    private async Task CopyAsync(ValidTransaction row, CancellationToken cancellationToken)
    {
        var copy = _copy!;
        _agencyIds.Add(row.AgencyId);
        _procedureIds.Add(row.ProcedureId);
        _copied++;
        await copy.StartRowAsync(cancellationToken);
        await copy.WriteAsync(row.Row, NpgsqlDbType.Integer, cancellationToken);
        await copy.WriteAsync(row.AgencyId, NpgsqlDbType.Bigint, cancellationToken);
        await copy.WriteAsync(row.ProcedureId, NpgsqlDbType.Bigint, cancellationToken);
        await copy.WriteAsync(row.DossierCode, NpgsqlDbType.Text, cancellationToken);
        await copy.WriteAsync(row.Phone, NpgsqlDbType.Text, cancellationToken);
        await WriteNullableAsync(copy, row.ResultDate, NpgsqlDbType.Date, cancellationToken);
        await WriteNullableAsync(copy, row.ApplicantName, NpgsqlDbType.Text, cancellationToken);
        await copy.WriteAsync(row.ApplicantType, NpgsqlDbType.Text, cancellationToken);
        await WriteNullableAsync(copy, row.ResultAt, NpgsqlDbType.TimestampTz, cancellationToken);
        await WriteNullableAsync(copy, row.ReceivedOn, NpgsqlDbType.Date, cancellationToken);
        await WriteNullableAsync(copy, row.DueOn, NpgsqlDbType.Date, cancellationToken);
        await WriteNullableAsync(copy, row.DossierStatus, NpgsqlDbType.Text, cancellationToken);
    }

    private static Task WriteNullableAsync(NpgsqlBinaryImporter copy, string? value, NpgsqlDbType type, CancellationToken cancellationToken) =>
        value is null ? copy.WriteNullAsync(cancellationToken) : copy.WriteAsync(value, type, cancellationToken);

    private static Task WriteNullableAsync(NpgsqlBinaryImporter copy, DateOnly? value, NpgsqlDbType type, CancellationToken cancellationToken) =>
        value is { } present ? copy.WriteAsync(present, type, cancellationToken) : copy.WriteNullAsync(cancellationToken);

    private static Task WriteNullableAsync(NpgsqlBinaryImporter copy, DateTimeOffset? value, NpgsqlDbType type, CancellationToken cancellationToken) =>
        value is { } present ? copy.WriteAsync(present, type, cancellationToken) : copy.WriteNullAsync(cancellationToken);

    private async Task EndCopyAsync(CancellationToken cancellationToken)
    {
        if (_copy is null)
            return;
        await _copy.CompleteAsync(cancellationToken);
        await _copy.DisposeAsync();
        _copy = null;
    }

    /// <summary>Ends the COPY and starts moving the chunk; the caller goes on while the server works.</summary>
    private async Task StartMoveAsync(CancellationToken cancellationToken)
    {
        await EndCopyAsync(cancellationToken);
        _stagedBefore += _copied;
        _copied = 0;
        await _staged(_stagedBefore, cancellationToken);

        _provenBySet ??= await MaySkipRowChecksAsync(cancellationToken);
        if (_provenBySet == true)
        {
            await ProveReferencesAsync(cancellationToken);
            if (!_replica)
            {
                // Until the load ends: only its own statements run on the connection meanwhile.
                await SetReplicationRoleAsync("replica", cancellationToken);
                _replica = true;
            }
        }

        _moveCancellation ??= CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _abandon.Token);
        _moving = MoveAsync(_moveCancellation.Token);
    }

    private async Task<int> MoveAsync(CancellationToken cancellationToken)
    {
        await using var insert = new NpgsqlCommand(
            """
            INSERT INTO transactions (agency_id, procedure_id, dossier_code, phone, result_date, applicant_name, applicant_type, import_id,
                                      result_at, received_on, due_on, dossier_status)
            SELECT agency_id, procedure_id, dossier_code, phone, result_date, applicant_name, applicant_type, $1,
                   result_at, received_on, due_on, dossier_status
            FROM (SELECT DISTINCT ON (agency_id, dossier_code) * FROM import_staging ORDER BY agency_id, dossier_code, row) AS first_rows
            ORDER BY agency_id, dossier_code
            ON CONFLICT (agency_id, dossier_code) DO NOTHING
            """, _connection, _transaction);
        insert.CommandTimeout = 0;
        insert.Parameters.AddWithValue(_importId);
        return await insert.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Waits for the chunk being moved, empties the staging table and copies the rows that waited into it.</summary>
    private async Task ResumeCopyAsync(CancellationToken cancellationToken)
    {
        _inserted += await _moving!;
        _moving = null;
        await using (var truncate = new NpgsqlCommand("TRUNCATE import_staging", _connection, _transaction))
            await truncate.ExecuteNonQueryAsync(cancellationToken);
        await OpenCopyAsync(cancellationToken);
        foreach (var row in _waiting)
            await CopyAsync(row, cancellationToken);
        _waiting.Clear();
    }

    /// <summary>
    /// Whether this session may set <c>session_replication_role</c> and the table is as this load knows it: exactly the
    /// foreign keys <see cref="ProvenForeignKeys"/> and no trigger but theirs.
    /// </summary>
    private async Task<bool> MaySkipRowChecksAsync(CancellationToken cancellationToken)
    {
        bool superuser;
        int version;
        await using (var command = new NpgsqlCommand(
            """
            SELECT current_setting('is_superuser') = 'on',
                   current_setting('server_version_num')::int,
                   NOT EXISTS (SELECT FROM pg_trigger WHERE tgrelid = 'transactions'::regclass AND NOT tgisinternal)
                   AND (SELECT string_agg(a.attname || '>' || c.confrelid::regclass::text || '.' || fa.attname, ',' ORDER BY a.attname)
                        FROM pg_constraint c
                        JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
                        JOIN pg_attribute fa ON fa.attrelid = c.confrelid AND fa.attnum = c.confkey[1]
                        WHERE c.conrelid = 'transactions'::regclass AND c.contype = 'f' AND cardinality(c.conkey) = 1)
                       IS NOT DISTINCT FROM $1
                   AND (SELECT count(*) FROM pg_constraint WHERE conrelid = 'transactions'::regclass AND contype = 'f') = 3
            """, _connection, _transaction))
        {
            command.Parameters.AddWithValue(ProvenForeignKeys);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            superuser = reader.GetBoolean(0);
            version = reader.GetInt32(1);
            if (!reader.GetBoolean(2))
                return false;
        }

        if (superuser)
            return true;
        // PostgreSQL 15 lets a superuser grant the parameter to another role (GRANT SET ON PARAMETER).
        if (version < 150000)
            return false;
        await using var granted = new NpgsqlCommand("SELECT has_parameter_privilege('session_replication_role', 'SET')", _connection, _transaction);
        return (bool)(await granted.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>
    /// Locks every agency and procedure the rows so far name, and the import, <c>FOR KEY SHARE</c> until the transaction
    /// ends (none can be deleted or change its id meanwhile), and checks none is gone.
    /// </summary>
    private async Task ProveReferencesAsync(CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            """
            SELECT (SELECT count(*) FROM (SELECT FROM agencies WHERE id = ANY($1) FOR KEY SHARE) AS a),
                   (SELECT count(*) FROM (SELECT FROM procedures WHERE id = ANY($2) FOR KEY SHARE) AS p),
                   (SELECT count(*) FROM (SELECT FROM imports WHERE id = $3 FOR KEY SHARE) AS i)
            """, _connection, _transaction);
        command.CommandTimeout = 0;
        command.Parameters.AddWithValue(_agencyIds.ToArray());
        command.Parameters.AddWithValue(_procedureIds.ToArray());
        command.Parameters.AddWithValue(_importId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        if (reader.GetInt64(0) != _agencyIds.Count || reader.GetInt64(1) != _procedureIds.Count || reader.GetInt64(2) != 1)
            throw new InvalidOperationException("An agency or procedure named by the import's rows was deleted while it ran.");
    }

    private async Task SetReplicationRoleAsync(string role, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT set_config('session_replication_role', $1, true)", _connection, _transaction);
        command.Parameters.AddWithValue(role);
        await command.ExecuteScalarAsync(cancellationToken);
    }

    /// <summary>
    /// A load abandoned before <see cref="CompleteAsync"/> stops the chunk being moved and cancels its COPY (the caller's
    /// transaction rolls back).
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (_moving is not null)
        {
            await _abandon.CancelAsync();
            try
            {
                await _moving;
            }
            catch (Exception e) when (e is OperationCanceledException or NpgsqlException)
            {
                // The load is abandoned: the caller already has its own error.
            }
        }

        if (_copy is not null)
            await _copy.DisposeAsync();
        _moveCancellation?.Dispose();
        _abandon.Dispose();
    }
}
