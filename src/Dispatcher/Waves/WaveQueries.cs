using ChatSurvey.Dispatcher.Catalogue;
using ChatSurvey.Domain.Statuses;
using ChatSurvey.Domain.Time;
using Npgsql;
using NpgsqlTypes;

namespace ChatSurvey.Dispatcher.Waves;

/// <summary>
/// One wave in a list: its settings at a glance and its invitation counts, from the <c>wave_agency_progress</c> view as
/// <see cref="WaveStore.GetProgressAsync"/> counts them (planned = all invitations, sent = handed to the provider,
/// responded/completed = responses to them).
/// </summary>
public sealed record WaveSummary(
    long Id,
    string Name,
    string Status,
    string QuestionnaireCode,
    string QuestionnaireTitle,
    DateOnly ResultsFrom,
    DateOnly ResultsTo,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    long Target,
    long Planned,
    long Sent,
    long Responded,
    long Completed);

/// <summary>A wave's settings, as stored.</summary>
public sealed record WaveDetails(
    long Id,
    string Name,
    string Status,
    string QuestionnaireCode,
    int QuestionnaireVersion,
    string QuestionnaireTitle,
    DateOnly ResultsFrom,
    DateOnly ResultsTo,
    decimal ExpectedResponseRate,
    TimeOnly SendWindowStart,
    TimeOnly SendWindowEnd,
    int ReminderAfterHours,
    int ExpireAfterDays,
    int CooldownDays,
    int Seed,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt);

/// <summary>
/// <c>GET /api/admin/waves/{id}/agencies</c>: one agency's part of a wave, its row of the <c>wave_agency_progress</c> view
/// (the counts of <see cref="WaveProgress"/>); <see cref="ReserveDrawn"/> is the part of <see cref="Planned"/> added by
/// top-up draws, and <see cref="ReserveLeft"/> the eligible people of the planning pool not yet drawn. <see cref="ExcludedStaff"/> and
/// <see cref="ExcludedManyDossiers"/> are the phones planning left out (staff list; too many dossiers of the agency).
/// <see cref="ResponseRate"/> = responded / sent (null before anything is sent), the dashboard's rule.
/// </summary>
public sealed record WaveAgencyProgress(
    string AgencyCode, string AgencyName, int Target, long Planned, long Sent, long Responded, long Completed)
{
    public long ReserveDrawn { get; init; }

    public long ReserveLeft { get; init; }

    public int Eligible { get; init; }

    public int ExcludedStaff { get; init; }

    public int ExcludedManyDossiers { get; init; }

    public double? ResponseRate => Sent == 0 ? null : (double)Responded / Sent;
}

/// <summary>A wave the results pages offer.</summary>
public sealed record WaveOption(long Id, string Name, string Status, DateOnly ResultsFrom, DateOnly ResultsTo);

/// <summary>An agency the results pages offer.</summary>
public sealed record AgencyOption(string Code, string Name);

/// <summary>An agency and its transactions with a result date in a period and a phone: the population N of Slovin's formula.</summary>
public sealed record AgencyPopulation(string AgencyCode, string AgencyName, string Kind, int Population);

/// <summary>What happened today (a day in Vietnam time) across all waves.</summary>
public sealed record WaveActivityToday(long InvitationsSent, long Responses, long CompletedResponses);

