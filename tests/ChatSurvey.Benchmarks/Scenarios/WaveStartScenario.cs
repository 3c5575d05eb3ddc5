using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using ChatSurvey.Benchmarks.Harness;
using ChatSurvey.Dispatcher.Catalogue;
using ChatSurvey.Dispatcher.Invitations;
using ChatSurvey.Dispatcher.Sms;
using ChatSurvey.Dispatcher.Waves;
using ChatSurvey.Domain.Catalogue;
using ChatSurvey.Domain.Integrity;
using ChatSurvey.Domain.Questionnaires;
using ChatSurvey.Domain.Sampling;
using ChatSurvey.Domain.Statuses;
using ChatSurvey.Domain.Tests.Sampling;
using Hangfire;
using Hangfire.Common;
using Hangfire.States;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ChatSurvey.Benchmarks.Scenarios;

/// <summary>
/// A batch wave's start (issue 16: "wave start with 360,000 eligible transactions under 3 s, the same sample as before
/// for the same seed"). The Hai Phong catalogue (<see cref="DemoCatalogue"/>) gets 360,000 dossiers with a result in
/// the wave's period (quick: 20,000) and a tenth more outside it, with what the draw must judge: phones on several
/// dossiers at one agency and at two, agents' phones on many dossiers, landlines and missing phones, staff phones,
/// opt-outs, and phones invited 30 days ago (inside the cool-down) and 120 days ago (outside it). The wave asks every
/// current agency for Slovin's sample size of its dossiers (as the wave form suggests). The figure is
/// <see cref="WavePlanner.StartAsync"/> end to end: planning lock, draw, invitations, plan, status, one transaction.
/// Each run starts a fresh draft wave on the same data and seed, and is checked against <see cref="SampleReference"/>
/// (the draw in C#): the invitations, their round-robin send order and each agency's counts. The note gives a
/// fingerprint of the sample (agency and dossier codes in send order) to compare runs of different builds.
/// </summary>
public sealed class WaveStartScenario : IScenario
{
    private const int Seed = 2026;
    private static readonly DateOnly From = new(2026, 10, 1);
    private static readonly DateOnly To = new(2026, 10, 31);

    public string Name => "wavestart";

    public int Order => 50;

    public async Task<IReadOnlyList<Figure>> RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        var dossiers = context.Quick ? 20_000 : 360_000;
        var connectionString = await context.CreateDatabaseAsync("wavestart", cancellationToken: cancellationToken);
        await using var db = NpgsqlDataSource.Create(connectionString);
        var seeding = await Measure.SecondsAsync(() => SeedAsync(db, dossiers, cancellationToken));
        context.Info($"seeded {dossiers:N0} dossiers in the period (+{dossiers / 10:N0} outside) in {seeding:F1} s");

        var clock = TimeProvider.System;
        var invitations = new InvitationStore(db);
        var waves = new WaveStore(db, invitations);
        var sms = Options.Create(new SmsOptions());
        var integrity = Options.Create(new IntegrityOptions());
        var jobs = new NoJobs();
        var continuous = new ContinuousDecider(db, waves, new WaveQueries(db), invitations, clock, sms, integrity, jobs);
        var planner = new WavePlanner(db, waves, invitations, clock, sms, integrity, jobs, continuous);
        var targets = await TargetsAsync(db, cancellationToken);
        var expected = await ReferenceAsync(db, targets, cancellationToken);

