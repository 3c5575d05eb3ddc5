using ChatSurvey.Dispatcher.Waves;
using ChatSurvey.Dispatcher.Scores;
using System.Globalization;
using ChatSurvey.BotHost.PublicResults;
using ChatSurvey.Dispatcher.Scoring;
using ChatSurvey.Domain.Scoring;
using CsvHelper;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using MiniExcelLibs;
using MiniExcelLibs.Attributes;
using Npgsql;

namespace ChatSurvey.BotHost.Pages.Admin.Results;

/// <summary>
/// <c>/admin/results/export?wave={id}&amp;agency={code}&amp;format=csv|xlsx</c>: the results page's figures as a file,
/// one row per (agency, level, code) of the same official figures (valid ballots only; a completed wave's frozen final
/// figures); the XLSX adds the comments of those ballots and the rules. Open (unverified) answers are never exported here.
/// The same account rules as the page: an agency viewer exports their own agency only.
/// </summary>
public sealed class ExportModel(NpgsqlDataSource dataSource, WaveQueries waveQueries, TimeProvider clock, BallotExclusions exclusions) : PageModel
{
    /// <summary>Enough for any wave; a bound keeps one export from holding an unbounded list in memory.</summary>
    public const int MaxComments = 100_000;

    public const string AllAgencies = "*";

    public static readonly string[] FigureHeaders =
    [
        "Mã đơn vị", "Đơn vị", "Cấp", "Mã", "Tên", "Phiếu hoàn thành", "Số câu trả lời hợp lệ", "Chỉ số (%)",
        "Điểm trung bình (1–5)", "KTC 95% cận dưới (%)", "KTC 95% cận trên (%)", "Ít mẫu",
    ];

    public async Task<IActionResult> OnGetAsync(string? wave, string? agency, string? format, CancellationToken cancellationToken)
    {
        var selection = await ResultsSelectionQuery.ResolveAsync(waveQueries, User, wave, agency, cancellationToken);
        if (selection.Forbidden)
            return Forbid();
        var kind = format?.Trim().ToLowerInvariant() ?? "xlsx";
        if (kind is not ("csv" or "xlsx"))
            selection = selection with { Errors = new Dictionary<string, string>(selection.Errors) { ["format"] = "Định dạng phải là csv hoặc xlsx." } };
        if (!selection.IsValid)
        {
            var message = selection.Errors.Count > 0
                ? string.Join(" ", selection.Errors.Values)
                : "Chưa có đợt khảo sát nào có kết quả.";
            return selection.Errors.ContainsKey("wave") || selection.Wave is null ? NotFound(message) : BadRequest(message);
        }

        var filter = exclusions.Apply(selection.Filter);
        var final = await new ScoreSnapshotStore(dataSource).GetFinalAsync(selection.Wave!.Id, cancellationToken);
        var report = final is null
            ? await ScoringQuery.RunAsync(dataSource, filter, cancellationToken)
            : selection.AgencyCode is { } only ? final.Report.ForAgency(only) : final.Report;
        var rows = FigureRows(report, includeAllAgencies: selection.AgencyCode is null);
        var today = ResultsFormat.Local(clock.GetUtcNow()).ToString("yyyyMMdd", CultureInfo.InvariantCulture);
        var name = $"ket-qua-sipas-dot-{selection.Wave!.Id}{(selection.AgencyCode is { } code ? "-" + code : "")}-{today}";

        if (kind == "csv")
            return File(await CsvAsync(rows, cancellationToken), "text/csv; charset=utf-8", name + ".csv");

        var comments = await CommentsQuery.ListAsync(dataSource, filter, 0, MaxComments, cancellationToken);
        return File(await XlsxAsync(report, rows, comments, cancellationToken),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", name + ".xlsx");
    }

    /// <summary>
    /// One row per (agency, level, code): each agency's overall line, its elements and their criteria; with
    /// <paramref name="includeAllAgencies"/> the whole wave first, under agency <see cref="AllAgencies"/>.
    /// Figures are rounded to two decimals.
    /// </summary>
    public static List<FigureRow> FigureRows(ScoreReport report, bool includeAllAgencies)
    {
        var rows = new List<FigureRow>();
        void Add(string agencyCode, string agencyName, int responses, double? index, double? mean, double? low, double? high,
            int count, bool lowSample, IReadOnlyList<ElementScore> elements)
        {
            rows.Add(new FigureRow(agencyCode, agencyName, "overall", "SIPAS", "Chỉ số hài lòng chung", responses, count,
                Round(index), Round(mean), Round(low), Round(high), YesNo(lowSample)));
            foreach (var e in elements)
            {
                rows.Add(new FigureRow(agencyCode, agencyName, "element", e.ElementCode, e.Name, null, e.Count,
                    Round(e.Index), Round(e.Mean), Round(e.CiLow), Round(e.CiHigh), YesNo(e.LowSample)));
                foreach (var c in e.Criteria)
                {
                    rows.Add(new FigureRow(agencyCode, agencyName, "criterion", c.CriterionCode, c.Text, null, c.Count,
                        Round(c.Index), Round(c.Mean), Round(c.CiLow), Round(c.CiHigh), YesNo(c.LowSample)));
                }
            }
        }

        if (includeAllAgencies)
        {
            var o = report.Overall;
            Add(AllAgencies, "Tất cả đơn vị", o.Responses, o.Index, o.Mean, o.CiLow, o.CiHigh, o.Count, o.LowSample, o.Elements);
        }

        foreach (var a in report.Agencies)
            Add(a.AgencyCode, a.AgencyName, a.Responses, a.Index, a.Mean, a.CiLow, a.CiHigh, a.Count, a.LowSample, a.Elements);
        return rows;
    }

    private static double? Round(double? value) => value is { } v ? Math.Round(v, 2, MidpointRounding.AwayFromZero) : null;

    private static string YesNo(bool value) => value ? "có" : "không";

    // UTF-8 with a byte order mark, so Excel opens the Vietnamese text correctly; invariant numbers (dot decimals), as a
    // machine-readable file should have. Text cells that start like a formula are escaped (CSV injection).
    private static async Task<byte[]> CsvAsync(List<FigureRow> rows, CancellationToken cancellationToken)
    {
        using var stream = new MemoryStream();
        await using (var csv = CsvWriter.Create(stream,
                         CsvWriterOptions.Default with { WriteByteOrderMark = true, Injection = CsvInjection.Escape }, leaveOpen: true))
        {
            await csv.WriteRecordAsync(FigureHeaders, cancellationToken);
            foreach (var r in rows)
            {
                await csv.WriteRecordAsync(
                [
                    r.AgencyCode, r.AgencyName, r.Level, r.Code, r.Name, Number(r.Responses), Number(r.Count), Number(r.Index),
                    Number(r.Mean), Number(r.CiLow), Number(r.CiHigh), r.LowSample,
                ], cancellationToken);
            }

            await csv.FlushAsync(cancellationToken);
        }

        return stream.ToArray();
    }

    private static string? Number(double? value) => value?.ToString("0.##", CultureInfo.InvariantCulture);

    private static string? Number(int? value) => value?.ToString(CultureInfo.InvariantCulture);

    private static async Task<byte[]> XlsxAsync(
        ScoreReport report, List<FigureRow> rows, CommentPage comments, CancellationToken cancellationToken)
    {
        var sheets = new Dictionary<string, object>
        {
            ["Chỉ số"] = rows,
            ["Ý kiến"] = comments.Items.Select(c => new CommentRow(
                ResultsFormat.Local(c.AnsweredAt).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture),
                c.AgencyCode, c.AgencyName, c.ProcedureName ?? "", ResultsFormat.Channel(c.Channel),
                ResultsSelectionQuery.Redact(c.Text))).ToList(),
            ["Cách tính"] = new[]
            {
                new RuleRow("Phiếu hợp lệ", ResultsFormat.BallotRule(report.ExcludedFlags)),
                new RuleRow("Chỉ số", ResultsFormat.IndexRule),
                new RuleRow("Khoảng tin cậy", ResultsFormat.IntervalRule),
                new RuleRow("Ít mẫu", ResultsFormat.LowSampleRule(report.MinimumCount)),
                new RuleRow("ballots (en)", report.BallotRule ?? ""),
                new RuleRow("index (en)", report.IndexRule),
                new RuleRow("overall (en)", report.OverallRule),
                new RuleRow("interval (en)", report.IntervalRule),
            },
        };
        using var stream = new MemoryStream();
        await MiniExcel.SaveAsAsync(stream, sheets, excelType: ExcelType.XLSX, cancellationToken: cancellationToken);
        return stream.ToArray();
    }
}

