using System.Globalization;
using ChatSurvey.Benchmarks.Harness;
using ChatSurvey.Benchmarks.Load;
using ChatSurvey.Benchmarks.Servers;
using ChatSurvey.Domain.Conversations;
using ChatSurvey.Domain.Questionnaires;

namespace ChatSurvey.Benchmarks.Scenarios;

/// <summary>
/// The web chat turn (issue 16): 50 conversations at once, each opened as the invitation's link opens it (a token for
/// the invitation's code, then Direct Line's start, which greets with the intro and the first question), then
/// answering every question of <c>sipas-sms</c> and polling after the watermark until the bot's reply shows, then a new
/// conversation. Product (BotHost's own Direct Line endpoint) vs the Direct Line floor, interleaved, median of the
/// repeats: turns per second (the greeting counts as a turn on both) and the reply-visible p99.
/// </summary>
public sealed class WebChatTurnScenario : IScenario
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(20);

    public string Name => "webchat";

    public int Order => 20;

    public async Task<IReadOnlyList<Figure>> RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var conversations = context.Quick ? 5 : 50;
        var warmUp = TimeSpan.FromSeconds(context.Quick ? 0.5 : 5);
        var duration = TimeSpan.FromSeconds(context.Quick ? 1 : 30);

        // Both servers start at once (BotHost takes a few seconds: migrations checked, Hangfire, the bot).
        var starting = ProductServer.SharedAsync(context, cancellationToken);
        var floor = await FloorProcess.SharedAsync(context, cancellationToken);
        var product = await starting;
        var script = SurveyScript.For(QuestionnaireCatalogue.Default(QuestionnaireCatalogue.Sms), SurveyChannel.Web);
        using var http = LoadDriver.Client();

        var wave = await SurveySeed.CreateWaveAsync(product.DataSource, product.Catalogue, "Benchmark web chat", cancellationToken);
        var next = 0;
        var codes = new ItemPool<string>(async count =>
        {
            var first = Interlocked.Add(ref next, count) - count + 1;
            var invited = await SurveySeed.InviteAsync(product.DataSource, product.Catalogue, wave, "+8470", first, count, CancellationToken.None);
            return [.. invited.Select(i => i.Code)];
        }, chunk: 1_000);
        var turnsPerConversation = script.Steps.Count + 1;
        await codes.FillAsync((int)(600 * (duration.TotalSeconds * context.Repeats + warmUp.TotalSeconds) / turnsPerConversation) + conversations * 2);

        var productEndpoint = new ProductChatEndpoint(http, product.BaseUrl, codes);
        var productChats = new DirectLineChats(productEndpoint, script, PollInterval, TimeSpan.FromSeconds(15));
        var floorEndpoint = new FloorChatEndpoint(http, floor.BaseUrl, floor.TokenKey);
        var floorChats = new DirectLineChats(floorEndpoint, script, PollInterval, TimeSpan.FromSeconds(15));

        await RunAsync(productChats, productEndpoint, conversations, warmUp, cancellationToken);
        await RunAsync(floorChats, floorEndpoint, conversations, warmUp, cancellationToken);
        var productRuns = new List<LoadStats>();
        var floorRuns = new List<LoadStats>();
        await Measure.InterleavedAsync(context.Repeats,
            async _ =>
            {
                var stats = await RunAsync(productChats, productEndpoint, conversations, duration, cancellationToken);
                context.Info($"product web chat, {conversations} conversations: {stats.Describe()}");
                productRuns.Add(stats);
                return stats.PerSecond;
            },
            async _ =>
            {
                var stats = await RunAsync(floorChats, floorEndpoint, conversations, duration, cancellationToken);
                context.Info($"floor web chat, {conversations} conversations: {stats.Describe()}");
                floorRuns.Add(stats);
                return stats.PerSecond;
            });
        foreach (var run in productRuns)
            run.ThrowOnClientErrors("Web chat (product)");
        foreach (var run in floorRuns)
            run.ThrowOnClientErrors("Web chat (floor)");

        var turns = Measure.Median(productRuns.Select(r => r.PerSecond));
        var floorTurns = Measure.Median(floorRuns.Select(r => r.PerSecond));
        var p99 = Measure.Median(productRuns.Select(r => r.Quantile(0.99)));
        var floorP99 = Measure.Median(floorRuns.Select(r => r.Quantile(0.99)));
        var ratio = floorTurns > 0 ? turns / floorTurns : 0;
        var runs = context.Quick ? "1 run" : $"median of {context.Repeats} runs";
        var failures = productRuns.Sum(r => r.Failures);
        return
        [
            new Figure($"Web chat turn, {conversations} conversations", "turns/s", turns, floorTurns, HigherIsBetter: true,
                Target: "ratio ≥ 0.6", Met: ratio >= 0.6,
                Note: Invariant($"{runs} of {duration.TotalSeconds:F0} s; a conversation = token, greeting, {script.Steps.Count} answers; {failures} failures")),
            new Figure($"Web chat turn, {conversations} conversations", "reply visible p99 ms", p99, floorP99, HigherIsBetter: false,
                Target: "p99 < 300 ms", Met: p99 < 300,
                Note: Invariant($"from the post to the poll that shows the reply (polls {PollInterval.TotalMilliseconds:F0} ms apart after the post's answer); p50 {Measure.Median(productRuns.Select(r => r.Quantile(0.5))):F1} ms vs {Measure.Median(floorRuns.Select(r => r.Quantile(0.5))):F1} ms")),
        ];
    }

    /// <summary>Closed loop: each of the conversations answers as soon as it sees the reply; a finished one is replaced.</summary>
    private static Task<LoadStats> RunAsync(DirectLineChats chats, IChatEndpoint endpoint, int conversations, TimeSpan duration, CancellationToken cancellationToken)
    {
        var current = new ChatConversation?[conversations];
        return LoadDriver.ClosedLoopAsync(conversations, duration, async (worker, stats, ct) =>
        {
            var conversation = current[worker];
            if (conversation is null || chats.Done(conversation))
                current[worker] = conversation = await endpoint.OpenAsync(ct);
            if (await chats.TurnAsync(conversation, stats, ct) != Outcome.Ok)
                current[worker] = null;
        }, cancellationToken);
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
