using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using ChatSurvey.BotHost.Accounts;
using ChatSurvey.BotHost.Admin;
using ChatSurvey.BotHost.RateLimiting;
using ChatSurvey.Dispatcher.Import;
using ChatSurvey.Domain.Problems;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;

namespace ChatSurvey.BotHost.Integration;

/// <summary>
/// One dossier as the national public service portal's one-stop-shop synchronisation sends it. Every field may come as
/// a JSON string or number (<c>"LoaiDoiTuong": 1</c>); dates are <c>yyyyMMddHHmmss</c> in Vietnam time (the forms of
/// <see cref="DossierDates"/> are read too). Other fields the system sends are ignored.
/// </summary>
public sealed record IntegrationDossier(
    [property: JsonConverter(typeof(TextOrNumberConverter))] string? MaHoSo,
    [property: JsonConverter(typeof(TextOrNumberConverter))] string? MaTTHC,
    [property: JsonConverter(typeof(TextOrNumberConverter))] string? TenTTHC,
    [property: JsonConverter(typeof(TextOrNumberConverter))] string? MaDonVi,
    [property: JsonConverter(typeof(TextOrNumberConverter))] string? SoDienThoai,
    [property: JsonConverter(typeof(TextOrNumberConverter))] string? ChuHoSo,
    [property: JsonConverter(typeof(TextOrNumberConverter))] string? LoaiDoiTuong,
    [property: JsonConverter(typeof(TextOrNumberConverter))] string? NgayTiepNhan,
    [property: JsonConverter(typeof(TextOrNumberConverter))] string? NgayHenTra,
    [property: JsonConverter(typeof(TextOrNumberConverter))] string? NgayTra,
    [property: JsonConverter(typeof(TextOrNumberConverter))] string? TrangThaiHoSo)
{
    public TransactionRow ToRow() => new(
        MaHoSo, MaDonVi, MaTTHC, SoDienThoai, NgayTra, ChuHoSo, LoaiDoiTuong, TenTTHC, NgayTiepNhan, NgayHenTra, TrangThaiHoSo);
}

/// <summary>
/// <c>POST /api/integrations/dossiers</c> (docs/design.md "Integration API"): a one-stop-shop system posts up to
/// <see cref="DossierIntake.MaxDossiersPerCall"/> dossiers with its integration key and gets the JSON batch's report
/// (<see cref="BatchImportResponse"/>, fields named as the portal names them). The key is checked before the body is
/// read, then its per-minute budget (<c>RateLimits:DossierPostsPerKeyPerMinute</c>); a batch over the limit is refused
/// whole (400) and stores nothing.
/// </summary>
internal static class IntegrationApi
{
    /// <summary>1,000 dossiers of generous length fit well within this.</summary>
    public const long MaxBodyBytes = 8L * 1024 * 1024;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static IServiceCollection AddIntegration(this IServiceCollection services)
    {
        services.TryAddSingleton<IntegrationKeyStore>();
        services.TryAddSingleton(sp => new DossierIntake(sp.GetRequiredService<TimeProvider>()));
        services.AddAuthentication()
            .AddScheme<AuthenticationSchemeOptions, IntegrationKeyHandler>(IntegrationKeyHandler.SchemeName, null);
        services.AddAuthorizationBuilder()
            .AddPolicy(AuthPolicies.Integration, policy => policy
                .AddAuthenticationSchemes(IntegrationKeyHandler.SchemeName)
                .RequireClaim(IntegrationClaims.KeyId));
        return services;
    }

    /// <summary>Before static files and authentication: a valid integration key opens no other endpoint.</summary>
    public static IApplicationBuilder UseIntegrationKeyFence(this IApplicationBuilder app) => app.UseMiddleware<IntegrationKeyFence>();

    public static RouteGroupBuilder MapIntegrationApi(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/integrations").WithTags("Integration").DisableAntiforgery();
        group.MapPost("/dossiers", PostDossiersAsync)
            .WithName("PostDossiers")
            .RequireAuthorization(AuthPolicies.Integration)
            .WithMetadata(new IntegrationEndpoint(), new RequestSizeLimitAttribute(MaxBodyBytes));
        return group;
    }

    internal static async Task<Results<Ok<BatchImportResponse>, ValidationProblem, ProblemHttpResult>> PostDossiersAsync(
        HttpContext http, NpgsqlDataSource dataSource, DossierIntake intake, IntegrationKeyStore keys, KeyedRateLimits limits,
        CancellationToken cancellationToken)
    {
        var keyId = http.User.IntegrationKeyId()
            ?? throw new InvalidOperationException("The integration policy lets only integration keys in.");
        if (!limits.TryAcquire(KeyedLimit.DossierPostsPerKey, keyId.ToString(CultureInfo.InvariantCulture), out var retryAfter))
            return RateLimits.TooManyRequests(http.Response, retryAfter);
        if (!http.Request.HasJsonContentType())
        {
            return TypedResults.Problem(title: "JSON expected", detail: "Send the dossiers as application/json.",
                statusCode: StatusCodes.Status415UnsupportedMediaType);
        }

        List<IntegrationDossier?>? dossiers;
        try
        {
            dossiers = await http.Request.ReadFromJsonAsync<List<IntegrationDossier?>>(Json, cancellationToken);
        }
        catch (JsonException)
        {
            dossiers = null;
        }

        if (dossiers is null)
            return TypedResults.ValidationProblem(Problem.ToErrors([Problem.Of("body", ProblemCodes.IntegrationBodyInvalid)]));
        if (dossiers.Count > DossierIntake.MaxDossiersPerCall)
        {
            return TypedResults.ValidationProblem(Problem.ToErrors(
                [Problem.Of("body", ProblemCodes.IntegrationBatchTooLarge, DossierIntake.MaxDossiersPerCall, dossiers.Count)]));
        }

        // A null element is a dossier with every field missing: rejected like any other bad one.
        var rows = dossiers.Select(d => d?.ToRow() ?? new TransactionRow(null, null, null, null, null)).ToList();
        var report = await intake.PostAsync(dataSource, rows, keyId, cancellationToken);
        await keys.TouchAsync(keyId, cancellationToken);
        return TypedResults.Ok(new BatchImportResponse(report.Accepted, report.Duplicates,
            [.. report.Rejected.Select(r => new RejectedRowResponse(r.Row, PortalFields.Of(r.Field), r.Reason))]));
    }
}

/// <summary>Reads a JSON string or number as text (a number as written); null stays null, anything else is an error.</summary>
internal sealed class TextOrNumberConverter : JsonConverter<string?>
{
    public override bool HandleNull => true;

    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => reader.TokenType switch
    {
        JsonTokenType.Null => null,
        JsonTokenType.String => reader.GetString(),
        JsonTokenType.Number => Encoding.UTF8.GetString(reader.HasValueSequence ? reader.ValueSequence.ToArray() : reader.ValueSpan),
        _ => throw new JsonException($"Expected a string or a number, found {reader.TokenType}."),
    };

    public override void Write(Utf8JsonWriter writer, string? value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue(value);
    }
}
