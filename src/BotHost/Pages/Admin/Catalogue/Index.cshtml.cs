using ChatSurvey.Dispatcher.Catalogue;
using ChatSurvey.Domain.Problems;
using ChatSurvey.Domain.Sms;
using ChatSurvey.Domain.Statuses;
using ChatSurvey.BotHost.Admin;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace ChatSurvey.BotHost.Pages.Admin.Catalogue;

/// <summary>
/// <c>/admin/catalogue</c>: current agencies as a tree with their kind and reporting block, the retired ones apart (kept
/// for history), procedures with their SMS label, and the forms that add, update, retire or bring back an entry, or import
/// a catalogue CSV. The forms save through <see cref="CatalogueStore"/>, as <c>POST /api/admin/agencies</c>,
/// <c>/agencies/import</c>, <c>/agencies/{code}/retire</c> and <c>/procedures</c> do, so the page and the API accept
/// and refuse the same entries.
/// </summary>
[RequestSizeLimit(CatalogueUploads.MaxRequestBytes)]
[RequestFormLimits(MultipartBodyLengthLimit = CatalogueUploads.MaxRequestBytes)]
public sealed class IndexModel(CatalogueStore catalogue) : PageModel
{
    public const string Create = "create";
    public const string Update = "update";

    /// <summary>The agency kinds (<see cref="CatalogueStore.AgencyKinds"/>, in its order) with their Vietnamese names.</summary>
    public static readonly IReadOnlyList<(string Kind, string Label)> Kinds = [.. CatalogueStore.AgencyKinds.Select(k => (k, KindLabel(k)))];

    [BindProperty]
    public AgencyForm Agency { get; set; } = new();

    [BindProperty]
    public ProcedureForm Procedure { get; set; } = new();

    /// <summary>A code whose row has just been saved (after the redirect), for the notice.</summary>
    [BindProperty(SupportsGet = true)]
    public string? Saved { get; set; }

    /// <summary>The catalogue file of the import form.</summary>
    [BindProperty]
    public IFormFile? Upload { get; set; }

    /// <summary>After a good import (and its redirect): what it did.</summary>
    [TempData]
    public string? ImportMessage { get; set; }

    /// <summary>After a retirement or a return (and its redirect): what changed.</summary>
    [TempData]
    public string? RetireMessage { get; set; }

    /// <summary>Why the uploaded file could not be read, or null.</summary>
    public string? UploadError { get; private set; }

    /// <summary>The bad rows of a refused import, by row.</summary>
    public IReadOnlyList<ImportProblemRow> ImportProblems { get; private set; } = [];

    /// <summary>Current agencies, as a tree.</summary>
    public IReadOnlyList<AgencyRow> Agencies { get; private set; } = [];

    /// <summary>Retired agencies (abolished, merged), kept for their history, by name.</summary>
    public IReadOnlyList<AgencyRow> Retired { get; private set; } = [];

    /// <summary>Every agency code, for the parent picker (a retired agency may still be a parent in the history).</summary>
    public IReadOnlyList<AgencyRow> AllAgencies => [.. Agencies, .. Retired];

    public IReadOnlyList<ProcedureRow> Procedures { get; private set; } = [];

    /// <summary>The kind's Vietnamese name (the block's is <see cref="AgencyBlock.Name"/>).</summary>
    public static string KindLabel(string kind) => kind switch
    {
        AgencyKind.City => "Thành phố",
        AgencyKind.Department => "Sở, ban, ngành",
        AgencyKind.Ward => "Phường",
        AgencyKind.Commune => "Xã",
        AgencyKind.SpecialZone => "Đặc khu",
        AgencyKind.Central => "Cơ quan Trung ương tại địa phương",
        AgencyKind.District => "Quận, huyện (trước 01/7/2025)",
        _ => kind,
    };

    /// <summary><c>aria-invalid</c> for a field with an error (Pico colours it), else no attribute.</summary>
    public string? Invalid(string key) => ModelState.TryGetValue(key, out var entry) && entry.Errors.Count > 0 ? "true" : null;

