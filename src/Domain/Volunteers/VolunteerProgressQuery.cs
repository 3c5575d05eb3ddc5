using ChatSurvey.Domain.Scoring;
using ChatSurvey.Domain.Statuses;
using ChatSurvey.Domain.Time;
using Npgsql;
using NpgsqlTypes;

namespace ChatSurvey.Domain.Volunteers;

/// <summary>Ballots counted today, this week (Monday to Sunday) and in all, in Vietnam time.</summary>
public sealed record BallotCounts(int Today, int Week, int Total)
{
    public static BallotCounts Zero { get; } = new(0, 0, 0);

    public BallotCounts Plus(BallotCounts other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return new(Today + other.Today, Week + other.Week, Total + other.Total);
    }
}

/// <summary>
/// One volunteer's movement figures: <see cref="Completed"/> counts every completed ballot they recorded,
/// <see cref="Valid"/> those the official figures count (the same predicate as scoring). <see cref="Phone"/> is filled
/// only when the caller asked for phones (administrators). <see cref="Speeders"/> and <see cref="Identical"/> are the
/// quality counts of docs/methodology.md, "Interviews".
/// </summary>
public sealed record VolunteerProgress(
    long AccountId,
    string UserName,
    string Name,
    string? Phone,
    long UnitId,
    string UnitName,
    int? Target,
    bool Disabled,
    IReadOnlyList<string> AgencyCodes,
    BallotCounts Completed,
    BallotCounts Valid,
    int Speeders,
    int Identical)
{
    /// <summary>Identical ballots ÷ completed ballots; null without a ballot.</summary>
    public double? IdenticalShare => Completed.Total == 0 ? null : (double)Identical / Completed.Total;

    /// <summary>
    /// Whether the volunteer records an unusual share of identical answers: at least
    /// <see cref="VolunteerOptions.IdenticalMinimumBallots"/> completed ballots, and an identical share above
    /// <see cref="VolunteerOptions.IdenticalShareThreshold"/>.
    /// </summary>
    public bool IsIdenticalFlagged(VolunteerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return Completed.Total >= options.IdenticalMinimumBallots && IdenticalShare > options.IdenticalShareThreshold;
    }
}

/// <summary>
/// A union unit's figures: the sums of its volunteers' (as they are assigned now), and its <see cref="Rank"/> among the
/// units by valid ballots in all (1 = most; units with as many share a rank).
/// </summary>
public sealed record UnionUnitProgress(long Id, string Name, int? Target, int Volunteers, BallotCounts Completed, BallotCounts Valid, int Rank);

/// <summary>The movement: every union unit ranked, every volunteer, and the days the counts are about.</summary>
public sealed record MovementReport(
    DateOnly Today, DateOnly WeekStart, IReadOnlyList<UnionUnitProgress> Units, IReadOnlyList<VolunteerProgress> Volunteers);

/// <summary>A volunteer's own count and their unit's (completed ballots), for the interview page.</summary>
public sealed record OwnProgress(BallotCounts Mine, int? Target, string UnitName, BallotCounts Unit, int? UnitTarget);

