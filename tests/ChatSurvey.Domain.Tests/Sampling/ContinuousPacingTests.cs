using ChatSurvey.Domain.Sampling;

namespace ChatSurvey.Domain.Tests.Sampling;

/// <summary>The pacing rule of continuous waves (docs/methodology.md, "Continuous waves"), worked out by hand.</summary>
public sealed class ContinuousPacingTests
{
    private static PacingState State(
        int target = 100, int completed = 0, int open = 0, int settled = 0, int settledCompleted = 0, double rate = 0.3,
        int arrived = 1, double elapsed = 0.5, double remaining = 30, int pending = 1) =>
        new(target, completed, open, settled, settledCompleted, rate, arrived, elapsed, remaining, pending);

    [Fact]
    public void Compute_Should_PaceTheProbability_When_ArrivalsAndAnswersAreKnown()
    {
        // r = (12 + 10 · 0.3) / (40 + 10) = 0.3; needed = 80 / 0.3 − 30 = 236.67; arrivals 200 / 5 days = 40 a day;
        // expected = 1 + 40 · 25 = 1001.
        var pacing = ContinuousPacing.Compute(State(completed: 20, open: 30, settled: 40, settledCompleted: 12, arrived: 200,
            elapsed: 5, remaining: 25));

        Assert.Equal(0.3, pacing.ResponseRate, 12);
        Assert.Equal(80 / 0.3 - 30, pacing.Needed, 9);
        Assert.Equal(40, pacing.ArrivalRate, 12);
        Assert.Equal(1001, pacing.Expected, 9);
        Assert.Equal((80 / 0.3 - 30) / 1001, pacing.Probability, 12);
        Assert.False(pacing.TargetReached);
        // Paced to the target: completed + r · (open + needed) = 100.
        Assert.Equal(100, pacing.Projected, 9);
    }

    [Fact]
    public void Compute_Should_InviteEveryone_When_ThereIsNoArrivalHistoryYet()
    {
        // The first dossier of a period: one arrival over (at least) one day, 30 days to go: 31 expected, 334 needed.
        Assert.Equal(1, ContinuousPacing.Compute(State()).Probability);
        // After the period, nothing more is expected but the pass's own dossiers: each is invited while invitations are needed.
        Assert.Equal(1, ContinuousPacing.Compute(State(arrived: 5000, elapsed: 31, remaining: 0, pending: 3)).Probability);
    }

    [Fact]
    public void Compute_Should_StopInviting_When_CompletedAndOpenReachTheTarget()
    {
        var reached = ContinuousPacing.Compute(State(target: 10, completed: 7, open: 10, arrived: 50, elapsed: 5));
        Assert.True(reached.TargetReached);      // 7 + 0.3 · 10 = 10
        Assert.Equal(0, reached.Probability);
        Assert.Equal(10, reached.Projected, 9);
        Assert.Equal(0, ContinuousPacing.Compute(State(target: 10, completed: 12)).Probability);
    }

    [Fact]
    public void Compute_Should_MoveFromTheExpectedToTheObservedRate_When_InvitationsSettle()
    {
        Assert.Equal(0.3, ContinuousPacing.Compute(State()).ResponseRate, 12);
        Assert.Equal((10 + 10 * 0.3) / 20, ContinuousPacing.Compute(State(settled: 10, settledCompleted: 10)).ResponseRate, 12);
        Assert.Equal((100 + 3) / 1010.0, ContinuousPacing.Compute(State(settled: 1000, settledCompleted: 100)).ResponseRate, 12);
        // No answer at all yet: the rate falls but stays above zero, so "needed" stays finite.
        Assert.True(ContinuousPacing.Compute(State(settled: 500)).ResponseRate > 0);
    }

    [Fact]
    public void Compute_Should_ProjectBelowTheTarget_When_TooFewDossiersAreExpected()
    {
        // 10 a day for 2 more days: 20 more invitations at most, 0.3 · 20 = 6 more completions.
        var pacing = ContinuousPacing.Compute(State(target: 100, completed: 50, arrived: 100, elapsed: 10, remaining: 2, pending: 0));
        Assert.Equal(1, pacing.Probability);
        Assert.Equal(56, pacing.Projected, 9);
    }

    [Theory]
    [InlineData(0, 0, 0, 0.3)]
    [InlineData(10, -1, 0, 0.3)]
    [InlineData(10, 0, 2, 0.3)]
    [InlineData(10, 0, 0, 0)]
    [InlineData(10, 0, 0, 1.5)]
    public void Compute_Should_Refuse_When_StateIsImpossible(int target, int open, int settledCompleted, double rate) =>
        Assert.Throws<ArgumentOutOfRangeException>(() =>
            ContinuousPacing.Compute(State(target: target, open: open, settledCompleted: settledCompleted, rate: rate)));
}
