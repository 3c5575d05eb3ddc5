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
    /// Starts a bulk load: valid rows are streamed with binary COPY into a temporary staging table (dropped at commit),
    /// then <see cref="TransactionBulkLoad.CompleteAsync"/> moves them into <c>transactions</c>.
    /// </summary>
    internal static async Task<TransactionBulkLoad> BeginBulkLoadAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
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

        var copy = await connection.BeginBinaryImportAsync(
            """
            COPY import_staging (row, agency_id, procedure_id, dossier_code, phone, result_date, applicant_name, applicant_type,
                                 result_at, received_on, due_on, dossier_status)
            FROM STDIN (FORMAT BINARY)
            """, cancellationToken);
        copy.Timeout = TimeSpan.Zero;
        return new TransactionBulkLoad(connection, transaction, copy);
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

/// <summary>A bulk load of transactions in progress (<see cref="TransactionStore.BeginBulkLoadAsync"/>).</summary>
internal sealed class TransactionBulkLoad(NpgsqlConnection connection, NpgsqlTransaction transaction, NpgsqlBinaryImporter copy)
    : IAsyncDisposable
{
    private bool _copying = true;

    public async Task WriteAsync(ValidTransaction row, CancellationToken cancellationToken)
    {
        await copy.StartRowAsync(cancellationToken);
        await copy.WriteAsync(row.Row, NpgsqlDbType.Integer, cancellationToken);
        await copy.WriteAsync(row.AgencyId, NpgsqlDbType.Bigint, cancellationToken);
        await copy.WriteAsync(row.ProcedureId, NpgsqlDbType.Bigint, cancellationToken);
        await copy.WriteAsync(row.DossierCode, NpgsqlDbType.Text, cancellationToken);
        await copy.WriteAsync(row.Phone, NpgsqlDbType.Text, cancellationToken);
        await WriteNullableAsync(row.ResultDate, NpgsqlDbType.Date, cancellationToken);
        await WriteNullableAsync(row.ApplicantName, NpgsqlDbType.Text, cancellationToken);
        await copy.WriteAsync(row.ApplicantType, NpgsqlDbType.Text, cancellationToken);
        await WriteNullableAsync(row.ResultAt, NpgsqlDbType.TimestampTz, cancellationToken);
        await WriteNullableAsync(row.ReceivedOn, NpgsqlDbType.Date, cancellationToken);
        await WriteNullableAsync(row.DueOn, NpgsqlDbType.Date, cancellationToken);
        await WriteNullableAsync(row.DossierStatus, NpgsqlDbType.Text, cancellationToken);
    }

    private Task WriteNullableAsync(string? value, NpgsqlDbType type, CancellationToken cancellationToken) =>
        value is null ? copy.WriteNullAsync(cancellationToken) : copy.WriteAsync(value, type, cancellationToken);

    private Task WriteNullableAsync(DateOnly? value, NpgsqlDbType type, CancellationToken cancellationToken) =>
        value is { } present ? copy.WriteAsync(present, type, cancellationToken) : copy.WriteNullAsync(cancellationToken);

    private Task WriteNullableAsync(DateTimeOffset? value, NpgsqlDbType type, CancellationToken cancellationToken) =>
        value is { } present ? copy.WriteAsync(present, type, cancellationToken) : copy.WriteNullAsync(cancellationToken);

    /// <summary>
    /// Ends the COPY and inserts the staged rows with one <c>INSERT … ON CONFLICT DO NOTHING</c>, in row order, so the first
    /// occurrence of a repeated (agency, dossier code) is the one kept. Returns how many were inserted.
    /// </summary>
    public async Task<int> CompleteAsync(long importId, CancellationToken cancellationToken)
    {
        await copy.CompleteAsync(cancellationToken);
        await copy.DisposeAsync();
        _copying = false;
        await using var insert = new NpgsqlCommand(
            """
            INSERT INTO transactions (agency_id, procedure_id, dossier_code, phone, result_date, applicant_name, applicant_type, import_id,
                                      result_at, received_on, due_on, dossier_status)
            SELECT agency_id, procedure_id, dossier_code, phone, result_date, applicant_name, applicant_type, $1,
                   result_at, received_on, due_on, dossier_status
            FROM import_staging
            ORDER BY row
            ON CONFLICT (agency_id, dossier_code) DO NOTHING
            """, connection, transaction);
        insert.CommandTimeout = 0;
        insert.Parameters.AddWithValue(importId);
        return await insert.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>A load abandoned before <see cref="CompleteAsync"/> cancels its COPY (the caller's transaction rolls back).</summary>
    public async ValueTask DisposeAsync()
    {
        if (_copying)
            await copy.DisposeAsync();
    }
}
