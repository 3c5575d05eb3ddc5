using System.Text.RegularExpressions;
using ChatSurvey.Domain.Sms;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace ChatSurvey.BotHost.Admin;

public sealed record AgencyRequest(string? Code, string? Name, string? Kind, string? ParentCode);

public sealed record AgencyResponse(long Id, string Code, string Name, string Kind, string? ParentCode);

public sealed record ProcedureRequest(string? Code, string? Name, string? ShortName, string? Field);

public sealed record ProcedureResponse(long Id, string Code, string Name, string ShortName, string? Field);

/// <summary>
/// <c>POST /api/admin/agencies</c> and <c>/procedures</c> (DESIGN.md §5): create (201) or update the same code (200).
/// Codes follow the schema's format; an unknown parent names <c>parentCode</c>, and nothing is written.
/// </summary>
internal static partial class CatalogueApi
{
    public const int MaxNameLength = 300;
    public const int MaxShortNameLength = 60;
    public static readonly string[] AgencyKinds = ["city", "department", "district", "commune", "central"];

    public static RouteGroupBuilder MapCatalogueApi(this RouteGroupBuilder admin)
    {
        admin.MapPost("/agencies", UpsertAgencyAsync).WithName("UpsertAgency").WithTags("Catalogue");
        admin.MapPost("/procedures", UpsertProcedureAsync).WithName("UpsertProcedure").WithTags("Catalogue");
        return admin;
    }

