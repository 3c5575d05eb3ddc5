using System.Text;
using Npgsql;

namespace ChatSurvey.Dispatcher.Tests.Import;

/// <summary>A clock that stands still.</summary>
internal sealed class FixedTimeProvider(DateTimeOffset utcNow) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => utcNow;
}

/// <summary>Catalogue rows and sample files shared by the import tests.</summary>
internal static class ImportTestData
{
    /// <summary>17:30 UTC on 10 March is 00:30 on 11 March in Hai Phong: "today" there is 2025-03-11.</summary>
    public static readonly DateTimeOffset Now = new(2025, 3, 10, 17, 30, 0, TimeSpan.Zero);

    public static TimeProvider Clock => new FixedTimeProvider(Now);

    /// <summary>Agencies <c>{prefix}-A1</c>, <c>{prefix}-A2</c> and procedure <c>{prefix}-P1</c>, so tests sharing a database don't meet.</summary>
    public static async Task SeedCatalogueAsync(NpgsqlDataSource dataSource, string prefix)
    {
        await using var batch = dataSource.CreateBatch();
        batch.BatchCommands.Add(new NpgsqlBatchCommand(
            "INSERT INTO agencies (code, name, kind) VALUES ($1 || '-A1', 'Sở Tư pháp', 'department'), ($1 || '-A2', 'UBND quận Lê Chân', 'district')")
        {
            Parameters = { new NpgsqlParameter { Value = prefix } },
        });
        batch.BatchCommands.Add(new NpgsqlBatchCommand(
            "INSERT INTO procedures (code, name, short_name) VALUES ($1 || '-P1', 'Đăng ký khai sinh', 'Dang ky khai sinh')")
        {
            Parameters = { new NpgsqlParameter { Value = prefix } },
        });
        await batch.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
    }

    /// <summary>A transaction already in the table, which an import must count as a duplicate.</summary>
    public static async Task InsertExistingAsync(NpgsqlDataSource dataSource, string prefix, string dossierCode)
    {
        await using var command = dataSource.CreateCommand(
            """
            INSERT INTO transactions (agency_id, procedure_id, dossier_code, phone, result_date)
            VALUES ((SELECT id FROM agencies WHERE code = $1 || '-A1'), (SELECT id FROM procedures WHERE code = $1 || '-P1'),
                    $2, '+84912000000', '2025-01-02')
            """);
        command.Parameters.AddWithValue(prefix);
        command.Parameters.AddWithValue(dossierCode);
        await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
    }

    /// <summary>
    /// The sample export, one cell list per spreadsheet row from row 2 (null = blank row), in API column order.
    /// Rows 2, 3, 12 and 14 are good; 4–9 are bad; 10 repeats row 2; 11 is already in the table (HS-900).
    /// </summary>
    public static IReadOnlyList<string?[]?> SampleRows(string p) =>
    [
        /* 2 */ ["HS-001", $"{p}-A1", $"{p}-P1", "0912 345 678", "2025-03-01", "Nguyễn Văn An", "citizen"],
        /* 3 */ ["HS-002", $"{p}-A1", $"{p}-P1", "84912345679", "2025-03-11", "Công ty TNHH Cảng Hải Phòng, chi nhánh Đình Vũ", "organization"],
        /* 4 */ ["HS-003", "KHONG-CO", $"{p}-P1", "0912345680", "2025-03-02", "Lê Văn Cường", "citizen"],
        /* 5 */ ["HS-004", $"{p}-A1", "TTHC-LA", "0912345681", "2025-03-02", "", ""],
        /* 6 */ ["HS-005", $"{p}-A1", $"{p}-P1", "12345", "2025-03-02", "", ""],
        /* 7 */ ["HS-006", $"{p}-A1", $"{p}-P1", "0912345682", "2025-02-30", "", ""],
        /* 8 */ ["HS-007", $"{p}-A1", $"{p}-P1", "0912345683", "2025-03-12", "", ""],
        /* 9 */ ["", $"{p}-A1", $"{p}-P1", "0912345684", "2025-03-02", "Phạm Thị Dung", ""],
        /* 10 */ ["HS-001", $"{p}-A1", $"{p}-P1", "+84 91 234 5699", "2025-03-02", "Bản sao", "citizen"],
        /* 11 */ ["HS-900", $"{p}-A1", $"{p}-P1", "0912345685", "2025-03-03", "", ""],
        /* 12 */ ["HS-001", $"{p}-A2", $"{p}-P1", "+84 91 234 5670", "2025-03-05", "", ""],
        /* 13 */ null,
        /* 14 */ ["HS-010", $"{p}-A2", $"{p}-P1", "0225 3842 123", "2000-01-01", "Trần Thị Bình", "Organization"],
    ];

