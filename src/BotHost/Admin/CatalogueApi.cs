using System.Text.RegularExpressions;
using ChatSurvey.Domain.Sms;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace ChatSurvey.BotHost.Admin;

public sealed record AgencyRequest(string? Code, string? Name, string? Kind, string? ParentCode);

public sealed record AgencyResponse(long Id, string Code, string Name, string Kind, string? ParentCode);

public sealed record ProcedureRequest(string? Code, string? Name, string? ShortName, string? Field);

public sealed record ProcedureResponse(long Id, string Code, string Name, string ShortName, string? Field);

/// <summary>A broken rule of a catalogue entry: the API's field name, its English message (API) and the Vietnamese one (pages).</summary>
internal sealed record CatalogueProblem(string Field, string Message, string Vietnamese);

/// <summary>
/// <c>POST /api/admin/agencies</c> and <c>/procedures</c> (docs/design.md#admin-api): create (201) or update the same code (200).
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
        var (saved, inserted, problems) = await SaveAgencyAsync(request, dataSource, createOnly: false, cancellationToken);
        if (saved is null)
            return TypedResults.ValidationProblem(ToErrors(problems));
        return inserted ? TypedResults.Created($"/api/admin/agencies/{saved.Code}", saved) : TypedResults.Ok(saved);
    }

    internal static async Task<Results<Created<ProcedureResponse>, Ok<ProcedureResponse>, ValidationProblem>> UpsertProcedureAsync(
        ProcedureRequest request, NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        var (saved, inserted, problems) = await SaveProcedureAsync(request, dataSource, createOnly: false, cancellationToken);
        if (saved is null)
            return TypedResults.ValidationProblem(ToErrors(problems));
        return inserted ? TypedResults.Created($"/api/admin/procedures/{saved.Code}", saved) : TypedResults.Ok(saved);
    }

    /// <summary>
    /// Validates and saves an agency: the API's rules, shared with the catalogue page. With <paramref name="createOnly"/>
    /// an existing code is a problem (the page's "add" form) instead of an update. On any problem nothing is written.
    /// </summary>
    internal static async Task<(AgencyResponse? Saved, bool Inserted, IReadOnlyList<CatalogueProblem> Problems)> SaveAgencyAsync(
        AgencyRequest request, NpgsqlDataSource dataSource, bool createOnly, CancellationToken cancellationToken)
    {
        var problems = new List<CatalogueProblem>();
        var code = CheckCode(request.Code, problems);
        var name = CheckName(request.Name, "name", problems);
        var kind = request.Kind?.Trim().ToLowerInvariant();
        if (string.IsNullOrEmpty(kind) || !AgencyKinds.Contains(kind))
            problems.Add(new("kind", $"Must be one of {string.Join(", ", AgencyKinds)}.", "Chọn một loại đơn vị trong danh sách."));
        var parentCode = string.IsNullOrWhiteSpace(request.ParentCode) ? null : request.ParentCode.Trim();
        if (parentCode is not null && parentCode == code)
            problems.Add(new("parentCode", "An agency cannot be its own parent.", "Một đơn vị không thể là đơn vị cấp trên của chính nó."));
        if (problems.Count > 0)
            return (null, false, problems);

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
                return (null, false, [new("parentCode", $"Unknown agency code '{parentCode}'.", $"Không có đơn vị nào mang mã '{parentCode}'.")]);
            if (reader.GetBoolean(1))
            {
                return (null, false, [new("parentCode", $"'{parentCode}' is under '{code}': that would make a cycle.",
                    $"'{parentCode}' là đơn vị cấp dưới của '{code}': không thể làm đơn vị cấp trên.")]);
            }

            parentId = reader.GetInt64(0);
        }

        // createOnly: the conflict leaves the row alone and returns nothing, so a taken code is told apart atomically.
        await using var upsert = new NpgsqlCommand(
            """
            INSERT INTO agencies (code, name, kind, parent_id) VALUES ($1, $2, $3, $4)
            ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, kind = EXCLUDED.kind, parent_id = EXCLUDED.parent_id, updated_at = now()
            WHERE NOT $5
            RETURNING id, xmax = 0
            """, connection, transaction);
        upsert.Parameters.AddWithValue(code!);
        upsert.Parameters.AddWithValue(name!);
        upsert.Parameters.AddWithValue(kind!);
        upsert.Parameters.AddWithValue(NpgsqlTypes.NpgsqlDbType.Bigint, (object?)parentId ?? DBNull.Value);
        upsert.Parameters.AddWithValue(createOnly);
        if (await ReadUpsertAsync(upsert, cancellationToken) is not { } row)
            return (null, false, [Taken(code!)]);
        await transaction.CommitAsync(cancellationToken);
        return (new AgencyResponse(row.Id, code!, name!, kind!, parentCode), row.Inserted, []);
    }

    /// <summary>Validates and saves a procedure, as <see cref="SaveAgencyAsync"/> does an agency.</summary>
    internal static async Task<(ProcedureResponse? Saved, bool Inserted, IReadOnlyList<CatalogueProblem> Problems)> SaveProcedureAsync(
        ProcedureRequest request, NpgsqlDataSource dataSource, bool createOnly, CancellationToken cancellationToken)
    {
        var problems = new List<CatalogueProblem>();
        var code = CheckCode(request.Code, problems);
        var name = CheckName(request.Name, "name", problems);
        string? shortName = null;
        if (!string.IsNullOrWhiteSpace(request.ShortName))
        {
            shortName = CollapseSpaces(request.ShortName);
            if (shortName.Length > MaxShortNameLength || !PrintableAscii().IsMatch(shortName))
            {
                problems.Add(new("shortName",
                    $"Must be at most {MaxShortNameLength} printable ASCII characters (no diacritics): it goes into SMS.",
                    $"Tối đa {MaxShortNameLength} ký tự ASCII, không dấu (tên này được gửi trong tin nhắn SMS)."));
            }
        }
        else if (name is not null)
        {
            shortName = ShortNameFrom(name);
            if (shortName.Length == 0)
                problems.Add(new("shortName", "Cannot be derived from the name; give one in plain ASCII.", "Không tạo được từ tên thủ tục; hãy nhập tên ngắn không dấu."));
        }

        var field = string.IsNullOrWhiteSpace(request.Field) ? null : CollapseSpaces(request.Field);
        if (field is { Length: > MaxNameLength })
            problems.Add(new("field", $"Must be at most {MaxNameLength} characters.", $"Tối đa {MaxNameLength} ký tự."));
        if (problems.Count > 0)
            return (null, false, problems);

        await using var upsert = dataSource.CreateCommand(
            """
            INSERT INTO procedures (code, name, short_name, field) VALUES ($1, $2, $3, $4)
            ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, short_name = EXCLUDED.short_name, field = EXCLUDED.field, updated_at = now()
            WHERE NOT $5
            RETURNING id, xmax = 0
            """);
        upsert.Parameters.AddWithValue(code!);
        upsert.Parameters.AddWithValue(name!);
        upsert.Parameters.AddWithValue(shortName!);
        upsert.Parameters.AddWithValue(NpgsqlTypes.NpgsqlDbType.Text, (object?)field ?? DBNull.Value);
        upsert.Parameters.AddWithValue(createOnly);
        if (await ReadUpsertAsync(upsert, cancellationToken) is not { } row)
            return (null, false, [Taken(code!)]);
        return (new ProcedureResponse(row.Id, code!, name!, shortName!, field), row.Inserted, []);
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

    private static string? CheckCode(string? value, List<CatalogueProblem> problems)
    {
        var code = value?.Trim();
        if (string.IsNullOrEmpty(code) || !CodeFormat().IsMatch(code))
        {
            problems.Add(new("code", "Required: 1–64 letters, digits, '.', '_' or '-', starting with a letter or digit.",
                "Bắt buộc: 1–64 chữ cái không dấu, chữ số, '.', '_' hoặc '-', bắt đầu bằng chữ cái hoặc chữ số."));
            return null;
        }

        return code;
    }

    private static string? CheckName(string? value, string fieldName, List<CatalogueProblem> problems)
    {
        var name = string.IsNullOrWhiteSpace(value) ? null : CollapseSpaces(value);
        if (name is null)
            problems.Add(new(fieldName, "Required.", "Bắt buộc nhập."));
        else if (name.Length > MaxNameLength || name.Any(char.IsControl))
            problems.Add(new(fieldName, $"Must be at most {MaxNameLength} characters, without control characters.", $"Tối đa {MaxNameLength} ký tự, không chứa ký tự điều khiển."));
        return name;
    }

    private static CatalogueProblem Taken(string code) =>
        new("code", $"The code '{code}' is already used.", $"Mã '{code}' đã tồn tại. Dùng nút \"Sửa\" trong bảng để cập nhật.");

    private static Dictionary<string, string[]> ToErrors(IReadOnlyList<CatalogueProblem> problems) =>
        problems.GroupBy(p => p.Field).ToDictionary(g => g.Key, g => g.Select(p => p.Message).ToArray());

    private static string CollapseSpaces(string text) => string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));

    /// <summary>The row written, or null when a create-only insert met an existing code.</summary>
    private static async Task<(long Id, bool Inserted)?> ReadUpsertAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
            return null;
        return (reader.GetInt64(0), reader.GetBoolean(1));
    }

    // The schema's checks (agencies_code_format, procedures_short_name_ascii), so a bad value is a 400, not a 500.
    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$", RegexOptions.CultureInvariant)]
    private static partial Regex CodeFormat();

    [GeneratedRegex("^[ -~]{1,60}$", RegexOptions.CultureInvariant)]
    private static partial Regex PrintableAscii();
}
