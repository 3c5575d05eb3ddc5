using Npgsql;
using NpgsqlTypes;

namespace ChatSurvey.Domain.Sampling;

/// <summary>
/// Draws the transactions to invite for a wave (docs/methodology.md#sampling). It reads only; the dispatcher
/// inserts the invitations.
/// <para>Eligible: result date in the period (inclusive); a Vietnamese mobile number (<see cref="MobilePattern"/>);
/// the phone not opted out (any time, even after <see cref="SampleRequest.AsOf"/>: an opt-out is honoured at once); no
/// invitation to the phone created in the cool-down before the draw time, in any wave; when a wave is given, no
/// invitation to the phone in that wave already, nor a ballot of the phone's in that wave (a dossier verified at the
/// counter); not a listed staff phone of the agency (<c>staff_phones</c>); not a
/// phone on more than <see cref="SampleRequest.MaxDossiersPerPhone"/> dossiers of the agency in the period (an agent or
/// a staff member). Phones left out by the last two rules are counted per agency. A first draw gives an agency retired by
/// the draw time nothing (its pool is empty: it takes no new waves); a top-up of a wave that already includes it still
/// draws for it, so a running wave finishes as planned.</para>
/// <para>A top-up (<see cref="SampleRequest.Invitations"/>) runs the same draw later: phones already invited in the wave
/// are no longer eligible, so each agency's next ranks in the same seeded order are taken.</para>
/// <para>One invitation per phone per wave: a phone with several eligible transactions (even at different agencies)
/// keeps one, picked by a seeded hash of (agency code, dossier code). Each agency then ranks its phones by a seeded hash
/// of the phone and takes the first ⌈target / rate⌉. Both hashes use natural keys only, so the sample depends on the
/// seed and the data, not on row ids, insertion order or physical order.</para>
/// </summary>
public static class SamplingService
{
    /// <summary>Vietnamese mobile numbers in E.164: +84, then 9 digits starting 3, 5, 7, 8 or 9.</summary>
    public const string MobilePattern = @"^\+84[35789][0-9]{8}$";

    // The draw tests length and prefix instead of the regular expression (several times cheaper per row); the schema's
    // E.164 check (digits only after '+') makes the two the same on stored phones.
    private static readonly string[] MobilePrefixes = ["+843", "+845", "+847", "+848", "+849"];

    /// <summary>Whether <paramref name="phone"/> matches <see cref="MobilePattern"/>, as the draw checks it.</summary>
    public static bool IsVietnameseMobile(string? phone) =>
        phone is { Length: 12 } && MobilePrefixes.Any(p => phone.StartsWith(p, StringComparison.Ordinal))
        && phone.Skip(1).All(char.IsAsciiDigit);