/// <summary>Read-only queries for the admin pages: lists, settings, per-agency progress, populations, today's activity.</summary>
public sealed class WaveQueries(NpgsqlDataSource dataSource)
{
    /// <summary>Waves, newest first; only those in <paramref name="statuses"/> when given. One query, whatever the number of waves.</summary>
    public async Task<IReadOnlyList<WaveSummary>> ListAsync(IReadOnlyList<string>? statuses, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT w.id, w.name, w.status, q.code, q.title, w.results_from, w.results_to, w.created_at, w.started_at,
                   coalesce(t.target, 0), coalesce(i.planned, 0), coalesce(i.sent, 0),
                   coalesce(i.responded, 0), coalesce(i.completed, 0)
            FROM waves w
            JOIN questionnaires q ON q.id = w.questionnaire_id
            LEFT JOIN (
                SELECT wave_id, sum(target) AS target FROM wave_quotas GROUP BY wave_id
            ) t ON t.wave_id = w.id
            LEFT JOIN (
                SELECT wave_id, sum(planned)::bigint AS planned, sum(sent)::bigint AS sent,
                       sum(responded)::bigint AS responded, sum(completed)::bigint AS completed
                FROM wave_agency_progress GROUP BY wave_id
            ) i ON i.wave_id = w.id
            WHERE $1::text[] IS NULL OR w.status = ANY ($1)
            ORDER BY w.created_at DESC, w.id DESC
            """);
        command.Parameters.Add(new NpgsqlParameter { NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text, Value = (object?)statuses?.ToArray() ?? DBNull.Value });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var waves = new List<WaveSummary>();
        while (await reader.ReadAsync(cancellationToken))
        {
            waves.Add(new WaveSummary(
                reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4),
                reader.GetFieldValue<DateOnly>(5), reader.GetFieldValue<DateOnly>(6), reader.GetFieldValue<DateTimeOffset>(7),
                reader.IsDBNull(8) ? null : reader.GetFieldValue<DateTimeOffset>(8),
                reader.GetInt64(9), reader.GetInt64(10), reader.GetInt64(11), reader.GetInt64(12), reader.GetInt64(13)));
        }

        return waves;
    }

    /// <summary>The wave's settings, or null when there is no such wave.</summary>
    public async Task<WaveDetails?> GetAsync(long waveId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT w.name, w.status, q.code, q.version, q.title, w.results_from, w.results_to, w.expected_response_rate,
                   w.send_window_start, w.send_window_end, w.reminder_after_hours, w.expire_after_days, w.cooldown_days,
                   w.seed, w.created_at, w.started_at, w.finished_at
            FROM waves w
            JOIN questionnaires q ON q.id = w.questionnaire_id
            WHERE w.id = $1
            """);
        command.Parameters.AddWithValue(waveId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
            return null;
        return new WaveDetails(
            waveId, reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt32(3), reader.GetString(4),
            reader.GetFieldValue<DateOnly>(5), reader.GetFieldValue<DateOnly>(6), reader.GetDecimal(7),
            reader.GetFieldValue<TimeOnly>(8), reader.GetFieldValue<TimeOnly>(9), reader.GetInt32(10), reader.GetInt32(11),
            reader.GetInt32(12), reader.GetInt32(13), reader.GetFieldValue<DateTimeOffset>(14),
            reader.IsDBNull(15) ? null : reader.GetFieldValue<DateTimeOffset>(15),
            reader.IsDBNull(16) ? null : reader.GetFieldValue<DateTimeOffset>(16));
    }

