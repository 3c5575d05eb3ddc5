using ChatSurvey.Domain.Statuses;
using Npgsql;
using NpgsqlTypes;

namespace ChatSurvey.Domain.Sampling;

/// <summary>
/// Draws the transactions to invite for a wave (docs/methodology.md#sampling), in one statement over the period. It
/// writes nothing but, when asked, a temporary table of the drawn dossiers; the dispatcher creates the invitations.
/// <para>Eligible: a dossier with a result date in the period (inclusive) that passes <see cref="Eligibility"/>'s rules
/// (mobile number, staff list, many dossiers, opt-out, already in the wave, cool-down) at the draw time
/// (<see cref="SampleRequest.AsOf"/>). Phones left out by the staff and many-dossier rules are counted per agency. A first draw gives an agency retired by
/// the draw time nothing (its pool is empty: it takes no new waves); a top-up of a wave that already includes it still
/// draws for it, so a running wave finishes as planned.</para>
/// <para>A top-up (<see cref="SampleRequest.Invitations"/>) runs the same draw later: phones already invited in the wave
/// are no longer eligible, so each agency's next ranks in the same seeded order are taken.</para>
/// <para>One invitation per phone per wave: a phone with several eligible transactions (even at different agencies)
/// keeps one, picked by a seeded hash of (agency code, dossier code). Each agency then ranks its phones by a seeded hash
/// of the phone and takes the first ⌈target / rate⌉. Both hashes (<see cref="SeededHash"/>) use natural keys only, so the
/// sample depends on the seed and the data, not on row ids, insertion order or physical order.</para>
/// </summary>
public static class SamplingService
{
    /// <summary>Vietnamese mobile numbers in E.164: +84, then 9 digits starting 3, 5, 7, 8 or 9.</summary>
    public const string MobilePattern = @"^\+84[35789][0-9]{8}$";

    /// <summary>Whether <paramref name="phone"/> matches <see cref="MobilePattern"/>, as the draw checks it.</summary>
    public static bool IsVietnameseMobile(string? phone) =>
        phone is { Length: 12 } && Eligibility.MobilePrefixes.Any(p => phone.StartsWith(p, StringComparison.Ordinal))
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
    /// Draws the sample and reads it back. Throws <see cref="ArgumentException"/> when the request is incomplete or
    /// invalid, or names a wave or an agency that does not exist.
    /// </summary>
    public static async Task<SampleResult> DrawAsync(
        NpgsqlDataSource dataSource, SampleRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var result = await DrawAsync(connection, transaction, request, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return result;
    }

    /// <summary>The same in the caller's transaction (where it turns JIT compilation off for the rest of it).</summary>
    public static async Task<SampleResult> DrawAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, SampleRequest request, CancellationToken cancellationToken = default)
    {
        var (parameters, draw) = await PrepareAsync(connection, transaction, request, cancellationToken);
        await using var batch = draw;
        batch.BatchCommands.Add(Command(DrawSql, request, parameters));
        var byAgency = new Dictionary<long, (string Code, int Eligible, int Staff, int ManyDossiers, List<(long Rank, SampledTransaction Row)> Drawn)>();
        await using (var reader = await batch.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                var agencyId = reader.GetInt64(0);
                if (!byAgency.TryGetValue(agencyId, out var entry))
                {
                    entry = (reader.GetString(1), checked((int)reader.GetInt64(2)), checked((int)reader.GetInt64(3)),
                        checked((int)reader.GetInt64(4)), []);
                    byAgency[agencyId] = entry;
                }

                if (!reader.IsDBNull(5))
                {
                    entry.Drawn.Add((reader.GetInt64(9), new SampledTransaction(
                        reader.GetInt64(5), reader.GetString(6), reader.GetString(7), reader.GetFieldValue<DateOnly>(8))));
                }
            }
        }

