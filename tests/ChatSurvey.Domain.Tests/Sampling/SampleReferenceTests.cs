using ChatSurvey.Domain.Sampling;
using ChatSurvey.TestSupport;
using Npgsql;

namespace ChatSurvey.Domain.Tests.Sampling;

/// <summary>
/// The SQL draw against <see cref="SampleReference"/> (the same rules in plain C#) on generated data, each dataset in a
/// database of its own: phones on several dossiers at one agency and at several, landlines, foreign and missing phones,
/// dossiers outside the period, staff phones, phones over the many-dossier limit, opt-outs, invitations inside the
/// cool-down, before it and after the draw time, phones already in the wave (invitations, ballots, decisions), a retired
/// agency, agency codes whose ordinal and linguistic orders differ, dossier codes with Vietnamese letters; first draws
/// and top-ups. Deterministic: a fixed seed drives the generator.
/// </summary>
public sealed class SampleReferenceTests
{
    private static readonly DateOnly From = new(2026, 10, 1);
    private static readonly DateOnly To = new(2026, 10, 31);
    private static readonly DateTimeOffset AsOf = new(2026, 12, 1, 9, 0, 0, TimeSpan.FromHours(7));
    private static readonly string[] AgencyCodes = ["b-ward", "A.city", "a_1", "Z9", "HP-X", "hp-y"];

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task DrawAsync_Should_EqualTheReference_When_DataIsGenerated()
    {
        var server = await PostgresServer.GetAsync();
        var random = new Random(20261201);
        var seen = new Dictionary<string, int>();
        for (var dataset = 0; dataset < 16; dataset++)
        {
            await using var database = await server.CreateDatabaseAsync();
            var world = await World.CreateAsync(database.DataSource, random);
            var request = world.Request(random);
            var expected = await SampleReference.DrawAsync(database.DataSource, world.Expected(request), Cancel);

            var drawn = await SamplingService.DrawAsync(database.DataSource, request, Cancel);
            Count(seen, "top-up", request.Invitations is not null ? 1 : 0);
            Count(seen, "staff", drawn.Agencies.Sum(a => a.ExcludedStaff));
            Count(seen, "many dossiers", drawn.Agencies.Sum(a => a.ExcludedManyDossiers));
            Count(seen, "shortfall", drawn.Agencies.Count(a => a.Shortfall > 0));
            Count(seen, "drawn", drawn.Agencies.Sum(a => a.Needed));

            var label = $"dataset {dataset} ({world.Describe(request)})";
            Assert.True(drawn.Agencies.Count == expected.Count, label);
            foreach (var agency in drawn.Agencies)
            {
                var e = expected[agency.AgencyId];
                Assert.True(
                    (e.Eligible, e.ExcludedStaff, e.ExcludedManyDossiers) == (agency.Eligible, agency.ExcludedStaff, agency.ExcludedManyDossiers),
                    $"{label}, {agency.AgencyCode}: counts {(agency.Eligible, agency.ExcludedStaff, agency.ExcludedManyDossiers)}, expected {(e.Eligible, e.ExcludedStaff, e.ExcludedManyDossiers)}");
                Assert.True(e.TransactionIds.SequenceEqual(agency.Transactions.Select(t => t.TransactionId)),
                    $"{label}, {agency.AgencyCode}: drew [{string.Join(", ", agency.Transactions.Select(t => t.TransactionId))}], expected [{string.Join(", ", e.TransactionIds)}]");
                Assert.Equal(agency.Needed, agency.Transactions.Count);
            }

            // The same draw left in the database: the same counts, the same dossiers in the same ranks.
            await using var connection = await database.DataSource.OpenConnectionAsync(Cancel);
            await using var transaction = await connection.BeginTransactionAsync(Cancel);
            var kept = await SamplingService.DrawIntoTableAsync(connection, transaction, request, Cancel);
            Assert.Equal(
                drawn.Agencies.Select(a => (a.AgencyId, a.Eligible, a.ExcludedStaff, a.ExcludedManyDossiers, a.Needed)),
                kept.Agencies.Select(a => (a.AgencyId, a.Eligible, a.ExcludedStaff, a.ExcludedManyDossiers, a.Needed)));
            Assert.All(kept.Agencies, a => Assert.Empty(a.Transactions));
            var rows = new List<(long Agency, long Transaction, long Rank)>();
            await using (var command = new NpgsqlCommand(
                $"SELECT agency_id, transaction_id, draw_rank FROM {SamplingService.DrawnTable} WHERE transaction_id IS NOT NULL ORDER BY agency_id, draw_rank",
                connection, transaction))
            await using (var reader = await command.ExecuteReaderAsync(Cancel))
            {
                while (await reader.ReadAsync(Cancel))
                    rows.Add((reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2)));
            }

            Assert.Equal(
                drawn.Agencies.OrderBy(a => a.AgencyId).SelectMany(a => a.Transactions.Select((t, i) => (a.AgencyId, t.TransactionId, (long)i + 1))),
                rows);
        }

