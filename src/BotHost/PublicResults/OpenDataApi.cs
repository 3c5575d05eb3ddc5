using System.Globalization;
using System.Runtime.CompilerServices;
using ChatSurvey.BotHost.RateLimiting;
using ChatSurvey.Domain.Scoring;
using CsvHelper;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ChatSurvey.BotHost.PublicResults;

/// <summary>
/// The open data of a published wave (docs/methodology.md, "Open data"), as CSV files anyone may download and recompute
/// every figure from: <c>GET /api/public/waves/{id}/answers.csv</c>, one row per answer of a valid ballot behind the
/// wave's published figures (<see cref="OpenDataQuery"/>), and <c>GET /api/public/waves/{id}/results.csv</c>, one row
/// per published figure (<see cref="ResultRows"/>). Both are read through <see cref="PublicResultsSource"/>,
/// the source of <c>GET /api/public/results</c>: an unknown or unpublished wave is 404 (problem details), and the
/// answers are those of exactly the ballots behind the figures it serves (a completed wave's frozen final figures,
/// else the interim ones). UTF-8 with a byte order mark, comma separated, invariant numbers and ISO dates; the public
/// rate limit (<see cref="RateLimits.PublicPolicy"/>) applies.
/// </summary>
public static class OpenDataApi
{
    public const string ContentType = "text/csv; charset=utf-8";

    /// <summary>The columns of <c>answers.csv</c>, in order.</summary>
    public static readonly string[] AnswerColumns =
    [
        "ballotId", "agencyCode", "block", "questionnaireCode", "questionnaireVersion", "questionCode", "value", "channel",
        "provenance", "completedOn",
    ];

    /// <summary>
    /// The columns of <c>results.csv</c>, in order: the figure's level and codes, its figures and counts, then the option
    /// of an improvement share (<c>option</c>, <c>share</c>) or of an on-time/late group (<c>option</c>), and the
    /// response rate (<c>deliveredInvitations</c>, <c>responseRate</c>).
    /// </summary>
    public static readonly string[] ResultColumns =
    [
        "level", "block", "agencyCode", "elementCode", "questionCode", "index", "mean", "ciLow", "ciHigh", "ballots", "answers",
        "notApplicable", "lowSample", "blockRank", "option", "share", "deliveredInvitations", "responseRate",
    ];