        return Result(request, parameters, agencyId => byAgency.TryGetValue(agencyId, out var entry)
            ? (entry.Code, entry.Eligible, entry.Staff, entry.ManyDossiers, entry.Drawn.Count,
               entry.Drawn.OrderBy(d => d.Rank).Select(d => d.Row).ToList())
            : null);
    }

    /// <summary>
    /// Draws the sample in the caller's transaction and leaves the drawn dossiers in the database, for a caller that
    /// creates invitations from them there: the temporary table <see cref="DrawnTable"/> (dropped at commit) holds one row
    /// per drawn dossier (<c>agency_id</c>, <c>agency_code</c>, <c>transaction_id</c>, <c>phone</c>, <c>draw_rank</c>: 1
    /// for the agency's first in draw order) and rows without a <c>transaction_id</c> that only carry an agency's counts
    /// (an agency that draws none has one). The result
    /// gives each agency's counts; its <see cref="AgencySample.Transactions"/> are not read (empty). JIT compilation is off
    /// for the rest of the transaction. Throws as
    /// <see cref="DrawAsync(NpgsqlDataSource, SampleRequest, CancellationToken)"/>.
    /// </summary>
    public static async Task<SampleResult> DrawIntoTableAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, SampleRequest request, CancellationToken cancellationToken = default)
    {
        var (parameters, draw) = await PrepareAsync(connection, transaction, request, cancellationToken);
        await using var batch = draw;
        batch.BatchCommands.Add(new NpgsqlBatchCommand(
            $"""
            CREATE TEMPORARY TABLE {DrawnTable} (
                agency_id bigint, agency_code text, eligible bigint, excluded_staff bigint, excluded_many_dossiers bigint,
                transaction_id bigint, phone text, dossier_code text, result_date date, draw_rank bigint
            ) ON COMMIT DROP
            """));
        batch.BatchCommands.Add(Command($"INSERT INTO {DrawnTable} {DrawSql}", request, parameters));
        batch.BatchCommands.Add(new NpgsqlBatchCommand(
            $"""
            SELECT agency_id, agency_code, eligible, excluded_staff, excluded_many_dossiers, count(transaction_id)
            FROM {DrawnTable}
            GROUP BY agency_id, agency_code, eligible, excluded_staff, excluded_many_dossiers
            """));
        var byAgency = new Dictionary<long, (string Code, int Eligible, int Staff, int ManyDossiers, int Drawn)>();
        await using (var reader = await batch.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                byAgency[reader.GetInt64(0)] = (reader.GetString(1), checked((int)reader.GetInt64(2)), checked((int)reader.GetInt64(3)),
                    checked((int)reader.GetInt64(4)), checked((int)reader.GetInt64(5)));
            }
        }

        return Result(request, parameters, agencyId => byAgency.TryGetValue(agencyId, out var entry)
            ? (entry.Code, entry.Eligible, entry.Staff, entry.ManyDossiers, entry.Drawn, [])
            : null);
    }

    /// <summary>The temporary table <see cref="DrawIntoTableAsync"/> leaves the drawn dossiers in.</summary>
    public const string DrawnTable = "drawn_sample";

    // The wave's settings and the checks, then a batch that starts with turning JIT compilation off for the rest of the
    // transaction: the draw's cost estimate (a whole period through windows and sorts) is far above the JIT thresholds,
    // and compiling its expressions takes longer than the draw saves (about a second for 360,000 dossiers).
    private static async Task<(Parameters Parameters, NpgsqlBatch Batch)> PrepareAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, SampleRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(transaction);
        ArgumentNullException.ThrowIfNull(request);
        var plan = request.WaveId is { } waveId
            ? await LoadWaveAsync(connection, transaction, waveId, cancellationToken)
            : null;
        var parameters = Resolve(request, plan);
        var batch = new NpgsqlBatch(connection, transaction);
        batch.BatchCommands.Add(new NpgsqlBatchCommand("SET LOCAL jit = off"));
        return (parameters, batch);
    }

    private static NpgsqlBatchCommand Command(string sql, SampleRequest request, Parameters parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        command.Parameters.Add(new NpgsqlParameter("agency_ids", NpgsqlDbType.Array | NpgsqlDbType.Bigint)
        {
            Value = parameters.Quotas.Select(q => q.AgencyId).ToArray(),
        });
        command.Parameters.Add(new NpgsqlParameter("required", NpgsqlDbType.Array | NpgsqlDbType.Integer)
        {
            Value = parameters.Quotas.Select(q => Required(request, q, parameters.Rate)).ToArray(),
        });
        Eligibility.AddParameters(command.Parameters, request.WaveId, request.AsOf, parameters.CooldownDays,
            request.MaxDossiersPerPhone, parameters.From, parameters.To);
        command.Parameters.Add(new NpgsqlParameter("top_up", NpgsqlDbType.Boolean) { Value = request.Invitations is not null });
        command.Parameters.Add(new NpgsqlParameter("seed", NpgsqlDbType.Text) { Value = parameters.Seed.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        return command;
    }

    // The agencies in quota order, each with what the draw found (null: the agency does not exist).
    private static SampleResult Result(
        SampleRequest request, Parameters parameters,
        Func<long, (string Code, int Eligible, int Staff, int ManyDossiers, int Drawn, IReadOnlyList<SampledTransaction> Rows)?> found)
    {
        var agencies = new List<AgencySample>(parameters.Quotas.Count);
        foreach (var quota in parameters.Quotas)
        {
            if (found(quota.AgencyId) is not { } entry)
                throw new ArgumentException($"Agency {quota.AgencyId} in the quotas does not exist.", nameof(request));
            var required = Required(request, quota, parameters.Rate);
            var needed = Math.Min(required, entry.Eligible);
            if (entry.Drawn != needed)
                throw new InvalidOperationException($"The draw gave agency {entry.Code} {entry.Drawn} dossiers for {needed} needed.");
            agencies.Add(new AgencySample(quota.AgencyId, entry.Code, quota.Target, entry.Eligible, required, needed, entry.Rows)
            {
                ExcludedStaff = entry.Staff,
                ExcludedManyDossiers = entry.ManyDossiers,
            });
        }

        agencies.Sort((a, b) => string.CompareOrdinal(a.AgencyCode, b.AgencyCode));
        return new SampleResult(request.WaveId, parameters.From, parameters.To, parameters.Rate, parameters.CooldownDays,
            parameters.Seed, request.AsOf, agencies);
    }

    // One pass over the period, keys SeededHash keys over natural keys (never row ids), so the draw ignores insertion
    // order. judged: each dossier with its reason (Eligibility's rules), its phone's dossiers at its agency counted by a
    // window over (phone, agency), which also marks the first dossier of each such pair, and its phone's dossiers in all.
    // kept: per phone, its eligible dossier with the smallest pick key (computed only for a phone on several dossiers:
    // the key costs a SHA-256), and the first dossier of each (phone, agency) the staff or many-dossier rule
    // left out, so that the next window counts those phones once per agency. ranked: per agency, the kept phones in
    // rank-key order (the left-out ones after them) and the agency's counts. Out: each agency's first `required` ranks,
    // or one row with its counts when it draws none.
    private static readonly string DrawSql =
        $"""
        WITH quota AS (
            SELECT q.agency_id, q.required
            FROM unnest(@agency_ids, @required) AS q(agency_id, required)
        ),
        scope AS (
            SELECT t.id, t.agency_id, qa.code AS agency_code, q.required, t.phone, t.dossier_code, t.result_date
            FROM quota q
            JOIN agencies qa ON qa.id = q.agency_id
            JOIN transactions t ON t.agency_id = q.agency_id
            WHERE (@top_up OR qa.retired_at IS NULL OR qa.retired_at > @as_of)
              AND t.result_date BETWEEN @results_from AND @results_to
        ),
        judged AS (
            SELECT s.id, s.agency_id, s.agency_code, s.required, s.phone, s.dossier_code, s.result_date,
                   row_number() OVER at_agency = 1 AS first_at_agency, count(*) OVER by_phone AS of_phone,
                   {Eligibility.Reason("s", "count(*) OVER at_agency")} AS reason
            FROM scope s
            WINDOW by_phone AS (PARTITION BY s.phone), at_agency AS (PARTITION BY s.phone, s.agency_id)
        ),
        kept AS (
            SELECT DISTINCT ON (j.phone, CASE WHEN j.reason IS NOT NULL THEN j.agency_id END) j.*
            FROM judged j
            WHERE j.reason IS NULL
               OR (j.first_at_agency AND j.reason IN ('{IneligibleReason.Staff}', '{IneligibleReason.ManyDossiers}'))
            ORDER BY j.phone, CASE WHEN j.reason IS NOT NULL THEN j.agency_id END,
                     CASE WHEN j.of_phone > 1 THEN {SeededHash.Sql(SeededHash.Pick, "@seed", "j.agency_code", "j.dossier_code")} END
        ),
        ranked AS (
            SELECT k.*,
                   row_number() OVER (
                       PARTITION BY k.agency_id
                       ORDER BY CASE WHEN k.reason IS NULL THEN {SeededHash.Sql(SeededHash.Rank, "@seed", "k.phone")} END, k.phone
                   ) AS draw_rank,
                   count(*) FILTER (WHERE k.reason IS NULL) OVER agency AS eligible,
                   count(*) FILTER (WHERE k.reason = '{IneligibleReason.Staff}') OVER agency AS excluded_staff,
                   count(*) FILTER (WHERE k.reason = '{IneligibleReason.ManyDossiers}') OVER agency AS excluded_many_dossiers
            FROM kept k
            WINDOW agency AS (PARTITION BY k.agency_id)
        )
        SELECT q.agency_id, a.code, coalesce(r.eligible, 0), coalesce(r.excluded_staff, 0), coalesce(r.excluded_many_dossiers, 0),
               CASE WHEN r.reason IS NULL AND r.draw_rank <= r.required THEN r.id END, r.phone, r.dossier_code, r.result_date,
               r.draw_rank
        FROM quota q
        JOIN agencies a ON a.id = q.agency_id
        LEFT JOIN ranked r ON r.agency_id = q.agency_id AND r.draw_rank <= greatest(r.required, 1)
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

    private static async Task<WavePlan> LoadWaveAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, long waveId, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(WaveSql, connection, transaction);
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