    public static ImportReportShape ExpectedReport => new(
        TotalRows: 12,
        Accepted: 4,
        Duplicates: 2,
        Rejected:
        [
            new(4, "agencyCode", "unknown agency code 'KHONG-CO'"),
            new(5, "procedureCode", "unknown procedure code 'TTHC-LA'"),
            new(6, "phone", "is not a valid phone number"),
            new(7, "resultDate", "must be a real date written DD/MM/YYYY, YYYY-MM-DD or yyyyMMddHHmmss (Vietnam time)"),
            new(8, "resultDate", "must not be in the future (today is 2025-03-11 in Hai Phong)"),
            new(9, "dossierCode", "is required"),
        ]);

    /// <summary>The rows the sample loads: agency suffix, dossier, phone, result date, name, type, in that order.</summary>
    public static IReadOnlyList<LoadedTransaction> ExpectedLoaded(string p) =>
    [
        new($"{p}-A1", "HS-001", "+84912345678", new DateOnly(2025, 3, 1), "Nguyễn Văn An", "citizen"),
        new($"{p}-A1", "HS-002", "+84912345679", new DateOnly(2025, 3, 11), "Công ty TNHH Cảng Hải Phòng, chi nhánh Đình Vũ", "organization"),
        new($"{p}-A2", "HS-001", "+84912345670", new DateOnly(2025, 3, 5), null, "citizen"),
        new($"{p}-A2", "HS-010", "+842253842123", new DateOnly(2000, 1, 1), "Trần Thị Bình", "organization"),
    ];

    public static readonly string[] SnakeCaseHeader =
        ["dossier_code", "agency_code", "procedure_code", "phone", "result_date", "applicant_name", "applicant_type"];

    /// <summary>The rows as a CSV file (RFC 4180 quoting, LF line ends).</summary>
    public static byte[] Csv(IEnumerable<string> header, IEnumerable<string?[]?> rows, bool byteOrderMark)
    {
        var text = new StringBuilder();
        text.Append(string.Join(',', header)).Append('\n');
        foreach (var row in rows)
            text.Append(row is null ? "" : string.Join(',', row.Select(Quote))).Append('\n');
        var bytes = Encoding.UTF8.GetBytes(text.ToString());
        return byteOrderMark ? [.. Encoding.UTF8.Preamble, .. bytes] : bytes;
    }

    private static string Quote(string? value) =>
        value is null ? "" : value.IndexOfAny([',', '"', '\n', '\r']) < 0 ? value : "\"" + value.Replace("\"", "\"\"") + "\"";

    public static async Task<IReadOnlyList<LoadedTransaction>> LoadedAsync(NpgsqlDataSource dataSource, long importId)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT a.code, t.dossier_code, t.phone, t.result_date, t.applicant_name, t.applicant_type
            FROM transactions t JOIN agencies a ON a.id = t.agency_id
            WHERE t.import_id = $1
            ORDER BY a.code, t.dossier_code
            """);
        command.Parameters.AddWithValue(importId);
        await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        var loaded = new List<LoadedTransaction>();
        while (await reader.ReadAsync(TestContext.Current.CancellationToken))
        {
            loaded.Add(new LoadedTransaction(
                reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetFieldValue<DateOnly>(3),
                reader.IsDBNull(4) ? null : reader.GetString(4), reader.GetString(5)));
        }

        return loaded;
    }

    public static async Task<long> CountAsync(NpgsqlDataSource dataSource, string sql, params object[] parameters)
    {
        await using var command = dataSource.CreateCommand(sql);
        foreach (var parameter in parameters)
            command.Parameters.AddWithValue(parameter);
        return (long)(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken))!;
    }
}

internal sealed record LoadedTransaction(
    string AgencyCode, string DossierCode, string Phone, DateOnly ResultDate, string? ApplicantName, string ApplicantType);

/// <summary>An <see cref="Dispatcher.Import.ImportReport"/> without its id, to compare with.</summary>
internal sealed record ImportReportShape(int TotalRows, int Accepted, int Duplicates, IReadOnlyList<Dispatcher.Import.RejectedRow> Rejected);