        // The datasets exercise every rule: these never stay at zero.
        Assert.All(["top-up", "staff", "many dossiers", "shortfall", "drawn"], k => Assert.True(seen.GetValueOrDefault(k) > 0, $"no {k} in any dataset"));
    }

    private static void Count(Dictionary<string, int> seen, string what, int n) => seen[what] = seen.GetValueOrDefault(what) + n;

    /// <summary>One generated dataset: its agencies and wave, and the knobs of the draw.</summary>
    private sealed class World
    {
        private readonly List<(long Id, string Code)> _agencies = [];

        private long _wave;
        private bool _topUp;

        public static async Task<World> CreateAsync(NpgsqlDataSource db, Random random)
        {
            var world = new World();
            var procedure = await ScalarAsync(db, "INSERT INTO procedures (code, name, short_name) VALUES ('P1', 'Thủ tục', 'Thu tuc') RETURNING id");
            var questionnaire = await ScalarAsync(db, "INSERT INTO questionnaires (code, version, title, definition) VALUES ('q', 1, 'T', '{}') RETURNING id");
            world._wave = await ScalarAsync(db,
                $"INSERT INTO waves (name, questionnaire_id, results_from, results_to, seed) VALUES ('W', {questionnaire}, '{From:yyyy-MM-dd}', '{To:yyyy-MM-dd}', 1) RETURNING id");
            var earlier = await ScalarAsync(db,
                $"INSERT INTO waves (name, questionnaire_id, results_from, results_to, seed) VALUES ('E', {questionnaire}, '2026-06-01', '2026-06-30', 2) RETURNING id");
            world._topUp = random.Next(3) == 0;

            var codes = AgencyCodes.OrderBy(_ => random.Next()).Take(random.Next(2, AgencyCodes.Length + 1)).ToList();
            foreach (var code in codes)
            {
                // Now and then a retired agency: a first draw gives it nothing, a top-up still draws for it.
                var retired = random.Next(6) == 0 ? "TIMESTAMPTZ '2026-11-01 00:00+07'" : "NULL";
                world._agencies.Add((await ScalarAsync(db,
                    $"INSERT INTO agencies (code, name, kind, retired_at) VALUES ('{code}', 'UBND {code}', 'commune', {retired}) RETURNING id"), code));
            }

            // Phones: mostly mobiles, a few landlines, foreign numbers and none; few enough that they repeat.
            var phones = Enumerable.Range(0, random.Next(20, 90)).Select(i => random.Next(12) switch
            {
                0 => $"+842253{i:D6}",
                1 => $"+1415555{i:D4}",
                2 => null,
                _ => $"+84{"35789"[random.Next(5)]}{random.Next(10_000_000, 99_999_999)}",
            }).ToList();
            var dossiers = new List<(long Agency, string Code, string? Phone, DateOnly Date)>();
            for (var n = 0; n < random.Next(60, 260); n++)
            {
                var agency = world._agencies[random.Next(world._agencies.Count)].Id;
                var date = random.Next(10) == 0 ? From.AddDays(-random.Next(1, 20)) : random.Next(12) == 0 ? To.AddDays(random.Next(1, 20)) : From.AddDays(random.Next(31));
                dossiers.Add((agency, $"HS/2026/{(random.Next(2) == 0 ? "Đ" : "A")}-{n}", phones[random.Next(phones.Count)], date));
            }

            var ids = new List<long>();
            await using (var insert = db.CreateCommand(
                "INSERT INTO transactions (agency_id, procedure_id, dossier_code, phone, result_date) SELECT a, $5, d, p, r FROM unnest($1::bigint[], $2::text[], $3::text[], $4::date[]) AS x(a, d, p, r) RETURNING id"))
            {
                insert.Parameters.AddWithValue(dossiers.Select(d => d.Agency).ToArray());
                insert.Parameters.AddWithValue(dossiers.Select(d => d.Code).ToArray());
                insert.Parameters.AddWithValue(dossiers.Select(d => d.Phone).ToArray());
                insert.Parameters.AddWithValue(dossiers.Select(d => d.Date).ToArray());
                insert.Parameters.AddWithValue(procedure);
                await using var reader = await insert.ExecuteReaderAsync(Cancel);
                while (await reader.ReadAsync(Cancel))
                    ids.Add(reader.GetInt64(0));
            }

            var withPhone = dossiers.Select((d, i) => (d.Agency, d.Phone, Id: ids[i])).Where(d => d.Phone is not null).ToList();
            (long Agency, string Phone, long Id) Any() { var d = withPhone[random.Next(withPhone.Count)]; return (d.Agency, d.Phone!, d.Id); }

            foreach (var (agency, phone, _) in Enumerable.Range(0, random.Next(0, 5)).Select(_ => Any()).DistinctBy(d => (d.Agency, d.Phone)))
                await ExecuteAsync(db, $"INSERT INTO staff_phones (agency_id, phone) VALUES ({agency}, '{phone}')");
            foreach (var phone in Enumerable.Range(0, random.Next(0, 5)).Select(_ => Any().Phone).Distinct())
                await ExecuteAsync(db, $"INSERT INTO opt_outs (phone, source) VALUES ('{phone}', 'keyword')");

            // Invitations of an earlier wave: inside the cool-down, before it, after the draw time.
            foreach (var ((agency, phone, id), days) in Enumerable.Range(0, random.Next(0, 8)).Select(_ => Any()).DistinctBy(d => d.Phone)
                         .Select(d => (d, new[] { -10, -100, 1 }[random.Next(3)])))
                await InviteAsync(db, earlier, agency, phone, id, AsOf.AddDays(days));

            // This wave: for a top-up, phones it invited (before the draw time, or after it), ballots and decisions.
            if (world._topUp)
            {
                foreach (var ((agency, phone, id), days) in Enumerable.Range(0, random.Next(1, 12)).Select(_ => Any()).DistinctBy(d => d.Phone)
                             .Select(d => (d, random.Next(5) == 0 ? 1 : -3)))
                    await InviteAsync(db, world._wave, agency, phone, id, AsOf.AddDays(days));
            }

            foreach (var (agency, _, id) in Enumerable.Range(0, random.Next(0, 3)).Select(_ => Any()).DistinctBy(d => d.Id))
            {
                await ExecuteAsync(db, $"INSERT INTO conversations (id, channel, agency_id, questionnaire_id) VALUES ('c{id}', 'webchat', {agency}, {questionnaire})");
                await ExecuteAsync(db,
                    $"""
                    INSERT INTO responses (conversation_id, wave_id, agency_id, questionnaire_id, channel, status, provenance, transaction_id)
                    VALUES ('c{id}', {world._wave}, {agency}, {questionnaire}, 'webchat', 'partial', 'verified', {id})
                    """);
            }

            foreach (var (agency, _, id) in Enumerable.Range(0, random.Next(0, 4)).Select(_ => Any()).DistinctBy(d => d.Id))
            {
                var outcome = new[] { "not_drawn", "ineligible", "target_reached" }[random.Next(3)];
                await ExecuteAsync(db,
                    $"INSERT INTO wave_decisions (wave_id, transaction_id, agency_id, decided_at, outcome) VALUES ({world._wave}, {id}, {agency}, now(), '{outcome}')");
            }

            return world;
        }

        public SampleRequest Request(Random random)
        {
            var quotas = _agencies.Select(a => new AgencyQuota(a.Id, random.Next(1, 25))).ToList();
            var request = SampleRequest.Explicit(From, To, quotas, seed: random.Next(-1000, 100_000), AsOf,
                expectedResponseRate: new[] { 0.3, 0.5, 1.0 }[random.Next(3)], cooldownDays: new[] { 0, 30, 90 }[random.Next(3)]) with
            {
                WaveId = _wave,
                MaxDossiersPerPhone = new[] { 0, 1, 2, 3 }[random.Next(4)],
            };
            return _topUp
                ? request with { Invitations = _agencies.Where(_ => random.Next(4) > 0).ToDictionary(a => a.Id, _ => random.Next(0, 30)) }
                : request;
        }

        public SampleReference.Request Expected(SampleRequest request) => new(
            request.WaveId, From, To, request.Seed!.Value, request.AsOf, request.CooldownDays!.Value, request.MaxDossiersPerPhone,
            request.Quotas!.ToDictionary(q => q.AgencyId, q => request.Invitations is { } counts
                ? counts.GetValueOrDefault(q.AgencyId)
                : SamplingService.InvitationsNeeded(q.Target, request.ExpectedResponseRate!.Value)),
            TopUp: request.Invitations is not null);

        public string Describe(SampleRequest request) =>
            $"{(_topUp ? "top-up" : "first draw")}, seed {request.Seed}, max {request.MaxDossiersPerPhone}, cool-down {request.CooldownDays}";

        private static Task InviteAsync(NpgsqlDataSource db, long wave, long agency, string phone, long transaction, DateTimeOffset at) =>
            ExecuteAsync(db,
                $"""
                INSERT INTO invitations (wave_id, transaction_id, agency_id, phone, code, status, planned_at, created_at)
                VALUES ({wave}, {transaction}, {agency}, '{phone}', 'c-{wave}-{transaction}', 'delivered', '{at.UtcDateTime:O}', '{at.UtcDateTime:O}')
                """);

        private static async Task<long> ScalarAsync(NpgsqlDataSource db, string sql)
        {
            await using var command = db.CreateCommand(sql);
            return (long)(await command.ExecuteScalarAsync(Cancel))!;
        }

        private static async Task ExecuteAsync(NpgsqlDataSource db, string sql)
        {
            await using var command = db.CreateCommand(sql);
            await command.ExecuteNonQueryAsync(Cancel);
        }
    }
}
