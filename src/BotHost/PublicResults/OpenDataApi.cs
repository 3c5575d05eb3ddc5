using System.Globalization;
using ChatSurvey.BotHost.RateLimiting;
using ChatSurvey.Domain.Scoring;
using CsvHelper;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ChatSurvey.BotHost.PublicResults;

/// <summary>
/// The open data of a published wave (docs/methodology.md, "Open data"), as CSV files anyone may download and recompute
/// every figure from: <c>GET /api/public/waves/{id}/answers.csv</c>, one row per answer of a valid ballot behind the
/// wave's published figures (<see cref="OpenDataQuery"/>). Both are read through <see cref="PublicResultsSource"/>,
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

    public static IEndpointRouteBuilder MapOpenDataApi(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet("/api/public/waves/{id:long}/answers.csv", AnswersAsync)
            .RequireRateLimiting(RateLimits.PublicPolicy)
            .WithTags("Public results");
        return endpoints;
    }

    /// <summary>The file name of one of a wave's open-data files: <c>sipas-dot-12-answers.csv</c>.</summary>
    public static string FileName(long waveId, string file) =>
        string.Create(CultureInfo.InvariantCulture, $"sipas-dot-{waveId}-{file}.csv");

    /// <summary>
    /// The ballots behind <paramref name="results"/>: the wave's valid ballots under the flag exclusions the report
    /// itself applied (a frozen report keeps the rule it was computed with), completed no later than the figures were
    /// computed (a ballot completed since — after a wave was frozen, or since the last refresh — is not in them).
    /// </summary>
    public static ScoreFilter BallotsBehind(PublishedWave wave, PublishedResults results)
    {
        ArgumentNullException.ThrowIfNull(wave);
        ArgumentNullException.ThrowIfNull(results);
        var excluded = results.Report.ExcludedFlags ?? [];
        return new ScoreFilter
        {
            WaveId = wave.Id,
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
            body => WriteAsync(body, AnswerColumns, Rows(query.ReadAsync(filter, cancellationToken)), cancellationToken),
            ContentType, FileName(id, "answers"));

        static async IAsyncEnumerable<string?[]> Rows(IAsyncEnumerable<OpenAnswer> answers)
        {
            await foreach (var a in answers)
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