/// <summary>
/// The movement's figures (docs/methodology.md, "Interviews"): completed ballots with <c>responses.interviewer_id</c> =
/// the volunteer, today, this week and in all, in Vietnam time; of them the valid ones, decided by the official-ballot
/// predicate with the caller's exclusions (<see cref="ScoreFilter"/>'s flags), so "valid" here is exactly what the
/// figures count; and the quality counts. Reads only.
/// </summary>
public static class VolunteerProgressQuery
{
    // A ballot's ratings, as one text ("E1.S=4;E2.S=5;…" in question-code order): two ballots with the same text gave
    // the same rating to every rating question. A ballot without a rating has none and is never identical by it.
    private const string Sql =
        $$"""
        WITH ballots AS (
            SELECT r.interviewer_id, r.completed_at, r.speeder, r.straight_liner,
                   ({{Ballots.Predicate}}) AS valid,
                   (SELECT string_agg(a.question_code || '=' || a.rating, ';' ORDER BY a.question_code COLLATE "C")
                    FROM answers a WHERE a.response_id = r.id AND a.kind = 'rating') AS ratings
            FROM responses r
            WHERE r.interviewer_id IS NOT NULL AND r.status = @ballot_status
        ), marked AS (
            SELECT b.*,
                   b.straight_liner OR (b.ratings IS NOT NULL
                                        AND count(*) OVER (PARTITION BY b.interviewer_id, b.ratings) > 1) AS identical
            FROM ballots b
        )
        SELECT v.account_id, ac.user_name, v.full_name, CASE WHEN @with_phones THEN v.phone END, u.id, u.name, v.target,
               ac.disabled,
               ARRAY(SELECT ag.code FROM volunteer_agencies va JOIN agencies ag ON ag.id = va.agency_id
                     WHERE va.account_id = v.account_id ORDER BY ag.code),
               count(m.completed_at) FILTER (WHERE m.completed_at >= @today_from AND m.completed_at < @today_to)::int,
               count(m.completed_at) FILTER (WHERE m.completed_at >= @week_from AND m.completed_at < @week_to)::int,
               count(m.completed_at)::int,
               count(m.completed_at) FILTER (WHERE m.valid AND m.completed_at >= @today_from AND m.completed_at < @today_to)::int,
               count(m.completed_at) FILTER (WHERE m.valid AND m.completed_at >= @week_from AND m.completed_at < @week_to)::int,
               count(m.completed_at) FILTER (WHERE m.valid)::int,
               count(m.completed_at) FILTER (WHERE m.speeder)::int,
               count(m.completed_at) FILTER (WHERE m.identical)::int
        FROM volunteers v
        JOIN accounts ac ON ac.id = v.account_id
        JOIN union_units u ON u.id = v.union_unit_id
        LEFT JOIN marked m ON m.interviewer_id = v.account_id
        GROUP BY v.account_id, ac.user_name, ac.disabled, u.id
        ORDER BY u.name, v.full_name, v.account_id
        """;

    private const string OwnSql =
        """
        SELECT u.name, v.target, u.target,
               count(r.id) FILTER (WHERE r.interviewer_id = v.account_id AND r.completed_at >= $2 AND r.completed_at < $3)::int,
               count(r.id) FILTER (WHERE r.interviewer_id = v.account_id AND r.completed_at >= $4 AND r.completed_at < $5)::int,
               count(r.id) FILTER (WHERE r.interviewer_id = v.account_id)::int,
               count(r.id) FILTER (WHERE r.completed_at >= $2 AND r.completed_at < $3)::int,
               count(r.id) FILTER (WHERE r.completed_at >= $4 AND r.completed_at < $5)::int,
               count(r.id)::int
        FROM volunteers v
        JOIN union_units u ON u.id = v.union_unit_id
        JOIN volunteers mate ON mate.union_unit_id = u.id
        LEFT JOIN responses r ON r.interviewer_id = mate.account_id AND r.status = $6
        WHERE v.account_id = $1
        GROUP BY u.id, v.account_id
        """;

