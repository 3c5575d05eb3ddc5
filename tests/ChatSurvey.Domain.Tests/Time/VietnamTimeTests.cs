using ChatSurvey.Domain.Time;

namespace ChatSurvey.Domain.Tests.Time;

/// <summary>The one Vietnam zone, and how it is found on machines with and without time-zone data.</summary>
public sealed class VietnamTimeTests
{
    [Fact]
    public void Zone_Should_BeUtcPlusSevenAllYear_When_Loaded()
    {
        Assert.Equal(TimeSpan.FromHours(7), VietnamTime.Zone.BaseUtcOffset);
        Assert.Equal(TimeSpan.FromHours(7), VietnamTime.Zone.GetUtcOffset(new DateTimeOffset(2025, 1, 15, 0, 0, 0, TimeSpan.Zero)));
        Assert.Equal(TimeSpan.FromHours(7), VietnamTime.Zone.GetUtcOffset(new DateTimeOffset(2025, 7, 15, 0, 0, 0, TimeSpan.Zero)));
    }

    [Fact]
    public void Find_Should_UseTheIanaZone_When_MachineHasIt()
    {
        var asked = new List<string>();
        var found = VietnamTime.Find(id =>
        {
            asked.Add(id);
            return TimeZoneInfo.CreateCustomTimeZone(id, TimeSpan.FromHours(7), id, id);
        });

        Assert.Equal(VietnamTime.ZoneId, found.Id);
        Assert.Equal([VietnamTime.ZoneId], asked);
    }

    [Fact]
    public void Find_Should_UseTheWindowsZone_When_IanaIdIsUnknown()
    {
        var found = VietnamTime.Find(id => id == VietnamTime.WindowsZoneId
            ? TimeZoneInfo.CreateCustomTimeZone(id, TimeSpan.FromHours(7), id, id)
            : throw new TimeZoneNotFoundException(id));

        Assert.Equal(VietnamTime.WindowsZoneId, found.Id);
    }

    [Fact]
    public void Find_Should_FallBackToFixedUtcPlusSeven_When_MachineHasNoTimeZoneData()
    {
        var found = VietnamTime.Find(id => throw new TimeZoneNotFoundException(id));

        Assert.Equal(VietnamTime.ZoneId, found.Id);
        Assert.Equal(TimeSpan.FromHours(7), found.BaseUtcOffset);
        Assert.False(found.SupportsDaylightSavingTime);
        Assert.Equal(new DateTimeOffset(2025, 3, 11, 0, 30, 0, TimeSpan.FromHours(7)),
            TimeZoneInfo.ConvertTime(new DateTimeOffset(2025, 3, 10, 17, 30, 0, TimeSpan.Zero), found));
    }

    [Fact]
    public void Find_Should_FallBack_When_ZoneDataIsCorrupt()
    {
        var found = VietnamTime.Find(id => throw new InvalidTimeZoneException(id));

        Assert.Equal(TimeSpan.FromHours(7), found.BaseUtcOffset);
    }

    [Fact]
    public void ToLocal_Should_ShowVietnamClock_When_GivenUtcInstant()
    {
        var local = VietnamTime.ToLocal(new DateTimeOffset(2025, 3, 10, 1, 0, 0, TimeSpan.Zero));

        Assert.Equal(new DateTime(2025, 3, 10, 8, 0, 0), local.DateTime);
        Assert.Equal(TimeSpan.FromHours(7), local.Offset);
    }
}
