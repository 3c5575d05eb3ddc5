using ChatSurvey.Dispatcher.Waves;
using ChatSurvey.Dispatcher.Scores;
using System.Globalization;
using ChatSurvey.BotHost.PublicResults;
using ChatSurvey.Dispatcher.Scoring;
using ChatSurvey.Domain.Integrity;
using ChatSurvey.Domain.Scoring;
using ChatSurvey.Domain.Statuses;
using CsvHelper;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using MiniExcelLibs;
using MiniExcelLibs.Attributes;
using Npgsql;

namespace ChatSurvey.BotHost.Pages.Admin.Results;

/// <summary>
/// <c>/admin/results/export?wave={id}&amp;agency={code}&amp;format=csv|xlsx&amp;table=figures|ballots</c>: the results
/// page's figures as a file, one row per (agency, level, code) of the same official figures (valid ballots only; a
/// completed wave's frozen final figures), and the ballots behind them: one row per completed ballot of the wave —
/// official and open (unverified) alike — with its provenance, its integrity flags and whether the figures count it
/// (no phone, no dossier, no id). The XLSX holds the figures ("Chỉ số", with each agency's block and rank within it,
/// ballots beside answers and "không áp dụng"), the block figures ("Khối"), the "most needs improving" shares ("Cần cải
/// thiện"), the ballots ("Phiếu"), the comments of the valid ballots with their provenance ("Ý kiến") and the rules
/// ("Cách tính"); a CSV holds one table, the figures or
/// (<c>table=ballots</c>) the ballots. Open answers never enter a figure or the comments here.
/// The same account rules as the page: an agency viewer exports their own agency only.
/// </summary>
public sealed class ExportModel(NpgsqlDataSource dataSource, WaveQueries waveQueries, TimeProvider clock, BallotExclusions exclusions) : PageModel
{
    /// <summary>Enough for any wave; a bound keeps one export from holding an unbounded list in memory.</summary>
    public const int MaxComments = 100_000;

    /// <summary>The same bound for the ballots sheet.</summary>
    public const int MaxBallots = 100_000;

    public const string AllAgencies = "*";

    public static readonly string[] FigureHeaders =
    [
        "Mã đơn vị", "Đơn vị", "Mã khối", "Khối", "Hạng trong khối", "Cấp", "Mã", "Tên", "Phiếu hoàn thành", "Số phiếu",
        "Số câu trả lời hợp lệ", "Không áp dụng", "Chỉ số (%)", "Điểm trung bình (1–5)", "KTC 95% cận dưới (%)",
        "KTC 95% cận trên (%)", "Ít mẫu",
    ];

    public static readonly string[] BallotHeaders =
    [
        "STT", "Hoàn thành lúc", "Mã đơn vị", "Đơn vị", "Thủ tục", "Kênh", "Nguồn phiếu", "Mã nguồn phiếu", "Cờ",
        "Tính vào kết quả chính thức", "Lý do không tính",
    ];

