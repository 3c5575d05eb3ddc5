using Npgsql;

namespace ChatSurvey.Dispatcher.Import;

/// <summary>
/// The catalogue as an import reads it, in the import's own transaction: each agency by its code and by its
/// one-stop-shop unit code (<c>agencies.unit_code</c>, the portal's <c>MaDonVi</c>; an agency's code wins over another's
/// unit code), the agencies no longer in service, and each procedure by its code.
/// </summary>
internal sealed record ImportCatalogue(
    IReadOnlyDictionary<string, long> AgencyIds, IReadOnlySet<long> RetiredAgencyIds, IReadOnlyDictionary<string, long> ProcedureIds)
{
    public static async Task<ImportCatalogue> LoadAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        var agencies = new Dictionary<string, long>(StringComparer.Ordinal);
        var unitCodes = new List<(string UnitCode, long Id)>();
        var retired = new HashSet<long>();
        await using (var command = new NpgsqlCommand("SELECT id, code, unit_code, retired_at IS NOT NULL FROM agencies", connection, transaction))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                var id = reader.GetInt64(0);
                agencies[reader.GetString(1)] = id;
                if (!reader.IsDBNull(2))
                    unitCodes.Add((reader.GetString(2), id));
                if (reader.GetBoolean(3))
                    retired.Add(id);
            }
        }

        foreach (var (unitCode, id) in unitCodes)
            agencies.TryAdd(unitCode, id);

        var procedures = new Dictionary<string, long>(StringComparer.Ordinal);
        await using (var command = new NpgsqlCommand("SELECT code, id FROM procedures", connection, transaction))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
                procedures[reader.GetString(0)] = reader.GetInt64(1);
        }

        return new ImportCatalogue(agencies, retired, procedures);
    }

    public TransactionRowValidator Validator(DateOnly today, RowRules rules) =>
        new(AgencyIds, ProcedureIds, today, rules, RetiredAgencyIds);
}
