using System.Security.Claims;
using ChatSurvey.BotHost.Accounts;
using ChatSurvey.BotHost.Admin;
using ChatSurvey.Domain.Problems;
using ChatSurvey.Domain.Volunteers;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Npgsql;

namespace ChatSurvey.BotHost.Volunteers;

/// <summary><c>POST /api/admin/volunteers</c>: a volunteer to create, as its fields are named in a volunteers CSV.</summary>
public sealed record VolunteerRequest(
    string? UserName, string? Password, string? Name, string? Phone, string? UnionUnit, IReadOnlyList<string>? AgencyCodes);

/// <summary>A volunteer created (no password, no phone).</summary>
public sealed record VolunteerResponse(long AccountId, string UserName, string Name, string UnionUnit, IReadOnlyList<string> AgencyCodes);

/// <summary>A volunteers file imported: how many volunteers it created.</summary>
public sealed record VolunteerImportResponse(int Created);

/// <summary>A count of completed ballots today, this week and in all, against a target (null: none set).</summary>
public sealed record ProgressCount(int Today, int Week, int Total, int? Target);

/// <summary>The unit's count, with its name.</summary>
public sealed record UnitProgressCount(string Name, int Today, int Week, int Total, int? Target);

/// <summary><c>GET /interview/progress</c>: the signed-in volunteer's own completed ballots and their union unit's.</summary>
public sealed record InterviewProgressResponse(ProgressCount Mine, UnitProgressCount Unit);

/// <summary>
/// The volunteers' endpoints. Under <c>/api/admin</c> (administrators: cookie or <c>X-Api-Key</c>, as the whole admin
/// API): <c>POST /api/admin/volunteers</c> → 201, and <c>POST /api/admin/volunteers/import</c> (multipart CSV
/// <c>file</c>, <see cref="VolunteerCsv"/>, all or nothing). Coordinators create volunteers on the volunteers' pages,
/// which call the same store. <c>GET /interview/progress</c>: the signed-in volunteer's own count, for the interview page.
/// </summary>
internal static class VolunteersApi
{
    /// <summary>The request around a volunteers file: the file's limit and room for the form's other fields.</summary>
    public const long MaxRequestBytes = 2L * VolunteerCsv.MaxFileBytes;

    public const string ProgressPath = "/interview/progress";

    public static IServiceCollection AddVolunteers(this IServiceCollection services)
    {
        services.AddOptions<VolunteerOptions>()
            .BindConfiguration(VolunteerOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton<VolunteerStore>();
        services.AddSingleton<BackCheckStore>();
        return services;
    }

    public static RouteGroupBuilder MapVolunteersApi(this RouteGroupBuilder admin)
    {
        admin.MapPost("/volunteers", CreateAsync).WithName("CreateVolunteer").WithTags("Volunteers");
        admin.MapPost("/volunteers/import", ImportAsync).WithName("ImportVolunteers").WithTags("Volunteers")
            .WithMetadata(new RequestSizeLimitAttribute(MaxRequestBytes));
        return admin;
    }

    public static IEndpointConventionBuilder MapInterviewProgress(this IEndpointRouteBuilder endpoints) =>
        endpoints.MapGet(ProgressPath, ProgressAsync)
            .RequireAuthorization(AuthPolicies.Interviewer)
            .WithName("GetInterviewProgress")
            .WithTags("Volunteers");

    internal static async Task<Results<Created<VolunteerResponse>, ValidationProblem>> CreateAsync(
        VolunteerRequest request, ClaimsPrincipal user, VolunteerStore store, CancellationToken cancellationToken)
    {
        var (created, problems) = await store.CreateAsync(
            new NewVolunteer(request.UserName, request.Password, request.Name, request.Phone, request.UnionUnit, request.AgencyCodes),
            user.AccountId(), cancellationToken);
        if (created is null)
            return TypedResults.ValidationProblem(Problem.ToErrors(problems));
        return TypedResults.Created($"/api/admin/volunteers/{created.AccountId}",
            new VolunteerResponse(created.AccountId, created.UserName, created.Name, created.UnionUnit, created.AgencyCodes));
    }

    /// <summary>200 with the count, or 400 naming each bad row's field as <c>rows[{row}].{field}</c>, or <c>file</c>; then nothing was written.</summary>
    internal static async Task<Results<Ok<VolunteerImportResponse>, ValidationProblem>> ImportAsync(
        HttpRequest request, ClaimsPrincipal user, VolunteerStore store, CancellationToken cancellationToken)
    {
        var file = request.HasFormContentType ? (await request.ReadFormAsync(cancellationToken)).Files.GetFile("file") : null;
        var (result, problem) = await VolunteerUploads.ImportAsync(file, store, user.AccountId(), cancellationToken);
        if (problem is not null)
            return TypedResults.ValidationProblem(Problem.ToErrors([problem]));
        if (!result!.Imported)
        {
            return TypedResults.ValidationProblem(result.Problems
                .GroupBy(p => $"rows[{p.Row}].{p.Problem.Field}")
                .ToDictionary(g => g.Key, g => g.Select(p => p.Problem.English).ToArray()));
        }

        return TypedResults.Ok(new VolunteerImportResponse(result.Created));
    }

    internal static async Task<Results<Ok<InterviewProgressResponse>, NotFound>> ProgressAsync(
        ClaimsPrincipal user, NpgsqlDataSource dataSource, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (user.AccountId() is not long id
            || await VolunteerProgressQuery.ForVolunteerAsync(dataSource, id, clock.GetUtcNow(), cancellationToken) is not { } own)
            return TypedResults.NotFound();
        return TypedResults.Ok(new InterviewProgressResponse(
            new ProgressCount(own.Mine.Today, own.Mine.Week, own.Mine.Total, own.Target),
            new UnitProgressCount(own.UnitName, own.Unit.Today, own.Unit.Week, own.Unit.Total, own.UnitTarget)));
    }
}

/// <summary>An uploaded volunteers file, shared by <c>POST /api/admin/volunteers/import</c> and the volunteers page: the same limit and checks.</summary>
internal static class VolunteerUploads
{
    /// <summary>Reads and imports the file; the problem of the file itself (missing, empty, too large, unreadable) otherwise.</summary>
    public static async Task<(VolunteerImportResult? Result, Problem? Problem)> ImportAsync(
        IFormFile? file, VolunteerStore store, long? createdBy, CancellationToken cancellationToken)
    {
        if (CsvUploads.Check(file, ProblemCodes.VolunteerFileMissing, VolunteerCsv.MaxFileBytes, ProblemCodes.VolunteerFileTooLarge) is { } problem)
            return (null, problem);
        var read = await CsvUploads.ReadAsync(file!, VolunteerCsv.ReadAsync, cancellationToken);
        if (read.Problem is not null)
            return (null, read.Problem);
        return (await store.ImportAsync(read.Rows, createdBy, cancellationToken), null);
    }
}