    public async Task<IActionResult> OnGetAsync(
        string? wave, string? agency, string? format, string? table, CancellationToken cancellationToken)
    {
        var selection = await ResultsSelectionQuery.ResolveAsync(waveQueries, User, wave, agency, cancellationToken);
        if (selection.Forbidden)
            return Forbid();
        var kind = format?.Trim().ToLowerInvariant() ?? "xlsx";
        if (kind is not ("csv" or "xlsx"))
            selection = selection with { Errors = new Dictionary<string, string>(selection.Errors) { ["format"] = "Định dạng phải là csv hoặc xlsx." } };
        var part = table?.Trim().ToLowerInvariant() ?? "figures";
        if (part is not ("figures" or "ballots"))
            selection = selection with { Errors = new Dictionary<string, string>(selection.Errors) { ["table"] = "Bảng phải là figures (chỉ số) hoặc ballots (phiếu)." } };
        if (!selection.IsValid)
        {
            var message = selection.Errors.Count > 0
                ? string.Join(" ", selection.Errors.Values)
                : "Chưa có đợt khảo sát nào có kết quả.";
            return selection.Errors.ContainsKey("wave") || selection.Wave is null ? NotFound(message) : BadRequest(message);
        }

        // An administrator's figures are the whole wave's, as on the page (blocks and ranks need every agency), narrowed
        // to the chosen agency's rows below; an agency viewer's are scored for their agency alone, with no block or rank.
        var filter = exclusions.Apply(selection.Filter);
        var wholeWave = !selection.AgencyFixed;
        var final = await new ScoreSnapshotStore(dataSource).GetFinalAsync(selection.Wave!.Id, cancellationToken);
        var report = final is null
            ? await ScoringQuery.RunAsync(dataSource, wholeWave ? filter with { AgencyCode = null } : filter, cancellationToken)
            : wholeWave ? final.Report : final.Report.ForAgency(selection.AgencyCode!);
        var today = ResultsFormat.Local(clock.GetUtcNow()).ToString("yyyyMMdd", CultureInfo.InvariantCulture);
        var suffix = $"dot-{selection.Wave!.Id}{(selection.AgencyCode is { } code ? "-" + code : "")}-{today}";

        // Which ballots count is the rule the figures applied: a frozen report's own flag exclusions.
        var excluded = report.ExcludedFlags ?? [];
        var ballotFilter = filter with
        {
            ExcludeSpeeders = excluded.Contains(BallotFlags.Speeder),
            ExcludeStraightLiners = excluded.Contains(BallotFlags.StraightLiner),
        };
        var ballots = BallotRows(await BallotListQuery.ListAsync(dataSource, ballotFilter, MaxBallots, cancellationToken), ballotFilter);
        if (kind == "csv" && part == "ballots")
        {
            return File(await CsvAsync(BallotHeaders, ballots.Select(BallotCells), cancellationToken),
                "text/csv; charset=utf-8", $"phieu-sipas-{suffix}.csv");
        }

        var rows = FigureRows(report, selection.AgencyCode, wholeWave);
        if (kind == "csv")
            return File(await CsvAsync(FigureHeaders, rows.Select(FigureCells), cancellationToken), "text/csv; charset=utf-8", $"ket-qua-sipas-{suffix}.csv");

        var comments = await CommentsQuery.ListAsync(dataSource, filter, 0, MaxComments, cancellationToken);
        return File(await XlsxAsync(report, selection.AgencyCode, wholeWave, rows, ballots, comments, cancellationToken),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", $"ket-qua-sipas-{suffix}.xlsx");
    }

    /// <summary>
    /// One row per completed ballot, numbered in the order they were completed; <c>counted</c> is the scoring
    /// predicate's verdict, and the reason a ballot is not counted names what kept it out under <paramref name="filter"/>.
    /// </summary>
    public static List<BallotRow> BallotRows(IReadOnlyList<BallotItem> ballots, ScoreFilter filter)
    {
        ArgumentNullException.ThrowIfNull(ballots);
        ArgumentNullException.ThrowIfNull(filter);
        return ballots.Select((b, i) =>
        {
            var reasons = new List<string>(3);
            if (!b.Counted && !Provenance.Official.Contains(b.Provenance))
                reasons.Add("chưa xác minh");
            if (!b.Counted && b.Speeder && filter.ExcludeSpeeders)
                reasons.Add("trả lời quá nhanh");
            if (!b.Counted && b.StraightLiner && filter.ExcludeStraightLiners)
                reasons.Add("chọn cùng một mức cho mọi câu");
            return new BallotRow(
                i + 1,
                ResultsFormat.Local(b.CompletedAt).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
                b.AgencyCode, b.AgencyName, b.ProcedureName ?? "", ResultsFormat.Channel(b.Channel),
                ResultsFormat.Provenance(b.Provenance), b.Provenance,
                string.Join(", ", IntegrityFlags.Of(b.Speeder, b.StraightLiner).Select(ResultsFormat.Flag)),
                YesNo(b.Counted), string.Join("; ", reasons));
        }).ToList();
    }

    /// <summary>
    /// One row per (agency, level, code): each agency's overall line, its elements and their criteria — every agency of
    /// the report, or <paramref name="agencyCode"/> only; without an agency the whole wave first, under agency
    /// <see cref="AllAgencies"/>. Each row names the agency's block; the overall row carries its rank within the block
    /// when <paramref name="wholeWave"/> (the report scores every agency; a report narrowed to one agency cannot rank it).
    /// Counts are ballots (<c>Số phiếu</c>) beside the valid answers and the "không áp dụng" ones; figures are rounded to
    /// two decimals.
    /// </summary>
    public static List<FigureRow> FigureRows(ScoreReport report, string? agencyCode, bool wholeWave)
    {
        ArgumentNullException.ThrowIfNull(report);
        var rows = new List<FigureRow>();
        void Add(string code, string name, string? block, int? rank, int responses, double? index, double? mean, double? low,
            double? high, int count, int answers, int notApplicable, bool lowSample, IReadOnlyList<ElementScore> elements)
        {
            var blockName = block is null ? null : AgencyBlock.Name(block);
            rows.Add(new FigureRow(code, name, block, blockName, rank, "overall", "SIPAS", "Chỉ số hài lòng chung", responses,
                count, answers, notApplicable, Round(index), Round(mean), Round(low), Round(high), YesNo(lowSample)));
            foreach (var e in elements)
            {
                rows.Add(new FigureRow(code, name, block, blockName, null, "element", e.ElementCode, e.Name, null, e.Count,
                    e.Answers, e.NotApplicable, Round(e.Index), Round(e.Mean), Round(e.CiLow), Round(e.CiHigh), YesNo(e.LowSample)));
                foreach (var c in e.Criteria)
                {
                    rows.Add(new FigureRow(code, name, block, blockName, null, "criterion", c.CriterionCode, c.Text, null, c.Count,
                        c.Count, c.NotApplicable, Round(c.Index), Round(c.Mean), Round(c.CiLow), Round(c.CiHigh), YesNo(c.LowSample)));
                }
            }
        }

        if (agencyCode is null)
        {
            var o = report.Overall;
            Add(AllAgencies, "Tất cả đơn vị", null, null, o.Responses, o.Index, o.Mean, o.CiLow, o.CiHigh, o.Count, o.Answers,
                o.NotApplicable, o.LowSample, o.Elements);
        }

        foreach (var a in report.Agencies.Where(a => agencyCode is null || a.AgencyCode == agencyCode))
        {
            Add(a.AgencyCode, a.AgencyName, a.Block, wholeWave ? a.BlockRank : null, a.Responses, a.Index, a.Mean, a.CiLow,
                a.CiHigh, a.Count, a.Answers, a.NotApplicable, a.LowSample, a.Elements);
        }

        return rows;
    }

    /// <summary>
    /// The block figures: every block of the wave, or the chosen agency's block; none for a report narrowed to one
    /// agency (its block's figure needs the block's other agencies).
    /// </summary>
    public static List<BlockRow> BlockRows(ScoreReport report, string? agencyCode, bool wholeWave)
    {
        ArgumentNullException.ThrowIfNull(report);
        if (!wholeWave)
            return [];
        var chosenBlock = agencyCode is null ? null : report.Agencies.FirstOrDefault(a => a.AgencyCode == agencyCode)?.Block;
        return report.Blocks
            .Where(b => agencyCode is null || b.Block == chosenBlock)
            .Select(b => new BlockRow(b.Block, b.Name, Round(b.Index), Round(b.Mean), Round(b.CiLow), Round(b.CiHigh), b.Ballots,
                b.Agencies, b.Ranked))
            .ToList();
    }

    /// <summary>The "most needs improving" shares: the whole wave's (agency <see cref="AllAgencies"/>) and each agency's.</summary>
    public static List<ImprovementRow> ImprovementRows(ScoreReport report, string? agencyCode)
    {
        ArgumentNullException.ThrowIfNull(report);
        var rows = new List<ImprovementRow>();
        if (agencyCode is null)
        {
            rows.AddRange(report.Overall.Improvements.Select(i =>
                new ImprovementRow(AllAgencies, "Tất cả đơn vị", i.Value, i.Label, i.Ballots, Round(i.Share))));
        }

        foreach (var a in report.Agencies.Where(a => agencyCode is null || a.AgencyCode == agencyCode))
            rows.AddRange(a.Improvements.Select(i => new ImprovementRow(a.AgencyCode, a.AgencyName, i.Value, i.Label, i.Ballots, Round(i.Share))));
        return rows;
    }

    private static double? Round(double? value) => value is { } v ? Math.Round(v, 2, MidpointRounding.AwayFromZero) : null;

    private static string YesNo(bool value) => value ? "có" : "không";

    /// <summary>What the "Phiếu" sheet (and the ballots CSV) lists, stated in the rules sheet.</summary>
    public const string BallotsSheetRule =
        "Bảng Phiếu liệt kê mọi phiếu đã hoàn thành của đợt (không có số điện thoại, mã hồ sơ hay mã phiếu), theo thứ tự " +
        "hoàn thành: nguồn phiếu (chọn mẫu, phỏng vấn, đã xác minh mã hồ sơ hoặc chưa xác minh), cờ kiểm tra (trả lời " +
        "quá nhanh, chọn cùng một mức cho mọi câu) và phiếu có được tính vào kết quả chính thức hay không. Số phiếu " +
        "được tính bằng số phiếu hợp lệ của bảng Chỉ số.";

    // UTF-8 with a byte order mark, so Excel opens the Vietnamese text correctly; invariant numbers (dot decimals), as a
    // machine-readable file should have. Text cells that start like a formula are escaped (CSV injection).
    private static async Task<byte[]> CsvAsync(string[] headers, IEnumerable<string?[]> rows, CancellationToken cancellationToken)
    {
        using var stream = new MemoryStream();
        await using (var csv = CsvWriter.Create(stream,
                         CsvWriterOptions.Default with { WriteByteOrderMark = true, Injection = CsvInjection.Escape }, leaveOpen: true))
        {
            await csv.WriteRecordAsync(headers, cancellationToken);
            foreach (var row in rows)
                await csv.WriteRecordAsync(row, cancellationToken);
            await csv.FlushAsync(cancellationToken);
        }

        return stream.ToArray();
    }

    private static string?[] FigureCells(FigureRow r) =>
    [
        r.AgencyCode, r.AgencyName, r.BlockCode, r.Block, Number(r.BlockRank), r.Level, r.Code, r.Name, Number(r.Responses),
        Number(r.Count), Number(r.Answers), Number(r.NotApplicable), Number(r.Index), Number(r.Mean), Number(r.CiLow),
        Number(r.CiHigh), r.LowSample,
    ];

    private static string?[] BallotCells(BallotRow r) =>
    [
        Number(r.Number), r.CompletedAt, r.AgencyCode, r.AgencyName, r.Procedure, r.Channel, r.Provenance, r.ProvenanceCode,
        r.Flags, r.Counted, r.NotCountedBecause,
    ];

    private static string? Number(double? value) => value?.ToString("0.##", CultureInfo.InvariantCulture);

    private static string? Number(int? value) => value?.ToString(CultureInfo.InvariantCulture);

    private static async Task<byte[]> XlsxAsync(
        ScoreReport report, string? agencyCode, bool wholeWave, List<FigureRow> rows, List<BallotRow> ballots,
        CommentPage comments, CancellationToken cancellationToken)
    {
        var rules = ResultsFormat.Rules(report).Select(r => new RuleRow(r.Topic, r.Rule)).ToList();
        rules.Insert(1, new RuleRow("Bảng Phiếu", BallotsSheetRule));
        rules.Add(new RuleRow("Bộ câu hỏi", report.Questionnaire is { } version
            ? $"{ResultsFormat.Version(version)} ({version.Title}). {ResultsFormat.OtherVersions(report.OtherQuestionnaires) ?? "Không có phiếu của phiên bản khác."}"
            : "Chưa có phiếu hợp lệ."));
        rules.Add(new RuleRow("Bảng Khối", BlocksSheetRule));
        rules.AddRange(
        [
            new RuleRow("ballots (en)", report.BallotRule ?? ""),
            new RuleRow("index (en)", report.IndexRule),
            new RuleRow("element (en)", report.ElementRule ?? ""),
            new RuleRow("agency (en)", report.AgencyRule ?? ""),
            new RuleRow("block (en)", report.BlockRule ?? ""),
            new RuleRow("overall (en)", report.OverallRule),
            new RuleRow("rank (en)", report.RankRule ?? ""),
            new RuleRow("interval (en)", report.IntervalRule),
            new RuleRow("lowSample (en)", report.LowSampleRule),
            new RuleRow("improvements (en)", report.ImprovementRule ?? ""),
        ]);
        var sheets = new Dictionary<string, object>
        {
            ["Chỉ số"] = rows,
            ["Khối"] = BlockRows(report, agencyCode, wholeWave),
            ["Cần cải thiện"] = ImprovementRows(report, agencyCode),
            ["Phiếu"] = ballots,
            ["Ý kiến"] = comments.Items.Select(c => new CommentRow(
                ResultsFormat.Local(c.AnsweredAt).ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture),
                c.AgencyCode, c.AgencyName, c.ProcedureName ?? "", ResultsFormat.Channel(c.Channel),
                ResultsFormat.Provenance(c.Provenance), ResultsSelectionQuery.Redact(c.Text))).ToList(),
            ["Cách tính"] = rules,
        };
        using var stream = new MemoryStream();
        await MiniExcel.SaveAsAsync(stream, sheets, excelType: ExcelType.XLSX, cancellationToken: cancellationToken);
        return stream.ToArray();
    }

