using ChatSurvey.Dispatcher.Import;
using ChatSurvey.TestSupport;
using MiniExcelLibs;

namespace ChatSurvey.Dispatcher.Tests.Import;

public sealed class TransactionImporterTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    private readonly TransactionImporter _importer = new(ImportTestData.Clock);

    [Fact]
    public async Task ImportAsync_Should_LoadOnlyGoodRowsAndReportTheOthers_When_CsvMixesGoodBadAndDuplicateRows()
    {
        const string p = "CSV";
        await ImportTestData.SeedCatalogueAsync(db.DataSource, p);
        await ImportTestData.InsertExistingAsync(db.DataSource, p, "HS-900");
        var file = ImportTestData.Csv(ImportTestData.SnakeCaseHeader, ImportTestData.SampleRows(p), byteOrderMark: true);

        using var stream = new MemoryStream(file);
        var report = await _importer.ImportAsync(
            db.DataSource, CsvTransactionReader.ReadAsync(stream, TestContext.Current.CancellationToken),
            ImportSource.Csv, "mot-cua-2025-03.csv", TestContext.Current.CancellationToken);

        AssertReport(ImportTestData.ExpectedReport, report);
        Assert.Equal(ImportTestData.ExpectedLoaded(p), await ImportTestData.LoadedAsync(db.DataSource, report.ImportId));
        Assert.Equal(5L, await CountTransactionsAsync(p));

        var stored = await new ImportStore(db.DataSource).GetAsync(report.ImportId, TestContext.Current.CancellationToken);
        Assert.NotNull(stored);
        Assert.Equal(ImportStatus.Succeeded, stored.Status);
        Assert.Equal(ImportSource.Csv, stored.Source);
        Assert.Equal("mot-cua-2025-03.csv", stored.FileName);
        Assert.Null(stored.Error);
        Assert.NotNull(stored.FinishedAt);
        AssertReport(ImportTestData.ExpectedReport, stored.Report);
    }

    [Fact]
    public async Task ImportAsync_Should_LoadOnlyGoodRowsAndReportTheOthers_When_XlsxMixesGoodBadAndDuplicateRows()
    {
        const string p = "XLSX";
        await ImportTestData.SeedCatalogueAsync(db.DataSource, p);
        await ImportTestData.InsertExistingAsync(db.DataSource, p, "HS-900");
        var sheet = ImportTestData.SampleRows(p).Select(ToSheetRow).ToList();
        // As spreadsheets hold them: a date cell and a phone typed as a number.
        sheet[0]["resultDate"] = new DateTime(2025, 3, 1);
        sheet[1]["phone"] = 84912345679L;
        using var stream = new MemoryStream();
        await MiniExcel.SaveAsAsync(stream, sheet, sheetName: "Hồ sơ", cancellationToken: TestContext.Current.CancellationToken);
        stream.Position = 0;

        var report = await _importer.ImportAsync(
            db.DataSource, XlsxTransactionReader.Read(stream), ImportSource.Xlsx, "mot-cua.xlsx", TestContext.Current.CancellationToken);

        AssertReport(ImportTestData.ExpectedReport, report);
        Assert.Equal(ImportTestData.ExpectedLoaded(p), await ImportTestData.LoadedAsync(db.DataSource, report.ImportId));
        Assert.Equal(5L, await CountTransactionsAsync(p));
    }

    [Fact]
    public async Task ImportAsync_Should_AddNothingAndCountEveryValidRowAsDuplicate_When_SameFileIsImportedAgain()
    {
        const string p = "AGAIN";
        await ImportTestData.SeedCatalogueAsync(db.DataSource, p);
        await ImportTestData.InsertExistingAsync(db.DataSource, p, "HS-900");
        var file = ImportTestData.Csv(TransactionFields.All, ImportTestData.SampleRows(p), byteOrderMark: false);
        using (var first = new MemoryStream(file))
            await _importer.ImportAsync(db.DataSource, CsvTransactionReader.ReadAsync(first, TestContext.Current.CancellationToken), ImportSource.Csv, "a.csv", TestContext.Current.CancellationToken);

        using var second = new MemoryStream(file);
        var report = await _importer.ImportAsync(
            db.DataSource, CsvTransactionReader.ReadAsync(second, TestContext.Current.CancellationToken), ImportSource.Csv, "a.csv", TestContext.Current.CancellationToken);

        AssertReport(ImportTestData.ExpectedReport with { Accepted = 0, Duplicates = 6 }, report);
        Assert.Empty(await ImportTestData.LoadedAsync(db.DataSource, report.ImportId));
        Assert.Equal(5L, await CountTransactionsAsync(p));
    }

    [Fact]
    public async Task ImportAsync_Should_ListFirstRejectedRowsAndCountTheRest_When_MoreRowsAreRejectedThanListed()
    {
        const string p = "CAP";
        await ImportTestData.SeedCatalogueAsync(db.DataSource, p);
        var importer = new TransactionImporter(ImportTestData.Clock) { MaxRejectedListed = 2 };
        var rows = Enumerable.Range(0, 5)
            .Select(i => new ImportRow(i, new TransactionRow($"HS-{i}", $"{p}-A1", $"{p}-P1", "0000", "2025-03-01")))
            .Append(new ImportRow(5, new TransactionRow("HS-5", $"{p}-A1", $"{p}-P1", "0912345678", "2025-03-01")));

        var report = await importer.ImportAsync(db.DataSource, rows, ImportSource.Api, null, TestContext.Current.CancellationToken);

        Assert.Equal((6, 1, 0, 5, 3), (report.TotalRows, report.Accepted, report.Duplicates, report.RejectedCount, report.RejectedNotListed));
        Assert.Equal([(0, "phone", "is not a valid phone number"), (1, "phone", "is not a valid phone number")], Words(report.Rejected));
        var stored = await new ImportStore(db.DataSource).GetAsync(report.ImportId, TestContext.Current.CancellationToken);
        Assert.Equal(report.Rejected, stored!.Report.Rejected);
        Assert.Equal(3, stored.Report.RejectedNotListed);
        Assert.Null(stored.FileName);
        Assert.Equal(ImportSource.Api, stored.Source);
    }

    [Fact]
    public async Task ImportAsync_Should_NumberBatchRowsByArrayIndex_When_RowsComeFromJsonBatch()
    {
        const string p = "API";
        await ImportTestData.SeedCatalogueAsync(db.DataSource, p);
        TransactionRow[] batch =
        [
            new("HS-1", $"{p}-A1", $"{p}-P1", "0912345678", "2025-03-01", "Đỗ Thị Hoa"),
            new("HS-2", $"{p}-A1", $"{p}-P1", "0912345678", "2025-03-01", ApplicantType: "company"),
            new("HS-1", $"{p}-A1", $"{p}-P1", "0912345679", "2025-03-01"),
        ];

        var report = await _importer.ImportAsync(
            db.DataSource, ImportRow.FromBatch(batch), ImportSource.Api, null, TestContext.Current.CancellationToken);

        Assert.Equal((3, 1, 1), (report.TotalRows, report.Accepted, report.Duplicates));
        Assert.Equal([(1, "applicantType", "must be 'citizen' (1) or 'organization' (2)")], Words(report.Rejected));
    }

    [Fact]
    public async Task RunAsync_Should_ReturnStoredReportAndReadNoRows_When_ImportHasAlreadySucceeded()
    {
        const string p = "RERUN";
        await ImportTestData.SeedCatalogueAsync(db.DataSource, p);
        var store = new ImportStore(db.DataSource);
        var importId = await store.CreateAsync(ImportSource.Csv, "job.csv", TestContext.Current.CancellationToken);
        Assert.Equal(ImportStatus.Queued, (await store.GetAsync(importId, TestContext.Current.CancellationToken))!.Status);
        var file = ImportTestData.Csv(TransactionFields.All, ImportTestData.SampleRows(p), byteOrderMark: false);
        ImportReport first;
        using (var stream = new MemoryStream(file))
            first = await _importer.RunAsync(db.DataSource, importId, CsvTransactionReader.ReadAsync(stream, TestContext.Current.CancellationToken), TestContext.Current.CancellationToken);

        // A job retried after it succeeded (Hangfire runs jobs at least once) must not read the file again.
        var again = await _importer.RunAsync(db.DataSource, importId, Unreadable(), TestContext.Current.CancellationToken);

        Assert.Equal(first.ImportId, again.ImportId);
        Assert.Equal((first.TotalRows, first.Accepted, first.Duplicates), (again.TotalRows, again.Accepted, again.Duplicates));
        Assert.Equal(first.Rejected, again.Rejected);
        Assert.Equal(ImportStatus.Succeeded, (await store.GetAsync(importId, TestContext.Current.CancellationToken))!.Status);
        Assert.Equal(5L, await CountTransactionsAsync(p));
    }

    [Fact]
    public async Task GetAsync_Should_ReturnNull_When_ImportDoesNotExist()
    {
        Assert.Null(await new ImportStore(db.DataSource).GetAsync(long.MaxValue, TestContext.Current.CancellationToken));
    }

    private static IEnumerable<ImportRow> Unreadable() =>
        Enumerable.Range(0, 1).Select<int, ImportRow>(_ => throw new InvalidOperationException("The rows of a finished import must not be read."));

    private static Dictionary<string, object?> ToSheetRow(string?[]? cells)
    {
        var row = new Dictionary<string, object?>();
        // The sample's cells are the first columns of the API order.
        for (var i = 0; i < (cells?.Length ?? 7); i++)
            row[TransactionFields.All[i]] = cells?[i];
        return row;
    }

    private Task<long> CountTransactionsAsync(string prefix) => ImportTestData.CountAsync(
        db.DataSource,
        "SELECT count(*) FROM transactions t JOIN agencies a ON a.id = t.agency_id WHERE a.code LIKE $1 || '-%'",
        prefix);

    internal static void AssertReport(ImportReportShape expected, ImportReport actual)
    {
        Assert.Equal(Words(expected.Rejected), Words(actual.Rejected));
        Assert.Equal(
            (expected.TotalRows, expected.Accepted, expected.Duplicates, expected.Rejected.Count, 0),
            (actual.TotalRows, actual.Accepted, actual.Duplicates, actual.RejectedCount, actual.RejectedNotListed));
    }

    /// <summary>A report's rows as the API words them: number, field and English reason (the codes behind them aside).</summary>
    internal static List<(int Row, string Field, string Reason)> Words(IEnumerable<RejectedRow> rows) =>
        [.. rows.Select(r => (r.Row, r.Field, r.Reason))];
}
