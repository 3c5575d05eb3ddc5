using System.Globalization;
using ChatSurvey.Dispatcher.Catalogue;
using ChatSurvey.Domain.Catalogue;
using ChatSurvey.Domain.Questionnaires;
using ChatSurvey.Domain.Statuses;
using Npgsql;

namespace ChatSurvey.Benchmarks.Load;

/// <summary>The agency, procedure and questionnaire the suite's invitations use.</summary>
public sealed record SeedCatalogue(long AgencyId, long ProcedureId, long QuestionnaireId);

/// <summary>An invitation as seeded: the phone that answers it and its personal code (<c>/s/{code}</c>).</summary>
public sealed record SeededInvitation(string Phone, string Code);

/// <summary>
/// Test data written with SQL, as the product's own test data is (tests/ChatSurvey.Dispatcher.Tests/Sending): the
/// shipped questionnaires and the demo catalogue through the product's stores, then running waves whose invitations
/// have been sent (a provider sid, an expiry in three days, no reminder due), so that every message a phone sends is a
/// real answer to a real invitation and no job sends anything on its own.
/// </summary>
public static class SurveySeed
{
    public const string AgencyCode = "HP-TTPVHCC";
    public const string ProcedureCode = "DEMO-LLTP";

    public static async Task<SeedCatalogue> PrepareAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await QuestionnaireStore.EnsureDefaultsAsync(dataSource, cancellationToken);
        await new CatalogueStore(dataSource, TimeProvider.System).SeedAsync(DemoCatalogue.Agencies(), DemoCatalogue.Procedures(), cancellationToken);
        await using var command = dataSource.CreateCommand(
            """
            SELECT (SELECT id FROM agencies WHERE code = $1),
                   (SELECT id FROM procedures WHERE code = $2),
                   (SELECT id FROM questionnaires WHERE code = $3 ORDER BY version DESC LIMIT 1)
            """);
        command.Parameters.AddWithValue(AgencyCode);
        command.Parameters.AddWithValue(ProcedureCode);
        command.Parameters.AddWithValue(QuestionnaireCatalogue.Sms);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return new SeedCatalogue(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
    }

    /// <summary>A running wave of the <c>sipas-sms</c> questionnaire; its invitations are added by <see cref="InviteAsync"/>.</summary>
    public static async Task<long> CreateWaveAsync(NpgsqlDataSource dataSource, SeedCatalogue catalogue, string name, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(catalogue);
        await using var command = dataSource.CreateCommand(
            """
            INSERT INTO waves (name, questionnaire_id, status, results_from, results_to, seed, started_at)
            VALUES ($1, $2, $3, current_date - 30, current_date, 1, now())
            RETURNING id
            """);
        command.Parameters.AddWithValue(name);
        command.Parameters.AddWithValue(catalogue.QuestionnaireId);
        command.Parameters.AddWithValue(WaveStatus.Running);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>
    /// <paramref name="count"/> sent invitations in the wave, to phones <c>{prefix}{first…first+count-1, 7 digits}</c>.
    /// </summary>
    public static async Task<IReadOnlyList<SeededInvitation>> InviteAsync(
        NpgsqlDataSource dataSource, SeedCatalogue catalogue, long waveId, string phonePrefix, int first, int count,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(catalogue);
        await using var command = dataSource.CreateCommand(
            """
            WITH t AS (
                INSERT INTO transactions (agency_id, procedure_id, dossier_code, phone, result_date)
                SELECT $2, $3, 'BENCH-' || $1::text || '-' || $4 || lpad(g::text, 7, '0'), $4 || lpad(g::text, 7, '0'), current_date - 1
                FROM generate_series($5::int, $5::int + $6::int - 1) g
                RETURNING id, agency_id, phone
            )
            INSERT INTO invitations (wave_id, transaction_id, agency_id, phone, code, status, planned_at, claimed_at, sent_at,
                                     provider_message_id, provider_status, attempts, expires_at)
            SELECT $1, t.id, t.agency_id, t.phone, upper(substr(md5($1::text || '-' || t.id::text), 1, 12)), $7, now(), now(), now(),
                   'SM' || md5('invitation-' || t.id::text), 'sent', 1, now() + interval '3 days'
            FROM t
            RETURNING phone, code
            """);
        command.Parameters.AddWithValue(waveId);
        command.Parameters.AddWithValue(catalogue.AgencyId);
        command.Parameters.AddWithValue(catalogue.ProcedureId);
        command.Parameters.AddWithValue(phonePrefix);
        command.Parameters.AddWithValue(first);
        command.Parameters.AddWithValue(count);
        command.Parameters.AddWithValue(InvitationStatus.Sent);
        var invitations = new List<SeededInvitation>(count);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            invitations.Add(new SeededInvitation(reader.GetString(0), reader.GetString(1)));
        return invitations;
    }

    /// <summary>A phone of the suite's own numbering plan: +84, two digits naming the pool, seven digits.</summary>
    public static string Phone(string prefix, int number) => prefix + number.ToString("D7", CultureInfo.InvariantCulture);
}
