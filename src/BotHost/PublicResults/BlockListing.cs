using ChatSurvey.Domain.Scoring;
using ChatSurvey.Domain.Statuses;

namespace ChatSurvey.BotHost.PublicResults;

/// <summary>
/// One reporting block of a report as the results pages list it: its figure (<see cref="Score"/>, null when the report
/// has none for it) and its agencies, the ranked ones first in rank order (the ranks are the report's, see
/// <see cref="ScoreReport.RankRule"/>), then the unranked ones, highest index first.
/// </summary>
public sealed record BlockListing(string Block, string Name, BlockScore? Score, IReadOnlyList<AgencyScore> Agencies)
{
    /// <summary>
    /// The blocks of <paramref name="report"/>'s agencies in reporting order (<see cref="AgencyBlock.All"/>); with
    /// <paramref name="withIndexOnly"/> agencies without a valid answer are left out (and so is a block left empty).
    /// </summary>
    public static IReadOnlyList<BlockListing> Of(ScoreReport report, bool withIndexOnly)
    {
        ArgumentNullException.ThrowIfNull(report);
        var agencies = withIndexOnly ? report.Agencies.Where(a => a.Index is not null) : report.Agencies;
        return agencies
            .GroupBy(a => a.Block, StringComparer.Ordinal)
            .OrderBy(g => Order(g.Key))
            .ThenBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new BlockListing(g.Key, AgencyBlock.Name(g.Key),
                report.Blocks.FirstOrDefault(b => string.Equals(b.Block, g.Key, StringComparison.Ordinal)),
                g.OrderBy(a => a.BlockRank ?? int.MaxValue)
                    .ThenByDescending(a => a.Index ?? double.MinValue)
                    .ThenBy(a => a.AgencyName, StringComparer.Ordinal)
                    .ThenBy(a => a.AgencyCode, StringComparer.Ordinal)
                    .ToList()))
            .ToList();
    }

    private static int Order(string block)
    {
        var i = AgencyBlock.All.ToList().IndexOf(block);
        return i < 0 ? int.MaxValue : i;
    }
}