/// <summary>One line of the export (see <see cref="ExportModel.FigureHeaders"/>, in the same order).</summary>
public sealed record FigureRow(
    [property: ExcelColumnName("Mã đơn vị")] string AgencyCode,
    [property: ExcelColumnName("Đơn vị"), ExcelColumnWidth(30)] string AgencyName,
    [property: ExcelColumnName("Cấp")] string Level,
    [property: ExcelColumnName("Mã")] string Code,
    [property: ExcelColumnName("Tên"), ExcelColumnWidth(50)] string Name,
    [property: ExcelColumnName("Phiếu hoàn thành")] int? Responses,
    [property: ExcelColumnName("Số câu trả lời hợp lệ")] int Count,
    [property: ExcelColumnName("Chỉ số (%)")] double? Index,
    [property: ExcelColumnName("Điểm trung bình (1–5)")] double? Mean,
    [property: ExcelColumnName("KTC 95% cận dưới (%)")] double? CiLow,
    [property: ExcelColumnName("KTC 95% cận trên (%)")] double? CiHigh,
    [property: ExcelColumnName("Ít mẫu")] string LowSample);

/// <summary>A comment in the export: no phone, no name, no response id.</summary>
public sealed record CommentRow(
    [property: ExcelColumnName("Thời gian"), ExcelColumnWidth(18)] string Time,
    [property: ExcelColumnName("Mã đơn vị")] string AgencyCode,
    [property: ExcelColumnName("Đơn vị"), ExcelColumnWidth(30)] string AgencyName,
    [property: ExcelColumnName("Thủ tục"), ExcelColumnWidth(30)] string Procedure,
    [property: ExcelColumnName("Kênh")] string Channel,
    [property: ExcelColumnName("Ý kiến"), ExcelColumnWidth(80)] string Text);

public sealed record RuleRow(
    [property: ExcelColumnName("Mục")] string Topic,
    [property: ExcelColumnName("Quy tắc"), ExcelColumnWidth(120)] string Rule);