    /// <summary>Each agency with a quota in the wave, by agency code, or null when there is no such wave.</summary>
    public async Task<IReadOnlyList<WaveAgencyProgress>?> GetAgenciesAsync(long waveId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            WITH wave AS (
                SELECT id FROM waves WHERE id = $1
            )
            SELECT a.code, a.name, q.target, coalesce(p.planned, 0), coalesce(p.sent, 0),
                   coalesce(p.responded, 0), coalesce(p.completed, 0), coalesce(p.reserve_drawn, 0),
                   q.eligible, q.excluded_staff, q.excluded_many_dossiers
            FROM wave
            LEFT JOIN wave_quotas q ON q.wave_id = wave.id
            LEFT JOIN agencies a ON a.id = q.agency_id
            LEFT JOIN wave_agency_progress p ON p.wave_id = wave.id AND p.agency_id = q.agency_id
            ORDER BY a.code
            """);
        command.Parameters.AddWithValue(waveId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var found = false;
        var agencies = new List<WaveAgencyProgress>();
        while (await reader.ReadAsync(cancellationToken))
        {
            found = true;
            if (reader.IsDBNull(0))
                continue;
            var planned = reader.GetInt64(3);
            var reserve = reader.GetInt64(7);
            var eligible = reader.GetInt32(8);
            agencies.Add(new WaveAgencyProgress(reader.GetString(0), reader.GetString(1), reader.GetInt32(2),
                planned, reader.GetInt64(4), reader.GetInt64(5), reader.GetInt64(6))
            {
                ReserveDrawn = reserve,
                ReserveLeft = Math.Max(0, eligible - planned),
                Eligible = eligible,
                ExcludedStaff = reader.GetInt32(9),
                ExcludedManyDossiers = reader.GetInt32(10),
            });
        }

        return found ? agencies : null;
    }

    /// <summary>
    /// Every current agency (retired ones take no new waves) with its population N for a wave over
    /// [<paramref name="from"/>, <paramref name="to"/>]: transactions with a result date in the period and a phone.
    /// Agencies with transactions first, then by name.
    /// </summary>
    public async Task<IReadOnlyList<AgencyPopulation>> PopulationsAsync(DateOnly from, DateOnly to, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            $"""
            SELECT a.code, a.name, a.kind, coalesce(t.population, 0)
            FROM agencies a
            LEFT JOIN (
                SELECT agency_id, count(*) AS population
                FROM transactions
                WHERE result_date BETWEEN $1 AND $2 AND phone IS NOT NULL
                GROUP BY agency_id
            ) t ON t.agency_id = a.id
            WHERE {CatalogueStore.Current("a")}
            ORDER BY coalesce(t.population, 0) = 0, a.name, a.code
            """);
        command.Parameters.AddWithValue(from);
        command.Parameters.AddWithValue(to);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var agencies = new List<AgencyPopulation>();
        while (await reader.ReadAsync(cancellationToken))
            agencies.Add(new AgencyPopulation(reader.GetString(0), reader.GetString(1), reader.GetString(2), checked((int)reader.GetInt64(3))));
        return agencies;
    }

    /// <summary>
    /// Invitations sent and responses started (and completed) in the Vietnam day that holds <paramref name="now"/>.
    /// </summary>
    public async Task<WaveActivityToday> TodayAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var day = VietnamTime.DateOf(now);
        var midnight = VietnamTime.StartOfDay(day);
        var tomorrow = VietnamTime.StartOfDay(day.AddDays(1));
        await using var command = dataSource.CreateCommand(
            """
            SELECT (SELECT count(*) FROM invitations WHERE sent_at >= $1 AND sent_at < $2),
                   (SELECT count(*) FROM responses WHERE started_at >= $1 AND started_at < $2),
                   (SELECT count(*) FROM responses WHERE completed_at >= $1 AND completed_at < $2)
            """);
        command.Parameters.AddWithValue(midnight.ToUniversalTime());
        command.Parameters.AddWithValue(tomorrow.ToUniversalTime());
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return new WaveActivityToday(reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
    }

    /// <summary>The waves whose results can be read (drafts have none), the latest first.</summary>
    public async Task<IReadOnlyList<WaveOption>> ResultWavesAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            $"""
            SELECT id, name, status, results_from, results_to
            FROM waves
            WHERE status IN ('{WaveStatus.Running}', '{WaveStatus.Paused}', '{WaveStatus.Completed}', '{WaveStatus.Cancelled}')
            ORDER BY coalesce(started_at, created_at) DESC, id DESC
            """);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var waves = new List<WaveOption>();
        while (await reader.ReadAsync(cancellationToken))
        {
            waves.Add(new WaveOption(reader.GetInt64(0), reader.GetString(1), reader.GetString(2),
                reader.GetFieldValue<DateOnly>(3), reader.GetFieldValue<DateOnly>(4)));
        }

        return waves;
    }

    /// <summary>
    /// The agencies of a wave (a quota or a response in it), plus <paramref name="alsoCode"/> if it exists at all, so that
    /// an agency without responses yet can still be chosen.
    /// </summary>
    public async Task<IReadOnlyList<AgencyOption>> AgencyOptionsAsync(long? waveId, string? alsoCode, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT a.code, a.name
            FROM agencies a
            WHERE a.code = $2
               OR ($1::bigint IS NOT NULL AND (
                      EXISTS (SELECT 1 FROM wave_quotas q WHERE q.wave_id = $1 AND q.agency_id = a.id)
                   OR EXISTS (SELECT 1 FROM responses r WHERE r.wave_id = $1 AND r.agency_id = a.id)))
            ORDER BY a.name, a.code
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)waveId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Bigint });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)alsoCode ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var agencies = new List<AgencyOption>();
        while (await reader.ReadAsync(cancellationToken))
            agencies.Add(new AgencyOption(reader.GetString(0), reader.GetString(1)));
        return agencies;
    }
}
