using ChatSurvey.Dispatcher.Catalogue;
using ChatSurvey.Domain.Problems;
using ChatSurvey.Domain.Sms;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace ChatSurvey.BotHost.Pages.Admin.Catalogue;

/// <summary>
/// <c>/admin/catalogue</c>: agencies as a tree and procedures with their SMS label, and the forms that add or update
/// them. The forms save through <see cref="CatalogueStore"/>, as <c>POST /api/admin/agencies</c> and <c>/procedures</c>
/// do, so the page and the API accept and refuse the same entries.
/// </summary>
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

    public IReadOnlyList<AgencyRow> Agencies { get; private set; } = [];

    public IReadOnlyList<ProcedureRow> Procedures { get; private set; } = [];

    public static string KindLabel(string kind) => kind switch
    {
        "city" => "Thành phố",
        "department" => "Sở, ban, ngành",
        "district" => "Quận, huyện",
        "commune" => "Xã, phường, thị trấn",
        "central" => "Cơ quan Trung ương tại địa phương",
        _ => kind,
    };

    /// <summary><c>aria-invalid</c> for a field with an error (Pico colours it), else no attribute.</summary>
    public string? Invalid(string key) => ModelState.TryGetValue(key, out var entry) && entry.Errors.Count > 0 ? "true" : null;

    /// <summary><c>?agency=CODE</c> or <c>?procedure=CODE</c> fills the matching form to update that entry.</summary>
    public async Task OnGetAsync(string? agency, string? procedure, CancellationToken cancellationToken)
    {
        await LoadAsync(cancellationToken);
        if (Agencies.FirstOrDefault(a => a.Code == agency) is { } editAgency)
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

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        var counts = await catalogue.TransactionCountsAsync(cancellationToken);
        Agencies = AsTree([.. (await catalogue.ListAgenciesAsync(cancellationToken))
            .Select(a => (a.Code, a.Name, a.Kind, a.ParentCode, counts.GetValueOrDefault(a.Code)))]);
        Procedures = [.. (await catalogue.ListProceduresAsync(cancellationToken))
            .Select(p => new ProcedureRow(p.Code, p.Name, p.ShortName, p.Field, Gsm7.Measure(p.ShortName)))];
    }

    /// <summary>Depth first from the top-level agencies; siblings by kind (departments before districts), then name.</summary>
    private static List<AgencyRow> AsTree(List<(string Code, string Name, string Kind, string? Parent, long Transactions)> rows)
    {
        var children = rows.ToLookup(r => r.Parent);
        var codes = rows.Select(r => r.Code).ToHashSet(StringComparer.Ordinal);
        var tree = new List<AgencyRow>(rows.Count);
        var visited = new HashSet<string>(StringComparer.Ordinal);

        void Visit(IEnumerable<(string Code, string Name, string Kind, string? Parent, long Transactions)> level, int depth)
        {
            foreach (var row in level.OrderBy(r => CatalogueStore.KindOrder(r.Kind)).ThenBy(r => r.Name, StringComparer.CurrentCulture))
            {
                // The API refuses cycles; the guard only keeps a hand-edited table from looping here.
                if (!visited.Add(row.Code))
                    continue;
                tree.Add(new AgencyRow(row.Code, row.Name, row.Kind, row.Parent, depth, row.Transactions));
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

    public sealed record AgencyRow(string Code, string Name, string Kind, string? ParentCode, int Depth, long Transactions);

    public sealed record ProcedureRow(string Code, string Name, string ShortName, string? Field, SmsMeasure Measure);
}
