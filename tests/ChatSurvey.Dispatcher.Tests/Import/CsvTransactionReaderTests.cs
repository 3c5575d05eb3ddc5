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

    [Theory]
    [InlineData("STT,Mã hồ sơ,Mã thủ tục,Tên thủ tục,Số điện thoại,Chủ hồ sơ,Ngày tiếp nhận,Ngày hẹn trả,Ngày trả kết quả,Đơn vị,Loại đối tượng,Trạng thái hồ sơ")]
    [InlineData("stt,MA HO SO,ma thu tuc,TEN THU TUC,so dien thoai,chu ho so,ngay tiep nhan,ngay hen tra,ngay tra ket qua,don vi,loai doi tuong,trang thai ho so")]
    [InlineData("STT,MaHoSo,MaTTHC,TenTTHC,SoDienThoai,ChuHoSo,NgayTiepNhan,NgayHenTra,NgayTra,MaDonVi,LoaiDoiTuong,TrangThaiHoSo")]
    [InlineData(" stt , Mã  hồ-sơ ,MÃ_THỦ_TỤC,Tên thủ tục,Số điện thoại ,Chủ Hồ Sơ,Ngày Tiếp Nhận,Ngày hẹn trả,Ngày trả kết quả,ĐƠN VỊ,Loại Đối Tượng,Trạng thái hồ sơ")]
    public async Task ReadAsync_Should_ReadEveryField_When_HeaderUsesTheOneStopShopsVietnameseNames(string header)
    {
        var text = header + "\n1,HS-001,1.000123.H31,Cấp phiếu lý lịch tư pháp,0912345678,Nguyễn Văn An,03/02/2025,10/02/2025,07/02/2025,HP-STP,2,Đã trả kết quả\n";
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(text));

        var rows = await ReadAllAsync(stream);

        Assert.Equal(
            [
                new ImportRow(2, new TransactionRow("HS-001", "HP-STP", "1.000123.H31", "0912345678", "07/02/2025", "Nguyễn Văn An", "2",
                    "Cấp phiếu lý lịch tư pháp", "03/02/2025", "10/02/2025", "Đã trả kết quả")),
            ],
            rows);
    }

    [Fact]
    public async Task ReadHeaderAsync_Should_TellHowEachColumnIsRead_When_HeaderMixesKnownUnknownAndRepeatedNames()
    {
        using var stream = new MemoryStream("STT;Mã hồ sơ;Đơn vị;Số hồ sơ;Ghi chú;Số điện thoại;Ngày hẹn trả\n1;HS-1;A;X;;0912345678;01/03/2025\n"u8.ToArray());

        var reading = await CsvTransactionReader.ReadHeaderAsync(stream, TestContext.Current.CancellationToken);

        Assert.Equal(
            [
                new HeaderColumn("STT", null),
                new HeaderColumn("Mã hồ sơ", TransactionFields.DossierCode),
                new HeaderColumn("Đơn vị", TransactionFields.AgencyCode),
                // "Số hồ sơ" also names the dossier code: the first column naming a field is the one read.
                new HeaderColumn("Số hồ sơ", null),
                new HeaderColumn("Ghi chú", null),
                new HeaderColumn("Số điện thoại", TransactionFields.Phone),
                new HeaderColumn("Ngày hẹn trả", TransactionFields.DueOn),
            ],
            reading.Columns);
        Assert.Equal([TransactionFields.ProcedureCode, TransactionFields.ResultDate], reading.Missing);
        Assert.StartsWith("The header has no column procedureCode, resultDate.", reading.MissingColumns!.English, StringComparison.Ordinal);
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
