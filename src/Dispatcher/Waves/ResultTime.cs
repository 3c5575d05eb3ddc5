using ChatSurvey.Domain.Time;

namespace ChatSurvey.Dispatcher.Waves;

/// <summary>
/// When a dossier's result was given (docs/methodology.md, "Continuous waves"): <c>result_at</c> when the source gives the
/// time (the integration API), else noon of <c>result_date</c> in Vietnam time, the middle of the day it may have been
/// given on. The one definition behind a continuous invitation's deadline and the hours from result to invitation.
/// </summary>
public static class ResultTime
{
    public static readonly TimeOnly DateOnlyTime = new(12, 0);

    public static DateTimeOffset Of(DateOnly resultDate, DateTimeOffset? resultAt) =>
        resultAt ?? VietnamTime.ToUtc(resultDate, DateOnlyTime);

    /// <summary>The same in SQL, for a transaction aliased <paramref name="alias"/> (a <c>timestamptz</c>).</summary>
    public static string Sql(string alias) =>
        $"coalesce({alias}.result_at, ({alias}.result_date + time '{DateOnlyTime:HH\\:mm}') AT TIME ZONE '{VietnamTime.ZoneId}')";
}
