using System.Globalization;
using ChatSurvey.Dispatcher.Jobs;
using ChatSurvey.Dispatcher.Tests.Sending;
using ChatSurvey.Dispatcher.Tests.Sms;
using ChatSurvey.Dispatcher.Waves;
using ChatSurvey.Domain.Questionnaires;
using ChatSurvey.Domain.Statuses;
using ChatSurvey.TestSupport;
using ChatSurvey.TestSupport.Twilio;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace ChatSurvey.Dispatcher.Tests.Waves;

/// <summary>One decision as stored, with the codes of its agency and dossier.</summary>
internal sealed record StoredDecision(
    string AgencyCode, string DossierCode, string Outcome, string? Reason, double? Probability, double? Draw, string? Pacing,
    DateTimeOffset DecidedAt, long? InvitationId);

/// <summary>
/// A continuous wave's world on a fresh database: the dispatcher's services (<see cref="DispatcherHost"/>, the Twilio
/// fake behind the gateway) on a manual clock, procedure P1 and agencies made on demand, dossiers arriving by SQL as an
/// import or the integration API writes them, and completed responses written as the bot stores them.
/// </summary>
internal sealed class ContinuousScene : IAsyncDisposable
{
    private readonly Dictionary<string, long> _agencies = new(StringComparer.Ordinal);
    private long _procedure;
    private int _conversations;

    private ContinuousScene(TestDatabase database, IHost host, ManualClock clock)
    {
        Database = database;
        Host = host;
        Clock = clock;
    }

    public TestDatabase Database { get; }

    public IHost Host { get; }

    public ManualClock Clock { get; }

    public NpgsqlDataSource Db => Database.DataSource;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public static async Task<ContinuousScene> StartAsync(TwilioFake fake, DateTimeOffset start, params (string Key, string? Value)[] settings)
    {
        var database = await (await PostgresServer.GetAsync()).CreateDatabaseAsync();
        var clock = new ManualClock(start);
        var host = await DispatcherHost.StartAsync(database.ConnectionString, fake, clock, settings);
        var scene = new ContinuousScene(database, host, clock);
        await QuestionnaireStore.EnsureDefaultsAsync(database.DataSource, Cancel);
        scene._procedure = await scene.ScalarAsync<long>(
            "INSERT INTO procedures (code, name, short_name) VALUES ('P1', 'Đăng ký khai sinh', 'Dang ky khai sinh') RETURNING id");
        return scene;
    }

    /// <summary>Hai Phong wall-clock time as an instant.</summary>
    public static DateTimeOffset HaiPhong(int year, int month, int day, int hour, int minute = 0) =>
        SendingTestData.HaiPhong(year, month, day, hour, minute);

    public void SetClock(DateTimeOffset instant) => Clock.SetTo(instant);

    public async Task<long> AgencyAsync(string code)
    {
        if (_agencies.TryGetValue(code, out var id))
            return id;
        id = await ScalarAsync<long>("INSERT INTO agencies (code, name, kind) VALUES ($1, $2, 'department') RETURNING id", code, $"Sở {code}");
        _agencies[code] = id;
        return id;
    }

    /// <summary>A continuous draft wave through <see cref="WaveStore.CreateAsync"/>.</summary>
    public async Task<long> CreateWaveAsync(
        DateOnly from, DateOnly to, IReadOnlyList<(string Code, int Target)> targets, decimal rate = 0.3m, int seed = 7,
        int inviteWithinHours = 24, int expireAfterDays = 3, string mode = WaveMode.Continuous)
    {
        foreach (var (code, _) in targets)
            await AgencyAsync(code);
        var draft = new WaveDraft("Đợt liên tục", "sipas-sms", from, to,
            targets.Select(t => new WaveAgencyTarget(t.Code, t.Target)).ToList(), rate, new TimeOnly(8, 0), new TimeOnly(20, 0),
            ReminderAfterHours: 0, ExpireAfterDays: expireAfterDays, CooldownDays: 90, Seed: seed, Mode: mode,
            InviteWithinHours: inviteWithinHours);
        var created = await Host.Services.GetRequiredService<WaveStore>().CreateAsync(draft, Cancel);
        Assert.Empty(created.Problems);
        return created.Id!.Value;
    }

    public WavePlanner Planner => ActivatorUtilities.CreateInstance<WavePlanner>(Host.Services);

    public ContinuousDecider Decider => Host.Services.GetRequiredService<ContinuousDecider>();

