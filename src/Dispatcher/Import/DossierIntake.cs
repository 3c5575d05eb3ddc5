using ChatSurvey.Dispatcher.Transactions;
using ChatSurvey.Domain.Problems;
using ChatSurvey.Domain.Time;
using Npgsql;

namespace ChatSurvey.Dispatcher.Import;

/// <summary>
/// Dossiers posted by a one-stop-shop system (<c>POST /api/integrations/dossiers</c>, docs/design.md "Integration API"):
/// at most <see cref="MaxDossiersPerCall"/> per call, checked by <see cref="TransactionRowValidator"/> with the
/// integration's rules (<see cref="RowRules.Integration"/>: no result date yet is allowed, a retired agency is not) and
/// saved idempotently per (agency, dossier code) by <see cref="TransactionStore.SaveDossiersAsync"/>. The batch, its
/// import row (source <c>integration</c>, the key that posted it) and its report are one transaction.
/// </summary>
/// <remarks>
/// The report has the JSON batch's shape: <c>Accepted</c> counts the dossiers inserted or updated; <c>Duplicates</c> those
/// that changed nothing (a repeat of an earlier element of the same batch, whose first occurrence wins, or a repost
/// equal to what is stored); <c>Rejected</c> lists the invalid elements and those a wave has already decided whose repost
/// differs (<see cref="ProblemCodes.RowDossierDecided"/>: the stored dossier is left unchanged).
/// </remarks>
public sealed class DossierIntake(TimeProvider clock)
{
    public const int MaxDossiersPerCall = 1000;

    /// <summary>
    /// Saves the batch and answers its report, numbering elements by their 0-based index. An empty batch stores nothing
    /// (its report has import id 0).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">More than <see cref="MaxDossiersPerCall"/> dossiers: the caller checks first.</exception>
    public async Task<ImportReport> PostAsync(
        NpgsqlDataSource dataSource, IReadOnlyList<TransactionRow> dossiers, long integrationKeyId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(dossiers);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(dossiers.Count, MaxDossiersPerCall);
        if (dossiers.Count == 0)
            return new ImportReport(0, 0, 0, 0, []);

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var importId = await ImportStore.CreateIntegrationAsync(connection, transaction, integrationKeyId, cancellationToken);
        var validator = (await ImportCatalogue.LoadAsync(connection, transaction, cancellationToken))
            .Validator(VietnamTime.Today(clock), RowRules.Integration);

        var rejected = new List<RejectedRow>();
        var unique = new List<ValidTransaction>();
        var seen = new HashSet<(long AgencyId, string DossierCode)>();
        var repeats = 0;
        foreach (var row in ImportRow.FromBatch(dossiers))
        {
            if (!validator.TryValidate(row, out var valid, out var rejection))
                rejected.Add(rejection!);
            else if (!seen.Add((valid.AgencyId, valid.DossierCode)))
                repeats++;
            else
                unique.Add(valid);
        }

        var outcomes = await TransactionStore.SaveDossiersAsync(connection, transaction, unique, importId, cancellationToken);
        var accepted = outcomes.Values.Count(o => o is DossierOutcome.Inserted or DossierOutcome.Updated);
        var unchanged = outcomes.Values.Count(o => o == DossierOutcome.Unchanged);
        rejected.AddRange(outcomes.Where(o => o.Value == DossierOutcome.Decided)
            .Select(o => RejectedRow.For(o.Key, Problem.Of(TransactionFields.DossierCode, ProblemCodes.RowDossierDecided))));
        rejected.Sort((a, b) => a.Row.CompareTo(b.Row));

        var report = new ImportReport(importId, dossiers.Count, accepted, repeats + unchanged, rejected);
        await ImportStore.MarkSucceededAsync(connection, transaction, report, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return report;
    }
}
