using ChatSurvey.Domain.Conversations;
using ChatSurvey.Domain.Integrity;
using ChatSurvey.Dispatcher.Waves;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace ChatSurvey.Dispatcher.Verification;

/// <summary>
/// Finds the dossier an invitation-free chat names (read-only; the bot claims the ballot in its turn's transaction).
/// A dossier matches when it is a transaction of the chat's agency with that code (as typed, or in upper or lower
/// case), its phone ends in the 4 digits, its phone is not one of the agency's staff phones nor on more than
/// <see cref="IntegrityOptions.MaxDossiersPerPhone"/> of the agency's dossiers in the wave's period, and its result
/// date lies in the period of a running (not manual) wave with a quota for the agency — the newest such wave.
/// One round trip, served by <c>transactions_dossier_per_agency_key</c>.
/// </summary>
public sealed class DossierLookup(NpgsqlDataSource dataSource, IOptions<IntegrityOptions> integrity)
{
    public async Task<DossierMatch> FindAsync(long agencyId, DossierQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var code = query.Code.Trim();
        if (code.Length == 0 || query.Digits.Length != 4 || !query.Digits.All(char.IsAsciiDigit))
            return DossierMatch.NoMatch;

        await using var command = dataSource.CreateCommand(
            $"""
            WITH dossier AS (
                SELECT t.id, t.agency_id, t.phone, t.result_date
                FROM transactions t
                WHERE t.agency_id = $1 AND t.dossier_code = ANY ($2)
                  AND t.phone IS NOT NULL AND right(t.phone, 4) = $3
                  AND NOT EXISTS (SELECT 1 FROM staff_phones s WHERE s.agency_id = t.agency_id AND s.phone = t.phone)
            ), wave AS (
                SELECT d.id AS transaction_id, d.phone, w.id AS wave_id, w.questionnaire_id, w.results_from, w.results_to
                FROM dossier d
                CROSS JOIN LATERAL ({WaveStore.CollectingWaves("d.agency_id")}) w
                WHERE d.result_date BETWEEN w.results_from AND w.results_to
                ORDER BY {WaveStore.NewestFirst("w")}
                LIMIT 1
            )
            SELECT wave.transaction_id, wave.wave_id, wave.questionnaire_id,
                   EXISTS (SELECT 1 FROM responses r WHERE r.wave_id = wave.wave_id AND r.transaction_id = wave.transaction_id),
                   EXISTS (SELECT 1 FROM invitations i WHERE i.wave_id = wave.wave_id AND i.transaction_id = wave.transaction_id),
                   (SELECT count(*) FROM transactions o
                    WHERE o.agency_id = $1 AND o.phone = wave.phone AND o.result_date BETWEEN wave.results_from AND wave.results_to)
            FROM wave
            """);
        command.Parameters.AddWithValue(agencyId);
        command.Parameters.Add(new NpgsqlParameter
        {
            Value = new[] { code, code.ToUpperInvariant(), code.ToLowerInvariant() }.Distinct(StringComparer.Ordinal).ToArray(),
            NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text,
        });
        command.Parameters.AddWithValue(query.Digits);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
            return DossierMatch.NoMatch;
        if (integrity.Value.MaxDossiersPerPhone > 0 && reader.GetInt64(5) > integrity.Value.MaxDossiersPerPhone)
            return DossierMatch.NoMatch;

        var (transactionId, waveId, questionnaireId) = (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
        var kind = reader.GetBoolean(3) ? DossierMatchKind.AlreadyAnswered
            : reader.GetBoolean(4) ? DossierMatchKind.Invited
            : DossierMatchKind.Matched;
        return new DossierMatch(kind, waveId, transactionId, questionnaireId);
    }
}
