using System.Text;
using ChatSurvey.Dispatcher.Import;

namespace ChatSurvey.Dispatcher.Tests.Import;

public sealed class CsvTransactionReaderTests
{
    [Theory]
    [InlineData(true, "dossierCode,agencyCode,procedureCode,phone,resultDate,applicantName,applicantType")]
    [InlineData(false, "dossier_code,agency_code,procedure_code,phone,result_date,applicant_name,applicant_type")]
    [InlineData(true, "Dossier Code;AGENCY_CODE;procedureCode;Phone;result_date;applicant_name;applicant_type")]
    public async Task ReadAsync_Should_ReadVietnameseRowsNumberedAsInSpreadsheet_When_HeaderIsCamelOrSnakeCase(bool byteOrderMark, string header)
    {
        var separator = header.Contains(';', StringComparison.Ordinal) ? ";" : ",";
        var text = string.Join('\n',
            header,
            string.Join(separator, "HS-001", "HP-STP", "DEMO-DKKS", "0912 345 678", "2025-03-01", "Nguyễn Thị Hương", "citizen"),
            "",
            string.Join(separator, "HS-002", "HP-STP", "DEMO-DKKS", "0912 345 679", "2025-03-02", "\"Công ty Cổ phần \"\"Hải Âu\"\"" + separator + " Lê Chân\"", "organization"),
            string.Join(separator, "HS-003", "HP-STP", "DEMO-DKKS", "0912 345 680", "2025-03-03"),
            "");
        var bytes = Encoding.UTF8.GetBytes(text);
        using var stream = new MemoryStream(byteOrderMark ? [.. Encoding.UTF8.Preamble, .. bytes] : bytes);

        var rows = await ReadAllAsync(stream);

        Assert.Equal(
            [
                new ImportRow(2, new TransactionRow("HS-001", "HP-STP", "DEMO-DKKS", "0912 345 678", "2025-03-01", "Nguyễn Thị Hương", "citizen")),
                // Row 3 is blank: skipped, but the next row keeps its spreadsheet number.
                new ImportRow(4, new TransactionRow("HS-002", "HP-STP", "DEMO-DKKS", "0912 345 679", "2025-03-02", $"Công ty Cổ phần \"Hải Âu\"{separator} Lê Chân", "organization")),
                new ImportRow(5, new TransactionRow("HS-003", "HP-STP", "DEMO-DKKS", "0912 345 680", "2025-03-03")),
            ],
            rows);
    }

    [Fact]
    public async Task ReadAsync_Should_LeaveOptionalFieldsNull_When_FileHasOnlyRequiredColumns()
    {
        using var stream = new MemoryStream("phone,resultDate,dossierCode,agencyCode,procedureCode\r\n0912345678,2025-03-01,HS-1,A,P\r\n"u8.ToArray());

        var rows = await ReadAllAsync(stream);

        Assert.Equal([new ImportRow(2, new TransactionRow("HS-1", "A", "P", "0912345678", "2025-03-01"))], rows);
    }

    [Fact]
    public async Task ReadAsync_Should_ThrowNamingMissingColumns_When_HeaderLacksRequiredColumns()
    {
        using var stream = new MemoryStream("dossier_code,agency_code,phone\nHS-1,A,0912345678\n"u8.ToArray());

        var error = await Assert.ThrowsAsync<ImportFileException>(() => ReadAllAsync(stream));

        Assert.StartsWith("The header has no column procedureCode, resultDate.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ReadAsync_Should_Throw_When_FileIsEmpty()
    {
        using var stream = new MemoryStream();

        var error = await Assert.ThrowsAsync<ImportFileException>(() => ReadAllAsync(stream));

        Assert.Equal("The file is empty: the first row must be the header.", error.Message);
    }

    private static async Task<List<ImportRow>> ReadAllAsync(Stream stream)
    {
        var rows = new List<ImportRow>();
        await foreach (var row in CsvTransactionReader.ReadAsync(stream, TestContext.Current.CancellationToken))
            rows.Add(row);
        return rows;
    }
}
