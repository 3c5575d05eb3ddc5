using ChatSurvey.Domain.Sampling;
using ChatSurvey.TestSupport;
using Npgsql;

namespace ChatSurvey.Domain.Tests.Sampling;

/// <summary>
/// The draw on a real database. Each test makes its own agencies (unique codes) and its own block of phone numbers,
/// so the cool-down and opt-out checks (which look at every wave) never see another test's rows.
/// </summary>
public sealed class SamplingServiceTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    private static readonly DateOnly October1 = new(2026, 10, 1);
    private static readonly DateOnly October31 = new(2026, 10, 31);
    private static readonly DateTimeOffset AsOf = new(2026, 12, 1, 9, 0, 0, TimeSpan.FromHours(7));
    private static int s_block = 10;

    [Fact]
    public async Task DrawAsync_Should_DrawCeilTargetOverRate_When_EnoughEligible_And_CapAtEligible_When_NotEnough()
    {
        var ctx = await NewContextAsync();
        var large = await AgencyAsync(ctx, "L");
        var small = await AgencyAsync(ctx, "S");
        for (var i = 0; i < 50; i++)
            await TransactionAsync(ctx, large.Id, $"L{i}", Phone(ctx, i), October1.AddDays(i % 31));
        for (var i = 0; i < 10; i++)
            await TransactionAsync(ctx, small.Id, $"S{i}", Phone(ctx, 100 + i), October1.AddDays(i));

        var result = await DrawAsync(SampleRequest.Explicit(October1, October31,
            [new AgencyQuota(large.Id, 10), new AgencyQuota(small.Id, 9)], seed: 1, AsOf, expectedResponseRate: 0.3));

        var l = result.Agencies.Single(a => a.AgencyId == large.Id);
        Assert.Equal(large.Code, l.AgencyCode);
        Assert.Equal(50, l.Eligible);
        Assert.Equal(34, l.Required);          // ⌈10 / 0.3⌉ = ⌈33.3⌉
        Assert.Equal(34, l.Needed);
        Assert.Equal(0, l.Shortfall);
        Assert.Equal(34, l.Transactions.Select(t => t.TransactionId).Distinct().Count());
        Assert.All(l.Transactions, t => Assert.StartsWith("L", t.DossierCode, StringComparison.Ordinal));

        var s = result.Agencies.Single(a => a.AgencyId == small.Id);
        Assert.Equal(10, s.Eligible);
        Assert.Equal(30, s.Required);          // ⌈9 / 0.3⌉ = 30
        Assert.Equal(10, s.Needed);            // capped by the eligible count
        Assert.Equal(20, s.Shortfall);
        Assert.Equal(10, s.Transactions.Count);
    }

    [Fact]
    public async Task DrawAsync_Should_KeepOnlyEligible_When_PhonesOptedOutRecentlyInvitedNonMobileOrOutOfPeriod()
    {
        var ctx = await NewContextAsync();
        var agency = await AgencyAsync(ctx, "E");
        var elsewhere = await AgencyAsync(ctx, "X");
        var earlierWave = await WaveAsync(ctx, October1, October31);

        await TransactionAsync(ctx, agency.Id, "ok-mid", Phone(ctx, 1), new DateOnly(2026, 10, 15));
        await TransactionAsync(ctx, agency.Id, "ok-first-day", Phone(ctx, 2), October1);
        await TransactionAsync(ctx, agency.Id, "ok-last-day", Phone(ctx, 3), October31);
        await TransactionAsync(ctx, agency.Id, "before-period", Phone(ctx, 4), new DateOnly(2026, 9, 30));
        await TransactionAsync(ctx, agency.Id, "after-period", Phone(ctx, 5), new DateOnly(2026, 11, 1));
        await TransactionAsync(ctx, agency.Id, "landline", $"+842253{ctx.Block:D2}0001", October1);
        await TransactionAsync(ctx, agency.Id, "not-mobile-prefix", $"+84212{ctx.Block:D2}0001", October1);
        await TransactionAsync(ctx, agency.Id, "foreign", $"+1415555{ctx.Block:D2}01", October1);
        await TransactionAsync(ctx, agency.Id, "no-phone", null, October1);

        await TransactionAsync(ctx, agency.Id, "opted-out", Phone(ctx, 6), October1);
        await ExecuteAsync("INSERT INTO opt_outs (phone, source) VALUES (@p, 'keyword')", ("p", Phone(ctx, 6)));

        // Invited 10 days before the draw (in another wave, for another agency): inside the 90-day cool-down.
        await TransactionAsync(ctx, agency.Id, "invited-recently", Phone(ctx, 7), October1);
        await InvitationAsync(ctx, earlierWave, elsewhere.Id, Phone(ctx, 7), AsOf.AddDays(-10));
        // Invited 100 days before: the cool-down is over.
        await TransactionAsync(ctx, agency.Id, "invited-long-ago", Phone(ctx, 8), October1);
        await InvitationAsync(ctx, earlierWave, elsewhere.Id, Phone(ctx, 8), AsOf.AddDays(-100));
        // Invited after the draw time: not known at the draw, so it does not exclude (the draw stays replayable).
        await TransactionAsync(ctx, agency.Id, "invited-after-draw", Phone(ctx, 9), October1);
        await InvitationAsync(ctx, earlierWave, elsewhere.Id, Phone(ctx, 9), AsOf.AddDays(1));

        var result = await DrawAsync(SampleRequest.Explicit(October1, October31, [new AgencyQuota(agency.Id, 100)],
            seed: 5, AsOf, expectedResponseRate: 1.0, cooldownDays: 90));

        var sample = Assert.Single(result.Agencies);
        Assert.Equal(
            ["invited-after-draw", "invited-long-ago", "ok-first-day", "ok-last-day", "ok-mid"],
            sample.Transactions.Select(t => t.DossierCode).Order(StringComparer.Ordinal));
        Assert.Equal(5, sample.Eligible);
        Assert.Equal(5, sample.Needed);
        Assert.Equal(Phone(ctx, 1), sample.Transactions.Single(t => t.DossierCode == "ok-mid").Phone);
        Assert.Equal(new DateOnly(2026, 10, 15), sample.Transactions.Single(t => t.DossierCode == "ok-mid").ResultDate);
    }

    [Fact]
    public async Task DrawAsync_Should_InviteEachPhoneOnce_When_PhoneHasSeveralTransactions()
    {
        var ctx = await NewContextAsync();
        var a = await AgencyAsync(ctx, "A");
        var b = await AgencyAsync(ctx, "B");
        var shared = Phone(ctx, 1);   // three transactions at A, one at B
        var repeat = Phone(ctx, 2);   // two transactions at A
        await TransactionAsync(ctx, a.Id, "A-shared-1", shared, October1);
        await TransactionAsync(ctx, a.Id, "A-shared-2", shared, October1.AddDays(3));
        await TransactionAsync(ctx, a.Id, "A-shared-3", shared, October1.AddDays(9));
        await TransactionAsync(ctx, b.Id, "B-shared", shared, October1.AddDays(5));
        await TransactionAsync(ctx, a.Id, "A-repeat-1", repeat, October1);
        await TransactionAsync(ctx, a.Id, "A-repeat-2", repeat, October1.AddDays(1));
        for (var i = 0; i < 3; i++)
            await TransactionAsync(ctx, a.Id, $"A-single-{i}", Phone(ctx, 10 + i), October1);
        for (var i = 0; i < 2; i++)
            await TransactionAsync(ctx, b.Id, $"B-single-{i}", Phone(ctx, 20 + i), October1);

        var request = SampleRequest.Explicit(October1, October31, [new AgencyQuota(a.Id, 100), new AgencyQuota(b.Id, 100)],
            seed: 3, AsOf, expectedResponseRate: 1.0);
        var result = await DrawAsync(request);
        var again = await DrawAsync(request);

        var drawn = result.Agencies.SelectMany(x => x.Transactions).ToList();
        Assert.Equal(7, drawn.Count);                                // 7 distinct phones
        Assert.Equal(7, drawn.Select(t => t.Phone).Distinct().Count());
        Assert.Single(drawn, t => t.Phone == shared);
        Assert.Single(drawn, t => t.Phone == repeat);
        Assert.Equal(7, result.Agencies.Sum(x => x.Eligible));       // eligible counts phones, each at one agency
        Assert.Equal(drawn.Select(t => t.TransactionId), again.Agencies.SelectMany(x => x.Transactions).Select(t => t.TransactionId));
    }

    [Fact]
    public async Task DrawAsync_Should_ReturnSameSample_When_SameSeed_And_DifferentSample_When_SeedDiffers()
    {
        var ctx = await NewContextAsync();
        var agency = await AgencyAsync(ctx, "R");
        for (var i = 0; i < 200; i++)
            await TransactionAsync(ctx, agency.Id, $"R{i:D3}", Phone(ctx, i), October1.AddDays(i % 31));
        SampleRequest Request(int seed) =>
            SampleRequest.Explicit(October1, October31, [new AgencyQuota(agency.Id, 6)], seed, AsOf, expectedResponseRate: 0.3);

        var first = Ids(await DrawAsync(Request(2026)));
        var second = Ids(await DrawAsync(Request(2026)));
        var other = Ids(await DrawAsync(Request(2027)));

        Assert.Equal(20, first.Count);
        Assert.Equal(first, second);                 // same order too
        Assert.NotEqual(first.Order(), other.Order()); // P(same 20 of 200) is negligible
        Assert.Equal(20, other.Count);
    }

    [Fact]
    public async Task DrawAsync_Should_IgnoreInsertionOrder_When_SameDataReinserted()
    {
        var ctx = await NewContextAsync();
        var agency = await AgencyAsync(ctx, "O");
        var filler = await AgencyAsync(ctx, "F");
        var rows = Enumerable.Range(0, 40)
            .Select(i => (Dossier: $"O{i:D2}", Phone: Phone(ctx, i % 30), Date: October1.AddDays(i % 35)))  // repeats and some out of period
            .ToList();
        foreach (var row in rows)
            await TransactionAsync(ctx, agency.Id, row.Dossier, row.Phone, row.Date);
        var request = SampleRequest.Explicit(October1, October31, [new AgencyQuota(agency.Id, 3)], seed: 42, AsOf);

        var before = await DrawAsync(request);
        await ExecuteAsync("DELETE FROM transactions WHERE agency_id = @a", ("a", agency.Id));
        var reversed = Enumerable.Reverse(rows).ToList();
        for (var i = 0; i < reversed.Count; i++)
        {
            // Interleave other rows so ids and physical placement both change.
            await TransactionAsync(ctx, filler.Id, $"F{i:D2}", Phone(ctx, 500 + i), October1);
            await TransactionAsync(ctx, agency.Id, reversed[i].Dossier, reversed[i].Phone, reversed[i].Date);
        }

        var after = await DrawAsync(request);

        var b = Assert.Single(before.Agencies);
        var a = Assert.Single(after.Agencies);
        Assert.Equal(10, b.Needed);
        Assert.Equal(b.Eligible, a.Eligible);
        Assert.Equal(b.Transactions.Select(t => (t.DossierCode, t.Phone)), a.Transactions.Select(t => (t.DossierCode, t.Phone)));
        Assert.NotEqual(b.Transactions.Select(t => t.TransactionId), a.Transactions.Select(t => t.TransactionId));
    }

    [Fact]
    public async Task DrawAsync_Should_UseWaveSettings_And_SkipPhonesInvitedInThatWave_When_WaveIdGiven()
    {
        var ctx = await NewContextAsync();
        var agency = await AgencyAsync(ctx, "W");
        var elsewhere = await AgencyAsync(ctx, "Y");
        var wave = await WaveAsync(ctx, October1, October31, rate: 0.5m, cooldownDays: 0, seed: 11);
        var otherWave = await WaveAsync(ctx, October1, October31);
        await ExecuteAsync("INSERT INTO wave_quotas (wave_id, agency_id, target) VALUES (@w, @a, 2)", ("w", wave), ("a", agency.Id));
        for (var i = 0; i < 6; i++)
            await TransactionAsync(ctx, agency.Id, $"W{i}", Phone(ctx, i), October1.AddDays(i));
        await TransactionAsync(ctx, agency.Id, "W-out", Phone(ctx, 9), new DateOnly(2026, 11, 2));
        await InvitationAsync(ctx, wave, elsewhere.Id, Phone(ctx, 0), AsOf.AddDays(-30));     // already in this wave
        await InvitationAsync(ctx, otherWave, elsewhere.Id, Phone(ctx, 1), AsOf.AddDays(-5)); // cool-down 0: no exclusion

        var result = await DrawAsync(SampleRequest.ForWave(wave, AsOf));

        Assert.Equal(wave, result.WaveId);
        Assert.Equal((October1, October31, 0.5, 0, 11), (result.ResultsFrom, result.ResultsTo, result.ExpectedResponseRate, result.CooldownDays, result.Seed));
        var sample = Assert.Single(result.Agencies);
        Assert.Equal(2, sample.Target);
        Assert.Equal(5, sample.Eligible);   // W1…W5
        Assert.Equal(4, sample.Required);   // ⌈2 / 0.5⌉
        Assert.Equal(4, sample.Transactions.Count);
        Assert.DoesNotContain(sample.Transactions, t => t.Phone == Phone(ctx, 0));
    }

    [Fact]
    public async Task DrawAsync_Should_Throw_When_WaveOrAgencyUnknown()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => DrawAsync(SampleRequest.ForWave(long.MaxValue, AsOf)));
        await Assert.ThrowsAsync<ArgumentException>(() => DrawAsync(
            SampleRequest.Explicit(October1, October31, [new AgencyQuota(long.MaxValue, 5)], seed: 1, AsOf)));
        await Assert.ThrowsAsync<ArgumentException>(() => DrawAsync(
            SampleRequest.Explicit(October31, October1, [new AgencyQuota(1, 5)], seed: 1, AsOf)));
    }

    private static List<long> Ids(SampleResult result) => result.Agencies.Single().Transactions.Select(t => t.TransactionId).ToList();

    private Task<SampleResult> DrawAsync(SampleRequest request) =>
        SamplingService.DrawAsync(db.DataSource, request, TestContext.Current.CancellationToken);

    private sealed record Context(string Tag, long Procedure, int Block);

    private sealed record Agency(long Id, string Code);

    /// <summary>+849 BB NNNNNN: a Vietnamese mobile in this test's own block BB.</summary>
    private static string Phone(Context ctx, int n) => $"+849{ctx.Block:D2}{n:D6}";

    private async Task<Context> NewContextAsync()
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        var procedure = await ScalarAsync<long>(
            "INSERT INTO procedures (code, name, short_name) VALUES (@c, 'Thủ tục', 'Thu tuc') RETURNING id", ("c", $"P-{tag}"));
        return new Context(tag, procedure, Interlocked.Increment(ref s_block));
    }

    private async Task<Agency> AgencyAsync(Context ctx, string name)
    {
        var code = $"{name}-{ctx.Tag}";
        var id = await ScalarAsync<long>("INSERT INTO agencies (code, name, kind) VALUES (@c, @n, 'commune') RETURNING id",
            ("c", code), ("n", $"UBND {name}"));
        return new Agency(id, code);
    }

    private Task<long> TransactionAsync(Context ctx, long agency, string dossier, string? phone, DateOnly resultDate) => ScalarAsync<long>(
        """
        INSERT INTO transactions (agency_id, procedure_id, dossier_code, phone, result_date)
        VALUES (@a, @p, @d, @phone, @date) RETURNING id
        """,
        ("a", agency), ("p", ctx.Procedure), ("d", dossier), ("phone", phone), ("date", resultDate));

    private async Task<long> WaveAsync(Context ctx, DateOnly from, DateOnly to, decimal rate = 0.3m, int cooldownDays = 90, int seed = 7)
    {
        var questionnaire = await ScalarAsync<long>(
            "INSERT INTO questionnaires (code, version, title, definition) VALUES (@c, 1, 'T', '{}') RETURNING id",
            ("c", $"q-{ctx.Tag}-{Guid.NewGuid():N}"));
        return await ScalarAsync<long>(
            """
            INSERT INTO waves (name, questionnaire_id, results_from, results_to, expected_response_rate, cooldown_days, seed)
            VALUES ('W', @q, @f, @t, @r, @c, @s) RETURNING id
            """,
            ("q", questionnaire), ("f", from), ("t", to), ("r", rate), ("c", cooldownDays), ("s", seed));
    }

    // An invitation needs a transaction of its own; it is made at another agency, outside the period.
    private async Task InvitationAsync(Context ctx, long wave, long agency, string phone, DateTimeOffset createdAt)
    {
        var transaction = await TransactionAsync(ctx, agency, $"inv-{Guid.NewGuid():N}", phone, new DateOnly(2026, 6, 1));
        await ExecuteAsync(
            """
            INSERT INTO invitations (wave_id, transaction_id, agency_id, phone, code, status, planned_at, created_at)
            VALUES (@w, @t, @a, @phone, @code, 'delivered', @at, @at)
            """,
            ("w", wave), ("t", transaction), ("a", agency), ("phone", phone), ("code", Guid.NewGuid().ToString("N")),
            ("at", createdAt.ToUniversalTime()));
    }

    private async Task<T> ScalarAsync<T>(string sql, params (string Name, object? Value)[] parameters)
    {
        await using var command = db.DataSource.CreateCommand(sql);
        foreach (var (name, value) in parameters)
            command.Parameters.Add(new NpgsqlParameter(name, value ?? DBNull.Value));
        return (T)(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken))!;
    }

    private async Task ExecuteAsync(string sql, params (string Name, object? Value)[] parameters)
    {
        await using var command = db.DataSource.CreateCommand(sql);
        foreach (var (name, value) in parameters)
            command.Parameters.Add(new NpgsqlParameter(name, value ?? DBNull.Value));
        await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
    }
}
