namespace ChatSurvey.Domain.Sampling;

/// <summary>
/// What a continuous wave knows about one agency when it decides a dossier (docs/methodology.md, "Continuous waves"),
/// recorded with the decision so that its probability can be recomputed.
/// </summary>
/// <param name="Target">The agency's target of completed responses.</param>
/// <param name="Completed">The wave's invitations of the agency with a completed response.</param>
/// <param name="Open">Its invitations not final yet and not completed (planned, claimed, sent, delivered).</param>
/// <param name="Settled">Its invitations whose outcome is known for good: failed, cancelled, expired or opted out, or
/// completed with their expiry passed (an invitation that is still answerable does not count yet, so that quick answers
/// do not inflate the rate).</param>
/// <param name="SettledCompleted">The completed ones among <paramref name="Settled"/>.</param>
/// <param name="ExpectedRate">The wave's expected response rate, in (0, 1].</param>
/// <param name="Arrived">The agency's eligible dossiers of the period so far: those decided before, and those of the
/// current pass.</param>
/// <param name="ElapsedDays">Days of the period gone by (from its first day's midnight, Vietnam time).</param>
/// <param name="RemainingDays">Days of the period still to come (to the midnight after its last day), today's fraction included.</param>
/// <param name="Pending">Eligible dossiers of the current pass still to decide, this one included.</param>
public sealed record PacingState(
    int Target,
    int Completed,
    int Open,
    int Settled,
    int SettledCompleted,
    double ExpectedRate,
    int Arrived,
    double ElapsedDays,
    double RemainingDays,
    int Pending);

/// <summary>
/// The pacing of one decision: the response rate it assumed, the invitations still needed, the agency's arrival rate
/// (eligible dossiers per day), the dossiers still expected, the invitation probability and the completed responses
/// projected at the period's end.
/// </summary>
public sealed record Pacing(double ResponseRate, double Needed, double ArrivalRate, double Expected, double Probability, double Projected)
{
    /// <summary>Completed responses plus those the open invitations are expected to bring reach the target.</summary>
    public bool TargetReached => Needed <= 0;
}

/// <summary>
/// The pacing rule of continuous waves (docs/methodology.md, "Continuous waves"). Pure: the same state, the same
/// pacing. probability = min(1, needed ÷ expected), where
/// <list type="bullet">
/// <item>response rate r = (settled completed + <see cref="PriorInvitations"/> × expected rate) ÷ (settled +
/// <see cref="PriorInvitations"/>): the wave's expected rate until invitations have settled, then more and more the
/// observed one;</item>
/// <item>needed = (target − completed) ÷ r − open; 0 or less means the target is reached (probability 0);</item>
/// <item>arrival rate = arrived ÷ max(elapsed days, <see cref="MinimumElapsedDays"/>);</item>
/// <item>expected = pending + arrival rate × remaining days; with nothing expected the probability is 1.</item>
/// </list>
/// At a period's start few dossiers have arrived, so the expected count is small and every eligible dossier is invited
/// until the arrivals show the agency's pace. Projected = completed + r × (open + min(needed, expected)): what the target
/// would become if the pace held.
/// </summary>
public static class ContinuousPacing
{
    /// <summary>How many invitations the wave's expected rate weighs as, against the observed ones.</summary>
    public const double PriorInvitations = 10;

    /// <summary>The arrival rate is never measured over less than a day (arrivals follow office hours).</summary>
    public const double MinimumElapsedDays = 1;

    public static Pacing Compute(PacingState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (!(state.ExpectedRate > 0 && state.ExpectedRate <= 1))
            throw new ArgumentOutOfRangeException(nameof(state), state.ExpectedRate, "The expected response rate must be in (0, 1].");
        if (state.Target <= 0 || state.Completed < 0 || state.Open < 0 || state.Settled < 0 || state.SettledCompleted < 0
            || state.SettledCompleted > state.Settled || state.Arrived < 0 || state.Pending < 0
            || state.ElapsedDays < 0 || state.RemainingDays < 0)
            throw new ArgumentOutOfRangeException(nameof(state), state, "A pacing state has a positive target and no negative count or duration.");

        var rate = (state.SettledCompleted + PriorInvitations * state.ExpectedRate) / (state.Settled + PriorInvitations);
        var needed = (state.Target - state.Completed) / rate - state.Open;
        var arrivalRate = state.Arrived / Math.Max(state.ElapsedDays, MinimumElapsedDays);
        var expected = state.Pending + arrivalRate * state.RemainingDays;
        var probability = needed <= 0 ? 0 : expected <= 0 ? 1 : Math.Min(1, needed / expected);
        var projected = state.Completed + rate * (state.Open + Math.Clamp(needed, 0, expected));
        return new Pacing(rate, needed, arrivalRate, expected, probability, projected);
    }
}