    /// <summary>
    /// The movement at <paramref name="now"/>. <paramref name="exclusions"/> says which flags keep a ballot out of the
    /// official figures (pass the configured exclusions); phones are read only when <paramref name="withPhones"/>.
    /// </summary>
    public static async Task<MovementReport> RunAsync(
        NpgsqlDataSource dataSource, ScoreFilter exclusions, DateTimeOffset now, bool withPhones, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(exclusions);
        var days = Days.Of(now);

        var volunteers = new List<VolunteerProgress>();
        await using (var command = dataSource.CreateCommand(Sql))
        {
            Ballots.AddParameters(command.Parameters, exclusions with { Ballots = BallotSet.Official });
            command.Parameters.Add(new NpgsqlParameter("with_phones", NpgsqlDbType.Boolean) { Value = withPhones });
            days.AddParameters(command.Parameters);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                volunteers.Add(new VolunteerProgress(
                    reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3),
                    reader.GetInt64(4), reader.GetString(5), reader.IsDBNull(6) ? null : reader.GetInt32(6), reader.GetBoolean(7),
                    reader.GetFieldValue<string[]>(8),
                    new BallotCounts(reader.GetInt32(9), reader.GetInt32(10), reader.GetInt32(11)),
                    new BallotCounts(reader.GetInt32(12), reader.GetInt32(13), reader.GetInt32(14)),
                    reader.GetInt32(15), reader.GetInt32(16)));
            }
        }

        var units = new List<(long Id, string Name, int? Target)>();
        await using (var command = dataSource.CreateCommand("SELECT id, name, target FROM union_units ORDER BY name, id"))
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
                units.Add((reader.GetInt64(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetInt32(2)));
        }

        return new MovementReport(days.Today, days.WeekStart, Rank(units, volunteers), volunteers);
    }

    /// <summary>The volunteer's own completed ballots and their unit's at <paramref name="now"/>; null when the account has no volunteer profile.</summary>
    public static async Task<OwnProgress?> ForVolunteerAsync(
        NpgsqlDataSource dataSource, long accountId, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        var days = Days.Of(now);
        await using var command = dataSource.CreateCommand(OwnSql);
        command.Parameters.Add(new NpgsqlParameter { Value = accountId });
        command.Parameters.Add(new NpgsqlParameter { Value = days.TodayFrom });
        command.Parameters.Add(new NpgsqlParameter { Value = days.TodayTo });
        command.Parameters.Add(new NpgsqlParameter { Value = days.WeekFrom });
        command.Parameters.Add(new NpgsqlParameter { Value = days.WeekTo });
        command.Parameters.Add(new NpgsqlParameter { Value = ResponseStatus.Completed });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
            return null;
        return new OwnProgress(
            new BallotCounts(reader.GetInt32(3), reader.GetInt32(4), reader.GetInt32(5)),
            reader.IsDBNull(1) ? null : reader.GetInt32(1),
            reader.GetString(0),
            new BallotCounts(reader.GetInt32(6), reader.GetInt32(7), reader.GetInt32(8)),
            reader.IsDBNull(2) ? null : reader.GetInt32(2));
    }

    // Units by valid ballots in all, most first; equal totals share a rank (1, 2, 2, 4).
    private static List<UnionUnitProgress> Rank(
        IReadOnlyList<(long Id, string Name, int? Target)> units, IReadOnlyList<VolunteerProgress> volunteers)
    {
        var summed = units.Select(unit =>
        {
            var members = volunteers.Where(v => v.UnitId == unit.Id).ToList();
            return new UnionUnitProgress(unit.Id, unit.Name, unit.Target, members.Count,
                members.Aggregate(BallotCounts.Zero, (sum, v) => sum.Plus(v.Completed)),
                members.Aggregate(BallotCounts.Zero, (sum, v) => sum.Plus(v.Valid)),
                0);
        }).OrderByDescending(u => u.Valid.Total).ThenBy(u => u.Name, StringComparer.Ordinal).ToList();
        for (var i = 0; i < summed.Count; i++)
        {
            var rank = i > 0 && summed[i].Valid.Total == summed[i - 1].Valid.Total ? summed[i - 1].Rank : i + 1;
            summed[i] = summed[i] with { Rank = rank };
        }

        return summed;
    }

    /// <summary>Today and this week (Monday to Sunday) in Vietnam, as instants.</summary>
    private sealed record Days(DateOnly Today, DateOnly WeekStart)
    {
        public DateTimeOffset TodayFrom => VietnamTime.StartOfDay(Today);

        public DateTimeOffset TodayTo => VietnamTime.StartOfDay(Today.AddDays(1));

        public DateTimeOffset WeekFrom => VietnamTime.StartOfDay(WeekStart);

        public DateTimeOffset WeekTo => VietnamTime.StartOfDay(WeekStart.AddDays(7));

        public static Days Of(DateTimeOffset now)
        {
            var today = VietnamTime.DateOf(now);
            return new Days(today, today.AddDays(-(((int)today.DayOfWeek + 6) % 7)));
        }

        public void AddParameters(NpgsqlParameterCollection parameters)
        {
            parameters.Add(new NpgsqlParameter("today_from", NpgsqlDbType.TimestampTz) { Value = TodayFrom });
            parameters.Add(new NpgsqlParameter("today_to", NpgsqlDbType.TimestampTz) { Value = TodayTo });
            parameters.Add(new NpgsqlParameter("week_from", NpgsqlDbType.TimestampTz) { Value = WeekFrom });
            parameters.Add(new NpgsqlParameter("week_to", NpgsqlDbType.TimestampTz) { Value = WeekTo });
        }
    }
}
