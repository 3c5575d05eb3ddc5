using ChatSurvey.Domain.Conversations;
using ChatSurvey.Domain.Integrity;

namespace ChatSurvey.Domain.Tests.Integrity;

/// <summary>The speeder and straight-liner rules on the answers and times of a completed ballot.</summary>
public sealed class IntegrityFlagsTests
{
    private static readonly DateTimeOffset Start = new(2025, 3, 10, 2, 0, 0, TimeSpan.Zero);
    private static readonly IntegrityOptions Defaults = new();

    private static RecordedAnswer[] Ratings(params int[] ratings) =>
        ratings.Select((r, i) => RecordedAnswer.ForRating($"Q{i + 1}", r)).ToArray();

    [Theory]
    [InlineData(13.9, true)] // 7 answered questions × 2 s = 14 s: faster is a speeder
    [InlineData(14.0, false)]
    [InlineData(60.0, false)]
    public void Speeder_Should_FollowSecondsPerAnsweredQuestion_When_Completed(double seconds, bool speeder)
    {
        var answers = Ratings(5, 4, 3, 5, 4, 3, 5)
            .Append(RecordedAnswer.Skipped("COMMENT"))
            .Append(RecordedAnswer.Missing("AGE"));

        var flags = IntegrityFlags.Compute(Start, Start.AddSeconds(seconds), answers, Defaults);

        Assert.Equal(speeder, flags.Speeder);
        Assert.False(flags.StraightLiner);
    }

    [Fact]
    public void Speeder_Should_NeverBeFlagged_When_TurnedOffWithZero()
    {
        var flags = IntegrityFlags.Compute(Start, Start, Ratings(5, 4, 3), new IntegrityOptions { SpeederSecondsPerQuestion = 0 });

        Assert.False(flags.Speeder);
    }

    [Fact]
    public void Speeder_Should_CountChoicesTextsAndYesNo_When_Answered()
    {
        RecordedAnswer[] answers =
        [
            RecordedAnswer.ForYesNo("GATE", true), RecordedAnswer.ForChoice("IMPROVE", "E3"), RecordedAnswer.ForText("COMMENT", "Tốt"),
        ];

        Assert.True(IntegrityFlags.Compute(Start, Start.AddSeconds(5.9), answers, Defaults).Speeder);
        Assert.False(IntegrityFlags.Compute(Start, Start.AddSeconds(6), answers, Defaults).Speeder);
    }

    [Fact]
    public void Speeder_Should_CountNotApplicable_When_Answered()
    {
        RecordedAnswer[] answers = [.. Ratings(5, 4), RecordedAnswer.NotApplicable("E2.C3")];

        Assert.True(IntegrityFlags.Compute(Start, Start.AddSeconds(5.9), answers, Defaults).Speeder);
        Assert.False(IntegrityFlags.Compute(Start, Start.AddSeconds(6), answers, Defaults).Speeder);
    }

    [Theory]
    [InlineData(new[] { 5, 5, 5, 5, 5, 5, 5, 5 }, 3, true)] // the "Không áp dụng" answers do not break the line
    [InlineData(new[] { 5, 5, 5, 5, 5, 5, 5 }, 3, false)] // nor make it long enough: 7 ratings
    [InlineData(new[] { 4, 4, 4, 4, 4, 4, 4, 3 }, 1, false)]
    public void StraightLiner_Should_LookAtRatingsOnly_When_SomeAnswersAreNotApplicable(int[] ratings, int notApplicable, bool straightLiner)
    {
        var answers = Ratings(ratings).Concat(Enumerable.Range(1, notApplicable).Select(i => RecordedAnswer.NotApplicable($"E1.C{i}")));

        var flags = IntegrityFlags.Compute(Start, Start.AddMinutes(10), answers, Defaults);

        Assert.Equal(straightLiner, flags.StraightLiner);
    }

    [Theory]
    [InlineData(new[] { 5, 5, 5, 5, 5, 5, 5, 5 }, true)]
    [InlineData(new[] { 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3 }, true)]
    [InlineData(new[] { 5, 5, 5, 5, 5, 5, 5 }, false)] // fewer than 8 ratings: no pattern
    [InlineData(new[] { 5, 5, 5, 5, 5, 5, 5, 4 }, false)]
    public void StraightLiner_Should_NeedEightIdenticalRatings_When_Completed(int[] ratings, bool straightLiner)
    {
        var answers = Ratings(ratings).Append(RecordedAnswer.ForText("COMMENT", "Không có ý kiến"));

        var flags = IntegrityFlags.Compute(Start, Start.AddMinutes(10), answers, Defaults);

        Assert.Equal(straightLiner, flags.StraightLiner);
        Assert.False(flags.Speeder);
    }

    [Fact]
    public void Names_Should_ListSetFlagsInFixedOrder_When_Read()
    {
        Assert.Equal(["speeder", "straight_liner"], new IntegrityFlags(true, true).Names);
        Assert.Equal(["straight_liner"], new IntegrityFlags(false, true).Names);
        Assert.Empty(IntegrityFlags.None.Names);
    }
}
