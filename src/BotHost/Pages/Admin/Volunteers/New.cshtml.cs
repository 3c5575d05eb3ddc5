using ChatSurvey.BotHost.Admin;
using ChatSurvey.BotHost.Volunteers;
using ChatSurvey.Dispatcher.Catalogue;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace ChatSurvey.BotHost.Pages.Admin.Volunteers;

/// <summary>
/// Coordinators and administrators add volunteers: one by one with the form, or many from a CSV (all or nothing, every
/// bad row listed), as <c>POST /api/admin/volunteers</c> and <c>/import</c> do. Only current agencies can be assigned.
/// </summary>
public sealed class NewModel(VolunteerStore volunteers, CatalogueStore catalogue) : PageModel
{
    [BindProperty]
    public VolunteerForm Form { get; set; } = new();

    [BindProperty]
    public IFormFile? Upload { get; set; }

    [TempData]
    public string? Message { get; set; }

    public string? UploadError { get; private set; }

    public IReadOnlyList<ImportProblemRow> ImportProblems { get; private set; } = [];

    public IReadOnlyList<CatalogueAgency> Agencies { get; private set; } = [];

    public IReadOnlyList<UnionUnit> Units { get; private set; } = [];

    public async Task OnGetAsync(CancellationToken cancellationToken) => await LoadAsync(cancellationToken);

    public async Task<IActionResult> OnPostCreateAsync(CancellationToken cancellationToken)
    {
        var (created, problems) = await volunteers.CreateAsync(
            new NewVolunteer(Form.UserName, Form.Password, Form.Name, Form.Phone, Form.UnionUnit, Form.AgencyCodes),
            User.AccountId(), cancellationToken);
        if (created is null)
        {
            foreach (var problem in problems)
                ModelState.AddModelError($"Form.{char.ToUpperInvariant(problem.Field[0])}{problem.Field[1..]}", problem.Vietnamese);
            Form.Password = null;
            await LoadAsync(cancellationToken);
            Response.StatusCode = StatusCodes.Status400BadRequest;
            return Page();
        }

        Message = $"Đã tạo tình nguyện viên {created.Name} (tên đăng nhập {created.UserName}, {created.UnionUnit}).";
        return RedirectToPage();
    }

    public async Task<IActionResult> OnPostImportAsync(CancellationToken cancellationToken)
    {
        var (result, problem) = await VolunteerUploads.ImportAsync(Upload, volunteers, User.AccountId(), cancellationToken);
        if (result is { Imported: true })
        {
            Message = $"Đã nhập tệp {Path.GetFileName(Upload!.FileName)}: {result.Created} tình nguyện viên mới.";
            return RedirectToPage(null, null, null, "import");
        }

        UploadError = problem?.Vietnamese;
        ImportProblems = result is null
            ? []
            : [.. result.Problems.Select(p => new ImportProblemRow(p.Row, p.UserName, p.Problem.Field, p.Problem.Vietnamese))];
        await LoadAsync(cancellationToken);
        Response.StatusCode = StatusCodes.Status400BadRequest;
        return Page();
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        Agencies = [.. (await catalogue.ListAgenciesAsync(cancellationToken)).Where(a => !a.Retired)];
        Units = await volunteers.ListUnitsAsync(cancellationToken);
    }

    public sealed class VolunteerForm
    {
        public string? UserName { get; set; }

        public string? Password { get; set; }

        public string? Name { get; set; }

        public string? Phone { get; set; }

        public string? UnionUnit { get; set; }

        public List<string> AgencyCodes { get; set; } = [];
    }

    /// <summary>A bad row of a refused volunteers file: its spreadsheet row, user name as written, column and reason.</summary>
    public sealed record ImportProblemRow(int Row, string? UserName, string Column, string Reason);
}
