using ChatSurvey.BotHost.PublicResults;
using ChatSurvey.Domain.Statuses;
using ChatSurvey.Dispatcher.Waves;
using ChatSurvey.Domain.Integrity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace ChatSurvey.BotHost.Pages.Admin.Waves;

/// <summary>
/// One wave: settings, progress (the numbers of <c>GET /api/admin/waves/{id}</c>), each agency's part, and the status
/// changes the API offers, through the same <see cref="WavePlanner"/> and <see cref="WaveStore"/>. A change the wave's
/// status does not allow (a stale page, a second tab) is refused with 409 and says why.
/// </summary>
public sealed class DetailsModel(
    WaveQueries queries, WaveStore store, WavePlanner planner, ContinuousDecider continuous, PublicResultsSource publicResults,
    TimeProvider clock, IOptions<IntegrityOptions> integrity) : PageModel
{
    public int MaxDossiersPerPhone => integrity.Value.MaxDossiersPerPhone;

    public WaveDetails Wave { get; private set; } = null!;

    /// <summary>Whether the public sees the wave, and whether its figures are frozen.</summary>
    public WavePublication Publication { get; private set; } = null!;

    /// <summary>The wave can be published or unpublished now (running, paused or completed).</summary>
    public bool CanPublish => WaveStore.PublishableStatuses.Contains(Wave.Status);

    public WaveProgress Progress { get; private set; } = null!;

    public IReadOnlyList<WaveAgencyProgress> Agencies { get; private set; } = [];

    /// <summary>Hours from result to invitation (every wave) and, for a continuous wave, each agency's pacing.</summary>
    public WavePacing Pacing { get; private set; } = null!;

    public bool Continuous => Wave.Mode == WaveMode.Continuous;

    public DateTimeOffset LoadedAt { get; private set; }

    [TempData]
    public string? WaveMessage { get; set; }

    /// <summary>A refused status change, shown as an error on this response only.</summary>
    public string? Refusal { get; private set; }

    public long Target => Agencies.Sum(a => (long)a.Target);

    /// <summary>Whether the page offers <paramref name="action"/> now; a continuous wave has no top-up.</summary>
    public bool Can(string action) => Allowed(action).Contains(Wave.Status) && !(action == "top-up" && Continuous);

    public async Task<IActionResult> OnGetAsync(long id, CancellationToken cancellationToken) =>
        await LoadAsync(id, cancellationToken) ? Page() : NotFound();

    public Task<IActionResult> OnPostStartAsync(long id, CancellationToken cancellationToken) =>
        ChangeAsync(id, "start", planner.StartAsync(id, cancellationToken), cancellationToken);

    public Task<IActionResult> OnPostPauseAsync(long id, CancellationToken cancellationToken) =>
        ChangeAsync(id, "pause", store.PauseAsync(id, cancellationToken), cancellationToken);

    public Task<IActionResult> OnPostResumeAsync(long id, CancellationToken cancellationToken) =>
        ChangeAsync(id, "resume", store.ResumeAsync(id, cancellationToken), cancellationToken);

    public Task<IActionResult> OnPostCancelAsync(long id, CancellationToken cancellationToken) =>
        ChangeAsync(id, "cancel", store.CancelAsync(id, cancellationToken), cancellationToken);

    public async Task<IActionResult> OnPostTopUpAsync(long id, CancellationToken cancellationToken)
    {
        var result = await planner.TopUpAsync(id, null, cancellationToken);
        switch (result.Outcome)
        {
            case TopUpOutcome.NotFound:
                return NotFound();
            case TopUpOutcome.Continuous:
                Refusal = "Đợt liên tục không mời bổ sung: mỗi hồ sơ được xét khi có kết quả, với xác suất mời điều chỉnh để đạt chỉ tiêu. Không có gì thay đổi.";
                if (!await LoadAsync(id, cancellationToken))
                    return NotFound();
                Response.StatusCode = StatusCodes.Status409Conflict;
                return Page();
            case TopUpOutcome.Drawn:
                var topUp = result.TopUp!;
                WaveMessage = topUp.Drawn == 0
                    ? "Không rút thêm lời mời nào: các đơn vị đã đủ lời mời (kể cả lời mời chưa kết thúc) hoặc không còn người đủ điều kiện."
                    : $"Đã rút thêm {WaveText.Number(topUp.Drawn)} lời mời (lượt {topUp.Draw}): "
                      + string.Join(", ", topUp.Agencies.Where(a => a.Drawn > 0).Select(a => $"{a.AgencyCode} {WaveText.Number(a.Drawn)}")) + ".";
                return LocalRedirect($"/admin/waves/{id}");
            default:
                Refusal = $"Không thể mời bổ sung: đợt đang ở trạng thái “{WaveText.Status(result.CurrentStatus ?? "")}”; "
                    + "chỉ đợt đang chạy hoặc tạm dừng mới mời bổ sung được. Không có gì thay đổi.";
                if (!await LoadAsync(id, cancellationToken))
                    return NotFound();
                Response.StatusCode = StatusCodes.Status409Conflict;
                return Page();
        }
    }
    /// <summary>Makes the wave public (the same rules as <c>POST /api/admin/waves/{id}/publish</c>).</summary>
    public Task<IActionResult> OnPostPublishAsync(long id, CancellationToken cancellationToken) =>
        PublicationAsync(id, true, store.PublishAsync(id, cancellationToken), cancellationToken);

    /// <summary>Withdraws the wave from the public side.</summary>
    public Task<IActionResult> OnPostUnpublishAsync(long id, CancellationToken cancellationToken) =>
        PublicationAsync(id, false, store.UnpublishAsync(id, cancellationToken), cancellationToken);

    /// <summary>The statuses an action starts from, as <see cref="WavePlanner"/> and <see cref="WaveStore"/> enforce them.</summary>
    public static IReadOnlyList<string> Allowed(string action) => action switch
    {
        "start" => [WaveStatus.Draft],
        "pause" => [WaveStatus.Running],
        "resume" => [WaveStatus.Paused],
        "cancel" => [WaveStatus.Draft, WaveStatus.Running, WaveStatus.Paused],
        "top-up" => [WaveStatus.Running, WaveStatus.Paused],
        _ => [],
    };

    public static string Verb(string action) => action switch
    {
        "start" => "bắt đầu",
        "pause" => "tạm dừng",
        "resume" => "tiếp tục",
        "cancel" => "hủy",
        _ => action,
    };

    private async Task<IActionResult> ChangeAsync(long id, string action, Task<WaveChangeResult> change, CancellationToken cancellationToken)
    {
        var result = await change;
        switch (result.Outcome)
        {
            case WaveChangeOutcome.NotFound:
                return NotFound();
            case WaveChangeOutcome.Changed:
                WaveMessage = Done(action, result.Change!);
                return LocalRedirect($"/admin/waves/{id}");
            default:
                var allowed = string.Join(" hoặc ", Allowed(action).Select(s => $"“{WaveText.Status(s)}”"));
                Refusal = $"Không thể {Verb(action)} đợt khảo sát: đợt đang ở trạng thái “{WaveText.Status(result.CurrentStatus!)}”; "
                    + $"chỉ đợt {allowed} mới {Verb(action)} được. Không có gì thay đổi.";
                if (!await LoadAsync(id, cancellationToken))
                    return NotFound();
                Response.StatusCode = StatusCodes.Status409Conflict;
                return Page();
        }
    }

    private async Task<IActionResult> PublicationAsync(long id, bool publish, Task<WavePublicationResult> change, CancellationToken cancellationToken)
    {
        var result = await change;
        switch (result.Outcome)
        {
            case WaveChangeOutcome.NotFound:
                return NotFound();
            case WaveChangeOutcome.Changed:
                publicResults.ForgetWaves();
                WaveMessage = publish
                    ? "Đã công bố đợt khảo sát: trang kết quả công khai hiển thị kết quả của đợt này."
                    : "Đã thôi công bố đợt khảo sát: trang kết quả công khai không còn hiển thị đợt này.";
                return LocalRedirect($"/admin/waves/{id}");
            default:
                var verb = publish ? "công bố" : "thôi công bố";
                Refusal = $"Không thể {verb} đợt khảo sát ở trạng thái “{WaveText.Status(result.CurrentStatus!)}”: chỉ đợt đang chạy, "
                    + "tạm dừng hoặc đã kết thúc mới công bố được. Không có gì thay đổi.";
                if (!await LoadAsync(id, cancellationToken))
                    return NotFound();
                Response.StatusCode = StatusCodes.Status409Conflict;
                return Page();
        }
    }

    private static string Done(string action, WaveStatusChange change) => action switch
    {
        "start" => $"Đã bắt đầu đợt khảo sát: lập {WaveText.Number(change.Planned ?? 0)} lời mời."
            + string.Concat((change.Agencies ?? []).Where(a => a.Shortfall > 0).Select(a =>
                $" {a.AgencyCode}: cần {WaveText.Number(a.Required)} lời mời nhưng chỉ có {WaveText.Number(a.Eligible)} giao dịch đủ điều kiện.")),
        "pause" => "Đã tạm dừng đợt khảo sát. Lời mời chưa gửi sẽ chờ đến khi tiếp tục.",
        "resume" => "Đã tiếp tục đợt khảo sát.",
        _ => "Đã hủy đợt khảo sát. Các lời mời chưa gửi đã bị hủy.",
    };

    private async Task<bool> LoadAsync(long id, CancellationToken cancellationToken)
    {
        var wave = await queries.GetAsync(id, cancellationToken);
        var progress = await store.GetProgressAsync(id, cancellationToken);
        var agencies = await queries.GetAgenciesAsync(id, cancellationToken);
        var publication = await store.GetPublicationAsync(id, cancellationToken);
        var pacing = await continuous.GetPacingAsync(id, cancellationToken);
        if (wave is null || progress is null || agencies is null || publication is null || pacing is null)
            return false;
        Pacing = pacing;
        Wave = wave;
        Publication = publication;
        Progress = progress;
        Agencies = agencies;
        LoadedAt = clock.GetUtcNow();
        return true;
    }
}
