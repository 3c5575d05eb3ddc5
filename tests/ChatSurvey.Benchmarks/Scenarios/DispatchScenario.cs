using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using ChatSurvey.Benchmarks.Harness;
using ChatSurvey.Dispatcher;
using ChatSurvey.Dispatcher.Database;
using ChatSurvey.Dispatcher.Jobs;
using ChatSurvey.Domain.Questionnaires;
using ChatSurvey.Domain.Statuses;
using Hangfire;
using ChatSurvey.TestSupport;
using ChatSurvey.TestSupport.Twilio;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace ChatSurvey.Benchmarks.Scenarios;

/// <summary>
/// Dispatch (issue 16): a running wave with 10,000 planned, due invitations (1,000 quick) sent by the product through
/// Hangfire — the Dispatcher's services built with <c>AddSurveyDatabaseAsync</c> and <c>AddDispatcher</c> (its Hangfire
/// server included, the recurring schedule left out), Twilio pointed at the in-process Twilio fake, the deployment-wide
/// rate set out of the way: the scenario enqueues <see cref="SendDueJob.DispatchAsync"/> as the minutely schedule would,
/// which starts <c>Dispatcher:SendJobs</c> send jobs, and times until every invitation is sent. The SQL statements the
/// host sends meanwhile are counted (Npgsql's tracing), and among them the reads of <c>questionnaires</c>.
/// Floor: a plain <see cref="HttpClient"/> loop posting the same number of messages (the same form, the same length of
/// text) to the same fake (a fresh one per run, as for the product) at the same concurrency. A full-size warm-up of each,
/// not counted, comes first in the full run. Each number must reach the fake exactly once and every invitation be
/// sent with the message id the fake gave it, or the scenario fails.
/// </summary>
public sealed class DispatchScenario : IScenario
{
    /// <summary>Provider calls in flight at once, for the product (<c>Dispatcher:SendConcurrency</c>) and the floor.</summary>
    private const int Concurrency = 16;

    private const string PublicBaseUrl = "https://khaosat.haiphong.test";

    public string Name => "dispatch";

    public int Order => 30;

    public async Task<IReadOnlyList<Figure>> RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var count = context.Quick ? 1_000 : 10_000;
        var runs = new List<ProductRun>();
        var floorCpu = new List<double>();
        if (!context.Quick)
        {
            // Each run builds a fresh host and fake; the first would also pay for compiling the code paths and the
            // runtime's tiering up to optimised code, which takes seconds of steady work.
            await ProductAsync(context, count, cancellationToken);
            await FloorAsync(count, cancellationToken);
            context.Info(string.Create(CultureInfo.InvariantCulture, $"warmed up ({count:N0} invitations and as many floor posts, not counted)"));
        }

        var (product, floor) = await Measure.InterleavedAsync(
            context.Repeats,
            async i =>
            {
                var run = await ProductAsync(context, count, cancellationToken);
                runs.Add(run);
                context.Info(string.Create(CultureInfo.InvariantCulture,
                    $"product run {i + 1}: {run.Rate:F0} invitations/s, {run.Statements} SQL statements ({(double)run.Statements / count:F2} per invitation), questionnaires read {run.QuestionnaireReads} time(s), {run.CpuMicroseconds:F0} µs CPU per invitation in this process"));
                return run.Rate;
            },
            async i =>
            {
                var (rate, cpu) = await FloorAsync(count, cancellationToken);
                floorCpu.Add(cpu);
                context.Info(string.Create(CultureInfo.InvariantCulture, $"floor run {i + 1}: {rate:F0} messages/s, {cpu:F0} µs CPU per message in this process"));
                return rate;
            });

