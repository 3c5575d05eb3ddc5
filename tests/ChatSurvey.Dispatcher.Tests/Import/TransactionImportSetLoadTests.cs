using System.Runtime.CompilerServices;
using ChatSurvey.Dispatcher.Import;
using ChatSurvey.TestSupport;
using Npgsql;

namespace ChatSurvey.Dispatcher.Tests.Import;

/// <summary>
/// The import's move from staging into <c>transactions</c> with set operations: each dossier's first row, stored dossiers
/// left as they are, and the references proven for the whole set or, for a role that may not skip PostgreSQL's per-row
/// foreign-key checks, checked by PostgreSQL as usual — with the same outcome either way.
/// </summary>
public sealed class TransactionImportSetLoadTests(DatabaseFixture db) : IClassFixture<DatabaseFixture>
{
    private readonly TransactionImporter _importer = new(ImportTestData.Clock);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(TransactionImporter.DefaultChunkRows)]
    public async Task ImportAsync_Should_KeepEachDossiersFirstValidRow_When_DossiersRepeatOutOfKeyOrder(int chunkRows)
    {
        var p = "FIRST" + chunkRows;
        await ImportTestData.SeedCatalogueAsync(db.DataSource, p);
        var importer = new TransactionImporter(ImportTestData.Clock) { ChunkRows = chunkRows };
        ImportRow[] rows =
        [
            Row(p, 2, "HS-B", "0912000002"),
            Row(p, 3, "HS-A", "0912000003"),
            Row(p, 4, "HS-B", "0912000004"),
            Row(p, 5, "HS-C", "12345"),
            Row(p, 6, "HS-A", "0912000006"),
            Row(p, 7, "HS-C", "0912000007"),
            Row(p, 8, "HS-B", "0912000008"),
        ];

        var report = await importer.ImportAsync(db.DataSource, rows, ImportSource.Api, null, TestContext.Current.CancellationToken);

        Assert.Equal((7, 3, 3, 1), (report.TotalRows, report.Accepted, report.Duplicates, report.RejectedCount));
        Assert.Equal(5, Assert.Single(report.Rejected).Row);
        // A rejected row is no occurrence: the dossier's first valid row is the one kept.
        Assert.Equal(["HS-A +84912000003", "HS-B +84912000002", "HS-C +84912000007"], await StoredAsync(p));
    }

    [Fact]
    public async Task ImportAsync_Should_LeaveAStoredDossierAsItWas_When_TheFileRepeatsItWithOtherFields()
    {
        const string p = "KEEP";
        await ImportTestData.SeedCatalogueAsync(db.DataSource, p);
        await ImportTestData.InsertExistingAsync(db.DataSource, p, "HS-900");
        var before = await StoredRowAsync(p, "HS-900");

        var report = await _importer.ImportAsync(
            db.DataSource, [Row(p, 2, "HS-900", "0912999999"), Row(p, 3, "HS-901", "0912000003")], ImportSource.Api, null,
            TestContext.Current.CancellationToken);

        Assert.Equal((2, 1, 1), (report.TotalRows, report.Accepted, report.Duplicates));
        // Files never update a dossier (the one-stop-shop integration does): same fields, same updated_at, no import.
        Assert.Equal(before, await StoredRowAsync(p, "HS-900"));
        Assert.Equal("+84912000000", before.Phone);
        Assert.Null(before.ImportId);
    }

    [Theory]
    [InlineData("SAMPLE1", false, 1)]
    [InlineData("SAMPLE2", false, 2)]
    [InlineData("SAMPLE5", false, 5)]
    [InlineData("ROLE", true, TransactionImporter.DefaultChunkRows)]
    [InlineData("ROLE2", true, 2)]
    public async Task ImportAsync_Should_LoadTheSameRowsAndReport_When_ChunksOrTheRoleDiffer(string p, bool limitedRole, int chunkRows)
    {
        await ImportTestData.SeedCatalogueAsync(db.DataSource, p);
        await ImportTestData.InsertExistingAsync(db.DataSource, p, "HS-900");
        // A role that may not skip PostgreSQL's per-row foreign-key checks loads the same rows.
        await using var limited = limitedRole ? await LimitedRoleAsync() : null;
        var file = ImportTestData.Csv(ImportTestData.SnakeCaseHeader, ImportTestData.SampleRows(p), byteOrderMark: true);
        var importer = new TransactionImporter(ImportTestData.Clock) { ChunkRows = chunkRows };

        using var stream = new MemoryStream(file);
        var report = await importer.ImportAsync(
            limited?.DataSource ?? db.DataSource, CsvTransactionReader.ReadAsync(stream, TestContext.Current.CancellationToken), ImportSource.Csv, "a.csv",
            TestContext.Current.CancellationToken);

        TransactionImporterTests.AssertReport(ImportTestData.ExpectedReport, report);
        Assert.Equal(ImportTestData.ExpectedLoaded(p), await ImportTestData.LoadedAsync(db.DataSource, report.ImportId));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task RunAsync_Should_LoadNothingAndFail_When_AnAgencyOfTheRowsIsDeletedWhileTheyStream(bool limitedRole)
    {
        var p = limitedRole ? "GONEL" : "GONE";
        await ImportTestData.SeedCatalogueAsync(db.DataSource, p);
        await using var limited = limitedRole ? await LimitedRoleAsync() : null;
        var dataSource = limited?.DataSource ?? db.DataSource;
        var importId = await new ImportStore(dataSource).CreateAsync(ImportSource.Api, null, TestContext.Current.CancellationToken);

        var error = await Assert.ThrowsAnyAsync<Exception>(() => _importer.RunAsync(
            dataSource, importId, RowsDeletingAgencyAsync(p, TestContext.Current.CancellationToken), TestContext.Current.CancellationToken));

        // The superuser's load proves the references itself and finds the agency gone; the limited role's is stopped by
        // PostgreSQL's foreign-key check. Either way nothing is loaded and the import has failed.
        if (limitedRole)
            Assert.Equal(PostgresErrorCodes.ForeignKeyViolation, Assert.IsType<PostgresException>(error).SqlState);
        else
            Assert.Contains("was deleted while it ran", Assert.IsType<InvalidOperationException>(error).Message, StringComparison.Ordinal);
        Assert.Equal(0L, await ImportTestData.CountAsync(db.DataSource, "SELECT count(*) FROM transactions WHERE import_id = $1", importId));
        Assert.Equal(ImportStatus.Failed, (await new ImportStore(db.DataSource).GetAsync(importId, TestContext.Current.CancellationToken))!.Status);
    }

    [Fact]
    public async Task RowsLoadedAsync_Should_CountTheRowsOfEveryChunkStaged_When_TheImportIsPausedAfterSomeChunks()
    {
        const string p = "PROGRESS";
        await ImportTestData.SeedCatalogueAsync(db.DataSource, p);
        var store = new ImportStore(db.DataSource);
        var importId = await store.CreateAsync(ImportSource.Csv, "lon.csv", TestContext.Current.CancellationToken);
        var paused = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var importer = new TransactionImporter(ImportTestData.Clock) { ChunkRows = 500 };

        async IAsyncEnumerable<ImportRow> Rows()
        {
            for (var i = 0; i < 1_200; i++)
                yield return new ImportRow(i + 2, new TransactionRow($"HS-{i}", $"{p}-A1", $"{p}-P1", $"09120{i:D5}", "2025-03-01"));
            await paused.Task;
            yield return new ImportRow(1_202, new TransactionRow("HS-last", $"{p}-A2", $"{p}-P1", "0912999999", "2025-03-01"));
        }

        var run = importer.RunAsync(db.DataSource, importId, Rows(), TestContext.Current.CancellationToken);
        try
        {
            // Two chunks have been handed over; the 200 rows after them are in the next COPY or wait for the second move.
            var loaded = await Eventually.UntilAsync(
                () => store.RowsLoadedAsync(importId, TestContext.Current.CancellationToken), n => n >= 1_000,
                "the import to report the rows of its first two chunks", cancellationToken: TestContext.Current.CancellationToken);
            Assert.InRange(loaded!.Value, 1_000, 1_200);
        }
        finally
        {
            paused.SetResult();
        }

        Assert.Equal(1_201, (await run).Accepted);
        Assert.Null(await store.RowsLoadedAsync(importId, TestContext.Current.CancellationToken));
    }

    private static ImportRow Row(string p, int row, string dossierCode, string phone) =>
        new(row, new TransactionRow(dossierCode, $"{p}-A1", $"{p}-P1", phone, "2025-03-01"));

    /// <summary>Two rows of agency A2, which another session deletes between them (it has no transactions yet).</summary>
    private async IAsyncEnumerable<ImportRow> RowsDeletingAgencyAsync(string p, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        yield return new ImportRow(2, new TransactionRow("HS-1", $"{p}-A1", $"{p}-P1", "0912000001", "2025-03-01"));
        yield return new ImportRow(3, new TransactionRow("HS-2", $"{p}-A2", $"{p}-P1", "0912000002", "2025-03-01"));
        await using (var delete = db.DataSource.CreateCommand("DELETE FROM agencies WHERE code = $1"))
        {
            delete.Parameters.AddWithValue($"{p}-A2");
            Assert.Equal(1, await delete.ExecuteNonQueryAsync(cancellationToken));
        }

        yield return new ImportRow(4, new TransactionRow("HS-3", $"{p}-A1", $"{p}-P1", "0912000003", "2025-03-01"));
    }

    private async Task<IReadOnlyList<string>> StoredAsync(string p)
    {
        await using var command = db.DataSource.CreateCommand(
            """
            SELECT t.dossier_code || ' ' || t.phone
            FROM transactions t JOIN agencies a ON a.id = t.agency_id
            WHERE a.code LIKE $1 || '-%'
            ORDER BY t.dossier_code
            """);
        command.Parameters.AddWithValue(p);
        var stored = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        while (await reader.ReadAsync(TestContext.Current.CancellationToken))
            stored.Add(reader.GetString(0));
        return stored;
    }

    private async Task<(long Id, string Phone, DateOnly ResultDate, DateTimeOffset UpdatedAt, long? ImportId)> StoredRowAsync(string p, string dossierCode)
    {
        await using var command = db.DataSource.CreateCommand(
            """
            SELECT t.id, t.phone, t.result_date, t.updated_at, t.import_id
            FROM transactions t JOIN agencies a ON a.id = t.agency_id
            WHERE a.code = $1 || '-A1' AND t.dossier_code = $2
            """);
        command.Parameters.AddWithValue(p);
        command.Parameters.AddWithValue(dossierCode);
        await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        Assert.True(await reader.ReadAsync(TestContext.Current.CancellationToken));
        return (reader.GetInt64(0), reader.GetString(1), reader.GetFieldValue<DateOnly>(2), reader.GetFieldValue<DateTimeOffset>(3),
            reader.IsDBNull(4) ? null : reader.GetInt64(4));
    }

    /// <summary>A login that may read and write the tables but is no superuser, as on a server the operator runs.</summary>
    private async Task<LimitedRole> LimitedRoleAsync()
    {
        var name = "importer_" + Guid.NewGuid().ToString("N")[..8];
        var password = Guid.NewGuid().ToString("N");
        await using (var command = db.DataSource.CreateCommand(
            $"""
            CREATE ROLE {name} LOGIN PASSWORD '{password}';
            GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {name};
            GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {name};
            """))
        {
            await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        }

        var connectionString = new NpgsqlConnectionStringBuilder(db.ConnectionString) { Username = name, Password = password }.ConnectionString;
        return new LimitedRole(db.DataSource, name, NpgsqlDataSource.Create(connectionString));
    }

    private sealed class LimitedRole(NpgsqlDataSource admin, string name, NpgsqlDataSource dataSource) : IAsyncDisposable
    {
        public NpgsqlDataSource DataSource => dataSource;

        public async ValueTask DisposeAsync()
        {
            await dataSource.DisposeAsync();
            await using var drop = admin.CreateCommand($"DROP OWNED BY {name}; DROP ROLE {name}");
            await drop.ExecuteNonQueryAsync(TestContext.Current.CancellationToken);
        }
    }
}
