using ChatSurvey.Dispatcher.Import;
using ChatSurvey.Domain.Problems;
using ChatSurvey.TestSupport;

namespace ChatSurvey.Dispatcher.Tests.Import;

/// <summary>An import is loaded entirely or not at all.</summary>
public sealed class TransactionImporterFailureTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    private readonly TransactionImporter _importer = new(ImportTestData.Clock);

    [Fact]
    public async Task RunAsync_Should_LoadNothingAndMarkImportFailed_When_CancelledMidway()
    {
        const string p = "CANCEL";
        await ImportTestData.SeedCatalogueAsync(db.DataSource, p);
        var store = new ImportStore(db.DataSource);
        var importId = await store.CreateAsync(ImportSource.Csv, "cancelled.csv", TestContext.Current.CancellationToken);
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _importer.RunAsync(
            db.DataSource, importId, Rows(p, 5_000, cancelAt: 3_000, cancellation), cancellation.Token));

        Assert.Equal(0L, await CountAsync(importId, p));
        var stored = await store.GetAsync(importId, TestContext.Current.CancellationToken);
        Assert.Equal(ImportStatus.Failed, stored!.Status);
        Assert.Equal("The import was cancelled; nothing was loaded.", stored.Error);
        Assert.Equal(Problem.Of("file", ProblemCodes.ImportCancelled), stored.Failure);
        Assert.Equal((0, 0, 0, 0), (stored.Report.TotalRows, stored.Report.Accepted, stored.Report.Duplicates, stored.Report.RejectedCount));
        Assert.NotNull(stored.FinishedAt);
    }

    [Fact]
    public async Task RunAsync_Should_LoadNothingAndRecordError_When_FileBreaksMidway()
    {
        const string p = "BROKEN";
        await ImportTestData.SeedCatalogueAsync(db.DataSource, p);
        var store = new ImportStore(db.DataSource);
        var importId = await store.CreateAsync(ImportSource.Csv, "broken.csv", TestContext.Current.CancellationToken);
        var rows = Rows(p, 2_000, cancelAt: -1, null).Select((row, i) =>
            i < 1_500 ? row : throw new IOException("The upload was cut off."));

        var error = await Assert.ThrowsAsync<IOException>(() =>
            _importer.RunAsync(db.DataSource, importId, rows, TestContext.Current.CancellationToken));

        Assert.Equal("The upload was cut off.", error.Message);
        Assert.Equal(0L, await CountAsync(importId, p));
        var stored = await store.GetAsync(importId, TestContext.Current.CancellationToken);
        Assert.Equal(ImportStatus.Failed, stored!.Status);
        Assert.Equal("The import failed; nothing was loaded. IOException: The upload was cut off.", stored.Error);
        Assert.Equal(Problem.Of("file", ProblemCodes.ImportFailed, "IOException", "The upload was cut off."), stored.Failure);
    }

    [Fact]
    public async Task RunAsync_Should_LoadEverything_When_FailedImportIsRunAgain()
    {
        const string p = "RETRY";
        await ImportTestData.SeedCatalogueAsync(db.DataSource, p);
        var store = new ImportStore(db.DataSource);
        var importId = await store.CreateAsync(ImportSource.Csv, "retry.csv", TestContext.Current.CancellationToken);
        using (var cancellation = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken))
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _importer.RunAsync(
                db.DataSource, importId, Rows(p, 1_000, cancelAt: 500, cancellation), cancellation.Token));
        }

        var report = await _importer.RunAsync(
            db.DataSource, importId, Rows(p, 1_000, cancelAt: -1, null), TestContext.Current.CancellationToken);

        Assert.Equal((1_000, 1_000, 0), (report.TotalRows, report.Accepted, report.Duplicates));
        Assert.Equal(1_000L, await CountAsync(importId, p));
        var stored = await store.GetAsync(importId, TestContext.Current.CancellationToken);
        Assert.Equal(ImportStatus.Succeeded, stored!.Status);
        Assert.Null(stored.Error);
        Assert.Null(stored.Failure);
    }

    [Fact]
    public async Task ImportAsync_Should_MarkImportFailedWithTheReason_When_HeaderLacksColumns()
    {
        var file = ImportTestData.Csv(["dossierCode", "agencyCode", "phone"], [["HS-1", "X", "0912345678"]], byteOrderMark: false);
        using var stream = new MemoryStream(file);

        var error = await Assert.ThrowsAsync<ImportFileException>(() => _importer.ImportAsync(
            db.DataSource, CsvTransactionReader.ReadAsync(stream, TestContext.Current.CancellationToken), ImportSource.Csv, "no-columns.csv", TestContext.Current.CancellationToken));

        var importId = await ImportTestData.CountAsync(db.DataSource, "SELECT max(id) FROM imports WHERE file_name = 'no-columns.csv'");
        var stored = await new ImportStore(db.DataSource).GetAsync(importId, TestContext.Current.CancellationToken);
        Assert.Equal(ImportStatus.Failed, stored!.Status);
        Assert.Equal(error.Message, stored.Error);
        Assert.Contains("procedureCode, resultDate", error.Message, StringComparison.Ordinal);
        Assert.Equal(error.Problem, stored.Failure);
        Assert.Equal(ProblemCodes.ImportMissingColumns, stored.Failure!.Code);
    }

    private static async IAsyncEnumerable<ImportRow> Rows(
        string p, int count, int cancelAt, CancellationTokenSource? cancellation)
    {
        for (var i = 0; i < count; i++)
        {
            if (i == cancelAt)
                await cancellation!.CancelAsync();
            yield return new ImportRow(i + 2, new TransactionRow($"HS-{i:D5}", $"{p}-A1", $"{p}-P1", "0912345678", "2025-03-01"));
        }

        await Task.CompletedTask;
    }

    private Task<long> CountAsync(long importId, string prefix) => ImportTestData.CountAsync(
        db.DataSource,
        "SELECT count(*) FROM transactions t JOIN agencies a ON a.id = t.agency_id WHERE t.import_id = $1 OR a.code LIKE $2 || '-%'",
        importId, prefix);
}
