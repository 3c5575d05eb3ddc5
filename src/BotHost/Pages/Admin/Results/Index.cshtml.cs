using System.Text.Json;
using ChatSurvey.BotHost.PublicResults;
using ChatSurvey.Dispatcher.Scores;
using ChatSurvey.Dispatcher.Scoring;
using ChatSurvey.Dispatcher.Waves;
using ChatSurvey.Domain.Scoring;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Npgsql;

namespace ChatSurvey.BotHost.Pages.Admin.Results;

/// <summary>
/// <c>/admin/results?wave={id}&amp;agency={code}&amp;page={n}</c>: a wave's official SIPAS figures (valid ballots only) for
/// one agency or all of them — the completed wave's frozen final figures, else the same <see cref="ScoringQuery"/> as
/// the public API (admin traffic is small, so one query per view) — with charts, the blocks and the agencies ranked
/// within them, the "most needs improving" shares and the comments of those ballots.
/// The open (unverified) answers are shown apart, in their own section labelled "chưa xác minh": never ranked, never
/// in the official tiles. Agency viewers see their own agency only.
/// </summary>
public sealed class IndexModel(NpgsqlDataSource dataSource, BallotExclusions exclusions, WaveStore waves, WaveQueries waveQueries) : PageModel
{
    public const int CommentsPerPage = 20;

    public const int OpenCommentsShown = 20;

    public ResultsSelection Selection { get; private set; } = null!;

    /// <summary>The whole wave's (or the viewer's agency's) official report; null when nothing valid was chosen.</summary>
    public ScoreReport? Report { get; private set; }

    /// <summary>The wave's publication and final-figures state.</summary>
    public WavePublication? Publication { get; private set; }

    /// <summary>The completed wave's frozen figures, when the official report is them.</summary>
    public FinalFigures? Final { get; private set; }

    /// <summary>The open (unverified) answers of the same wave and agency choice, scored apart.</summary>
    public ScoreReport? Open { get; private set; }

    /// <summary>The newest comments of the open answers.</summary>
    public CommentPage OpenComments { get; private set; } = new(0, []);

    /// <summary>The figures shown in detail: the chosen agency, or the whole wave.</summary>
    public ResultLine? Line { get; private set; }

    /// <summary>
    /// The wave's blocks and, in each, every agency of the wave ranked within its block (administrators only: a viewer's
    /// report has just their own agency, so neither its block figure nor its rank could be told).
    /// </summary>
    public IReadOnlyList<BlockListing> Blocks { get; private set; } = [];

    /// <summary>Every agency of the wave, block by block in rank order (administrators only).</summary>
    public IReadOnlyList<AgencyScore> ListedAgencies { get; private set; } = [];

    public CommentPage Comments { get; private set; } = new(0, []);

    public int CommentPageNumber { get; private set; } = 1;

    public int CommentPageCount => Math.Max(1, (Comments.Total + CommentsPerPage - 1) / CommentsPerPage);

    public bool IsAdministrator => Selection.AgencyFixed is false;

    public async Task<IActionResult> OnGetAsync(string? wave, string? agency, int? page, CancellationToken cancellationToken)
    {
        Selection = await ResultsSelectionQuery.ResolveAsync(waveQueries, User, wave, agency, cancellationToken);
        if (Selection.Forbidden)
            return Forbid();
        if (!Selection.IsValid)
            return Page();

        // An administrator's view always scores the whole wave (the agency table needs every agency); a viewer's
        // query is limited to their agency, so nothing of another agency is even computed. A completed wave's official
        // figures are its frozen ones (a viewer's narrowed to their agency in memory).
        var official = exclusions.Apply(Selection.Filter);
        var filter = IsAdministrator ? official with { AgencyCode = null } : official;
        Publication = await waves.GetPublicationAsync(Selection.Wave!.Id, cancellationToken);
        Final = Publication?.Final == true ? await new ScoreSnapshotStore(dataSource).GetFinalAsync(Selection.Wave.Id, cancellationToken) : null;
        Report = Final is null
            ? await ScoringQuery.RunAsync(dataSource, filter, cancellationToken)
            : filter.AgencyCode is { } viewerAgency ? Final.Report.ForAgency(viewerAgency) : Final.Report;
        Line = Selection.AgencyCode is { } code
            ? ResultLine.From(Report.Agencies.FirstOrDefault(a => a.AgencyCode == code), code,
                Selection.Agencies.FirstOrDefault(a => a.Code == code)?.Name ?? code)
            : ResultLine.From(Report.Overall);
        if (IsAdministrator)
        {
            Blocks = BlockListing.Of(Report, withIndexOnly: false);
            ListedAgencies = Blocks.SelectMany(b => b.Agencies).ToList();
        }

        CommentPageNumber = Math.Max(1, page ?? 1);
        Comments = await CommentsQuery.ListAsync(dataSource, official,
            (CommentPageNumber - 1) * CommentsPerPage, CommentsPerPage, cancellationToken);

        // The open answers of the chosen agency (or of all), apart: live, never ranked.
        var open = official with { Ballots = BallotSet.Open };
        Open = await ScoringQuery.RunAsync(dataSource, open, cancellationToken);
        OpenComments = await CommentsQuery.ListAsync(dataSource, open, 0, OpenCommentsShown, cancellationToken);
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
        blocks = Blocks.Where(b => b.Score is not null)
            .Select(b => new { b.Block, b.Name, b.Score!.Index, b.Score.CiLow, b.Score.CiHigh, Count = b.Score.Ballots }),
        agencies = ListedAgencies.Where(a => a.Index is not null)
            .Select(a => new { a.AgencyCode, a.AgencyName, a.Index, a.CiLow, a.CiHigh, a.Count }),
    }, JsonSerializerOptions.Web);
}

/// <summary>
/// One line of figures (an agency, or the whole wave), as the page shows it in detail. <see cref="Responses"/> counts the
/// valid ballots, <see cref="Count"/> those behind the index, <see cref="Answers"/> the valid answers behind it and
/// <see cref="NotApplicable"/> the "không áp dụng" ones. <see cref="Agency"/> is the agency's line of the report (its
/// block and rank within it: the whole wave's for an administrator), null for the whole wave.
/// </summary>
public sealed record ResultLine(
    string Title,
    int Responses,
    double? Index,
    double? Mean,
    double? CiLow,
    double? CiHigh,
    int Count,
    int Answers,
    int NotApplicable,
    bool LowSample,
    double? ResponseRate,
    IReadOnlyList<ElementScore> Elements,
    QuestionScore? OverallQuestion,
    IReadOnlyList<ImprovementShare> Improvements,
    AgencyScore? Agency)
{
    public static ResultLine From(OverallScore o) =>
        new("Toàn đợt (tất cả đơn vị)", o.Responses, o.Index, o.Mean, o.CiLow, o.CiHigh, o.Count, o.Answers, o.NotApplicable,
            o.LowSample, o.ResponseRate, o.Elements, o.OverallQuestion, o.Improvements, null);

    // An agency with no response in the wave yet is absent from the report: it shows with empty figures.
    public static ResultLine From(AgencyScore? a, string code, string name) => a is null
        ? new($"{name} ({code})", 0, null, null, null, null, 0, 0, 0, true, null, [], null, [], null)
        : new($"{a.AgencyName} ({a.AgencyCode})", a.Responses, a.Index, a.Mean, a.CiLow, a.CiHigh,
            a.Count, a.Answers, a.NotApplicable, a.LowSample, a.ResponseRate, a.Elements, a.OverallQuestion, a.Improvements, a);
}