    public async Task<WaveChangeResult> StartWaveAsync(long waveId)
    {
        var result = await Planner.StartAsync(waveId, Cancel);
        Assert.Equal(WaveChangeOutcome.Changed, result.Outcome);
        return result;
    }

    /// <summary>A dossier arrives (an import row, a post of the integration API); <paramref name="resultAt"/> sets its result date too.</summary>
    public async Task<long> ArriveAsync(string agency, string dossier, string? phone, DateOnly? resultDate, DateTimeOffset? resultAt = null)
    {
        var agencyId = await AgencyAsync(agency);
        var date = resultAt is { } at ? Domain.Time.VietnamTime.DateOf(at) : resultDate;
        return await ScalarAsync<long>(
            """
            INSERT INTO transactions (agency_id, procedure_id, dossier_code, phone, result_date, result_at, updated_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id
            """,
            agencyId, _procedure, dossier, (object?)phone ?? DBNull.Value,
            date is { } d ? d : DBNull.Value, resultAt is { } r ? r.ToUniversalTime() : DBNull.Value, Clock.GetUtcNow());
    }

    public Task<DecisionPass> RunJobAsync() => Host.Services.GetRequiredService<ContinuousWaveJob>().RunAsync(Cancel);

    public Task<int> SendAsync() => Host.Services.GetRequiredService<SendDueJob>().SendAsync(Cancel);

    public Task ExpireAsync() => Host.Services.GetRequiredService<ExpiryJob>().RunAsync(Cancel);

    public async Task<List<StoredDecision>> DecisionsAsync(long waveId)
    {
        await using var command = Db.CreateCommand(
            """
            SELECT a.code, t.dossier_code, d.outcome, d.reason, d.probability, d.draw, d.pacing::text, d.decided_at, d.invitation_id
            FROM wave_decisions d
            JOIN transactions t ON t.id = d.transaction_id
            JOIN agencies a ON a.id = d.agency_id
            WHERE d.wave_id = $1
            ORDER BY d.decided_at, a.code, t.dossier_code
            """);
        command.Parameters.AddWithValue(waveId);
        var decisions = new List<StoredDecision>();
        await using var reader = await command.ExecuteReaderAsync(Cancel);
        while (await reader.ReadAsync(Cancel))
        {
            decisions.Add(new StoredDecision(reader.GetString(0), reader.GetString(1), reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetString(3), reader.IsDBNull(4) ? null : reader.GetDouble(4),
                reader.IsDBNull(5) ? null : reader.GetDouble(5), reader.IsDBNull(6) ? null : reader.GetString(6),
                reader.GetFieldValue<DateTimeOffset>(7), reader.IsDBNull(8) ? null : reader.GetInt64(8)));
        }

        return decisions;
    }

    /// <summary>A completed response to the invitation, as the bot stores it, completed now.</summary>
    public async Task CompleteAsync(long invitationId)
    {
        var conversation = $"c-{Interlocked.Increment(ref _conversations).ToString(CultureInfo.InvariantCulture)}";
        await ExecuteAsync(
            """
            INSERT INTO conversations (id, channel, invitation_id, agency_id, questionnaire_id)
            SELECT $1, 'sms', i.id, i.agency_id, w.questionnaire_id FROM invitations i JOIN waves w ON w.id = i.wave_id WHERE i.id = $2
            """, conversation, invitationId);
        await ExecuteAsync(
            """
            INSERT INTO responses (conversation_id, invitation_id, wave_id, agency_id, questionnaire_id, channel, status,
                                   started_at, completed_at, provenance, transaction_id)
            SELECT $1, i.id, i.wave_id, i.agency_id, w.questionnaire_id, 'sms', 'completed', $3, $3, 'sampled', i.transaction_id
            FROM invitations i JOIN waves w ON w.id = i.wave_id WHERE i.id = $2
            """, conversation, invitationId, Clock.GetUtcNow());
    }

    public Task<T> ScalarAsync<T>(string sql, params object[] parameters) => Db.ScalarAsync<T>(sql, parameters, Cancel);

    public Task<int> ExecuteAsync(string sql, params object[] parameters) => Db.ExecuteAsync(sql, parameters, Cancel);

    public async ValueTask DisposeAsync()
    {
        await Host.StopAsync(CancellationToken.None);
        Host.Dispose();
        await Database.DisposeAsync();
    }
}
