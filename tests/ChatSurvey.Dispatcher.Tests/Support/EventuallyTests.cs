using ChatSurvey.TestSupport;

namespace ChatSurvey.Dispatcher.Tests.Support;

/// <summary>The test suite's wait on a condition: it returns the awaited value, and says what it waited for when it times out.</summary>
public sealed class EventuallyTests
{
    [Fact]
    public async Task Until_Should_ReturnTheFirstValueThatSatisfies_When_ConditionBecomesTrue()
    {
        var reads = 0;

        var value = await Eventually.UntilAsync(() => Task.FromResult(++reads), n => n >= 3, "three reads",
            cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(3, value);
        Assert.Equal(3, reads);
    }

    [Fact]
    public async Task Until_Should_FailNamingTheConditionAndLastValue_When_TimeoutPasses()
    {
        var error = await Assert.ThrowsAsync<TimeoutException>(() => Eventually.UntilAsync(
            () => Task.FromResult("queued"), s => s == "sent", "the message to be sent", TimeSpan.FromMilliseconds(200),
            TestContext.Current.CancellationToken));

        Assert.Equal("Waited 0.2 s for the message to be sent; the last value read was: \"queued\"", error.Message);
    }
}