    /// <summary>⌈target / expectedResponseRate⌉, computed in decimal so 30 / 0.3 is 100, not 101.</summary>
    public static int InvitationsNeeded(int target, double expectedResponseRate)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(target);
        if (!(expectedResponseRate > 0 && expectedResponseRate <= 1))
            throw new ArgumentOutOfRangeException(nameof(expectedResponseRate), expectedResponseRate,
                "The expected response rate must be in (0, 1].");
        return checked((int)Math.Ceiling(target / (decimal)expectedResponseRate));
    }

    /// <summary>
    /// Draws the sample. Throws <see cref="ArgumentException"/> when the request is incomplete or invalid, or names a
    /// wave or an agency that does not exist.
    /// </summary>
    public static async Task<SampleResult> DrawAsync(
        NpgsqlDataSource dataSource, SampleRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(request);

        var plan = request.WaveId is { } waveId
            ? await LoadWaveAsync(dataSource, waveId, cancellationToken)
            : null;
        var parameters = Resolve(request, plan);

        await using var command = dataSource.CreateCommand(DrawSql);
        command.Parameters.Add(new NpgsqlParameter("agency_ids", NpgsqlDbType.Array | NpgsqlDbType.Bigint)
        {
            Value = parameters.Quotas.Select(q => q.AgencyId).ToArray(),
        });
        command.Parameters.Add(new NpgsqlParameter("required", NpgsqlDbType.Array | NpgsqlDbType.Integer)
        {
            Value = parameters.Quotas.Select(q => Required(request, q, parameters.Rate)).ToArray(),
        });
        command.Parameters.Add(new NpgsqlParameter("max_dossiers", NpgsqlDbType.Integer) { Value = request.MaxDossiersPerPhone });
        command.Parameters.Add(new NpgsqlParameter("results_from", NpgsqlDbType.Date) { Value = parameters.From });
        command.Parameters.Add(new NpgsqlParameter("results_to", NpgsqlDbType.Date) { Value = parameters.To });
        command.Parameters.Add(new NpgsqlParameter("mobile_prefixes", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = MobilePrefixes });
        command.Parameters.Add(new NpgsqlParameter("as_of", NpgsqlDbType.TimestampTz) { Value = request.AsOf.ToUniversalTime() });
        command.Parameters.Add(new NpgsqlParameter("cooldown_start", NpgsqlDbType.TimestampTz)
        {
            Value = request.AsOf.ToUniversalTime().AddDays(-parameters.CooldownDays),
        });
        command.Parameters.Add(new NpgsqlParameter("wave_id", NpgsqlDbType.Bigint) { Value = (object?)request.WaveId ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("top_up", NpgsqlDbType.Boolean) { Value = request.Invitations is not null });
        command.Parameters.Add(new NpgsqlParameter("seed", NpgsqlDbType.Text) { Value = parameters.Seed.ToString(System.Globalization.CultureInfo.InvariantCulture) });

        var byAgency = new Dictionary<long, (string Code, int Eligible, int Staff, int ManyDossiers, List<SampledTransaction> Drawn)>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                var agencyId = reader.GetInt64(0);
                if (!byAgency.TryGetValue(agencyId, out var entry))
                {
                    entry = (reader.GetString(1), checked((int)reader.GetInt64(2)), checked((int)reader.GetInt64(7)),
                        checked((int)reader.GetInt64(8)), []);
                    byAgency[agencyId] = entry;
                }

                if (!reader.IsDBNull(3))
                    entry.Drawn.Add(new SampledTransaction(reader.GetInt64(3), reader.GetString(4), reader.GetString(5), reader.GetFieldValue<DateOnly>(6)));
            }
        }

        var agencies = new List<AgencySample>(parameters.Quotas.Count);
        foreach (var quota in parameters.Quotas)
        {
            if (!byAgency.TryGetValue(quota.AgencyId, out var entry))
                throw new ArgumentException($"Agency {quota.AgencyId} in the quotas does not exist.", nameof(request));
            var required = Required(request, quota, parameters.Rate);
            agencies.Add(new AgencySample(quota.AgencyId, entry.Code, quota.Target, entry.Eligible, required,
                Math.Min(required, entry.Eligible), entry.Drawn)
            {
                ExcludedStaff = entry.Staff,
                ExcludedManyDossiers = entry.ManyDossiers,
            });
        }

        agencies.Sort((a, b) => string.CompareOrdinal(a.AgencyCode, b.AgencyCode));
        return new SampleResult(request.WaveId, parameters.From, parameters.To, parameters.Rate, parameters.CooldownDays,
            parameters.Seed, request.AsOf, agencies);
    }

    // Keys are the first 8 bytes of SHA-256 over natural keys (never row ids), so the draw ignores insertion order.
    // Rows stay narrow until the drawn ones are joined back to their transactions.
    private const string DrawSql =
        """
        WITH quota AS (
            SELECT q.agency_id, q.required
            FROM unnest(@agency_ids, @required) AS q(agency_id, required)
        ),
        in_period AS (
            SELECT t.id, t.agency_id, t.phone, t.dossier_code
            FROM quota q
            JOIN agencies qa ON qa.id = q.agency_id
            JOIN transactions t ON t.agency_id = q.agency_id
            WHERE (@top_up OR qa.retired_at IS NULL OR qa.retired_at > @as_of)
              AND t.result_date BETWEEN @results_from AND @results_to
              AND length(t.phone) = 12 AND left(t.phone, 4) = ANY (@mobile_prefixes)
        ),
        phone_at_agency AS (
            SELECT p.agency_id, p.phone, count(*) AS dossiers,
                   EXISTS (SELECT 1 FROM staff_phones s WHERE s.agency_id = p.agency_id AND s.phone = p.phone) AS staff
            FROM in_period p
            GROUP BY p.agency_id, p.phone
        ),
        excluded AS (
            SELECT agency_id,
                   count(*) FILTER (WHERE staff) AS staff,
                   count(*) FILTER (WHERE NOT staff AND @max_dossiers > 0 AND dossiers > @max_dossiers) AS many_dossiers
            FROM phone_at_agency
            GROUP BY agency_id
        ),
        candidate AS (
            SELECT t.id, t.agency_id, t.phone,
                   substring(sha256(convert_to(concat_ws('|', 'pick', @seed, a.code, t.dossier_code), 'UTF8')) FROM 1 FOR 8) AS pick_key
            FROM in_period t
            JOIN agencies a ON a.id = t.agency_id
            JOIN phone_at_agency pa ON pa.agency_id = t.agency_id AND pa.phone = t.phone
            WHERE NOT pa.staff
              AND (@max_dossiers = 0 OR pa.dossiers <= @max_dossiers)
              AND NOT EXISTS (SELECT 1 FROM opt_outs o WHERE o.phone = t.phone)
              AND NOT EXISTS (
                  SELECT 1 FROM invitations i
                  WHERE i.phone = t.phone
                    AND i.created_at <= @as_of
                    AND (i.created_at > @cooldown_start OR i.wave_id = @wave_id))
              AND NOT EXISTS (
                  SELECT 1 FROM responses r JOIN transactions rt ON rt.id = r.transaction_id
                  WHERE r.wave_id = @wave_id AND rt.phone = t.phone)
        ),
        one_per_phone AS (
            SELECT DISTINCT ON (c.phone) c.id, c.agency_id, c.phone
            FROM candidate c
            ORDER BY c.phone, c.pick_key
        ),
        ranked AS (
            SELECT p.id, p.agency_id,
                   row_number() OVER (
                       PARTITION BY p.agency_id
                       ORDER BY substring(sha256(convert_to(concat_ws('|', 'draw', @seed, p.phone), 'UTF8')) FROM 1 FOR 8), p.phone
                   ) AS draw_rank
            FROM one_per_phone p
        ),
        pool AS (
            SELECT agency_id, count(*) AS eligible FROM one_per_phone GROUP BY agency_id
        )
        SELECT q.agency_id, a.code, coalesce(pool.eligible, 0) AS eligible,
               t.id, t.phone, t.dossier_code, t.result_date,
               coalesce(x.staff, 0) AS excluded_staff, coalesce(x.many_dossiers, 0) AS excluded_many_dossiers
        FROM quota q
        JOIN agencies a ON a.id = q.agency_id
        LEFT JOIN pool ON pool.agency_id = q.agency_id
        LEFT JOIN excluded x ON x.agency_id = q.agency_id
        LEFT JOIN ranked r ON r.agency_id = q.agency_id AND r.draw_rank <= q.required
        LEFT JOIN transactions t ON t.id = r.id
        ORDER BY q.agency_id, r.draw_rank
        """;

    // A top-up names how many more invitations each agency gets (0 for the rest); a first draw asks ⌈target / rate⌉.
    private static int Required(SampleRequest request, AgencyQuota quota, double rate) =>
        request.Invitations is { } counts ? counts.GetValueOrDefault(quota.AgencyId) : InvitationsNeeded(quota.Target, rate);

    private const string WaveSql =
        """
        SELECT w.results_from, w.results_to, w.expected_response_rate, w.cooldown_days, w.seed, q.agency_id, q.target
        FROM waves w
        LEFT JOIN wave_quotas q ON q.wave_id = w.id
        WHERE w.id = @wave_id
        ORDER BY q.agency_id
        """;

    private sealed record WavePlan(DateOnly From, DateOnly To, double Rate, int CooldownDays, int Seed, List<AgencyQuota> Quotas);

    private sealed record Parameters(DateOnly From, DateOnly To, double Rate, int CooldownDays, int Seed, IReadOnlyList<AgencyQuota> Quotas);

    private static async Task<WavePlan> LoadWaveAsync(NpgsqlDataSource dataSource, long waveId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(WaveSql);
        command.Parameters.Add(new NpgsqlParameter("wave_id", NpgsqlDbType.Bigint) { Value = waveId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        WavePlan? plan = null;
        while (await reader.ReadAsync(cancellationToken))
        {
            plan ??= new WavePlan(
                reader.GetFieldValue<DateOnly>(0), reader.GetFieldValue<DateOnly>(1), (double)reader.GetDecimal(2),
                reader.GetInt32(3), reader.GetInt32(4), []);
            if (!reader.IsDBNull(5))
                plan.Quotas.Add(new AgencyQuota(reader.GetInt64(5), reader.GetInt32(6)));
        }

        return plan ?? throw new ArgumentException($"Wave {waveId} does not exist.", nameof(waveId));
    }

    private static Parameters Resolve(SampleRequest request, WavePlan? wave)
    {
        var from = request.ResultsFrom ?? wave?.From
            ?? throw new ArgumentException("ResultsFrom is required without a wave.", nameof(request));
        var to = request.ResultsTo ?? wave?.To
            ?? throw new ArgumentException("ResultsTo is required without a wave.", nameof(request));
        var seed = request.Seed ?? wave?.Seed
            ?? throw new ArgumentException("Seed is required without a wave.", nameof(request));
        var rate = request.ExpectedResponseRate ?? wave?.Rate ?? SampleRequest.DefaultExpectedResponseRate;
        var cooldown = request.CooldownDays ?? wave?.CooldownDays ?? SampleRequest.DefaultCooldownDays;
        var quotas = request.Quotas ?? wave?.Quotas ?? [];

        if (from > to)
            throw new ArgumentException($"ResultsFrom ({from:yyyy-MM-dd}) is after ResultsTo ({to:yyyy-MM-dd}).", nameof(request));
        if (!(rate > 0 && rate <= 1))
            throw new ArgumentException($"ExpectedResponseRate must be in (0, 1] (was {rate}).", nameof(request));
        if (cooldown < 0)
            throw new ArgumentException($"CooldownDays must not be negative (was {cooldown}).", nameof(request));
        if (quotas.Count == 0)
            throw new ArgumentException("At least one agency quota is required.", nameof(request));
        if (quotas.FirstOrDefault(q => q.Target <= 0) is { } bad)
            throw new ArgumentException($"Quota target for agency {bad.AgencyId} must be positive (was {bad.Target}).", nameof(request));
        if (request.MaxDossiersPerPhone < 0)
            throw new ArgumentException($"MaxDossiersPerPhone must not be negative (was {request.MaxDossiersPerPhone}).", nameof(request));
        if (request.Invitations?.FirstOrDefault(c => c.Value < 0) is { Key: var agency, Value: < 0 and var count })
            throw new ArgumentException($"Invitations for agency {agency} must not be negative (was {count}).", nameof(request));
        if (quotas.GroupBy(q => q.AgencyId).FirstOrDefault(g => g.Count() > 1) is { } duplicate)
            throw new ArgumentException($"Agency {duplicate.Key} appears more than once in the quotas.", nameof(request));

        return new Parameters(from, to, rate, cooldown, seed, quotas);
    }
}