    /// <summary>What the "Khối" sheet lists, stated in the rules sheet.</summary>
    public const string BlocksSheetRule =
        "Bảng Khối: chỉ số của từng khối (trung bình cộng chỉ số các đơn vị trong khối) với khoảng tin cậy 95%, số phiếu hợp " +
        "lệ của các đơn vị trong khối, số đơn vị có chỉ số và số đơn vị được xếp hạng. Tài khoản của một đơn vị chỉ xem được " +
        "số liệu của đơn vị mình, nên bảng này và hạng trong khối để trống.";
}

/// <summary>
/// One line of the export (see <see cref="ExportModel.FigureHeaders"/>, in the same order): <see cref="Responses"/> the
/// agency's valid ballots (overall rows), <see cref="Count"/> the ballots (people) behind the figure, <see cref="Answers"/>
/// its valid answers and <see cref="NotApplicable"/> its "không áp dụng" answers.
/// </summary>
public sealed record FigureRow(
    [property: ExcelColumnName("Mã đơn vị")] string AgencyCode,
    [property: ExcelColumnName("Đơn vị"), ExcelColumnWidth(30)] string AgencyName,
    [property: ExcelColumnName("Mã khối")] string? BlockCode,
    [property: ExcelColumnName("Khối"), ExcelColumnWidth(20)] string? Block,
    [property: ExcelColumnName("Hạng trong khối")] int? BlockRank,
    [property: ExcelColumnName("Cấp")] string Level,
    [property: ExcelColumnName("Mã")] string Code,
    [property: ExcelColumnName("Tên"), ExcelColumnWidth(50)] string Name,
    [property: ExcelColumnName("Phiếu hoàn thành")] int? Responses,
    [property: ExcelColumnName("Số phiếu")] int Count,
    [property: ExcelColumnName("Số câu trả lời hợp lệ")] int Answers,
    [property: ExcelColumnName("Không áp dụng")] int NotApplicable,
    [property: ExcelColumnName("Chỉ số (%)")] double? Index,
    [property: ExcelColumnName("Điểm trung bình (1–5)")] double? Mean,
    [property: ExcelColumnName("KTC 95% cận dưới (%)")] double? CiLow,
    [property: ExcelColumnName("KTC 95% cận trên (%)")] double? CiHigh,
    [property: ExcelColumnName("Ít mẫu")] string LowSample);

