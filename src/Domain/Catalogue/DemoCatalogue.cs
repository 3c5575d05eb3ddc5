using CsvHelper;
using Npgsql;

namespace ChatSurvey.Domain.Catalogue;

/// <summary>
/// Hai Phong's agencies and a few common procedures, shipped with the product for demos and first runs.
/// Seeding only adds what is missing, so it is safe on every start and never overwrites an administrator's edits.
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

    /// <summary>Inserts the demo agencies and procedures that are not there yet; returns how many rows were added.</summary>
    public static async Task<int> SeedAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken = default)
    {
        var agencies = Agencies();
        var procedures = Procedures();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var added = 0;

        // Parents first: the CSV lists the city before its departments and districts.
        foreach (var agency in agencies)
        {
            await using var insert = new NpgsqlCommand(
                """
                INSERT INTO agencies (code, name, kind, parent_id)
                VALUES ($1, $2, $3, (SELECT id FROM agencies WHERE code = $4))
                ON CONFLICT (code) DO NOTHING
                """, connection, transaction);
            insert.Parameters.AddWithValue(agency.Code);
            insert.Parameters.AddWithValue(agency.Name);
            insert.Parameters.AddWithValue(agency.Kind);
            insert.Parameters.AddWithValue((object?)agency.ParentCode ?? DBNull.Value);
            added += await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        foreach (var procedure in procedures)
        {
            await using var insert = new NpgsqlCommand(
                """
                INSERT INTO procedures (code, name, short_name, field)
                VALUES ($1, $2, $3, $4)
                ON CONFLICT (code) DO NOTHING
                """, connection, transaction);
            insert.Parameters.AddWithValue(procedure.Code);
            insert.Parameters.AddWithValue(procedure.Name);
            insert.Parameters.AddWithValue(procedure.ShortName);
            insert.Parameters.AddWithValue((object?)procedure.Field ?? DBNull.Value);
            added += await insert.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return added;
    }

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
