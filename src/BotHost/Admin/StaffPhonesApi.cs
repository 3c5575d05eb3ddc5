using ChatSurvey.Dispatcher.Integrity;
using CsvHelper;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ChatSurvey.BotHost.Admin;

/// <summary>
/// Agencies' staff phone lists (never sampled, never verified for their own agency):
/// <c>POST /api/admin/staff-phones</c> with a JSON array <c>[{"agencyCode","phone"}]</c> or a multipart CSV
/// <c>file</c> with the columns <c>agencyCode,phone</c>; <c>GET</c> lists counts per agency (never the phones);
/// <c>DELETE /api/admin/staff-phones/{agencyCode}</c> clears an agency's list.
/// </summary>
internal static class StaffPhonesApi
{
    public const long MaxUploadBytes = 8L * 1024 * 1024;

    public static RouteGroupBuilder MapStaffPhonesApi(this RouteGroupBuilder admin)
    {
        var staff = admin.MapGroup("/staff-phones").WithTags("Integrity");
        staff.MapPost("/", AddBatchAsync).WithName("AddStaffPhones");
        staff.MapPost("/import", UploadAsync)
            .WithName("UploadStaffPhones")
            .WithFormOptions(multipartBodyLengthLimit: MaxUploadBytes);
        staff.MapGet("/", (StaffPhoneStore store, CancellationToken ct) => store.CountsAsync(ct)).WithName("GetStaffPhoneCounts");
        staff.MapDelete("/{agencyCode}", ClearAsync).WithName("ClearStaffPhones");
        return admin;
    }

    internal static async Task<Results<Ok<StaffPhoneReport>, ValidationProblem>> AddBatchAsync(
        IReadOnlyList<StaffPhoneRow?> rows, StaffPhoneStore store, CancellationToken cancellationToken)
    {
        if (rows.Count > StaffPhoneStore.MaxRows)
            return TooMany();
        return TypedResults.Ok(await store.AddAsync(rows.Select(r => r ?? new StaffPhoneRow(null, null)).ToList(), cancellationToken));
    }

    internal static async Task<Results<Ok<StaffPhoneReport>, ValidationProblem>> UploadAsync(
        IFormFile? file, StaffPhoneStore store, CancellationToken cancellationToken)
    {
        if (file is null || file.Length == 0)
            return Problem("file", "Required: a multipart form field 'file' holding a CSV file with the columns agencyCode,phone.");
        var (rows, error) = await ReadCsvAsync(file, cancellationToken);
        if (error is not null)
            return Problem("file", error);
        if (rows.Count > StaffPhoneStore.MaxRows)
            return TooMany();
        return TypedResults.Ok(await store.AddAsync(rows, cancellationToken));
    }

    /// <summary>The CSV rows, or why the file cannot be read (missing columns, not text).</summary>
    internal static async Task<(List<StaffPhoneRow> Rows, string? Error)> ReadCsvAsync(IFormFile file, CancellationToken cancellationToken)
    {
        var rows = new List<StaffPhoneRow>();
        await using var stream = file.OpenReadStream();
        await using var csv = CsvReader.Create(stream, new CsvReaderOptions { IncludeValuesInExceptions = false }, leaveOpen: false);
        await csv.ReadHeaderAsync(cancellationToken);
        var agencyColumn = IndexOf(csv.Headers, "agencyCode");
        var phoneColumn = IndexOf(csv.Headers, "phone");
        if (agencyColumn < 0 || phoneColumn < 0)
            return (rows, "The header must name the columns agencyCode and phone.");
        while (await csv.ReadAsync(cancellationToken))
        {
            string? Cell(int index) => index < csv.FieldCount && !csv.IsEmpty(index) ? csv.GetString(index) : null;
            var row = new StaffPhoneRow(Cell(agencyColumn), Cell(phoneColumn));
            if (row.AgencyCode is null && row.Phone is null)
                continue;
            rows.Add(row);
            if (rows.Count > StaffPhoneStore.MaxRows)
                break;
        }

        return (rows, null);
    }

    internal static async Task<Results<Ok<StaffPhonesCleared>, ProblemHttpResult>> ClearAsync(
        string agencyCode, StaffPhoneStore store, CancellationToken cancellationToken) =>
        await store.ClearAsync(agencyCode, cancellationToken) is { } removed
            ? TypedResults.Ok(new StaffPhonesCleared(agencyCode, removed))
            : TypedResults.Problem(title: "No such agency.", detail: $"There is no agency '{agencyCode}'.", statusCode: StatusCodes.Status404NotFound);

    private static int IndexOf(IReadOnlyList<string> headers, string name)
    {
        for (var i = 0; i < headers.Count; i++)
        {
            if (headers[i].Trim().Equals(name, StringComparison.OrdinalIgnoreCase))
                return i;
        }

        return -1;
    }

    private static ValidationProblem TooMany() => Problem("rows", $"At most {StaffPhoneStore.MaxRows} rows per upload.");

    private static ValidationProblem Problem(string field, string message) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] });
}

public sealed record StaffPhonesCleared(string AgencyCode, int Removed);