        return
        [
            new Figure(
                string.Create(CultureInfo.InvariantCulture, $"dispatch, {count:N0} invitations to a fast Twilio fake"),
                "invitations/s",
                product,
                floor,
                HigherIsBetter: true,
                Target: "≥ 2,000/s",
                Met: product >= 2000,
                Note: string.Create(CultureInfo.InvariantCulture,
                    $"each number received exactly once, each invitation sent with its message id (checked every run); floor: plain HttpClient, {Concurrency} in flight; SQL statements per invitation {Measure.Median(runs.Select(r => (double)r.Statements / count)):F2}, questionnaires read {string.Join("/", runs.Select(r => r.QuestionnaireReads))} time(s) per run; CPU of the benchmark process (fake included) {Measure.Median(runs.Select(r => r.CpuMicroseconds)):F0} µs per invitation, floor {Measure.Median(floorCpu):F0} µs per post")),
        ];
    }

    /// <summary>One product run on a fresh database and a fresh fake.</summary>
    private static async Task<ProductRun> ProductAsync(BenchContext context, int count, CancellationToken cancellationToken)
    {
        var connectionString = await context.CreateDatabaseAsync("dispatch", cancellationToken: cancellationToken);
        await using var fake = await TwilioFake.StartAsync(cancellationToken: cancellationToken);
        var phones = await SeedAsync(connectionString, count, cancellationToken);

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, EnvironmentName = "Production" });
        builder.Configuration.AddInMemoryCollection(fake.ConfigurationValues().Concat(
        [
            new("ConnectionStrings:Survey", connectionString),
            new("Storage:SeedDemoData", "false"),
            // The Hangfire server runs the jobs; the scenario triggers the dispatch the recurring schedule would.
            new("Dispatcher:Enabled", "true"),
            new("Dispatcher:RecurringJobs", "false"),
            new("Dispatcher:SendConcurrency", Concurrency.ToString(CultureInfo.InvariantCulture)),
            new("Sms:MessagesPerSecond", "1000000"),
            new("App:PublicBaseUrl", PublicBaseUrl),
        ]));
        // The product logs each send at Information; the benchmark measures the sending, not a console.
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        await builder.AddSurveyDatabaseAsync(cancellationToken);
        builder.AddDispatcher();
        double seconds;
        int questionnaireReads;
        int totalStatements;
        double cpuMicroseconds;
        using (var host = builder.Build())
        {
            await host.StartAsync(cancellationToken);
            using var statements = new SqlStatements(new NpgsqlConnectionStringBuilder(connectionString).Database!);
            var jobs = host.Services.GetRequiredService<IBackgroundJobClient>();
            var dataSource = host.Services.GetRequiredService<NpgsqlDataSource>();
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            var watch = Stopwatch.StartNew();
            TimeSpan? dispatched = null;
            while (await OpenCountAsync(dataSource, cancellationToken) > 0)
            {
                // What the minutely schedule does: the dispatch enqueues Dispatcher:SendJobs send jobs.
                if (dispatched is null || watch.Elapsed - dispatched >= TimeSpan.FromMinutes(1))
                {
                    jobs.Enqueue<SendDueJob>(JobQueues.Send, job => job.DispatchAsync(CancellationToken.None));
                    dispatched = watch.Elapsed;
                }

                if (watch.Elapsed > TimeSpan.FromMinutes(10))
                    throw new TimeoutException("The send jobs did not send every invitation within 10 minutes.");
                await Task.Delay(TimeSpan.FromMilliseconds(20), cancellationToken);
            }

            seconds = watch.Elapsed.TotalSeconds;
            cpuMicroseconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMicroseconds / count;
            await host.StopAsync(CancellationToken.None);
            questionnaireReads = statements.Count("FROM questionnaires");
            // The product's own: Hangfire's storage and this scenario's polling left out.
            totalStatements = statements.All.Count(s => !s.Contains("\"hangfire\".", StringComparison.Ordinal)
                && !s.Contains("new_job", StringComparison.Ordinal) && !s.Contains(OpenInvitations, StringComparison.Ordinal));
        }

        await CheckExactlyOnceAsync(connectionString, fake, phones, cancellationToken);
        NpgsqlConnection.ClearAllPools();
        return new ProductRun(count / seconds, totalStatements, questionnaireReads, cpuMicroseconds);
    }

    private const string OpenInvitations =
        $"SELECT count(*) AS open_invitations FROM invitations WHERE status IN ('{InvitationStatus.Planned}', '{InvitationStatus.Claimed}')";

    /// <summary>Invitations not sent yet (planned or claimed).</summary>
    private static async Task<long> OpenCountAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(OpenInvitations);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    /// <summary>The floor: the same number of posts, the same concurrency, a bare HttpClient.</summary>
    private static async Task<(double Rate, double CpuMicroseconds)> FloorAsync(int count, CancellationToken cancellationToken)
    {
        await using var fake = await TwilioFake.StartAsync(cancellationToken: cancellationToken);
        using var client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }) { BaseAddress = fake.BaseUrl };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue(
            "Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{fake.AccountSid}:{fake.AuthToken}")));
        var path = $"/2010-04-01/Accounts/{fake.AccountSid}/Messages.json";
        var body = SampleBody();
        var callback = $"{PublicBaseUrl}/api/sms/twilio/status";
        var next = -1;
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, Concurrency).Select(async worker =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                using var form = new FormUrlEncodedContent(
                [
                    new("To", Phone(i)),
                    new("From", "+15005550006"),
                    new("Body", body),
                    new("StatusCallback", callback),
                ]);
                using var response = await client.PostAsync(path, form, cancellationToken);
                _ = await response.Content.ReadAsStringAsync(cancellationToken);
                if (response.StatusCode != System.Net.HttpStatusCode.Created)
                    throw new InvalidOperationException($"The fake answered {(int)response.StatusCode} to the floor.");
            }
        }));
        var seconds = watch.Elapsed.TotalSeconds;
        var cpuMicroseconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMicroseconds / count;
        if (fake.Messages.Select(m => m.To).Distinct().Count() != count || fake.AcceptedCount != count)
            throw new InvalidOperationException("The floor did not post each number exactly once.");
        return (count / seconds, cpuMicroseconds);
    }

    /// <summary>A running wave (window all day) with <paramref name="count"/> planned invitations due a minute ago; returns their phones.</summary>
    private static async Task<HashSet<string>> SeedAsync(string connectionString, int count, CancellationToken cancellationToken)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await QuestionnaireStore.EnsureDefaultsAsync(dataSource, cancellationToken);
        await using var command = dataSource.CreateCommand(
            $"""
            WITH agency AS (
                INSERT INTO agencies (code, name, kind) VALUES ('HP-STP', 'Sở Tư pháp', 'department') RETURNING id
            ), procedure AS (
                INSERT INTO procedures (code, name, short_name) VALUES ('KS', 'Đăng ký khai sinh', 'Dang ky khai sinh') RETURNING id
            ), wave AS (
                INSERT INTO waves (name, questionnaire_id, status, results_from, results_to, seed,
                                   send_window_start, send_window_end, reminder_after_hours, expire_after_days)
                SELECT 'Benchmark', (SELECT id FROM questionnaires WHERE code = 'sipas-sms' ORDER BY version DESC LIMIT 1),
                       '{WaveStatus.Running}', DATE '2025-01-01', DATE '2025-12-31', 1, TIME '00:00', TIME '24:00', 48, 7
                RETURNING id
            ), t AS (
                INSERT INTO transactions (agency_id, procedure_id, dossier_code, phone, result_date)
                SELECT (SELECT id FROM agency), (SELECT id FROM procedure), 'D-' || g, $2 || lpad(g::text, 7, '0'), DATE '2025-01-02'
                FROM generate_series(0, $1 - 1) g
                RETURNING id, agency_id, phone
            )
            INSERT INTO invitations (wave_id, transaction_id, agency_id, phone, code, planned_at)
            SELECT (SELECT id FROM wave), t.id, t.agency_id, t.phone, upper(substr(md5('bench-' || t.id), 1, 12)),
                   now() - interval '1 minute'
            FROM t
            """);
        command.Parameters.AddWithValue(count);
        command.Parameters.AddWithValue(PhonePrefix);
        await command.ExecuteNonQueryAsync(cancellationToken);
        // As autovacuum would soon after a wave is planned: the claim statements are planned on real statistics.
        await using var analyze = dataSource.CreateCommand("ANALYZE");
        await analyze.ExecuteNonQueryAsync(cancellationToken);
        return Enumerable.Range(0, count).Select(Phone).ToHashSet(StringComparer.Ordinal);
    }

    private const string PhonePrefix = "+84912";

    private static string Phone(int i) => PhonePrefix + i.ToString("D7", CultureInfo.InvariantCulture);

    /// <summary>An invitation's length of text with the first question, for the floor's posts.</summary>
    private static string SampleBody() =>
        $"So Tu phap moi ban danh gia dich vu Dang ky khai sinh: {PublicBaseUrl}/s/ABCDEF123456 . Cau 1/9: Ban hai long voi thoi gian giai quyet ho so? Tra loi 1-5 (5 = rat hai long)";

    /// <summary>
    /// Every seeded number reached the fake exactly once, and every invitation is sent with the sid the fake gave that
    /// number; anything else fails the scenario.
    /// </summary>
    private static async Task CheckExactlyOnceAsync(string connectionString, TwilioFake fake, HashSet<string> phones, CancellationToken cancellationToken)
    {
        var messages = fake.Messages;
        var byPhone = messages.GroupBy(m => m.To, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        var twice = byPhone.Count(p => p.Value.Count > 1);
        var missing = phones.Count(p => !byPhone.ContainsKey(p));
        var stray = byPhone.Keys.Count(p => !phones.Contains(p));
        if (twice > 0 || missing > 0 || stray > 0)
            throw new InvalidOperationException($"Not exactly once: {twice} number(s) received more than one message, {missing} none, {stray} unknown.");

        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using var command = dataSource.CreateCommand("SELECT phone, status, provider_message_id FROM invitations");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var wrong = 0;
        var rows = 0;
        while (await reader.ReadAsync(cancellationToken))
        {
            rows++;
            var phone = reader.GetString(0);
            var sent = reader.GetString(1) == InvitationStatus.Sent;
            var sid = reader.IsDBNull(2) ? null : reader.GetString(2);
            if (!sent || !byPhone.TryGetValue(phone, out var received) || received[0].Sid != sid)
                wrong++;
        }

        if (rows != phones.Count || wrong > 0)
            throw new InvalidOperationException($"{wrong} of {rows} invitation(s) are not sent with the message id the fake gave their number.");
    }

    /// <param name="Rate">Invitations sent per second.</param>
    /// <param name="Statements">SQL statements the product sent while dispatching (a batch counts once; Hangfire's own left out).</param>
    /// <param name="QuestionnaireReads">Of those, the ones that read the <c>questionnaires</c> table.</param>
    /// <param name="CpuMicroseconds">This process's CPU time per invitation (the fake's share included).</param>
    private sealed record ProductRun(double Rate, int Statements, int QuestionnaireReads, double CpuMicroseconds);
}