        var seconds = new List<double>();
        var planned = 0;
        string? fingerprint = null;
        var problems = new List<string>();
        for (var run = 0; run < context.Repeats; run++)
        {
            var created = await waves.CreateAsync(new WaveDraft(
                $"Đợt đo {run + 1}", "sipas-sms", From, To, targets, 0.3m, new TimeOnly(8, 0), new TimeOnly(20, 0),
                ReminderAfterHours: 48, ExpireAfterDays: 3, CooldownDays: 90, Seed: Seed), cancellationToken);
            var waveId = created.Id ?? throw new InvalidOperationException("The wave was not created: " + string.Join(", ", created.Problems));

            WaveChangeResult? result = null;
            seconds.Add(await Measure.SecondsAsync(async () => result = await planner.StartAsync(waveId, cancellationToken)));
            if (result?.Outcome != WaveChangeOutcome.Changed)
                throw new InvalidOperationException($"The wave did not start: {result?.Outcome}.");

            var check = await CheckAsync(db, waveId, expected, cancellationToken);
            planned = check.Invitations;
            fingerprint ??= check.Fingerprint;
            if (check.Fingerprint != fingerprint)
                problems.Add($"run {run + 1} drew another sample");
            problems.AddRange(check.Problems.Take(3));
            context.Info($"run {run + 1}: {seconds[^1]:F2} s, {check.Invitations:N0} invitations, sample {check.Fingerprint}" +
                         (check.Problems.Count == 0 ? ", equals the reference" : $", {check.Problems.Count} difference(s) from the reference"));

            // The next run starts from the same state: this wave and its invitations go (cascade), dead rows are vacuumed.
            await using (var drop = db.CreateCommand($"DELETE FROM waves WHERE id = {waveId}"))
                await drop.ExecuteNonQueryAsync(cancellationToken);
            await using (var vacuum = db.CreateCommand("VACUUM ANALYZE invitations, wave_quotas, waves"))
                await vacuum.ExecuteNonQueryAsync(cancellationToken);
        }