/// <summary>One block's figures in the export ("Khối" sheet): counts in ballots and agencies.</summary>
public sealed record BlockRow(
    [property: ExcelColumnName("Mã khối")] string BlockCode,
    [property: ExcelColumnName("Khối"), ExcelColumnWidth(28)] string Block,
    [property: ExcelColumnName("Chỉ số (%)")] double? Index,
    [property: ExcelColumnName("Điểm trung bình (1–5)")] double? Mean,
    [property: ExcelColumnName("KTC 95% cận dưới (%)")] double? CiLow,
    [property: ExcelColumnName("KTC 95% cận trên (%)")] double? CiHigh,
    [property: ExcelColumnName("Số phiếu")] int Ballots,
    [property: ExcelColumnName("Số đơn vị có chỉ số")] int Agencies,
    [property: ExcelColumnName("Số đơn vị xếp hạng")] int Ranked);

/// <summary>One option of the "most needs improving" question for an agency (or all): ballots and share in percent.</summary>
public sealed record ImprovementRow(
    [property: ExcelColumnName("Mã đơn vị")] string AgencyCode,
    [property: ExcelColumnName("Đơn vị"), ExcelColumnWidth(30)] string AgencyName,
    [property: ExcelColumnName("Mã nội dung")] string Value,
    [property: ExcelColumnName("Nội dung cần cải thiện nhất"), ExcelColumnWidth(45)] string Label,
    [property: ExcelColumnName("Số phiếu")] int Ballots,
    [property: ExcelColumnName("Tỷ lệ (%)")] double? Share);

