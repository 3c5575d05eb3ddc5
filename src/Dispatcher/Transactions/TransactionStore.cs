using ChatSurvey.Dispatcher.Import;
using Npgsql;
using NpgsqlTypes;

namespace ChatSurvey.Dispatcher.Transactions;

/// <summary>
/// The <c>transactions</c> table (completed procedures, one per agency and dossier code): the only code that writes it.
/// Transactions are always written as part of a larger change (an import with its report, a manual invitation), so
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
                result_date     date NOT NULL,
                applicant_name  text,
                applicant_type  text NOT NULL
            ) ON COMMIT DROP
            """, connection, transaction))
        {
            await staging.ExecuteNonQueryAsync(cancellationToken);
        }

        var copy = await connection.BeginBinaryImportAsync(
            """
            COPY import_staging (row, agency_id, procedure_id, dossier_code, phone, result_date, applicant_name, applicant_type)
            FROM STDIN (FORMAT BINARY)
            """, cancellationToken);
        copy.Timeout = TimeSpan.Zero;
        return new TransactionBulkLoad(connection, transaction, copy);
    }
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
        await copy.WriteAsync(row.ResultDate, NpgsqlDbType.Date, cancellationToken);
        if (row.ApplicantName is null)
            await copy.WriteNullAsync(cancellationToken);
        else
            await copy.WriteAsync(row.ApplicantName, NpgsqlDbType.Text, cancellationToken);
        await copy.WriteAsync(row.ApplicantType, NpgsqlDbType.Text, cancellationToken);
    }

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
            INSERT INTO transactions (agency_id, procedure_id, dossier_code, phone, result_date, applicant_name, applicant_type, import_id)
            SELECT agency_id, procedure_id, dossier_code, phone, result_date, applicant_name, applicant_type, $1
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
