using System.Text.Json;
using ChatSurvey.Domain.Scoring;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Npgsql;

namespace ChatSurvey.BotHost.Pages.Admin.Results;

/// <summary>
/// <c>/admin/results?wave={id}&amp;agency={code}&amp;page={n}</c>: a wave's SIPAS figures for one agency or all of them,
/// computed by the same <see cref="ScoringQuery"/> as the public API (admin traffic is small, so one query per view),
/// with charts and the citizens' comments. Agency viewers see their own agency only.
/// </summary>
public sealed class IndexModel(NpgsqlDataSource dataSource) : PageModel
{
    public const int CommentsPerPage = 20;

    public ResultsSelection Selection { get; private set; } = null!;

    /// <summary>The whole wave's (or the viewer's agency's) report; null when nothing valid was chosen.</summary>
    public ScoreReport? Report { get; private set; }

    /// <summary>The figures shown in detail: the chosen agency, or the whole wave.</summary>
    public ResultLine? Line { get; private set; }

    /// <summary>Every agency of the wave, best index first (administrators only; a viewer's report has just their own).</summary>
    public IReadOnlyList<AgencyScore> RankedAgencies { get; private set; } = [];

    public CommentPage Comments { get; private set; } = new(0, []);

    public int CommentPageNumber { get; private set; } = 1;

    public int CommentPageCount => Math.Max(1, (Comments.Total + CommentsPerPage - 1) / CommentsPerPage);

    public bool IsAdministrator => Selection.AgencyFixed is false;

    public async Task<IActionResult> OnGetAsync(string? wave, string? agency, int? page, CancellationToken cancellationToken)
    {
        Selection = await ResultsSelectionQuery.ResolveAsync(dataSource, User, wave, agency, cancellationToken);
        if (Selection.Forbidden)
            return Forbid();
        if (!Selection.IsValid)
            return Page();

        // An administrator's view always scores the whole wave (the agency table needs every agency); a viewer's
        // query is limited to their agency, so nothing of another agency is even computed.
        var filter = IsAdministrator ? Selection.Filter with { AgencyCode = null } : Selection.Filter;
        Report = await ScoringQuery.RunAsync(dataSource, filter, cancellationToken);
        Line = Selection.AgencyCode is { } code
            ? ResultLine.From(Report.Agencies.FirstOrDefault(a => a.AgencyCode == code), code,
                Selection.Agencies.FirstOrDefault(a => a.Code == code)?.Name ?? code)
            : ResultLine.From(Report.Overall);
        RankedAgencies = Report.Agencies
            .OrderByDescending(a => a.Index ?? double.MinValue)
            .ThenBy(a => a.AgencyName, StringComparer.Ordinal)
            .ToList();

        CommentPageNumber = Math.Max(1, page ?? 1);
        Comments = await CommentsQuery.ListAsync(dataSource, Selection.Filter,
            (CommentPageNumber - 1) * CommentsPerPage, CommentsPerPage, cancellationToken);
        return Page();
    }

    /// <summary>A query string for this page or the export with the current choice and the given extras.</summary>
    public string Link(string path, params (string Key, string? Value)[] extra)
    {
        var query = new List<KeyValuePair<string, string?>>();
        if (Selection.Wave is { } w)
            query.Add(new("wave", w.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        if (Selection.AgencyCode is { } a && IsAdministrator)
            query.Add(new("agency", a));
        query.AddRange(extra.Select(e => new KeyValuePair<string, string?>(e.Key, e.Value)));
        return path + Microsoft.AspNetCore.Http.QueryString.Create(query);
    }

    /// <summary>The data behind the charts, read by <c>/js/results.js</c>.</summary>
    public string ChartJson() => JsonSerializer.Serialize(new
    {
        elements = Line?.Elements.Select(e => new { e.ElementCode, e.Name, e.Index, e.CiLow, e.CiHigh, e.Count }) ?? [],
        agencies = IsAdministrator
            ? RankedAgencies.Where(a => a.Index is not null)
                .Select(a => new { a.AgencyCode, a.AgencyName, a.Index, a.CiLow, a.CiHigh, a.Count })
            : [],
    }, JsonSerializerOptions.Web);
}

/// <summary>One line of figures (an agency, or the whole wave), as the page shows it in detail.</summary>
public sealed record ResultLine(
    string Title,
    int Responses,
    int PartialResponses,
    double? Index,
    double? Mean,
    double? CiLow,
    double? CiHigh,
    int Count,
    bool LowSample,
    double? ResponseRate,
    IReadOnlyList<ElementScore> Elements,
    QuestionScore? OverallQuestion)
{
    public static ResultLine From(OverallScore o) =>
        new("Toàn đợt (tất cả đơn vị)", o.Responses, o.PartialResponses, o.Index, o.Mean, o.CiLow, o.CiHigh, o.Count,
            o.LowSample, o.ResponseRate, o.Elements, o.OverallQuestion);

    // An agency with no response in the wave yet is absent from the report: it shows with empty figures.
    public static ResultLine From(AgencyScore? a, string code, string name) => a is null
        ? new($"{name} ({code})", 0, 0, null, null, null, null, 0, true, null, [], null)
        : new($"{a.AgencyName} ({a.AgencyCode})", a.Responses, a.PartialResponses, a.Index, a.Mean, a.CiLow, a.CiHigh,
            a.Count, a.LowSample, a.ResponseRate, a.Elements, a.OverallQuestion);
}
