using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using ChatSurvey.Benchmarks.Harness;
using ChatSurvey.Benchmarks.Load;
using ChatSurvey.Benchmarks.Servers;
using ChatSurvey.Domain.Conversations;
using ChatSurvey.Domain.Questionnaires;

namespace ChatSurvey.Benchmarks.Scenarios;

/// <summary>
/// The SMS turn (issue 16): signed Twilio webhooks from the load generator (this process) to BotHost (its own process)
/// and to the SMS floor (<see cref="Floor.FloorServer"/>, its own process), each webhook a real answer of a phone with a
/// sent <c>sipas-sms</c> invitation in a running wave; a phone sends its next answer only once its previous one is
/// answered. Closed loop at c=16 (saturation, product vs floor, interleaved, median of the repeats); open loop at 200/s
/// (p99 from the scheduled send time, failures); overload at twice the product's saturation rate, after which every
/// answer sent must be in the database exactly once (SQL) and every reply not given inline must have reached Twilio's
/// REST API (the fake). BotHost's resident memory is sampled every 200 ms throughout.
/// </summary>
public sealed class SmsTurnScenario : IScenario
{
    private const int Concurrency = 16;
    private int _nextPool = 10;

    public string Name => "sms";

    public int Order => 10;

    public async Task<IReadOnlyList<Figure>> RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var quick = context.Quick;
        // Quick mode (CI's smoke run) only checks that every phase runs: a second each.
        var warmUp = TimeSpan.FromSeconds(quick ? 0.5 : 5);
        var closedFor = TimeSpan.FromSeconds(quick ? 1 : 30);
        var openRate = quick ? 50 : 200;
        var openFor = TimeSpan.FromSeconds(quick ? 1 : 30);
        var overloadFor = TimeSpan.FromSeconds(quick ? 1 : 30);

        // Both servers start at once (BotHost takes a few seconds: migrations checked, Hangfire, the bot).
        var starting = ProductServer.SharedAsync(context, cancellationToken);
        var floor = await FloorProcess.SharedAsync(context, cancellationToken);
        var product = await starting;
        var script = SurveyScript.For(QuestionnaireCatalogue.Default(QuestionnaireCatalogue.Sms), SurveyChannel.Sms);
        using var http = LoadDriver.Client();
        var productHooks = new SmsWebhooks(http, product.SmsWebhookUrl, product.Twilio.AccountSid, product.Twilio.AuthToken, product.SmsServiceNumber, script);
        var floorHooks = new SmsWebhooks(http, floor.SmsWebhookUrl, product.Twilio.AccountSid, floor.AuthToken, product.SmsServiceNumber, script);

        await using var productMemory = new MemorySampler(product.Process, TimeSpan.FromMilliseconds(200));
        await using var floorMemory = new MemorySampler(floor.Process, TimeSpan.FromMilliseconds(200));

        // Warm-up (JIT, connection pools), then the measured closed-loop runs, product and floor alternately.
        await ClosedAsync(await ProductPoolAsync(context, product, "warm-up", 2_000, cancellationToken), productHooks, warmUp, cancellationToken);
        await ClosedAsync(FloorPool(), floorHooks, warmUp, cancellationToken);
        var productRuns = new List<LoadStats>();
        var floorRuns = new List<LoadStats>();
        var closedGuess = (int)(1_500 * closedFor.TotalSeconds / script.Steps.Count) + 500;
        await Measure.InterleavedAsync(context.Repeats,
            async i =>
            {
                var stats = await ClosedAsync(await ProductPoolAsync(context, product, $"closed {i + 1}", closedGuess, cancellationToken), productHooks, closedFor, cancellationToken);
                context.Info($"product closed loop c={Concurrency}: {stats.Describe()}");
                productRuns.Add(stats);
                return stats.PerSecond;
            },
            async i =>
            {
                var stats = await ClosedAsync(FloorPool(), floorHooks, closedFor, cancellationToken);
                context.Info($"floor closed loop c={Concurrency}: {stats.Describe()}");
                floorRuns.Add(stats);
                return stats.PerSecond;
            });
        foreach (var run in productRuns)
            run.ThrowOnClientErrors("SMS closed loop (product)");
        foreach (var run in floorRuns)
            run.ThrowOnClientErrors("SMS closed loop (floor)");
        var saturation = Measure.Median(productRuns.Select(r => r.PerSecond));
        var floorSaturation = Measure.Median(floorRuns.Select(r => r.PerSecond));

