using ChatSurvey.Dispatcher.Catalogue;
using ChatSurvey.Domain.Problems;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace ChatSurvey.BotHost.Admin;

/// <summary><c>unitCode</c>: the one-stop-shop system's code for the agency (<c>MaDonVi</c>); absent leaves it, "" clears it.</summary>
public sealed record AgencyRequest(string? Code, string? Name, string? Kind, string? ParentCode, string? UnitCode = null);

public sealed record AgencyResponse(
    long Id, string Code, string Name, string Kind, string? ParentCode, string Block, DateTimeOffset? RetiredAt, string? UnitCode)
{
    public static AgencyResponse From(CatalogueAgency agency)
    {
        ArgumentNullException.ThrowIfNull(agency);
        return new(agency.Id, agency.Code, agency.Name, agency.Kind, agency.ParentCode, agency.Block, agency.RetiredAt, agency.UnitCode);
    }
}

/// <summary>A catalogue file imported: agencies added, updated, and already stored exactly so.</summary>
public sealed record AgencyImportResponse(int Added, int Updated, int Unchanged);

public sealed record ProcedureRequest(string? Code, string? Name, string? ShortName, string? Field);

public sealed record ProcedureResponse(long Id, string Code, string Name, string ShortName, string? Field);

/// <summary>
/// <c>POST /api/admin/agencies</c> and <c>/procedures</c> (docs/design.md#admin-api): create (201) or update the same code (200).
/// The rules are <see cref="CatalogueStore"/>'s; an unknown parent names <c>parentCode</c>, and nothing is written.
/// <c>POST /api/admin/agencies/{code}/retire</c> and <c>/reinstate</c> retire an agency or bring it back;
/// <c>POST /api/admin/agencies/import</c> takes a catalogue CSV (<see cref="CatalogueCsv"/>), all or nothing.
/// </summary>
internal static class CatalogueApi
{
    public static RouteGroupBuilder MapCatalogueApi(this RouteGroupBuilder admin)
    {
        admin.MapPost("/agencies", UpsertAgencyAsync).WithName("UpsertAgency").WithTags("Catalogue");
        admin.MapPost("/agencies/import", ImportAgenciesAsync).WithName("ImportAgencies").WithTags("Catalogue")
            .WithMetadata(new RequestSizeLimitAttribute(CatalogueUploads.MaxRequestBytes));
        admin.MapPost("/agencies/{code}/retire", (string code, CatalogueStore catalogue, CancellationToken cancellationToken) =>
            RetireAsync(code, retired: true, catalogue, cancellationToken)).WithName("RetireAgency").WithTags("Catalogue");
        admin.MapPost("/agencies/{code}/reinstate", (string code, CatalogueStore catalogue, CancellationToken cancellationToken) =>
            RetireAsync(code, retired: false, catalogue, cancellationToken)).WithName("ReinstateAgency").WithTags("Catalogue");
        admin.MapPost("/procedures", UpsertProcedureAsync).WithName("UpsertProcedure").WithTags("Catalogue");
        return admin;
    }

    internal static async Task<Results<Ok<AgencyResponse>, NotFound>> RetireAsync(
        string code, bool retired, CatalogueStore catalogue, CancellationToken cancellationToken) =>
        await catalogue.RetireAgencyAsync(code, retired, cancellationToken) is { } agency
            ? TypedResults.Ok(AgencyResponse.From(agency))
            : TypedResults.NotFound();

    /// <summary>
    /// A multipart <c>file</c>: 200 with the counts, or 400 naming each bad row's field as <c>rows[{row}].{field}</c>
    /// (rows numbered as a spreadsheet shows them), or <c>file</c> when it cannot be read; then nothing was written.
    /// </summary>
    internal static async Task<Results<Ok<AgencyImportResponse>, ValidationProblem>> ImportAgenciesAsync(
        HttpRequest request, CatalogueStore catalogue, CancellationToken cancellationToken)
    {
        var file = request.HasFormContentType ? (await request.ReadFormAsync(cancellationToken)).Files.GetFile("file") : null;
        var (result, problem) = await CatalogueUploads.ImportAsync(file, catalogue, cancellationToken);
        if (problem is not null)
            return TypedResults.ValidationProblem(Problem.ToErrors([problem]));
        if (!result!.Imported)
        {
            return TypedResults.ValidationProblem(result.Problems
                .GroupBy(p => $"rows[{p.Row}].{p.Problem.Field}")
                .ToDictionary(g => g.Key, g => g.Select(p => p.Problem.English).ToArray()));
        }

        return TypedResults.Ok(new AgencyImportResponse(result.Added, result.Updated, result.Unchanged));
    }

    internal static async Task<Results<Created<AgencyResponse>, Ok<AgencyResponse>, ValidationProblem>> UpsertAgencyAsync(
        AgencyRequest request, CatalogueStore catalogue, CancellationToken cancellationToken)
    {
        var result = await catalogue.SaveAgencyAsync(
            new AgencyEntry(request.Code, request.Name, request.Kind, request.ParentCode, request.UnitCode), createOnly: false, cancellationToken);
        if (result.Saved is not { } saved)
            return TypedResults.ValidationProblem(Problem.ToErrors(result.Problems));
        var response = AgencyResponse.From(saved);
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

/// <summary>An uploaded catalogue file, shared by <c>POST /api/admin/agencies/import</c> and the catalogue page: the same limit and checks.</summary>
internal static class CatalogueUploads
{
    /// <summary>The request around the file: the file's limit and room for the form's other fields.</summary>
    public const long MaxRequestBytes = 2L * CatalogueCsv.MaxFileBytes;

    /// <summary>Reads and imports the file; the problem of the file itself (missing, empty, too large, unreadable) otherwise.</summary>
    public static async Task<(AgencyImportResult? Result, Problem? Problem)> ImportAsync(
        IFormFile? file, CatalogueStore catalogue, CancellationToken cancellationToken)
    {
        if (CsvUploads.Check(file, ProblemCodes.CatalogueFileMissing, CatalogueCsv.MaxFileBytes, ProblemCodes.CatalogueFileTooLarge) is { } problem)
            return (null, problem);
        var read = await CsvUploads.ReadAsync(file!, CatalogueCsv.ReadAsync, cancellationToken);
        if (read.Problem is not null)
            return (null, read.Problem);
        return (await catalogue.ImportAgenciesAsync(read.Rows, cancellationToken), null);
    }
}