        var median = Measure.Median(seconds);
        var note = $"{dossiers:N0} dossiers in the period, {targets.Count} agencies, {planned:N0} invitations; sample {fingerprint} " +
                   (problems.Count == 0 ? "equals the C# reference for seed " + Seed : "DIFFERS: " + string.Join("; ", problems));
        return
        [
            new Figure($"wave start, {dossiers:N0} eligible dossiers", "s", median, null, HigherIsBetter: false,
                Target: "< 3 s", Met: median < 3 && problems.Count == 0, Note: note),
        ];
    }

    // The catalogue and questionnaires as a first start leaves them, then the dossiers and what the draw judges, all in
    // SQL from the row number n (deterministic: the same data on every run and build).
    private static async Task SeedAsync(NpgsqlDataSource db, int dossiers, CancellationToken cancellationToken)
    {
        await new CatalogueStore(db, TimeProvider.System).SeedAsync(DemoCatalogue.Agencies(), DemoCatalogue.Procedures(), cancellationToken);
        await QuestionnaireStore.EnsureDefaultsAsync(db, cancellationToken);
        await using var batch = db.CreateBatch();
        foreach (var sql in SeedSql)
        {
            var command = new NpgsqlBatchCommand(sql);
            command.Parameters.AddWithValue("n", dossiers);
            command.Parameters.AddWithValue("from", From);
            batch.BatchCommands.Add(command);
        }

        batch.Timeout = 0;
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    private static readonly string[] SeedSql =
    [
        // Phone of dossier n: none (n % 89 = 6), a landline (n % 97 = 5), the agency's agent (n % 200 = 11, many dossiers at
        // the agencies those rows fall on), the phone of dossier n − 3 (n % 10 = 3: another agency), of dossier n − k
        // (n % 25 = 7: the same agency, k agencies taking turns), else its own.
        """
        WITH a AS (SELECT array_agg(id ORDER BY code) AS ids, count(*)::int AS k FROM agencies WHERE retired_at IS NULL),
             p AS (SELECT min(id) AS id FROM procedures)
        INSERT INTO transactions (agency_id, procedure_id, dossier_code, phone, result_date)
        SELECT a.ids[1 + n % a.k], p.id, 'HS-' || lpad(n::text, 7, '0'),
               CASE WHEN n % 89 = 6 THEN NULL
                    WHEN n % 97 = 5 THEN '+8422' || lpad(n::text, 7, '0')
                    WHEN n % 200 = 11 THEN '+8488' || lpad((n % a.k)::text, 7, '0')
                    WHEN n % 10 = 3 THEN '+849' || lpad((n - 3)::text, 8, '0')
                    WHEN n % 25 = 7 AND n > a.k THEN '+849' || lpad((n - a.k)::text, 8, '0')
                    ELSE '+849' || lpad(n::text, 8, '0') END,
               CASE WHEN n <= @n THEN @from + n % 31 ELSE @from - 1 - n % 60 END
        FROM a, p, generate_series(1, @n + @n / 10) AS n
        """,
        """
        INSERT INTO staff_phones (agency_id, phone)
        SELECT DISTINCT agency_id, phone FROM transactions
        WHERE phone IS NOT NULL AND substr(dossier_code, 4)::int % 300 = 17
        """,
        """
        INSERT INTO opt_outs (phone, source)
        SELECT DISTINCT phone, 'keyword' FROM transactions WHERE phone IS NOT NULL AND substr(dossier_code, 4)::int % 150 = 23
        """,
        // Two earlier waves: one invited some phones 30 days ago (inside the 90-day cool-down), one 120 days ago.
        $"""
        INSERT INTO waves (name, questionnaire_id, status, results_from, results_to, seed, started_at)
        SELECT 'Đợt trước ' || d, (SELECT min(id) FROM questionnaires), '{WaveStatus.Completed}', @from - 200, @from - 100, d,
               now() - make_interval(days => d)
        FROM unnest(ARRAY[30, 120]) AS d
        """,
        $"""
        INSERT INTO invitations (wave_id, transaction_id, agency_id, phone, code, status, planned_at, created_at)
        SELECT DISTINCT ON (w.id, t.phone) w.id, t.id, t.agency_id, t.phone, 'C' || w.seed || '-' || t.id, '{InvitationStatus.Expired}',
               w.started_at, w.started_at
        FROM transactions t
        JOIN waves w ON w.seed = CASE substr(t.dossier_code, 4)::int % 40 WHEN 29 THEN 30 WHEN 31 THEN 120 END
        WHERE t.phone IS NOT NULL
        ORDER BY w.id, t.phone, t.id
        """,
        "ANALYZE",
    ];

    // Slovin's sample size of each current agency's dossiers in the period, as the wave form offers it.
    private static async Task<List<WaveAgencyTarget>> TargetsAsync(NpgsqlDataSource db, CancellationToken cancellationToken)
    {
        await using var command = db.CreateCommand(
            """
            SELECT a.code, count(t.id)::int FROM agencies a
            LEFT JOIN transactions t ON t.agency_id = a.id AND t.result_date BETWEEN $1 AND $2
            WHERE a.retired_at IS NULL GROUP BY a.code ORDER BY a.code
            """);
        command.Parameters.AddWithValue(From);
        command.Parameters.AddWithValue(To);
        var targets = new List<WaveAgencyTarget>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var size = Slovin.SampleSize(reader.GetInt32(1));
            if (size > 0)
                targets.Add(new WaveAgencyTarget(reader.GetString(0), size));
        }

        return targets;
    }

    // The draw the reference makes on the data as it stands before any run (each run's wave is gone before the next),
    // by agency code; the cool-down's invitations are 30 and 120 days old, so the moment taken for the draw time is not critical.
    private static async Task<Dictionary<string, SampleReference.Agency>> ReferenceAsync(
        NpgsqlDataSource db, IReadOnlyList<WaveAgencyTarget> targets, CancellationToken cancellationToken)
    {
        var ids = new Dictionary<string, long>(StringComparer.Ordinal);
        await using (var command = db.CreateCommand("SELECT code, id FROM agencies"))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
                ids[reader.GetString(0)] = reader.GetInt64(1);
        }

        var required = targets.ToDictionary(t => ids[t.AgencyCode], t => SamplingService.InvitationsNeeded(t.Target, 0.3));
        var expected = await SampleReference.DrawAsync(db, new SampleReference.Request(
            null, From, To, Seed, DateTimeOffset.UtcNow, 90, new IntegrityOptions().MaxDossiersPerPhone, required, TopUp: false),
            cancellationToken);
        return targets.ToDictionary(t => t.AgencyCode, t => expected[ids[t.AgencyCode]], StringComparer.Ordinal);
    }

    private sealed record Check(int Invitations, string Fingerprint, List<string> Problems);

    // The wave's invitations and plan against the reference: each agency's dossiers in rank order, agencies taking turns
    // in code order in the send schedule, and the counts on each quota.
    private static async Task<Check> CheckAsync(
        NpgsqlDataSource db, long waveId, IReadOnlyDictionary<string, SampleReference.Agency> expectedByCode, CancellationToken cancellationToken)
    {
        var quotas = new Dictionary<long, (string Code, int Target, int Planned, int Eligible, int Staff, int Many)>();
        await using (var command = db.CreateCommand(
            """
            SELECT q.agency_id, a.code, q.target, q.planned, q.eligible, q.excluded_staff, q.excluded_many_dossiers
            FROM wave_quotas q JOIN agencies a ON a.id = q.agency_id WHERE q.wave_id = $1
            """))
        {
            command.Parameters.AddWithValue(waveId);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
                quotas[reader.GetInt64(0)] = (reader.GetString(1), reader.GetInt32(2), reader.GetInt32(3), reader.GetInt32(4), reader.GetInt32(5), reader.GetInt32(6));
        }

        var sent = new List<(long AgencyId, long TransactionId, string Text)>();
        await using (var command = db.CreateCommand(
            """
            SELECT i.agency_id, i.transaction_id, a.code || '|' || t.dossier_code
            FROM invitations i JOIN agencies a ON a.id = i.agency_id JOIN transactions t ON t.id = i.transaction_id
            WHERE i.wave_id = $1 ORDER BY i.planned_at, i.id
            """))
        {
            command.Parameters.AddWithValue(waveId);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
                sent.Add((reader.GetInt64(0), reader.GetInt64(1), reader.GetString(2)));
        }

        var expected = quotas.ToDictionary(q => q.Key, q => expectedByCode[q.Value.Code]);
        var problems = new List<string>();
        // Round robin: turn k gives each agency (in code order) its k-th dossier, when it has one.
        var order = quotas.OrderBy(q => q.Value.Code, StringComparer.Ordinal).Select(q => q.Key).ToList();
        var turns = new List<(long AgencyId, long TransactionId)>();
        for (var k = 0; k < expected.Values.Max(e => e.TransactionIds.Count); k++)
            foreach (var agency in order)
                if (k < expected[agency].TransactionIds.Count)
                    turns.Add((agency, expected[agency].TransactionIds[k]));
        if (!turns.SequenceEqual(sent.Select(s => (s.AgencyId, s.TransactionId))))
            problems.Add($"invitations differ from the reference ({sent.Count:N0} vs {turns.Count:N0})");
        foreach (var (agency, quota) in quotas)
        {
            var e = expected[agency];
            if ((quota.Planned, quota.Eligible, quota.Staff, quota.Many) != (e.TransactionIds.Count, e.Eligible, e.ExcludedStaff, e.ExcludedManyDossiers))
                problems.Add($"{quota.Code}: plan {(quota.Planned, quota.Eligible, quota.Staff, quota.Many)} vs reference {(e.TransactionIds.Count, e.Eligible, e.ExcludedStaff, e.ExcludedManyDossiers)}");
        }

        var digest = SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', sent.Select(s => s.Text))));
        return new Check(sent.Count, Convert.ToHexString(digest)[..12].ToLowerInvariant(), problems);
    }

    /// <summary>The send job the planner queues is not run here: only the start is measured.</summary>
    private sealed class NoJobs : IBackgroundJobClient
    {
        private int _created;

        public string Create(Job job, IState state) => Interlocked.Increment(ref _created).ToString(CultureInfo.InvariantCulture);

        public bool ChangeState(string jobId, IState state, string expectedState) => true;
    }
}