    public static IEndpointRouteBuilder MapOpenDataApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/api/public/waves/{id:long}/answers.csv", AnswersAsync)
            .RequireRateLimiting(RateLimits.PublicPolicy)
            .WithTags("Public results");
        endpoints.MapGet("/api/public/waves/{id:long}/results.csv", ResultsAsync)
            .RequireRateLimiting(RateLimits.PublicPolicy)
            .WithTags("Public results");
        return endpoints;
    }

    /// <summary>The file name of one of a wave's open-data files: <c>sipas-dot-12-answers.csv</c>.</summary>
    public static string FileName(long waveId, string file) =>
        string.Create(CultureInfo.InvariantCulture, $"sipas-dot-{waveId}-{file}.csv");

    /// <summary>
    /// The ballots behind <paramref name="results"/>: the wave's valid ballots of the questionnaire version the report
    /// was computed from, under the flag exclusions the report itself applied (a frozen report keeps the rule it was
    /// computed with), completed no later than the figures were computed (a ballot completed since — after a wave was
    /// frozen, or since the last refresh — is not in them). Null when the figures stand on no ballot.
    /// </summary>
    public static ScoreFilter? BallotsBehind(PublishedWave wave, PublishedResults results)
    {
        ArgumentNullException.ThrowIfNull(wave);
        ArgumentNullException.ThrowIfNull(results);
        if (results.Report.Questionnaire is not { } questionnaire)
            return null;
        var excluded = results.Report.ExcludedFlags ?? [];
        return new ScoreFilter
        {
            WaveId = wave.Id,
            QuestionnaireId = questionnaire.Id,
            Ballots = BallotSet.Official,
            ExcludeSpeeders = excluded.Contains(BallotFlags.Speeder),
            ExcludeStraightLiners = excluded.Contains(BallotFlags.StraightLiner),
            // The period's end is exclusive; PostgreSQL keeps microseconds.
            To = results.ComputedAt.AddTicks(TimeSpan.TicksPerMicrosecond),
        };
    }

    internal static async Task<Results<PushStreamHttpResult, ProblemHttpResult>> AnswersAsync(
        long id, PublicResultsSource source, OpenDataQuery query, CancellationToken cancellationToken)
    {
        var wave = await source.FindAsync(id, cancellationToken);
        if (wave is null)
            return PublicResultsApi.NoPublishedWave(id);
        var filter = BallotsBehind(wave, await source.ResultsAsync(wave, cancellationToken));
        return TypedResults.Stream(
            body => WriteAsync(body, AnswerColumns, Rows(filter, query, cancellationToken), cancellationToken),
            ContentType, FileName(id, "answers"));

        static async IAsyncEnumerable<string?[]> Rows(
            ScoreFilter? filter, OpenDataQuery query, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            if (filter is null)
                yield break;
            await foreach (var a in query.ReadAsync(filter, cancellationToken))
            {
                yield return
                [
                    a.BallotId, a.AgencyCode, a.Block, a.QuestionnaireCode,
                    a.QuestionnaireVersion.ToString(CultureInfo.InvariantCulture), a.QuestionCode, a.Value, a.Channel,
                    a.Provenance, a.CompletedOn.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                ];
            }
        }
    }

    internal static async Task<Results<PushStreamHttpResult, ProblemHttpResult>> ResultsAsync(
        long id, PublicResultsSource source, CancellationToken cancellationToken)
    {
        var wave = await source.FindAsync(id, cancellationToken);
        if (wave is null)
            return PublicResultsApi.NoPublishedWave(id);
        var results = await source.ResultsAsync(wave, cancellationToken);
        return TypedResults.Stream(
            body => WriteAsync(body, ResultColumns, ResultRows(results.Report).ToAsyncEnumerable(), cancellationToken),
            ContentType, FileName(id, "results"));
    }

    /// <summary>
    /// Every figure of <paramref name="report"/>, one row each, unrounded: the overall line (level <c>overall</c>) with
    /// its elements, their criteria and questions, the overall question, the improvement shares and the on-time/late
    /// indices (level <c>timeliness</c>, <c>option</c> on_time, late, or unknown: the ballots without an appointment
    /// date); each block; then each agency with the same parts. An element's criteria and element question follow the element; a row's codes say
    /// what it is about (an empty <c>agencyCode</c> is all agencies).
    /// </summary>
    public static IEnumerable<string?[]> ResultRows(ScoreReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var o = report.Overall;
        yield return Row("overall", "", "", "", "", o.Index, o.Mean, o.CiLow, o.CiHigh, o.Count, o.Answers, o.NotApplicable,
            o.LowSample, null, delivered: o.DeliveredInvitations, rate: o.ResponseRate);
        foreach (var row in Parts("", "", o.Elements, o.OverallQuestion, o.Improvements, o.Timeliness))
            yield return row;
        foreach (var b in report.Blocks)
            yield return Row("block", b.Block, "", "", "", b.Index, b.Mean, b.CiLow, b.CiHigh, b.Ballots, null, null, null, null);
        foreach (var a in report.Agencies)
        {
            yield return Row("agency", a.Block, a.AgencyCode, "", "", a.Index, a.Mean, a.CiLow, a.CiHigh, a.Count, a.Answers,
                a.NotApplicable, a.LowSample, a.BlockRank, delivered: a.DeliveredInvitations, rate: a.ResponseRate);
            foreach (var row in Parts(a.Block, a.AgencyCode, a.Elements, a.OverallQuestion, a.Improvements, a.Timeliness))
                yield return row;
        }
    }

    private static IEnumerable<string?[]> Parts(
        string block, string agency, IReadOnlyList<ElementScore> elements, QuestionScore? overallQuestion,
        IReadOnlyList<ImprovementShare> improvements, Timeliness? timeliness)
    {
        foreach (var e in elements)
        {
            yield return Row("element", block, agency, e.ElementCode, "", e.Index, e.Mean, e.CiLow, e.CiHigh, e.Count, e.Answers,
                e.NotApplicable, e.LowSample, null);
            foreach (var c in e.Criteria)
            {
                yield return Row("criterion", block, agency, e.ElementCode, c.CriterionCode, c.Index, c.Mean, c.CiLow, c.CiHigh,
                    c.Count, c.Count, c.NotApplicable, c.LowSample, null);
            }

            if (e.ElementQuestion is { } q)
                yield return Question(block, agency, e.ElementCode, q);
        }

        if (overallQuestion is { } overall)
            yield return Question(block, agency, "", overall);
        foreach (var i in improvements)
        {
            yield return Row("improvement", block, agency, "", "", null, null, null, null, i.Ballots, null, null, null, null,
                option: i.Value, share: i.Share);
        }

        if (timeliness is null)
            yield break;
        foreach (var (option, group) in new[] { (Timeliness.OnTimeValue, timeliness.OnTime), (Timeliness.LateValue, timeliness.Late) })
        {
            yield return Row("timeliness", block, agency, "", "", group.Index, group.Mean, group.CiLow, group.CiHigh, group.Ballots,
                null, null, null, null, option: option);
        }

        yield return Row("timeliness", block, agency, "", "", null, null, null, null, timeliness.Unknown, null, null, null, null,
            option: UnknownTimeliness);
    }

    /// <summary>The <c>option</c> of the timeliness row that counts the ballots without an appointment date.</summary>
    public const string UnknownTimeliness = "unknown";

    private static string?[] Question(string block, string agency, string element, QuestionScore q) =>
        Row("question", block, agency, element, q.QuestionCode, q.Index, q.Mean, q.CiLow, q.CiHigh, q.Count, q.Count,
            q.NotApplicable, q.LowSample, null);

    private static string?[] Row(
        string level, string block, string agency, string element, string question, double? index, double? mean,
        double? ciLow, double? ciHigh, int ballots, int? answers, int? notApplicable, bool? lowSample, int? blockRank,
        string option = "", double? share = null, int? delivered = null, double? rate = null) =>
    [
        level, block, agency, element, question, Number(index), Number(mean), Number(ciLow), Number(ciHigh), Number(ballots),
        Number(answers), Number(notApplicable), lowSample switch { true => "true", false => "false", null => "" },
        Number(blockRank), option, Number(share), Number(delivered), Number(rate),
    ];

    // Unrounded, with a dot, never in exponent notation (a reader recomputes the figures to the last digit).
    private static string Number(double? value) =>
        value?.ToString("0.###############", CultureInfo.InvariantCulture) ?? "";

    private static string Number(int? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "";

    // UTF-8 with a byte order mark (Excel reads the Vietnamese right), written as the rows come, so a large wave is never
    // held in memory. Text cells that start like a formula are escaped (CSV injection), as in the administrators' exports.
    private static async Task WriteAsync(
        Stream body, string[] columns, IAsyncEnumerable<string?[]> rows, CancellationToken cancellationToken)
    {
        await using var csv = CsvWriter.Create(body,
            CsvWriterOptions.Default with { WriteByteOrderMark = true, Injection = CsvInjection.Escape }, leaveOpen: true);
        await csv.WriteRecordAsync(columns, cancellationToken);
        await foreach (var row in rows.WithCancellation(cancellationToken))
            await csv.WriteRecordAsync(row, cancellationToken);
        await csv.FlushAsync(cancellationToken);
    }
}
