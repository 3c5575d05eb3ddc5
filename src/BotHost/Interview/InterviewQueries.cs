using ChatSurvey.Dispatcher.Catalogue;
using ChatSurvey.Dispatcher.Waves;
using ChatSurvey.Domain.Statuses;
using Npgsql;

namespace ChatSurvey.BotHost.Interview;

/// <summary>An agency a volunteer interviews at; <see cref="Collecting"/> when a running wave collects its ballots now.</summary>
public sealed record AssignedAgency(long Id, string Code, string Name, bool Collecting);

/// <summary>One of a volunteer's ballots, as the interview pages show it (no phone, no answers).</summary>
public sealed record InterviewRecord(
    string ConversationId,
    string Channel,
    long AgencyId,
    string AgencyCode,
    string AgencyName,
    long WaveId,
    long QuestionnaireId,
    string Status,
    string DossierCode,
    string? PaperSerial,
    DateTimeOffset StartedAt)
{
    public bool Paper => Channel == InterviewTurns.PaperChannel;
}

/// <summary>
/// The reads of the interview pages (read-only; <see cref="Bot.SurveyTurnStore"/> writes the ballots, the volunteers'
/// own store their assignments): a volunteer's agencies, one of their ballots, the ones left unfinished.
/// </summary>
public sealed class InterviewQueries(NpgsqlDataSource dataSource)
{
    /// <summary>
    /// The agencies assigned to the volunteer that take invitation-free ballots (current, or retired but still in a
    /// running wave: <see cref="CatalogueStore.TakesInvitationFreeSurveys"/>), by name.
    /// </summary>
    public async Task<IReadOnlyList<AssignedAgency>> AssignedAgenciesAsync(long accountId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            $"""
            SELECT a.id, a.code, a.name, EXISTS ({WaveStore.CollectingWaves("a.id")})
            FROM volunteer_agencies va
            JOIN agencies a ON a.id = va.agency_id
            WHERE va.account_id = $1 AND {CatalogueStore.TakesInvitationFreeSurveys("a")}
            ORDER BY a.name, a.code
            """);
        command.Parameters.AddWithValue(accountId);
        var agencies = new List<AssignedAgency>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            agencies.Add(new AssignedAgency(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetBoolean(3)));
        return agencies;
    }

    /// <summary>The volunteer's ballot of this conversation; null when there is none or it is another volunteer's.</summary>
    public async Task<InterviewRecord?> FindAsync(string conversationId, long accountId, CancellationToken cancellationToken)
    {
        var found = await ListAsync("r.conversation_id = $2", conversationId, accountId, cancellationToken);
        return found.Count == 0 ? null : found[0];
    }

    /// <summary>The volunteer's ballots still in progress (a dropped connection, a closed tab), newest first.</summary>
    public Task<IReadOnlyList<InterviewRecord>> UnfinishedAsync(long accountId, CancellationToken cancellationToken) =>
        ListAsync($"r.status = '{ResponseStatus.Partial}'", null, accountId, cancellationToken);

    /// <summary>The volunteer's own unfinished ballot for this dossier in this wave (a start sent twice), or null.</summary>
    public async Task<string?> UnfinishedForDossierAsync(long accountId, long waveId, long transactionId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            $"""
            SELECT conversation_id FROM responses
            WHERE interviewer_id = $1 AND wave_id = $2 AND transaction_id = $3 AND status = '{ResponseStatus.Partial}'
            """);
        command.Parameters.AddWithValue(accountId);
        command.Parameters.AddWithValue(waveId);
        command.Parameters.AddWithValue(transactionId);
        return await command.ExecuteScalarAsync(cancellationToken) as string;
    }

    /// <summary>Whether a paper ballot with this serial is already recorded in the wave (the key decides at the claim; this words it first).</summary>
    public async Task<bool> PaperSerialTakenAsync(long waveId, string serial, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT EXISTS (SELECT 1 FROM responses WHERE wave_id = $1 AND paper_serial = $2)");
        command.Parameters.AddWithValue(waveId);
        command.Parameters.AddWithValue(serial);
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private async Task<IReadOnlyList<InterviewRecord>> ListAsync(
        string condition, string? conversationId, long accountId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            $"""
            SELECT r.conversation_id, c.channel, a.id, a.code, a.name, r.wave_id, r.questionnaire_id, r.status,
                   t.dossier_code, r.paper_serial, r.started_at
            FROM responses r
            JOIN conversations c ON c.id = r.conversation_id
            JOIN agencies a ON a.id = r.agency_id
            JOIN transactions t ON t.id = r.transaction_id
            WHERE r.interviewer_id = $1 AND {condition}
            ORDER BY r.started_at DESC, r.id DESC
            LIMIT 20
            """);
        command.Parameters.AddWithValue(accountId);
        if (conversationId is not null)
            command.Parameters.AddWithValue(conversationId);
        var records = new List<InterviewRecord>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            records.Add(new InterviewRecord(
                reader.GetString(0), reader.GetString(1), reader.GetInt64(2), reader.GetString(3), reader.GetString(4),
                reader.GetInt64(5), reader.GetInt64(6), reader.GetString(7), reader.GetString(8),
                reader.IsDBNull(9) ? null : reader.GetString(9), reader.GetFieldValue<DateTimeOffset>(10)));
        }

        return records;
    }
}
