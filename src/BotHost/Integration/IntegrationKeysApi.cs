using System.Security.Claims;
using ChatSurvey.Domain.Problems;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ChatSurvey.BotHost.Integration;

public sealed record IntegrationKeyRequest(string? Name);

/// <summary>A key just created: its id and the key itself, shown this once.</summary>
public sealed record IntegrationKeyCreated(long Id, string Key);

/// <summary>A key in the list: never the key, only its first characters.</summary>
public sealed record IntegrationKeyResponse(
    long Id, string Name, string Prefix, string? CreatedBy, DateTimeOffset CreatedAt, DateTimeOffset? LastUsedAt, DateTimeOffset? RevokedAt)
{
    internal static IntegrationKeyResponse From(IntegrationKey key) =>
        new(key.Id, key.Name, key.Prefix, key.CreatedBy, key.CreatedAt, key.LastUsedAt, key.RevokedAt);
}

/// <summary>
/// <c>/api/admin/integration-keys</c> (docs/design.md "Integration API"): administrators (and scripts with
/// <c>Admin:ApiKey</c>) create a key for a one-stop-shop system (<c>POST {"name"}</c> → 201 <c>{"id","key"}</c>, the key shown
/// this once), list the keys, and revoke one (<c>DELETE /{id}</c> → 204; the key is refused from its next request on).
/// </summary>
internal static class IntegrationKeysApi
{
    public static RouteGroupBuilder MapIntegrationKeysApi(this RouteGroupBuilder admin)
    {
        var keys = admin.MapGroup("/integration-keys").WithTags("Integration");
        keys.MapPost("", CreateAsync).WithName("CreateIntegrationKey");
        keys.MapGet("", ListAsync).WithName("ListIntegrationKeys");
        keys.MapDelete("/{id:long}", RevokeAsync).WithName("RevokeIntegrationKey");
        return admin;
    }

    internal static async Task<Results<Created<IntegrationKeyCreated>, ValidationProblem>> CreateAsync(
        IntegrationKeyRequest request, ClaimsPrincipal user, IntegrationKeyStore keys, CancellationToken cancellationToken)
    {
        var (created, problems) = await keys.CreateAsync(request.Name, user.Identity?.Name, cancellationToken);
        if (created is null)
            return TypedResults.ValidationProblem(Problem.ToErrors(problems));
        return TypedResults.Created($"/api/admin/integration-keys/{created.Key.Id}", new IntegrationKeyCreated(created.Key.Id, created.Secret));
    }

    internal static async Task<Ok<IntegrationKeyResponse[]>> ListAsync(IntegrationKeyStore keys, CancellationToken cancellationToken) =>
        TypedResults.Ok((await keys.ListAsync(cancellationToken)).Select(IntegrationKeyResponse.From).ToArray());

    internal static async Task<Results<NoContent, ProblemHttpResult>> RevokeAsync(
        long id, IntegrationKeyStore keys, CancellationToken cancellationToken)
    {
        if (!await keys.RevokeAsync(id, cancellationToken))
        {
            var problem = Problem.Of("id", ProblemCodes.IntegrationKeyUnknown);
            return TypedResults.Problem(title: problem.English, detail: $"There is no integration key {id}.", statusCode: StatusCodes.Status404NotFound);
        }

        return TypedResults.NoContent();
    }
}