    /// <summary><c>?agency=CODE</c> or <c>?procedure=CODE</c> fills the matching form to update that entry.</summary>
    public async Task OnGetAsync(string? agency, string? procedure, CancellationToken cancellationToken)
    {
        await LoadAsync(cancellationToken);
        if (AllAgencies.FirstOrDefault(a => a.Code == agency) is { } editAgency)
            Agency = new AgencyForm { Mode = Update, Code = editAgency.Code, Name = editAgency.Name, Kind = editAgency.Kind, ParentCode = editAgency.ParentCode };
        if (Procedures.FirstOrDefault(p => p.Code == procedure) is { } editProcedure)
            Procedure = new ProcedureForm { Mode = Update, Code = editProcedure.Code, Name = editProcedure.Name, ShortName = editProcedure.ShortName, Field = editProcedure.Field };
    }

    public async Task<IActionResult> OnPostAgencyAsync(CancellationToken cancellationToken)
    {
        var entry = new AgencyEntry(Agency.Code, Agency.Name, Agency.Kind, Agency.ParentCode);
        var result = await catalogue.SaveAgencyAsync(entry, createOnly: Agency.Mode != Update, cancellationToken);
        if (result.Saved is { } saved)
            return RedirectToPage(new { saved = saved.Code });
        return await ShowProblemsAsync(nameof(Agency), result.Problems, cancellationToken);
    }

    /// <summary>Retires an agency (<paramref name="retired"/>) or brings it back, as <c>/api/admin/agencies/{code}/retire</c> does.</summary>
    public async Task<IActionResult> OnPostRetireAsync(string? code, bool retired, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(code) || await catalogue.RetireAgencyAsync(code, retired, cancellationToken) is not { } agency)
        {
            ModelState.AddModelError("Retire", Problem.Of("code", ProblemCodes.CatalogueAgencyUnknown, code ?? "").Vietnamese);
            await LoadAsync(cancellationToken);
            Response.StatusCode = StatusCodes.Status404NotFound;
            return Page();
        }