    internal static async Task<Results<Created<AgencyResponse>, Ok<AgencyResponse>, ValidationProblem>> UpsertAgencyAsync(
        AgencyRequest request, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var code = CheckCode(request.Code, errors);
        var name = CheckName(request.Name, "name", errors);
        var kind = request.Kind?.Trim().ToLowerInvariant();
        if (string.IsNullOrEmpty(kind) || !AgencyKinds.Contains(kind))
            errors["kind"] = [$"Must be one of {string.Join(", ", AgencyKinds)}."];
        var parentCode = string.IsNullOrWhiteSpace(request.ParentCode) ? null : request.ParentCode.Trim();
        if (parentCode is not null && parentCode == code)
            errors["parentCode"] = ["An agency cannot be its own parent."];
        if (errors.Count > 0)
            return TypedResults.ValidationProblem(errors);

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        long? parentId = null;
        if (parentCode is not null)
        {
            // The parent must exist and must not be the agency itself or one of its descendants (no cycles).
            await using var parent = new NpgsqlCommand(
                """
                WITH RECURSIVE chain AS (
                    SELECT id, code, parent_id, 1 AS depth FROM agencies WHERE code = $1
                    UNION ALL
                    SELECT a.id, a.code, a.parent_id, c.depth + 1 FROM agencies a JOIN chain c ON a.id = c.parent_id WHERE c.depth < 64
                )
                SELECT (SELECT id FROM agencies WHERE code = $1), EXISTS (SELECT 1 FROM chain WHERE code = $2)
                """, connection, transaction);
            parent.Parameters.AddWithValue(parentCode);
            parent.Parameters.AddWithValue(code!);
            await using var reader = await parent.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            if (reader.IsDBNull(0))
                return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["parentCode"] = [$"Unknown agency code '{parentCode}'."] });
            if (reader.GetBoolean(1))
                return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["parentCode"] = [$"'{parentCode}' is under '{code}': that would make a cycle."] });
            parentId = reader.GetInt64(0);
        }

        await using var upsert = new NpgsqlCommand(
            """
            INSERT INTO agencies (code, name, kind, parent_id) VALUES ($1, $2, $3, $4)
            ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, kind = EXCLUDED.kind, parent_id = EXCLUDED.parent_id, updated_at = now()
            RETURNING id, xmax = 0
            """, connection, transaction);
        upsert.Parameters.AddWithValue(code!);
        upsert.Parameters.AddWithValue(name!);
        upsert.Parameters.AddWithValue(kind!);
        upsert.Parameters.AddWithValue(NpgsqlTypes.NpgsqlDbType.Bigint, (object?)parentId ?? DBNull.Value);
        var (id, inserted) = await ReadUpsertAsync(upsert, cancellationToken);
        await transaction.CommitAsync(cancellationToken);

        var response = new AgencyResponse(id, code!, name!, kind!, parentCode);
        return inserted ? TypedResults.Created($"/api/admin/agencies/{code}", response) : TypedResults.Ok(response);
    }

    internal static async Task<Results<Created<ProcedureResponse>, Ok<ProcedureResponse>, ValidationProblem>> UpsertProcedureAsync(
        ProcedureRequest request, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var code = CheckCode(request.Code, errors);
        var name = CheckName(request.Name, "name", errors);
        string? shortName = null;
        if (!string.IsNullOrWhiteSpace(request.ShortName))
        {
            shortName = CollapseSpaces(request.ShortName);
            if (shortName.Length > MaxShortNameLength || !PrintableAscii().IsMatch(shortName))
                errors["shortName"] = [$"Must be at most {MaxShortNameLength} printable ASCII characters (no diacritics): it goes into SMS."];
        }
        else if (name is not null)
        {
            shortName = ShortNameFrom(name);
            if (shortName.Length == 0)
                errors["shortName"] = ["Cannot be derived from the name; give one in plain ASCII."];
        }

        var field = string.IsNullOrWhiteSpace(request.Field) ? null : CollapseSpaces(request.Field);
        if (field is { Length: > MaxNameLength })
            errors["field"] = [$"Must be at most {MaxNameLength} characters."];
        if (errors.Count > 0)
            return TypedResults.ValidationProblem(errors);

        await using var upsert = dataSource.CreateCommand(
            """
            INSERT INTO procedures (code, name, short_name, field) VALUES ($1, $2, $3, $4)
            ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, short_name = EXCLUDED.short_name, field = EXCLUDED.field, updated_at = now()
            RETURNING id, xmax = 0
            """);
        upsert.Parameters.AddWithValue(code!);
        upsert.Parameters.AddWithValue(name!);
        upsert.Parameters.AddWithValue(shortName!);
        upsert.Parameters.AddWithValue(NpgsqlTypes.NpgsqlDbType.Text, (object?)field ?? DBNull.Value);
        var (id, inserted) = await ReadUpsertAsync(upsert, cancellationToken);

        var response = new ProcedureResponse(id, code!, name!, shortName!, field);
        return inserted ? TypedResults.Created($"/api/admin/procedures/{code}", response) : TypedResults.Ok(response);
    }

    /// <summary>The name without diacritics, printable ASCII only, cut at a word boundary to fit an SMS label.</summary>
    internal static string ShortNameFrom(string name)
    {
        var ascii = new string([.. VietnameseText.ToAscii(name).Where(c => c is >= ' ' and <= '~')]);
        ascii = CollapseSpaces(ascii);
        if (ascii.Length <= MaxShortNameLength)
            return ascii;
        var cut = ascii.LastIndexOf(' ', MaxShortNameLength);
        return (cut > 0 ? ascii[..cut] : ascii[..MaxShortNameLength]).TrimEnd();
    }

    private static string? CheckCode(string? value, Dictionary<string, string[]> errors)
    {
        var code = value?.Trim();
        if (string.IsNullOrEmpty(code) || !CodeFormat().IsMatch(code))
        {
            errors["code"] = ["Required: 1–64 letters, digits, '.', '_' or '-', starting with a letter or digit."];
            return null;
        }

        return code;
    }

    private static string? CheckName(string? value, string fieldName, Dictionary<string, string[]> errors)
    {
        var name = string.IsNullOrWhiteSpace(value) ? null : CollapseSpaces(value);
        if (name is null)
            errors[fieldName] = ["Required."];
        else if (name.Length > MaxNameLength || name.Any(char.IsControl))
            errors[fieldName] = [$"Must be at most {MaxNameLength} characters, without control characters."];
        return name;
    }

    private static string CollapseSpaces(string text) => string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));

    private static async Task<(long Id, bool Inserted)> ReadUpsertAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return (reader.GetInt64(0), reader.GetBoolean(1));
    }

    // The schema's checks (agencies_code_format, procedures_short_name_ascii), so a bad value is a 400, not a 500.
    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", RegexOptions.CultureInvariant)]
    private static partial Regex CodeFormat();

    [GeneratedRegex("^[ -~]{1,60}$", RegexOptions.CultureInvariant)]
    private static partial Regex PrintableAscii();
}