        // Open loop at a fixed rate.
        var openPhones = OpenLoopPhones(openRate, openFor, script);
        var (productOpen, _) = await OpenAsync(await ProductPoolAsync(context, product, "open loop", openPhones, cancellationToken), productHooks, openRate, openFor, cancellationToken);
        context.Info($"product open loop {openRate}/s: {productOpen.Describe()}");
        var (floorOpen, _) = await OpenAsync(FloorPool(), floorHooks, openRate, openFor, cancellationToken);
        context.Info($"floor open loop {openRate}/s: {floorOpen.Describe()}");
        productOpen.ThrowOnClientErrors("SMS open loop (product)");
        floorOpen.ThrowOnClientErrors("SMS open loop (floor)");

        var memoryBeforeOverload = productMemory.MaxMegabytes;

        // Overload: twice the product's saturation rate.
        var overloadRate = Math.Max(10, Math.Round(2 * saturation));
        var overloadPrefix = NextPrefix();
        var overloadWave = await SurveySeed.CreateWaveAsync(product.DataSource, product.Catalogue, "Benchmark overload", cancellationToken);
        var overloadPool = ProductPool(product, overloadWave, overloadPrefix);
        await overloadPool.FillAsync((int)(overloadRate * overloadFor.TotalSeconds / 3) + 500);
        var (overload, overloadPhones) = await OpenAsync(overloadPool, productHooks, overloadRate, overloadFor, cancellationToken);
        context.Info($"product overload {overloadRate}/s: {overload.Describe()}");
        overload.ThrowOnClientErrors("SMS overload (product)");
        var check = await CheckRecordedAsync(context, product, script, overloadWave, overloadPrefix, overloadPhones, overload.Deferred, cancellationToken);
        context.Info(check.Describe());

