using System.Globalization;
using ChatSurvey.Dispatcher.Database;
using ChatSurvey.Dispatcher.Tests.Sms;
using ChatSurvey.Domain.Questionnaires;
using ChatSurvey.TestSupport.Twilio;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace ChatSurvey.Dispatcher.Tests.Sending;

/// <summary>A wave as the tests insert it (the waves API is not used here).</summary>
internal sealed record TestWave(long Id, string PhonePrefix, int Count);

/// <summary>Waves, transactions and invitations written with SQL, each wave with its own phone numbers.</summary>
internal static class SendingTestData
{
    private static int _nextPrefix = 10;

    /// <summary>Hai Phong local time (UTC+7, no daylight saving) as a UTC instant.</summary>
    public static DateTimeOffset HaiPhong(int year, int month, int day, int hour, int minute = 0) =>
        new DateTimeOffset(year, month, day, hour, minute, 0, TimeSpan.FromHours(7)).ToUniversalTime();

    public static async Task<TestWave> CreateWaveAsync(
        NpgsqlDataSource dataSource,
        int invitations,
        DateTimeOffset plannedAt,
        string windowStart = "08:00",
        string windowEnd = "20:00",
        int reminderAfterHours = 48,
        int expireAfterDays = 3,
        string status = "running")
    {
        var cancel = TestContext.Current.CancellationToken;
        await QuestionnaireStore.EnsureDefaultsAsync(dataSource, cancel);
        var prefix = "+8491" + Interlocked.Increment(ref _nextPrefix).ToString("D2", CultureInfo.InvariantCulture);
        await using var connection = await dataSource.OpenConnectionAsync(cancel);
        await using var command = new NpgsqlCommand(
            """
            WITH agency AS (
                INSERT INTO agencies (code, name, kind) VALUES ('A' || md5(random()::text), 'Sở Tư pháp', 'department') RETURNING id
            ), procedure AS (
                INSERT INTO procedures (code, name, short_name) VALUES ('P' || md5(random()::text), 'Đăng ký khai sinh', 'Dang ky khai sinh') RETURNING id
            )
            INSERT INTO waves (name, questionnaire_id, status, results_from, results_to, seed,
                               send_window_start, send_window_end, reminder_after_hours, expire_after_days)
            SELECT 'Test ' || $1, (SELECT id FROM questionnaires WHERE code = 'sipas-sms' ORDER BY version DESC LIMIT 1),
                   $2, DATE '2025-01-01', DATE '2025-12-31', 1, $3::time, $4::time, $5, $6
            FROM agency, procedure
            RETURNING id, (SELECT id FROM agency), (SELECT id FROM procedure)
            """, connection);
        command.Parameters.AddWithValue(prefix);
        command.Parameters.AddWithValue(status);
        command.Parameters.AddWithValue(windowStart);
        command.Parameters.AddWithValue(windowEnd);
        command.Parameters.AddWithValue(reminderAfterHours);
        command.Parameters.AddWithValue(expireAfterDays);
        long waveId, agencyId, procedureId;
        await using (var reader = await command.ExecuteReaderAsync(cancel))
        {
            await reader.ReadAsync(cancel);
            (waveId, agencyId, procedureId) = (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
        }

        await using var invite = new NpgsqlCommand(
            """
            WITH t AS (
                INSERT INTO transactions (agency_id, procedure_id, dossier_code, phone, result_date)
                SELECT $2, $3, 'D' || $1 || '-' || g, $4 || lpad(g::text, 7, '0'), DATE '2025-01-02'
                FROM generate_series(1, $5) g
                RETURNING id, agency_id, phone
            )
            INSERT INTO invitations (wave_id, transaction_id, agency_id, phone, code, planned_at)
            SELECT $1, t.id, t.agency_id, t.phone, upper(substr(md5($1 || '-' || t.id), 1, 12)), $6 FROM t
            """, connection);
        invite.Parameters.AddWithValue(waveId);
        invite.Parameters.AddWithValue(agencyId);
        invite.Parameters.AddWithValue(procedureId);
        invite.Parameters.AddWithValue(prefix);
        invite.Parameters.AddWithValue(invitations);
        invite.Parameters.AddWithValue(plannedAt);
        await invite.ExecuteNonQueryAsync(cancel);
        return new TestWave(waveId, prefix, invitations);
    }

    public static string Phone(this TestWave wave, int number) =>
        wave.PhonePrefix + number.ToString("D7", CultureInfo.InvariantCulture);

    public static async Task SetWaveStatusAsync(NpgsqlDataSource dataSource, long waveId, string status)
    {
        await using var command = dataSource.CreateCommand("UPDATE waves SET status = $2 WHERE id = $1");
        command.Parameters.AddWithValue(waveId);
        command.Parameters.AddWithValue(status);
        await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
    }

    /// <summary>Invitation counts of a wave by status.</summary>
    public static async Task<Dictionary<string, long>> StatusesAsync(NpgsqlDataSource dataSource, long waveId)
    {
        await using var command = dataSource.CreateCommand("SELECT status, count(*) FROM invitations WHERE wave_id = $1 GROUP BY status");
        command.Parameters.AddWithValue(waveId);
        var result = new Dictionary<string, long>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        while (await reader.ReadAsync(TestContext.Current.CancellationToken))
            result[reader.GetString(0)] = reader.GetInt64(1);
        return result;
    }

    public static long Count(this Dictionary<string, long> statuses, string status) => statuses.GetValueOrDefault(status);

    /// <summary>Messages the fake accepted for a wave's numbers.</summary>
    public static IReadOnlyList<TwilioFakeMessage> MessagesFor(this TwilioFake fake, TestWave wave) =>
        fake.Messages.Where(m => m.To.StartsWith(wave.PhonePrefix, StringComparison.Ordinal)).ToList();
}

/// <summary>
/// The dispatcher's services in-process (no Hangfire server: the tests call the jobs), on the test database, with the
/// Twilio gateway pointed at the fake and the scheduling clock injected.
/// </summary>
internal static class DispatcherHost
{
    public static async Task<IHost> StartAsync(
        string connectionString, TwilioFake fake, TimeProvider clock, params (string Key, string? Value)[] settings)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, EnvironmentName = "Test" });
        builder.Configuration.AddInMemoryCollection(fake.ConfigurationValues().Concat(
        [
            new("ConnectionStrings:Survey", connectionString),
            new("Storage:SeedDemoData", "false"),
            new("Dispatcher:Enabled", "false"),
            new("Dispatcher:ReconcileAfter", "00:00:00"),
            new("Dispatcher:RetryBackoff", "00:00:30"),
            new("Sms:MessagesPerSecond", "1000"),
            new("App:PublicBaseUrl", "https://khaosat.haiphong.test"),
        ]));
        builder.Configuration.AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)));
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        await builder.AddSurveyDatabaseAsync(TestContext.Current.CancellationToken);
        builder.AddDispatcher();
        builder.Services.AddSingleton(clock);
        var host = builder.Build();
        await host.StartAsync(TestContext.Current.CancellationToken);
        return host;
    }

    public static T Job<T>(this IHost host)
        where T : notnull => host.Services.GetRequiredService<T>();
}

/// <summary>A Twilio fake for one test class.</summary>
public sealed class TwilioFakeFixture : IAsyncLifetime
{
    public TwilioFake Fake { get; private set; } = null!;

    public async ValueTask InitializeAsync() => Fake = await TwilioFake.StartAsync();

    public async ValueTask DisposeAsync() => await Fake.DisposeAsync();
}

internal static class ClockExtensions
{
    public static void SetTo(this ManualClock clock, DateTimeOffset instant) => clock.Advance(instant - clock.GetUtcNow());
}
