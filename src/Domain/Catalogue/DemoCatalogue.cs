using CsvHelper;

namespace ChatSurvey.Domain.Catalogue;

/// <summary>
/// Hai Phong's agencies as they stand since 1 July 2025 (the city, 15 city-level agencies, 45 wards, 67 communes, 2
/// special zones; the file's <c>source</c> column says where each name was checked and is not read) and a few common
/// procedures, shipped with the product for demos and first runs. The catalogue store seeds them, adding only what is
/// missing, so it is safe on every start and never overwrites an administrator's edits (nor brings back an agency an
/// earlier catalogue had and 0014 retired). Agencies are listed parents first.
/// </summary>
public static class DemoCatalogue
{
    public sealed record AgencyRow(string Code, string Name, string Kind, string? ParentCode);

    public sealed record ProcedureRow(string Code, string Name, string ShortName, string? Field);

    public static IReadOnlyList<AgencyRow> Agencies() =>
        Read("agencies-haiphong.csv", r => new AgencyRow(
            r.GetString("code"), r.GetString("name"), r.GetString("kind"), Blank(r.GetString("parent_code"))));

    public static IReadOnlyList<ProcedureRow> Procedures() =>
        Read("procedures-demo.csv", r => new ProcedureRow(
            r.GetString("code"), r.GetString("name"), r.GetString("short_name"), Blank(r.GetString("field"))));

    private static List<T> Read<T>(string fileName, Func<CsvReader, T> map)
    {
        var resource = $"{typeof(DemoCatalogue).Namespace}.Seed.{fileName}";
        using var stream = typeof(DemoCatalogue).Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"Embedded resource {resource} is missing.");
        using var csv = CsvReader.Create(stream, null, leaveOpen: false);
        var rows = new List<T>();
        while (csv.Read())
            rows.Add(map(csv));
        return rows;
    }

    private static string? Blank(string value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