        RetireMessage = agency.Retired
            ? $"Đã chuyển {agency.Code} ({agency.Name}) sang danh sách đã giải thể / ngừng khảo sát: không đưa vào đợt khảo sát mới; số liệu cũ vẫn giữ."
            : $"Đã khôi phục {agency.Code} ({agency.Name}): đơn vị lại được đưa vào các đợt khảo sát mới.";
        return RedirectToPage(null, null, null, agency.Retired ? "retired" : "agencies");
    }

    /// <summary>Imports a catalogue CSV, all or nothing, as <c>POST /api/admin/agencies/import</c> does.</summary>
    public async Task<IActionResult> OnPostImportAsync(CancellationToken cancellationToken)
    {
        var (result, problem) = await CatalogueUploads.ImportAsync(Upload, catalogue, cancellationToken);
        if (result is { Imported: true })
        {
            ImportMessage = $"Đã nhập tệp {Path.GetFileName(Upload!.FileName)}: {result.Added} đơn vị mới, {result.Updated} đơn vị cập nhật, "
                + $"{result.Unchanged} đơn vị không thay đổi.";
            return RedirectToPage(null, null, null, "import");
        }

        UploadError = problem?.Vietnamese;
        ImportProblems = result is null ? [] : [.. result.Problems.Select(p => new ImportProblemRow(p.Row, p.Code, ColumnOf(p.Problem.Field), p.Problem.Vietnamese))];
        await LoadAsync(cancellationToken);
        Response.StatusCode = StatusCodes.Status400BadRequest;
        return Page();
    }

    public async Task<IActionResult> OnPostProcedureAsync(CancellationToken cancellationToken)
    {
        var entry = new ProcedureEntry(Procedure.Code, Procedure.Name, Procedure.ShortName, Procedure.Field);
        var result = await catalogue.SaveProcedureAsync(entry, createOnly: Procedure.Mode != Update, cancellationToken);
        if (result.Saved is { } saved)
            return RedirectToPage(null, null, new { saved = saved.Code }, "procedures");
        return await ShowProblemsAsync(nameof(Procedure), result.Problems, cancellationToken);
    }

    private async Task<PageResult> ShowProblemsAsync(string form, IReadOnlyList<Problem> problems, CancellationToken cancellationToken)
    {
        // The API names fields in camelCase ("parentCode"); the form's inputs are "Agency.ParentCode".
        foreach (var problem in problems)
            ModelState.AddModelError($"{form}.{char.ToUpperInvariant(problem.Field[0])}{problem.Field[1..]}", problem.Vietnamese);
        await LoadAsync(cancellationToken);
        Response.StatusCode = StatusCodes.Status400BadRequest;
        return Page();
    }

    /// <summary>The file's column a problem is about (the store names fields as the API does).</summary>
    private static string ColumnOf(string field) => field switch
    {
        "parentCode" => "parent_code",
        _ => field,
    };

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        var counts = await catalogue.TransactionCountsAsync(cancellationToken);
        var agencies = await catalogue.ListAgenciesAsync(cancellationToken);
        Agencies = AsTree([.. agencies.Where(a => !a.Retired)
            .Select(a => (a.Code, a.Name, a.Kind, a.Block, a.ParentCode, counts.GetValueOrDefault(a.Code)))]);
        Retired = [.. agencies.Where(a => a.Retired)
            .OrderBy(a => CatalogueStore.KindOrder(a.Kind)).ThenBy(a => a.Name, StringComparer.CurrentCulture)
            .Select(a => new AgencyRow(a.Code, a.Name, a.Kind, a.Block, a.ParentCode, 0, counts.GetValueOrDefault(a.Code), a.RetiredAt))];
        Procedures = [.. (await catalogue.ListProceduresAsync(cancellationToken))
            .Select(p => new ProcedureRow(p.Code, p.Name, p.ShortName, p.Field, Gsm7.Measure(p.ShortName)))];
    }

    /// <summary>
    /// Depth first from the top-level agencies (those without a current parent); siblings by kind (departments before
    /// wards, communes, special zones), then name.
    /// </summary>
    private static List<AgencyRow> AsTree(List<(string Code, string Name, string Kind, string Block, string? Parent, long Transactions)> rows)
    {
        var children = rows.ToLookup(r => r.Parent);
        var codes = rows.Select(r => r.Code).ToHashSet(StringComparer.Ordinal);
        var tree = new List<AgencyRow>(rows.Count);
        var visited = new HashSet<string>(StringComparer.Ordinal);

        void Visit(IEnumerable<(string Code, string Name, string Kind, string Block, string? Parent, long Transactions)> level, int depth)
        {
            foreach (var row in level.OrderBy(r => CatalogueStore.KindOrder(r.Kind)).ThenBy(r => r.Name, StringComparer.CurrentCulture))
            {
                // The API refuses cycles; the guard only keeps a hand-edited table from looping here.
                if (!visited.Add(row.Code))
                    continue;
                tree.Add(new AgencyRow(row.Code, row.Name, row.Kind, row.Block, row.Parent, depth, row.Transactions, null));
                Visit(children[row.Code], depth + 1);
            }
        }

        Visit(rows.Where(r => r.Parent is null || !codes.Contains(r.Parent)), 0);
        return tree;
    }

    public sealed class AgencyForm
    {
        public string? Mode { get; set; } = Create;

        public string? Code { get; set; }

        public string? Name { get; set; }

        public string? Kind { get; set; }

        public string? ParentCode { get; set; }
    }

    public sealed class ProcedureForm
    {
        public string? Mode { get; set; } = Create;

        public string? Code { get; set; }

        public string? Name { get; set; }

        public string? ShortName { get; set; }

        public string? Field { get; set; }
    }

    public sealed record AgencyRow(
        string Code, string Name, string Kind, string Block, string? ParentCode, int Depth, long Transactions, DateTimeOffset? RetiredAt);

    /// <summary>A bad row of a refused catalogue file: its spreadsheet row, code as written, column and reason.</summary>
    public sealed record ImportProblemRow(int Row, string? Code, string Column, string Reason);

    public sealed record ProcedureRow(string Code, string Name, string ShortName, string? Field, SmsMeasure Measure);
}
