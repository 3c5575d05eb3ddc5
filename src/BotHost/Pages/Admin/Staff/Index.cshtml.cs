using ChatSurvey.BotHost.Admin;
using ChatSurvey.Dispatcher.Import;
using ChatSurvey.Dispatcher.Integrity;
using ChatSurvey.Domain.Integrity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.Extensions.Options;

namespace ChatSurvey.BotHost.Pages.Admin.Staff;

/// <summary>
/// <c>/admin/staff</c>: the agencies' staff phone lists (never sampled for their agency, never accepted when a chat
/// verifies a dossier), uploaded as CSV through the same store as <c>/api/admin/staff-phones</c>. Only counts are shown.
/// </summary>
public sealed class IndexModel(StaffPhoneStore store, IOptions<IntegrityOptions> integrity) : PageModel
{
    public IReadOnlyList<StaffPhoneCount> Counts { get; private set; } = [];

    public int MaxDossiersPerPhone => integrity.Value.MaxDossiersPerPhone;

    public StaffPhoneReport? Report { get; private set; }

    public string? UploadError { get; private set; }

    [TempData]
    public string? StaffMessage { get; set; }

    [BindProperty]
    public IFormFile? Upload { get; set; }

    public async Task OnGetAsync(CancellationToken cancellationToken) =>
        Counts = await store.CountsAsync(cancellationToken);

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        if (Upload is null || Upload.Length == 0)
            UploadError = "Hãy chọn một tệp CSV có hai cột agencyCode,phone.";
        else
        {
            var (rows, error) = await StaffPhonesApi.ReadCsvAsync(Upload, cancellationToken);
            if (error is not null)
                UploadError = "Không đọc được tệp: cần dòng tiêu đề có hai cột agencyCode và phone.";
            else if (rows.Count > StaffPhoneStore.MaxRows)
                UploadError = $"Tối đa {StaffPhoneStore.MaxRows:N0} dòng mỗi lần tải lên.";
            else
                Report = await store.AddAsync(rows, cancellationToken);
        }

        if (UploadError is not null)
            Response.StatusCode = StatusCodes.Status400BadRequest;
        Counts = await store.CountsAsync(cancellationToken);
        return Page();
    }

    public async Task<IActionResult> OnPostClearAsync(string agencyCode, CancellationToken cancellationToken)
    {
        var removed = await store.ClearAsync(agencyCode, cancellationToken);
        if (removed is null)
            return NotFound();
        StaffMessage = $"Đã xóa {removed} số điện thoại cán bộ của {agencyCode}.";
        return LocalRedirect("/admin/staff");
    }

    /// <summary>Why a row was refused, in Vietnamese.</summary>
    public static string Reason(RejectedRow row) => row.Field switch
    {
        "agencyCode" when row.Reason == "Required." => "Thiếu mã đơn vị.",
        "agencyCode" => "Mã đơn vị không có trong danh mục.",
        _ => "Số điện thoại không hợp lệ.",
    };
}
