using ChatSurvey.Domain.Sampling;
using ChatSurvey.Domain.Statuses;
using Npgsql;

namespace ChatSurvey.Domain.Tests.Sampling;

/// <summary>
/// The draw of docs/methodology.md#sampling written the plainest way, in C#, as the oracle the product's SQL draw is
/// compared with: the rows are read as they are stored, and every rule (eligibility in its order, one dossier per phone
/// by the smallest pick key, each agency's phones ranked by their rank key, the first ones taken) is applied here with
/// <see cref="SeededHash.Key"/>. Kept apart from the product on purpose; the benchmark suite links this file too.
/// </summary>
public static class SampleReference
{
    /// <summary>One agency's expected draw: its pool (phones), the phones two rules left out, and the drawn dossiers in rank order.</summary>
    public sealed record Agency(long AgencyId, int Eligible, int ExcludedStaff, int ExcludedManyDossiers, IReadOnlyList<long> TransactionIds);

    /// <summary>What a draw is asked: as <see cref="SampleRequest"/> with everything resolved, and the count wanted per agency.</summary>
    public sealed record Request(
        long? WaveId, DateOnly From, DateOnly To, int Seed, DateTimeOffset AsOf, int CooldownDays, int MaxDossiersPerPhone,
        IReadOnlyDictionary<long, int> Required, bool TopUp);

    private sealed record Row(long Id, long AgencyId, string AgencyCode, string DossierCode, string? Phone);

    /// <summary>The expected draw on the data of <paramref name="dataSource"/>, by agency id.</summary>
    public static async Task<IReadOnlyDictionary<long, Agency>> DrawAsync(
        NpgsqlDataSource dataSource, Request request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(request);
        var agencyIds = request.Required.Keys.ToArray();
        var asOf = request.AsOf.ToUniversalTime();
        var cooldownStart = asOf.AddDays(-request.CooldownDays);

        var rows = new List<Row>();
        await using (var command = dataSource.CreateCommand(
            """
            SELECT t.id, t.agency_id, a.code, t.dossier_code, t.phone, a.retired_at
            FROM transactions t JOIN agencies a ON a.id = t.agency_id
            WHERE t.agency_id = ANY ($1) AND t.result_date BETWEEN $2 AND $3
            """))
        {
            command.Parameters.AddWithValue(agencyIds);
            command.Parameters.AddWithValue(request.From);
            command.Parameters.AddWithValue(request.To);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var retired = reader.IsDBNull(5) ? (DateTimeOffset?)null : reader.GetFieldValue<DateTimeOffset>(5);
                if (!request.TopUp && retired is { } at && at <= asOf)
                    continue;
                rows.Add(new Row(reader.GetInt64(0), reader.GetInt64(1), reader.GetString(2), reader.GetString(3),
                    reader.IsDBNull(4) ? null : reader.GetString(4)));
            }
        }

        var staff = (await ReadAsync(dataSource, "SELECT agency_id, phone FROM staff_phones", [],
            r => (r.GetInt64(0), r.GetString(1)), cancellationToken)).ToHashSet();
        var optedOut = (await ReadAsync(dataSource, "SELECT phone FROM opt_outs", [], r => r.GetString(0), cancellationToken))
            .ToHashSet(StringComparer.Ordinal);
        var invitations = await ReadAsync(dataSource, "SELECT phone, wave_id, created_at FROM invitations", [],
            r => (Phone: r.GetString(0), Wave: r.GetInt64(1), Created: r.GetFieldValue<DateTimeOffset>(2)), cancellationToken);
        var inWave = invitations.Where(i => i.Wave == request.WaveId && i.Created <= asOf).Select(i => i.Phone)
            .ToHashSet(StringComparer.Ordinal);
        var cooling = invitations.Where(i => i.Created <= asOf && i.Created > cooldownStart).Select(i => i.Phone)
            .ToHashSet(StringComparer.Ordinal);
        if (request.WaveId is { } waveId)
        {
            inWave.UnionWith(await ReadAsync(dataSource,
                "SELECT t.phone FROM responses r JOIN transactions t ON t.id = r.transaction_id WHERE r.wave_id = $1 AND t.phone IS NOT NULL",
                [waveId], r => r.GetString(0), cancellationToken));
            var decisions = await ReadAsync(dataSource,
                "SELECT t.phone, d.outcome FROM wave_decisions d JOIN transactions t ON t.id = d.transaction_id WHERE d.wave_id = $1 AND t.phone IS NOT NULL",
                [waveId], r => (Phone: r.GetString(0), Outcome: r.GetString(1)), cancellationToken);
            inWave.UnionWith(decisions.Where(d => d.Outcome != DecisionOutcome.Ineligible).Select(d => d.Phone));
        }

        var dossiers = rows.Where(r => SamplingService.IsVietnameseMobile(r.Phone))
            .GroupBy(r => (r.AgencyId, r.Phone!)).ToDictionary(g => g.Key, g => g.Count());

        string? Reason(Row row)
        {
            if (!SamplingService.IsVietnameseMobile(row.Phone))
                return IneligibleReason.NoMobile;
            var phone = row.Phone!;
            if (staff.Contains((row.AgencyId, phone)))
                return IneligibleReason.Staff;
            if (request.MaxDossiersPerPhone > 0 && dossiers[(row.AgencyId, phone)] > request.MaxDossiersPerPhone)
                return IneligibleReason.ManyDossiers;
            if (optedOut.Contains(phone))
                return IneligibleReason.OptedOut;
            if (inWave.Contains(phone))
                return IneligibleReason.InWave;
            return cooling.Contains(phone) ? IneligibleReason.Cooldown : null;
        }

        var judged = rows.Select(r => (Row: r, Reason: Reason(r))).ToList();
        var chosen = judged.Where(j => j.Reason is null).Select(j => j.Row)
            .GroupBy(r => r.Phone!, StringComparer.Ordinal)
            .Select(g => g.MinBy(r => Hex(SeededHash.Key(SeededHash.Pick, request.Seed, r.AgencyCode, r.DossierCode)), StringComparer.Ordinal)!)
            .ToList();

        var result = new Dictionary<long, Agency>();
        foreach (var agencyId in agencyIds)
        {
            var pool = chosen.Where(r => r.AgencyId == agencyId)
                .OrderBy(r => Hex(SeededHash.Key(SeededHash.Rank, request.Seed, r.Phone!)), StringComparer.Ordinal)
                .ThenBy(r => r.Phone, StringComparer.Ordinal)
                .ToList();
            int Excluded(string reason) => judged.Where(j => j.Row.AgencyId == agencyId && j.Reason == reason)
                .Select(j => j.Row.Phone).Distinct(StringComparer.Ordinal).Count();
            result[agencyId] = new Agency(agencyId, pool.Count, Excluded(IneligibleReason.Staff), Excluded(IneligibleReason.ManyDossiers),
                pool.Take(request.Required[agencyId]).Select(r => r.Id).ToList());
        }

        return result;
    }

    // Bytes compared as PostgreSQL compares bytea: unsigned, byte by byte; as hex text the ordinal order is the same.
    private static string Hex(byte[] key) => Convert.ToHexString(key);

    private static async Task<List<T>> ReadAsync<T>(
        NpgsqlDataSource dataSource, string sql, object[] parameters, Func<NpgsqlDataReader, T> read, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(sql);
        foreach (var parameter in parameters)
            command.Parameters.AddWithValue(parameter);
        var list = new List<T>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
            list.Add(read(reader));
        return list;
    }
}
