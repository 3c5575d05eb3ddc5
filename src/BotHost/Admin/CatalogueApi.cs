using ChatSurvey.Dispatcher.Catalogue;
using ChatSurvey.Domain.Problems;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ChatSurvey.BotHost.Admin;

/// <summary><c>unitCode</c>: the one-stop-shop system's code for the agency (<c>MaDonVi</c>); absent leaves it, "" clears it.</summary>
public sealed record AgencyRequest(string? Code, string? Name, string? Kind, string? ParentCode, string? UnitCode = null);

public sealed record AgencyResponse(long Id, string Code, string Name, string Kind, string? ParentCode, string? UnitCode = null);

public sealed record ProcedureRequest(string? Code, string? Name, string? ShortName, string? Field);

public sealed record ProcedureResponse(long Id, string Code, string Name, string ShortName, string? Field);

/// <summary>
/// <c>POST /api/admin/agencies</c> and <c>/procedures</c> (docs/design.md#admin-api): create (201) or update the same code (200).
/// The rules are <see cref="CatalogueStore"/>'s; an unknown parent names <c>parentCode</c>, and nothing is written.
/// </summary>
internal static class CatalogueApi
{
    public static RouteGroupBuilder MapCatalogueApi(this RouteGroupBuilder admin)
    {
        admin.MapPost("/agencies", UpsertAgencyAsync).WithName("UpsertAgency").WithTags("Catalogue");
        admin.MapPost("/procedures", UpsertProcedureAsync).WithName("UpsertProcedure").WithTags("Catalogue");
        return admin;
    }

    internal static async Task<Results<Created<AgencyResponse>, Ok<AgencyResponse>, ValidationProblem>> UpsertAgencyAsync(
        AgencyRequest request, CatalogueStore catalogue, CancellationToken cancellationToken)
    {
        var result = await catalogue.SaveAgencyAsync(
            new AgencyEntry(request.Code, request.Name, request.Kind, request.ParentCode, request.UnitCode), createOnly: false, cancellationToken);
        if (result.Saved is not { } saved)
            return TypedResults.ValidationProblem(Problem.ToErrors(result.Problems));
        var response = new AgencyResponse(saved.Id, saved.Code, saved.Name, saved.Kind, saved.ParentCode, saved.UnitCode);
        return result.Inserted ? TypedResults.Created($"/api/admin/agencies/{saved.Code}", response) : TypedResults.Ok(response);
    }

    internal static async Task<Results<Created<ProcedureResponse>, Ok<ProcedureResponse>, ValidationProblem>> UpsertProcedureAsync(
        ProcedureRequest request, CatalogueStore catalogue, CancellationToken cancellationToken)
    {
        var result = await catalogue.SaveProcedureAsync(
            new ProcedureEntry(request.Code, request.Name, request.ShortName, request.Field), createOnly: false, cancellationToken);
        if (result.Saved is not { } saved)
            return TypedResults.ValidationProblem(Problem.ToErrors(result.Problems));
        var response = new ProcedureResponse(saved.Id, saved.Code, saved.Name, saved.ShortName, saved.Field);
        return result.Inserted ? TypedResults.Created($"/api/admin/procedures/{saved.Code}", response) : TypedResults.Ok(response);
    }
}
