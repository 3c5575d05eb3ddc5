using System.Diagnostics;
using System.Text;
using ChatSurvey.Dispatcher.Import;
using ChatSurvey.TestSupport;

namespace ChatSurvey.Dispatcher.Tests.Import;

public sealed class TransactionImportVolumeTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    private const int Rows = 100_000;

    [Fact]
    public async Task ImportAsync_Should_LoadAllRowsInOneCall_When_CsvHas100000Rows()
    {
        const string p = "VOL";
        await ImportTestData.SeedCatalogueAsync(db.DataSource, p);
        var path = Path.Combine(Path.GetTempPath(), $"chatsurvey-import-{Guid.NewGuid():N}.csv");
        try
        {
            await WriteFileAsync(path, p);
            var importer = new TransactionImporter(ImportTestData.Clock);

            var stopwatch = Stopwatch.StartNew();
            ImportReport report;
            await using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan))
            {
                report = await importer.ImportAsync(
                    db.DataSource, CsvTransactionReader.ReadAsync(stream, TestContext.Current.CancellationToken),
                    ImportSource.Csv, "100k.csv", TestContext.Current.CancellationToken);
            }

            stopwatch.Stop();

            // Every 1000th row has a bad phone (100 rows); every 500th repeats the dossier of the row 3 before it (200 rows).
            Assert.Equal((Rows, Rows - 300, 200, 100), (report.TotalRows, report.Accepted, report.Duplicates, report.RejectedCount));
            Assert.All(report.Rejected, rejected => Assert.Equal("phone", rejected.Field));
            Assert.Equal(1_001, report.Rejected[0].Row);
            Assert.Equal((long)(Rows - 300), await ImportTestData.CountAsync(
                db.DataSource, "SELECT count(*) FROM transactions WHERE import_id = $1", report.ImportId));

            var message = $"Imported {Rows:N0} CSV rows in {stopwatch.Elapsed.TotalSeconds:F2} s: {Rows / stopwatch.Elapsed.TotalSeconds:N0} rows/s";
            TestContext.Current.TestOutputHelper?.WriteLine(message);
            TestContext.Current.SendDiagnosticMessage(message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static async Task WriteFileAsync(string path, string p)
    {
        await using var writer = new StreamWriter(path, append: false, new UTF8Encoding(encoderShouldEmitUTF8Identifier: true));
        await writer.WriteLineAsync("dossier_code,agency_code,procedure_code,phone,result_date,applicant_name,applicant_type");
        var firstDay = new DateOnly(2024, 1, 1);
        for (var i = 0; i < Rows; i++)
        {
            var dossier = i % 500 == 250 ? i - 3 : i;
            var phone = i % 1000 == 999 ? "12345" : $"09{10_000_000 + i:D8}";
            // Agencies follow i % 3 (A1, A2, A1), so row i - 3 has the same agency as row i.
            var agency = $"{p}-A{1 + i % 3 % 2}";
            await writer.WriteLineAsync(
                $"HS-{dossier:D7},{agency},{p}-P1,{phone},{firstDay.AddDays(i % 365):yyyy-MM-dd},Người dân số {i},{(i % 7 == 0 ? "organization" : "citizen")}");
        }
    }
}
