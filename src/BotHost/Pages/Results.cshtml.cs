using System.Globalization;
using System.Text.Json;
using ChatSurvey.BotHost.PublicResults;
using ChatSurvey.Domain.Scoring;
using ChatSurvey.Domain.Statuses;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace ChatSurvey.BotHost.Pages;

/// <summary>
/// <c>/results?wave={id}</c>, public: the official figures (valid ballots only) of the latest published wave, or of
/// another published one picked in the wave selector, per block (agencies ranked within their block), per agency, per
/// element and the "most needs improving" shares, with links to the wave's open-data files, and no personal data at all (no
/// phones, names or comments) and never an open (unverified) answer. A completed wave's figures are its frozen final
/// ones ("kết quả chính thức"); a running or paused wave's are interim ("tạm tính"). Figures come from
/// <see cref="PublicResultsSource"/>, the cached source of <c>GET /api/public/results</c>, so visitors never run the
/// scoring query themselves.
/// </summary>
public sealed class ResultsModel(PublicResultsSource source) : PageModel
{
    public IReadOnlyList<PublishedWave> Waves { get; private set; } = [];

    public PublishedWave? Wave { get; private set; }

    public PublishedResults? Results { get; private set; }

    /// <summary>The blocks and, in each, its agencies with figures, ranked within the block (ranked ones first).</summary>
    public IReadOnlyList<BlockListing> Blocks { get; private set; } = [];

    /// <summary>The agencies with figures, block by block, in the order the page lists them.</summary>
    public IReadOnlyList<AgencyScore> ListedAgencies { get; private set; } = [];

    public string? WaveError { get; private set; }

    /// <summary>The figures are the completed wave's frozen final ones.</summary>
    public bool IsFinal => Results?.Final == true && Wave?.Status == WaveStatus.Completed;

    public async Task<IActionResult> OnGetAsync(string? wave, CancellationToken cancellationToken)
    {
        Waves = await source.WavesAsync(cancellationToken);
        if (string.IsNullOrWhiteSpace(wave))
        {
            Wave = Waves.Count > 0 ? Waves[0] : null;
        }
        else if (!long.TryParse(wave.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var id)
                 || (Wave = Waves.FirstOrDefault(w => w.Id == id)) is null)
        {
            // Unknown, unpublished or malformed: say so beside the wave picker, with a 404 for crawlers and scripts.
            WaveError = $"Không có đợt khảo sát công bố kết quả với mã “{wave.Trim()}”.";
            Response.StatusCode = StatusCodes.Status404NotFound;
            return Page();
        }

        if (Wave is null)
            return Page();

        Results = await source.ResultsAsync(Wave, cancellationToken);
        Blocks = BlockListing.Of(Results.Report, withIndexOnly: true);
        ListedAgencies = Blocks.SelectMany(b => b.Agencies).ToList();
        return Page();
    }

    /// <summary>The data behind the charts, read by <c>/js/results.js</c>: codes, names and figures only.</summary>
    public string ChartJson() => JsonSerializer.Serialize(new
    {
        elements = Results?.Report.Overall.Elements.Select(e => new { e.ElementCode, e.Name, e.Index, e.CiLow, e.CiHigh, e.Count }) ?? [],
        blocks = Blocks.Select(b => new { b.Block, b.Name, Index = b.Score?.Index, CiLow = b.Score?.CiLow, CiHigh = b.Score?.CiHigh, Count = b.Score?.Ballots ?? 0 }),
        agencies = ListedAgencies.Select(a => new { a.AgencyCode, a.AgencyName, a.Index, a.CiLow, a.CiHigh, a.Count }),
    }, JsonSerializerOptions.Web);
}
