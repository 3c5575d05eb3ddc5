using System.Globalization;
using ChatSurvey.Dispatcher.Import;
using ChatSurvey.Dispatcher.Sending;
using ChatSurvey.Dispatcher.Waves;
using ChatSurvey.Domain.Time;
using Microsoft.Extensions.Time.Testing;

namespace ChatSurvey.Dispatcher.Tests.Time;

/// <summary>
/// The scheduling answers in Vietnam time, pinned as literals: 08:00 there is 01:00 UTC, and its day starts at 17:00
/// UTC the day before. <see cref="MachineZoneTests"/> runs this class again in other machine zones.
/// </summary>
public sealed class VietnamTimeAnswersTests
{
    private static DateTimeOffset Utc(string iso) => DateTimeOffset.Parse(iso, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);

    [Theory]
    [InlineData("2025-03-10T01:00:00Z", "08:00:00")]
    [InlineData("2025-03-10T12:59:59Z", "19:59:59")]
    [InlineData("2025-03-10T13:00:00Z", "20:00:00")]
    [InlineData("2025-03-10T17:00:00Z", "00:00:00")]
    [InlineData("2025-03-10T16:59:59Z", "23:59:59")]
    public void SendWindow_Should_ReadVietnamClock_When_GivenUtcInstant(string utc, string local) =>
        Assert.Equal(TimeOnly.Parse(local, CultureInfo.InvariantCulture), SendWindow.LocalTimeOfDay(Utc(utc)));

    [Theory]
    [InlineData("2025-03-10T16:59:59Z", "2025-03-10")] // 23:59:59 in Vietnam
    [InlineData("2025-03-10T17:00:00Z", "2025-03-11")] // midnight in Vietnam, still the 10th in UTC
    [InlineData("2025-03-10T23:30:00Z", "2025-03-11")] // 06:30 in Vietnam, the 10th in UTC and in the Americas
    [InlineData("2025-12-31T17:00:00Z", "2026-01-01")] // new year in Vietnam
    public void Today_Should_BeTheVietnamDate_When_UtcDateDiffers(string utcNow, string expected)
    {
        var clock = new FakeTimeProvider(Utc(utcNow));

        Assert.Equal(DateOnly.Parse(expected, CultureInfo.InvariantCulture), VietnamTime.Today(clock));
    }

    [Fact]
    public void Today_Should_TurnAtFivePmUtc_When_ClockAdvances()
    {
        var clock = new FakeTimeProvider(Utc("2025-06-30T16:59:00Z"));
        var before = VietnamTime.Today(clock);

        clock.Advance(TimeSpan.FromMinutes(1));

        Assert.Equal(new DateOnly(2025, 6, 30), before);
        Assert.Equal(new DateOnly(2025, 7, 1), VietnamTime.Today(clock));
    }

    [Theory]
    [InlineData("2025-03-10", "08:00", "2025-03-10T01:00:00Z")]
    [InlineData("2025-03-10", "20:00", "2025-03-10T13:00:00Z")]
    [InlineData("2025-03-11", "00:00", "2025-03-10T17:00:00Z")]
    [InlineData("2025-07-01", "06:59", "2025-06-30T23:59:00Z")] // no daylight saving: the same offset in July
    public void ToUtc_Should_SubtractSevenHours_When_GivenVietnamWallClock(string day, string time, string utc)
    {
        var instant = VietnamTime.ToUtc(DateOnly.Parse(day, CultureInfo.InvariantCulture), TimeOnly.Parse(time, CultureInfo.InvariantCulture));

        Assert.Equal(Utc(utc), instant);
        Assert.Equal(TimeSpan.Zero, instant.Offset);
    }

    [Fact]
    public void StartOfDay_Should_BeFivePmUtcTheDayBefore_When_GivenVietnamDate() =>
        Assert.Equal(Utc("2025-03-10T17:00:00Z"), VietnamTime.StartOfDay(new DateOnly(2025, 3, 11)));

    [Fact]
    public void Spread_Should_OpenAtEightVietnam_When_PlannedOnTheUtcEveningBefore()
    {
        // 22:00 UTC on the 10th is 05:00 on the 11th in Vietnam: the first slot is 08:00 there, 01:00 UTC on the 11th.
        var times = SendSchedule.Spread(Utc("2025-03-10T22:00:00Z"), new TimeOnly(8, 0), new TimeOnly(20, 0), 2, 3);

        Assert.Equal([Utc("2025-03-11T01:00:00Z"), Utc("2025-03-11T01:00:00.5Z"), Utc("2025-03-11T01:00:01Z")], times);
    }

    [Fact]
    public void Importer_Should_AcceptTheVietnamDate_When_UtcIsStillTheDayBefore()
    {
        // 17:30 UTC on the 10th: the 11th has begun in Hai Phong, so a result handed over today is dated the 11th.
        var today = VietnamTime.Today(new FakeTimeProvider(Utc("2025-03-10T17:30:00Z")));
        var validator = new TransactionRowValidator(
            new Dictionary<string, long> { ["HP-STP"] = 1 }, new Dictionary<string, long> { ["DEMO-DKKS"] = 7 }, today);
        var row = new TransactionRow("HS-1", "HP-STP", "DEMO-DKKS", "0912 345 678", "2025-03-11");

        Assert.True(validator.TryValidate(new ImportRow(2, row), out _, out _));
        Assert.False(validator.TryValidate(new ImportRow(3, row with { ResultDate = "2025-03-12" }), out _, out var rejected));
        Assert.Equal("must not be in the future (today is 2025-03-11 in Hai Phong)", rejected!.Reason);
    }
}
