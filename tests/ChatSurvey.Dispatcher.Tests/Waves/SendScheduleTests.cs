using ChatSurvey.Dispatcher.Waves;

namespace ChatSurvey.Dispatcher.Tests.Waves;

/// <summary>Planned send times, table-driven. Hai Phong is UTC+7 all year: 08:00 local is 01:00 UTC.</summary>
public sealed class SendScheduleTests
{
    private static readonly TimeOnly Eight = new(8, 0);
    private static readonly TimeOnly Twenty = new(20, 0);

    private static DateTimeOffset Utc(int day, int hour, int minute, int second = 0, int millisecond = 0) =>
        new(2025, 3, day, hour, minute, second, millisecond, TimeSpan.Zero);

    [Fact]
    public void Spread_Should_StartNowAtTheRate_When_WindowIsOpen()
    {
        // 03:00 UTC = 10:00 in Hai Phong.
        var times = SendSchedule.Spread(Utc(10, 3, 0), Eight, Twenty, 4, 5);
        Assert.Equal([Utc(10, 3, 0), Utc(10, 3, 0, 0, 250), Utc(10, 3, 0, 0, 500), Utc(10, 3, 0, 0, 750), Utc(10, 3, 0, 1)], times);
    }

    [Fact]
    public void Spread_Should_StartAtTheOpening_When_BeforeTheWindow()
    {
        // 23:30 UTC on the 9th = 06:30 on the 10th in Hai Phong: the window opens at 08:00 local (01:00 UTC on the 10th).
        var times = SendSchedule.Spread(Utc(9, 23, 30), Eight, Twenty, 1, 2);
        Assert.Equal([Utc(10, 1, 0), Utc(10, 1, 0, 1)], times);
    }

    [Fact]
    public void Spread_Should_StartNextDay_When_AfterTheWindow()
    {
        // 14:00 UTC = 21:00 in Hai Phong: closed until 08:00 tomorrow.
        var times = SendSchedule.Spread(Utc(10, 14, 0), Eight, Twenty, 10, 1);
        Assert.Equal([Utc(11, 1, 0)], times);
    }

    [Fact]
    public void Spread_Should_ContinueAtNextOpening_When_SlotsRunPastTheClose()
    {
        // 12:59:58 UTC = 19:59:58 local: two slots fit at 1/s (…58, …59); the third moves to 08:00 the next day.
        var times = SendSchedule.Spread(Utc(10, 12, 59, 58), Eight, Twenty, 1, 4);
        Assert.Equal([Utc(10, 12, 59, 58), Utc(10, 12, 59, 59), Utc(11, 1, 0), Utc(11, 1, 0, 1)], times);
    }

    [Fact]
    public void Spread_Should_FillWholeDaysAtTheRate_When_PlanIsLargerThanOneWindow()
    {
        // A one-hour window at 2/s holds 7,200 slots a day: 10,000 take two days.
        var times = SendSchedule.Spread(Utc(10, 0, 0), new TimeOnly(9, 0), new TimeOnly(10, 0), 2, 10_000);
        Assert.Equal(10_000, times.Count);
        Assert.Equal(Utc(10, 2, 0), times[0]);
        Assert.Equal(Utc(10, 2, 59, 59, 500), times[7_199]);
        Assert.Equal(Utc(11, 2, 0), times[7_200]);
        Assert.All(times.Zip(times.Skip(1)), pair => Assert.True(pair.Second > pair.First));
        Assert.All(times, t => Assert.InRange(TimeOnly.FromDateTime(t.ToOffset(TimeSpan.FromHours(7)).DateTime), new TimeOnly(9, 0), new TimeOnly(9, 59, 59, 999)));
    }

    [Fact]
    public void Spread_Should_ReturnNothing_When_CountIsZero() =>
        Assert.Empty(SendSchedule.Spread(Utc(10, 3, 0), Eight, Twenty, 10, 0));

    [Fact]
    public void Spread_Should_Throw_When_WindowOrRateInvalid()
    {
        Assert.Throws<ArgumentException>(() => SendSchedule.Spread(Utc(10, 3, 0), Twenty, Eight, 10, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => SendSchedule.Spread(Utc(10, 3, 0), Eight, Twenty, 0, 1));
    }
}