        var memory = productMemory.MaxMegabytes;
        var floorMax = floorMemory.MaxMegabytes;
        var ratio = floorSaturation > 0 ? saturation / floorSaturation : 0;
        var openP99 = productOpen.Quantile(0.99);
        var overloadServerErrors = overload.ServerErrors + overload.Timeouts + overload.NetworkErrors;
        var runs = quick ? "1 run" : $"median of {context.Repeats} runs";
        return
        [
            new Figure($"SMS turn, closed loop c={Concurrency}", "turns/s", saturation, floorSaturation, HigherIsBetter: true,
                Target: "ratio ≥ 0.8", Met: ratio >= 0.8,
                Note: Invariant($"{runs} of {closedFor.TotalSeconds:F0} s; p99 {Measure.Median(productRuns.Select(r => r.Quantile(0.99))):F1} ms vs {Measure.Median(floorRuns.Select(r => r.Quantile(0.99))):F1} ms; {productRuns.Sum(r => r.Failures)} failures")),
            new Figure($"SMS turn, open loop {openRate}/s", "p99 ms", openP99, floorOpen.Quantile(0.99), HigherIsBetter: false,
                Target: "p99 < 50 ms", Met: openP99 < 50,
                Note: Invariant($"{productOpen.Total} webhooks in {openFor.TotalSeconds:F0} s, latency from the scheduled send; p50 {productOpen.Quantile(0.5):F1} ms vs {floorOpen.Quantile(0.5):F1} ms")),
            new Figure($"SMS turn, open loop {openRate}/s", "failures", productOpen.Failures, floorOpen.Failures, HigherIsBetter: false,
                Target: "0 failures", Met: productOpen.Failures == 0,
                Note: Invariant($"{productOpen.ServerErrors} 5xx, {productOpen.Timeouts} timeouts (15 s), {productOpen.NetworkErrors} network errors")),
            new Figure(Invariant($"SMS turn, overload {overloadRate:F0}/s (2× saturation) for {overloadFor.TotalSeconds:F0} s"), "server errors", overloadServerErrors, null, HigherIsBetter: false,
                Target: "0", Met: overloadServerErrors == 0,
                Note: Invariant($"{overload.Total} webhooks: {overload.ServerErrors} 5xx, {overload.Timeouts} timeouts (15 s), {overload.NetworkErrors} network errors; p99 {overload.Quantile(0.99):F0} ms")),
            new Figure("SMS overload: answers sent but not recorded exactly once", "answers", check.Wrong, null, HigherIsBetter: false,
                Target: "0", Met: check.Wrong == 0, Note: check.Note()),
            new Figure("SMS overload: replies not inline sent by REST", "replies by REST", check.Rest, null, HigherIsBetter: true,
                Target: Invariant($"= {overload.Deferred} deferred"), Met: check.Rest == overload.Deferred,
                Note: Invariant($"{overload.Ok - overload.Deferred} replies inline in TwiML, {overload.Deferred} webhooks answered with an empty <Response/>, {check.Rest} messages by REST to those phones")),
            new Figure("BotHost memory during the SMS turn benchmark", "max MB", memory, floorMax, HigherIsBetter: false,
                Target: "< 300 MB", Met: memory < 300,
                Note: Invariant($"VmRSS every 200 ms ({productMemory.Samples} samples), overload included; {memoryBeforeOverload:F0} MB before it; floor process beside")),
        ];
    }

    private string NextPrefix() => "+84" + Interlocked.Increment(ref _nextPool).ToString(CultureInfo.InvariantCulture);

    /// <summary>Fresh phones for one run: a running wave of its own, its invitations seeded in chunks as they are used.</summary>
    private async Task<ItemPool<SmsRespondent>> ProductPoolAsync(BenchContext context, ProductServer product, string run, int initial, CancellationToken cancellationToken)
    {
        var wave = await SurveySeed.CreateWaveAsync(product.DataSource, product.Catalogue, "Benchmark " + run, cancellationToken);
        var pool = ProductPool(product, wave, NextPrefix());
        var watch = Stopwatch.StartNew();
        await pool.FillAsync(initial);
        context.Info(Invariant($"seeded {initial} invitations for the {run} run in {watch.Elapsed.TotalSeconds:F1} s"));
        return pool;
    }

    private static ItemPool<SmsRespondent> ProductPool(ProductServer product, long wave, string prefix)
    {
        var next = 0;
        return new ItemPool<SmsRespondent>(async count =>
        {
            var first = Interlocked.Add(ref next, count) - count + 1;
            var invited = await SurveySeed.InviteAsync(product.DataSource, product.Catalogue, wave, prefix, first, count, CancellationToken.None);
            return [.. invited.Select(i => new SmsRespondent(i.Phone, Variant(i.Phone)))];
        }, chunk: 2_000);
    }

    /// <summary>The floor keeps no invitations: any phone is a conversation.</summary>
    private ItemPool<SmsRespondent> FloorPool()
    {
        var prefix = NextPrefix();
        var next = 0;
        return new ItemPool<SmsRespondent>(count =>
        {
            var first = Interlocked.Add(ref next, count) - count + 1;
            IReadOnlyList<SmsRespondent> made = [.. Enumerable.Range(first, count).Select(n => new SmsRespondent(SurveySeed.Phone(prefix, n), n))];
            return Task.FromResult(made);
        }, chunk: 5_000);
    }

    private static int Variant(string phone) => int.Parse(phone[^7..], CultureInfo.InvariantCulture);

    private static int OpenLoopPhones(double rate, TimeSpan duration, SurveyScript script) =>
        (int)(rate * duration.TotalSeconds / script.Steps.Count * 1.5 + rate) + 100;

    private static Task<LoadStats> ClosedAsync(ItemPool<SmsRespondent> pool, SmsWebhooks hooks, TimeSpan duration, CancellationToken cancellationToken)
    {
        var current = new SmsRespondent?[Concurrency];
        return LoadDriver.ClosedLoopAsync(Concurrency, duration, async (worker, stats, ct) =>
        {
            var respondent = current[worker];
            if (respondent is null || hooks.Done(respondent))
                current[worker] = respondent = await pool.TakeAsync();
            var outcome = await hooks.SendNextAsync(respondent, stats, Stopwatch.GetTimestamp(), ct);
            // Without a reply the citizen has no next question: that phone stops.
            if (outcome != Outcome.Ok)
                current[worker] = null;
        }, cancellationToken);
    }

    /// <summary>Open loop: each scheduled send goes to a phone whose previous answer has been answered, or to a fresh one.</summary>
    private static async Task<(LoadStats Stats, IReadOnlyCollection<SmsRespondent> Phones)> OpenAsync(
        ItemPool<SmsRespondent> pool, SmsWebhooks hooks, double rate, TimeSpan duration, CancellationToken cancellationToken)
    {
        var ready = new ConcurrentQueue<SmsRespondent>();
        var used = new ConcurrentQueue<SmsRespondent>();
        var stats = await LoadDriver.OpenLoopAsync(rate, duration, async (scheduled, stats) =>
        {
            if (!ready.TryDequeue(out var respondent))
            {
                respondent = await pool.TakeAsync();
                used.Enqueue(respondent);
            }

            var outcome = await hooks.SendNextAsync(respondent, stats, scheduled, cancellationToken);
            if (outcome == Outcome.Ok && !hooks.Done(respondent))
                ready.Enqueue(respondent);
        }, cancellationToken);
        return (stats, used);
    }

    /// <summary>
    /// Waits (polling SQL, with a deadline) until the answers sent are all stored and the deferred replies all sent,
    /// or nothing has changed for a while; then compares, per phone and question, what was sent with what is stored.
    /// </summary>
    private static async Task<RecordCheck> CheckRecordedAsync(
        BenchContext context, ProductServer product, SurveyScript script, long wave, string prefix,
        IReadOnlyCollection<SmsRespondent> phones, int deferred, CancellationToken cancellationToken)
    {
        var sent = phones.Sum(p => p.Sids.Count);
        var deadline = TimeSpan.FromSeconds(context.Quick ? 20 : 120);
        var settle = TimeSpan.FromSeconds(context.Quick ? 1 : 5);
        var watch = Stopwatch.StartNew();
        var lastChange = TimeSpan.Zero;
        (long Answers, int RestMessages) last = (-1, -1);
        while (true)
        {
            await using var count = product.DataSource.CreateCommand("SELECT count(*) FROM answers a JOIN responses r ON r.id = a.response_id WHERE r.wave_id = $1");
            count.Parameters.AddWithValue(wave);
            var now = ((long)(await count.ExecuteScalarAsync(cancellationToken))!, product.Twilio.CountTo(prefix));
            if (now != last)
            {
                last = now;
                lastChange = watch.Elapsed;
            }

            if ((now.Item1 >= sent && now.Item2 >= deferred) || watch.Elapsed - lastChange > settle || watch.Elapsed > deadline)
                break;
            await Task.Delay(250, cancellationToken);
        }

        var stored = new Dictionary<(string Phone, string Question), (short? Rating, string? Text, long Copies)>();
        await using (var answers = product.DataSource.CreateCommand(
                         """
                         SELECT i.phone, a.question_code, a.rating, a.text_value, count(*) OVER (PARTITION BY i.phone, a.question_code)
                         FROM answers a
                         JOIN responses r ON r.id = a.response_id
                         JOIN invitations i ON i.id = r.invitation_id
                         WHERE r.wave_id = $1
                         """))
        {
            answers.Parameters.AddWithValue(wave);
            await using var reader = await answers.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                stored[(reader.GetString(0), reader.GetString(1))] =
                    (reader.IsDBNull(2) ? null : reader.GetInt16(2), reader.IsDBNull(3) ? null : reader.GetString(3), reader.GetInt64(4));
            }
        }

        int missing = 0, wrong = 0, duplicated = 0, expected = 0;
        var expectedKeys = new HashSet<(string, string)>();
        foreach (var phone in phones)
        {
            for (var step = 0; step < phone.Sids.Count; step++)
            {
                expected++;
                var key = (phone.Phone, script.Steps[step].QuestionCode);
                expectedKeys.Add(key);
                if (!stored.TryGetValue(key, out var answer))
                {
                    missing++;
                    continue;
                }

                var right = script.Steps[step].Kind == QuestionKind.Text
                    ? answer.Text == SurveyScript.Comment(phone.Variant)
                    : answer.Rating == SurveyScript.Rating(step, phone.Variant);
                if (!right)
                    wrong++;
                if (answer.Copies > 1)
                    duplicated++;
            }
        }

        var extra = stored.Keys.Count(k => !expectedKeys.Contains(k));
        await using var inbound = product.DataSource.CreateCommand(
            "SELECT count(*), count(DISTINCT provider_message_id) FROM inbound_messages WHERE channel = 'sms' AND provider_message_id = ANY($1)");
        inbound.Parameters.AddWithValue(phones.SelectMany(p => p.Sids).ToArray());
        long logged, distinct;
        await using (var reader = await inbound.ExecuteReaderAsync(cancellationToken))
        {
            await reader.ReadAsync(cancellationToken);
            (logged, distinct) = (reader.GetInt64(0), reader.GetInt64(1));
        }

        return new RecordCheck(phones.Count, expected, stored.Count, missing, wrong, extra, duplicated, logged, distinct,
            product.Twilio.CountTo(prefix), watch.Elapsed);
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private sealed record RecordCheck(
        int Phones, int Sent, int Stored, int Missing, int WrongValue, int Extra, int Duplicated, long Logged, long LoggedDistinct,
        int Rest, TimeSpan Waited)
    {
        /// <summary>Answers not stored exactly once as sent: missing, with another value, stored twice, or stored unsent.</summary>
        public int Wrong => Missing + WrongValue + Extra + Duplicated;

        public string Note() => Invariant(
            $"{Sent} answers sent by {Phones} phones, {Stored} stored (SQL, per phone and question): {Missing} missing, {WrongValue} with another value, {Duplicated} twice, {Extra} not sent; inbound log {Logged} rows for {LoggedDistinct} of {Sent} MessageSids; settled after {Waited.TotalSeconds:F0} s");

        public string Describe() => "overload check: " + Note() + Invariant($"; {Rest} REST messages");
    }
}
