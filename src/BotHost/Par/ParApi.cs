using System.Globalization;
using ChatSurvey.BotHost.Admin;
using ChatSurvey.Dispatcher.Scores;
using ChatSurvey.Dispatcher.Scoring;
using ChatSurvey.Dispatcher.Waves;
using ChatSurvey.Domain.Scoring;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ChatSurvey.BotHost.Par;

/// <summary>
/// <c>GET /api/admin/waves/{id}/par.xlsx</c> (administrators, signed in or with <c>X-Api-Key</c>; the results page links
/// it): the PAR workbook (<see cref="ParWorkbook"/>) of any wave, published or not, from the same official figures as
/// the administrators' results page and exports — a completed wave's frozen final figures, else the figures of its
/// valid ballots now. 404 (problem details) for an unknown wave.
/// </summary>
public static class ParApi
{
    public const string ContentType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

    /// <summary>The <c>Par</c> section, validated at start-up.</summary>
    public static IServiceCollection AddPar(this IServiceCollection services)
    {
        services.AddOptions<ParOptions>().BindConfiguration(ParOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        return services;
    }

    public static RouteGroupBuilder MapParApi(this RouteGroupBuilder admin)
    {
        admin.MapGet("/waves/{id:long}/par.xlsx", GetAsync).WithName("GetWaveParWorkbook").WithTags("Waves");
        return admin;
    }

    /// <summary>The file name of a wave's workbook: <c>chi-so-cchc-dot-12.xlsx</c>.</summary>
    public static string FileName(long waveId) => string.Create(CultureInfo.InvariantCulture, $"chi-so-cchc-dot-{waveId}.xlsx");

    internal static async Task<Results<FileContentHttpResult, ProblemHttpResult>> GetAsync(
        long id, WaveQueries waves, NpgsqlDataSource dataSource, BallotExclusions exclusions, TimeProvider clock,
        IOptions<ParOptions> options, CancellationToken cancellationToken)
    {
        var wave = await waves.GetAsync(id, cancellationToken);
        if (wave is null)
            return WavesApi.NotFound(id);

        var final = await new ScoreSnapshotStore(dataSource).GetFinalAsync(id, cancellationToken);
        var report = final?.Report ?? await ScoringQuery.RunAsync(dataSource, exclusions.ForWave(id), cancellationToken);
        var computedAt = final?.ComputedAt ?? clock.GetUtcNow();
        var workbook = await ParWorkbook.BuildAsync(wave, report, computedAt, final is not null, options.Value, cancellationToken);
        return TypedResults.File(workbook, ContentType, FileName(id));
    }
}
