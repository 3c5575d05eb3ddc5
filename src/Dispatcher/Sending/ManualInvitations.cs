using System.Security.Cryptography;
using ChatSurvey.Domain.Time;
using Npgsql;

namespace ChatSurvey.Dispatcher.Sending;

/// <summary>A request to invite one person now, outside a planned wave (trying the product, a counter's own list).</summary>
public sealed record ManualInvitationRequest(string Phone, string AgencyCode, string ProcedureCode, string Questionnaire);

public sealed record ManualInvitation(long InvitationId, string Code, long WaveId);

/// <summary>
/// Creates a one-off invitation: a transaction for the person and an invitation in the standing "manual" wave of the
/// questionnaire (created on first use, always running). Unknown codes are refused before anything is written.
/// </summary>
public sealed class ManualInvitations(NpgsqlDataSource dataSource, TimeProvider clock)
{
    public const string WaveName = "Mời thủ công";

    /// <exception cref="InvitationRequestException">Unknown agency, procedure or questionnaire, or a second invitation for the phone.</exception>
    public async Task<ManualInvitation> CreateAsync(ManualInvitationRequest request, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        var ids = await LookupAsync(connection, transaction, request, cancellationToken);
        // The result date is the day in Vietnam (from 00:00 to 07:00 there, the UTC date is still yesterday's).
        var today = VietnamTime.Today(clock);
        var waveId = await ScalarAsync<long>(connection, transaction,
            """
            WITH existing AS (
                SELECT id FROM waves WHERE manual AND questionnaire_id = $2 AND status = 'running' ORDER BY id LIMIT 1
            ), created AS (
                INSERT INTO waves (name, questionnaire_id, status, results_from, results_to, seed, started_at, manual)
                SELECT $1, $2, 'running', DATE '2000-01-01', DATE '2999-12-31', 0, now(), true
                WHERE NOT EXISTS (SELECT 1 FROM existing)
                RETURNING id
            )
            SELECT id FROM existing UNION ALL SELECT id FROM created
            """, cancellationToken, WaveName, ids.QuestionnaireId);

        var dossier = $"MANUAL-{Convert.ToHexString(RandomNumberGenerator.GetBytes(6))}";
        var transactionId = await ScalarAsync<long>(connection, transaction,
            """
            INSERT INTO transactions (agency_id, procedure_id, dossier_code, phone, result_date)
            VALUES ($1, $2, $3, $4, $5) RETURNING id
            """, cancellationToken, ids.AgencyId, ids.ProcedureId, dossier, request.Phone, today);

        var code = InvitationCodes.New();
        // The caller sends it at once (InvitationSender.SendAsync); planned a minute ahead, the background sender only
        // takes it up if that immediate send did not go through.
        var invitationId = await ScalarAsync<long>(connection, transaction,
            """
            INSERT INTO invitations (wave_id, transaction_id, agency_id, phone, code, planned_at, expires_at)
            VALUES ($1, $2, $3, $4, $5, now() + interval '1 minute',
                    now() + make_interval(days => (SELECT expire_after_days FROM waves WHERE id = $1)))
            ON CONFLICT (wave_id, phone) DO NOTHING
            RETURNING id
            """, cancellationToken, waveId, transactionId, ids.AgencyId, request.Phone, code);
        if (invitationId == 0)
        {
            // One invitation per phone per wave, the manual wave included (the database refuses a second).
            throw new InvitationRequestException("phone", $"This phone already has an invitation in the manual wave for '{request.Questionnaire}'.");
        }

        await transaction.CommitAsync(cancellationToken);
        return new ManualInvitation(invitationId, code, waveId);
    }

    private sealed record Ids(long AgencyId, long ProcedureId, long QuestionnaireId);

    private static async Task<Ids> LookupAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, ManualInvitationRequest request, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            """
            SELECT (SELECT id FROM agencies WHERE code = $1),
                   (SELECT id FROM procedures WHERE code = $2),
                   (SELECT id FROM questionnaires WHERE code = $3 ORDER BY version DESC LIMIT 1)
            """, connection, transaction);
        command.Parameters.AddWithValue(request.AgencyCode);
        command.Parameters.AddWithValue(request.ProcedureCode);
        command.Parameters.AddWithValue(request.Questionnaire);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        if (reader.IsDBNull(0))
            throw new InvitationRequestException("agencyCode", $"Unknown agency code '{request.AgencyCode}'.");
        if (reader.IsDBNull(1))
            throw new InvitationRequestException("procedureCode", $"Unknown procedure code '{request.ProcedureCode}'.");
        if (reader.IsDBNull(2))
            throw new InvitationRequestException("questionnaire", $"Unknown questionnaire '{request.Questionnaire}'.");
        return new Ids(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
    }

    private static async Task<T> ScalarAsync<T>(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken cancellationToken, params object[] values)
        where T : struct
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        foreach (var value in values)
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        return await command.ExecuteScalarAsync(cancellationToken) is T result ? result : default;
    }
}

/// <summary>Invitation codes: 10 characters from an alphabet without look-alikes (no 0/O, 1/I/L), ~50 bits.</summary>
public static class InvitationCodes
{
    private const string Alphabet = "23456789ABCDEFGHJKMNPQRSTUVWXYZ";

    public static string New() => RandomNumberGenerator.GetString(Alphabet, 10);
}

/// <summary>A manual invitation request that cannot be carried out; <see cref="Field"/> names the offending input.</summary>
public sealed class InvitationRequestException : Exception
{
    public InvitationRequestException(string field, string message)
        : base(message)
    {
        Field = field;
    }

    public InvitationRequestException()
    {
        Field = "";
    }

    public InvitationRequestException(string message)
        : base(message)
    {
        Field = "";
    }

    public InvitationRequestException(string message, Exception innerException)
        : base(message, innerException)
    {
        Field = "";
    }

    public string Field { get; }
}
