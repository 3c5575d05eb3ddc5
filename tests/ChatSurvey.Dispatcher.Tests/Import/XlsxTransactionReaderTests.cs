using ChatSurvey.Dispatcher.Import;
using MiniExcelLibs;

namespace ChatSurvey.Dispatcher.Tests.Import;

public sealed class XlsxTransactionReaderTests
{
    [Fact]
    public void Read_Should_ReadFirstSheetWithRowNumbersAndCellTypes_When_WorkbookHasSnakeCaseHeader()
    {
        var sheet = new List<Dictionary<string, object?>>
        {
            Row("HS-001", "HP-STP", "DEMO-DKKS", 912345678L, new DateTime(2025, 3, 1), "Nguyễn Thị Hương", "citizen"),
            Row(null, null, null, null, null, null, null),
            Row(12345L, "HP-STP", "DEMO-DKKS", "+84 91 234 5679", "2025-03-02", "Công ty Cổ phần Hải Âu", "organization"),
        };
        using var stream = new MemoryStream();
        var sheets = new Dictionary<string, object>
        {
            ["Giao dịch"] = sheet,
            ["Ghi chú"] = new[] { new Dictionary<string, object?> { ["note"] = "not read" } },
        };
        MiniExcel.SaveAs(stream, sheets);
        stream.Position = 0;

        var rows = XlsxTransactionReader.Read(stream).ToList();

        Assert.Equal(
            [
                new ImportRow(2, new TransactionRow("HS-001", "HP-STP", "DEMO-DKKS", "912345678", "2025-03-01", "Nguyễn Thị Hương", "citizen")),
                new ImportRow(4, new TransactionRow("12345", "HP-STP", "DEMO-DKKS", "+84 91 234 5679", "2025-03-02", "Công ty Cổ phần Hải Âu", "organization")),
            ],
            rows);
    }

    [Fact]
    public void Read_Should_ThrowNamingMissingColumns_When_HeaderLacksRequiredColumns()
    {
        using var stream = new MemoryStream();
        MiniExcel.SaveAs(stream, new[] { new Dictionary<string, object?> { ["dossierCode"] = "HS-1", ["agencyCode"] = "A", ["resultDate"] = "2025-03-01" } });
        stream.Position = 0;

        var error = Assert.Throws<ImportFileException>(() => XlsxTransactionReader.Read(stream).ToList());

        Assert.StartsWith("The header has no column procedureCode, phone.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_Should_Throw_When_FileIsNotAWorkbook()
    {
        using var stream = new MemoryStream("dossierCode,agencyCode\nHS-1,A\n"u8.ToArray());

        var error = Assert.Throws<ImportFileException>(() => XlsxTransactionReader.Read(stream).ToList());

        Assert.Equal("The file is not a readable XLSX workbook.", error.Message);
    }

    private static Dictionary<string, object?> Row(
        object? dossierCode, object? agencyCode, object? procedureCode, object? phone, object? resultDate, object? applicantName, object? applicantType) =>
        new()
        {
            ["dossier_code"] = dossierCode,
            ["agency_code"] = agencyCode,
            ["procedure_code"] = procedureCode,
            ["phone"] = phone,
            ["result_date"] = resultDate,
            ["applicant_name"] = applicantName,
            ["applicant_type"] = applicantType,
        };
}
