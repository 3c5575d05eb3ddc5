using ChatSurvey.Dispatcher.Catalogue;
using System.Security.Cryptography;
using ChatSurvey.Domain.Time;
using ChatSurvey.Dispatcher.Invitations;
using ChatSurvey.Dispatcher.Transactions;
using ChatSurvey.Dispatcher.Waves;
using Npgsql;

namespace ChatSurvey.Dispatcher.Sending;

/// <summary>A request to invite one person now, outside a planned wave (trying the product, a counter's own list).</summary>
public sealed record ManualInvitationRequest(string Phone, string AgencyCode, string ProcedureCode, string Questionnaire);

public sealed record ManualInvitation(long InvitationId, string Code, long WaveId);

/// <summary>
/// Creates a one-off invitation: a transaction for the person and an invitation in the standing "manual" wave of the
/// questionnaire (created on first use, always running), in one transaction through the stores of those tables. Unknown
/// codes are refused before anything is written.
/// </summary>
public sealed class ManualInvitations(NpgsqlDataSource dataSource, WaveStore waves, InvitationStore invitations, TimeProvider clock)
{
    public const string WaveName = "Mời thủ công";

    /// <exception cref="InvitationRequestException">Unknown agency, procedure or questionnaire, or a second invitation for the phone.</exception>
    public async Task<ManualInvitation> CreateAsync(ManualInvitationRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        var ids = await LookupAsync(connection, transaction, request, cancellationToken);
        // The result date is the day in Vietnam (from 00:00 to 07:00 there, the UTC date is still yesterday's).
        var today = VietnamTime.Today(clock);
        var waveId = await waves.GetOrCreateManualWaveAsync(connection, transaction, WaveName, ids.QuestionnaireId, cancellationToken);
        var dossier = $"MANUAL-{Convert.ToHexString(RandomNumberGenerator.GetBytes(6))}";
        var transactionId = await TransactionStore.InsertAsync(
            connection, transaction, ids.AgencyId, ids.ProcedureId, dossier, request.Phone, today, cancellationToken);
        var code = InvitationCodes.New();
        // The caller sends it at once (SingleInvitationSender); the background sender only takes it up if that send did not go through.
        var invitationId = await invitations.InsertManualAsync(
            connection, transaction, waveId, transactionId, ids.AgencyId, request.Phone, code, cancellationToken)
            ?? throw new InvitationRequestException(
                "phone", $"This phone already has an invitation in the manual wave for '{request.Questionnaire}'.");

        await transaction.CommitAsync(cancellationToken);
        return new ManualInvitation(invitationId, code, waveId);
    }

    private sealed record Ids(long AgencyId, long ProcedureId, long QuestionnaireId);

    private static async Task<Ids> LookupAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, ManualInvitationRequest request, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            $"""
            SELECT (SELECT id FROM agencies WHERE code = $1),
                   (SELECT NOT {CatalogueStore.Current("a")} FROM agencies a WHERE a.code = $1),
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
        // A retired agency is kept for history: nobody is invited to rate it any more.
        if (reader.GetBoolean(1))
            throw new InvitationRequestException("agencyCode", $"Agency '{request.AgencyCode}' is retired: it takes no new surveys.");
        if (reader.IsDBNull(2))
            throw new InvitationRequestException("procedureCode", $"Unknown procedure code '{request.ProcedureCode}'.");
        if (reader.IsDBNull(3))
            throw new InvitationRequestException("questionnaire", $"Unknown questionnaire '{request.Questionnaire}'.");
        return new Ids(reader.GetInt64(0), reader.GetInt64(2), reader.GetInt64(3));
    }
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