/// <summary>A comment in the export, with its ballot's provenance: no phone, no name, no response id.</summary>
public sealed record CommentRow(
    [property: ExcelColumnName("Thời gian"), ExcelColumnWidth(18)] string Time,
    [property: ExcelColumnName("Mã đơn vị")] string AgencyCode,
    [property: ExcelColumnName("Đơn vị"), ExcelColumnWidth(30)] string AgencyName,
    [property: ExcelColumnName("Thủ tục"), ExcelColumnWidth(30)] string Procedure,
    [property: ExcelColumnName("Kênh")] string Channel,
    [property: ExcelColumnName("Nguồn phiếu"), ExcelColumnWidth(24)] string Provenance,
    [property: ExcelColumnName("Ý kiến"), ExcelColumnWidth(80)] string Text);

/// <summary>
/// One completed ballot in the export (see <see cref="ExportModel.BallotHeaders"/>, in the same order): when, where,
/// its provenance in words and as the API's code, its integrity flags, whether the official figures count it and why
/// not. No phone, no dossier code, no invitation or response id.
/// </summary>
public sealed record BallotRow(
    [property: ExcelColumnName("STT")] int Number,
    [property: ExcelColumnName("Hoàn thành lúc"), ExcelColumnWidth(20)] string CompletedAt,
    [property: ExcelColumnName("Mã đơn vị")] string AgencyCode,
    [property: ExcelColumnName("Đơn vị"), ExcelColumnWidth(30)] string AgencyName,
    [property: ExcelColumnName("Thủ tục"), ExcelColumnWidth(30)] string Procedure,
    [property: ExcelColumnName("Kênh")] string Channel,
    [property: ExcelColumnName("Nguồn phiếu"), ExcelColumnWidth(28)] string Provenance,
    [property: ExcelColumnName("Mã nguồn phiếu")] string ProvenanceCode,
    [property: ExcelColumnName("Cờ"), ExcelColumnWidth(40)] string Flags,
    [property: ExcelColumnName("Tính vào kết quả chính thức")] string Counted,
    [property: ExcelColumnName("Lý do không tính"), ExcelColumnWidth(30)] string NotCountedBecause);

public sealed record RuleRow(
    [property: ExcelColumnName("Mục")] string Topic,
    [property: ExcelColumnName("Quy tắc"), ExcelColumnWidth(120)] string Rule);
