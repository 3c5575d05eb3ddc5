using ChatSurvey.Domain.Conversations;
using ChatSurvey.Domain.Integrity;
using ChatSurvey.Dispatcher.Waves;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace ChatSurvey.Dispatcher.Verification;

/// <summary>
/// Finds the dossier an invitation-free chat or a volunteer's interview names (read-only; the ballot is claimed in the
/// turn's transaction). A dossier is eligible when it is a transaction of the agency with that code (as typed, or in
/// upper or lower case), its phone is not one of the agency's staff phones nor on more than
/// <see cref="IntegrityOptions.MaxDossiersPerPhone"/> of the agency's dossiers in the wave's period, and its result
/// date lies in the period of a running (not manual) wave with a quota for the agency — the newest such wave. A chat
/// also gives the last 4 digits of the dossier's phone; an interview does not (the volunteer reads the receipt).
/// One round trip, served by <c>transactions_dossier_per_agency_key</c>.
/// </summary>
public sealed class DossierLookup(NpgsqlDataSource dataSource, IOptions<IntegrityOptions> integrity)
{
    /// <summary>The chat's look-up: every kind of miss is <see cref="DossierMatch.NoMatch"/>, so the citizen never learns which part was wrong.</summary>
    public async Task<DossierMatch> FindAsync(long agencyId, DossierQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (query.Digits.Length != 4 || !query.Digits.All(char.IsAsciiDigit))
            return DossierMatch.NoMatch;
        var found = await LookUpAsync(agencyId, query.Code, query.Digits, cancellationToken);
        return found?.Standing switch
        {
            DossierStanding.Eligible => new DossierMatch(DossierMatchKind.Matched, found.WaveId, found.TransactionId, found.QuestionnaireId),
            DossierStanding.AlreadyAnswered => new DossierMatch(DossierMatchKind.AlreadyAnswered, found.WaveId, found.TransactionId, found.QuestionnaireId),
            DossierStanding.Invited => new DossierMatch(DossierMatchKind.Invited, found.WaveId, found.TransactionId, found.QuestionnaireId),
            _ => DossierMatch.NoMatch,
        };
    }

    /// <summary>
    /// A volunteer's look-up of the dossier code on a citizen's receipt: the same rules as the chat's without the phone
    /// digits, and the reason when the dossier cannot take a ballot (the volunteer is signed in and must tell the citizen).
    /// </summary>
    public async Task<DossierCheck> CheckForInterviewAsync(long agencyId, string code, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(code);
        return await LookUpAsync(agencyId, code, null, cancellationToken) ?? DossierCheck.Unknown;
    }

    private async Task<DossierCheck?> LookUpAsync(long agencyId, string typedCode, string? digits, CancellationToken cancellationToken)
    {
        var code = typedCode.Trim();
        if (code.Length == 0)
            return null;

        // Every dossier with the code, its newest covering wave beside it; a staff phone's dossier or one without a wave
        // comes first only when no eligible pair exists, so the first row decides.
        await using var command = dataSource.CreateCommand(
            $"""
            WITH dossier AS (
                SELECT t.id, t.agency_id, t.phone, t.result_date,
                       EXISTS (SELECT 1 FROM staff_phones s WHERE s.agency_id = t.agency_id AND s.phone = t.phone) AS staff
                FROM transactions t
                WHERE t.agency_id = $1 AND t.dossier_code = ANY ($2)
                  AND ($3::text IS NULL OR (t.phone IS NOT NULL AND right(t.phone, 4) = $3))
            ), candidate AS (
                SELECT d.id AS transaction_id, d.phone, d.staff, w.id AS wave_id, w.questionnaire_id, w.results_from, w.results_to
                FROM dossier d
                LEFT JOIN LATERAL (
                    SELECT cw.* FROM ({WaveStore.CollectingWaves("d.agency_id")}) cw
                    WHERE d.result_date BETWEEN cw.results_from AND cw.results_to
                    ORDER BY {WaveStore.NewestFirst("cw")}
                    LIMIT 1
                ) w ON true
                ORDER BY d.staff, w.id IS NULL, {WaveStore.NewestFirst("w")}
                LIMIT 1
            )
            SELECT c.transaction_id, c.wave_id, c.questionnaire_id, c.staff,
                   EXISTS (SELECT 1 FROM responses r WHERE r.wave_id = c.wave_id AND r.transaction_id = c.transaction_id),
                   EXISTS (SELECT 1 FROM invitations i WHERE i.wave_id = c.wave_id AND i.transaction_id = c.transaction_id),
                   (SELECT count(*) FROM transactions o
                    WHERE o.agency_id = $1 AND o.phone = c.phone AND o.result_date BETWEEN c.results_from AND c.results_to)
            FROM candidate c
            """);
        command.Parameters.AddWithValue(agencyId);
        command.Parameters.Add(new NpgsqlParameter
        {
            Value = new[] { code, code.ToUpperInvariant(), code.ToLowerInvariant() }.Distinct(StringComparer.Ordinal).ToArray(),
            NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text,
        });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)digits ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
            return null;

        var transactionId = reader.GetInt64(0);
        if (reader.GetBoolean(3)
            || (integrity.Value.MaxDossiersPerPhone > 0 && reader.GetInt64(6) > integrity.Value.MaxDossiersPerPhone))
            return new DossierCheck(DossierStanding.Excluded, null, transactionId, null);
        if (reader.IsDBNull(1))
            return new DossierCheck(DossierStanding.NotCollecting, null, transactionId, null);

        var (waveId, questionnaireId) = (reader.GetInt64(1), reader.GetInt64(2));
        var standing = reader.GetBoolean(4) ? DossierStanding.AlreadyAnswered
            : reader.GetBoolean(5) ? DossierStanding.Invited
            : DossierStanding.Eligible;
        return new DossierCheck(standing, waveId, transactionId, questionnaireId);
    }
}

/// <summary>Where a dossier stands for a new ballot, as <see cref="DossierLookup.CheckForInterviewAsync"/> tells a volunteer.</summary>
public enum DossierStanding
{
    /// <summary>The agency has no dossier with that code.</summary>
    Unknown,

    /// <summary>The dossier's result date lies in no running wave's period for the agency.</summary>
    NotCollecting,

    /// <summary>The dossier's phone is a staff phone of the agency or on too many of its dossiers (an agent's): never a ballot.</summary>
    Excluded,

    /// <summary>The dossier already has a ballot in its wave, whatever its channel.</summary>
    AlreadyAnswered,

    /// <summary>The dossier was sampled: it has an invitation in its wave and answers through it.</summary>
    Invited,

    /// <summary>The dossier may take its one ballot in <see cref="DossierCheck.WaveId"/>.</summary>
    Eligible,
}

/// <summary>
/// The look-up's answer: the wave and its questionnaire are set for <see cref="DossierStanding.Eligible"/>,
/// <see cref="DossierStanding.AlreadyAnswered"/> and <see cref="DossierStanding.Invited"/>; the transaction for every
/// standing but <see cref="DossierStanding.Unknown"/>.
/// </summary>
public sealed record DossierCheck(DossierStanding Standing, long? WaveId, long? TransactionId, long? QuestionnaireId)
{
    public static DossierCheck Unknown { get; } = new(DossierStanding.Unknown, null, null, null);
}
