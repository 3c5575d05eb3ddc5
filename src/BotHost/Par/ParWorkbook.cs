using System.Globalization;
using ChatSurvey.BotHost.PublicResults;
using ChatSurvey.Dispatcher.Waves;
using ChatSurvey.Domain.Scoring;
using ChatSurvey.Domain.Statuses;
using MiniExcelLibs;

namespace ChatSurvey.BotHost.Par;

/// <summary>
/// The PAR workbook of a wave for the Department of Home Affairs (Sở Nội vụ): the satisfaction component of each
/// agency's PAR score (Chỉ số cải cách hành chính). Sheet <see cref="FiguresSheet"/>: one row per agency, grouped by
/// reporting block (in <see cref="AgencyBlock.All"/> order; within a block by rank, then the unranked by code), each block
/// closed by its subtotal row — valid ballots, index, 95% interval, "too few ballots", element indices and the points of
/// <see cref="ParOptions"/>. Sheet <see cref="RulesSheet"/>: the wave, which figures these are (final or interim), the
/// points rule, and every rule of the figures in Vietnamese as the results pages state them
/// (<see cref="ResultsFormat.Rules"/>), with the report's own rules in English. Figures are rounded to two decimals, as the
/// administrators' exports are; the API and <c>results.csv</c> keep them unrounded.
/// </summary>
public static class ParWorkbook
{
    public const string FiguresSheet = "Chỉ số CCHC";

    public const string RulesSheet = "Quy tắc";

    public const string Block = "Khối";
    public const string AgencyCode = "Mã đơn vị";
    public const string Agency = "Đơn vị";
    public const string Rank = "Xếp hạng trong khối";
    public const string Ballots = "Phiếu hợp lệ";
    public const string Index = "Chỉ số hài lòng (%)";
    public const string CiLow = "KTC 95% cận dưới (%)";
    public const string CiHigh = "KTC 95% cận trên (%)";
    public const string LowSample = "Ít phiếu";

    /// <summary>The column of an element's index: "E1 (%)".</summary>
    public static string ElementColumn(string elementCode) => $"{elementCode} (%)";

    /// <summary>The points column, which names the maximum: "Điểm hài lòng (tối đa 10)".</summary>
    public static string PointsColumn(ParOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return $"Điểm hài lòng (tối đa {options.MaximumPoints.ToString("0.##", ResultsFormat.Vietnamese)})";
    }

    /// <summary>The prefix of a block's subtotal row in the agency column: "Cộng khối Phường".</summary>
    public const string SubtotalPrefix = "Cộng khối ";

    public const string SubtotalRule =
        "Dòng \"Cộng khối\": chỉ số của khối = trung bình cộng chỉ số của các đơn vị trong khối có chỉ số (mỗi đơn vị tính như " +
        "nhau, không phụ thuộc số phiếu); số phiếu = tổng số phiếu hợp lệ đứng sau chỉ số của các đơn vị đó. Khối không có điểm.";

    /// <summary>The workbook of <paramref name="wave"/> from <paramref name="report"/>, computed at <paramref name="computedAt"/>.</summary>
    public static async Task<byte[]> BuildAsync(
        WaveDetails wave, ScoreReport report, DateTimeOffset computedAt, bool final, ParOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(wave);
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(options);
        var sheets = new Dictionary<string, object>
        {
            [FiguresSheet] = Rows(report, options),
            [RulesSheet] = Rules(wave, report, computedAt, final, options),
        };
        using var stream = new MemoryStream();
        await MiniExcel.SaveAsAsync(stream, sheets, excelType: ExcelType.XLSX, cancellationToken: cancellationToken);
        return stream.ToArray();
    }

    /// <summary>The figures sheet's rows, every row with the same columns (see the class summary for their order).</summary>
    public static List<Dictionary<string, object?>> Rows(ScoreReport report, ParOptions options)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(options);
        var elements = report.Overall.Elements.Select(e => e.ElementCode)
            .Concat(report.Agencies.SelectMany(a => a.Elements).Select(e => e.ElementCode))
            .Distinct(StringComparer.Ordinal).ToList();
        var points = PointsColumn(options);
        var rows = new List<Dictionary<string, object?>>();
        Dictionary<string, object?> Row(string block, string code, string name, int? rank, int ballots, double? index,
            double? low, double? high, string lowSample, IReadOnlyList<ElementScore> elementScores, double? score)
        {
            var row = new Dictionary<string, object?>
            {
                [Block] = block, [AgencyCode] = code, [Agency] = name, [Rank] = rank, [Ballots] = ballots,
                [Index] = Round(index), [CiLow] = Round(low), [CiHigh] = Round(high), [LowSample] = lowSample,
            };
            foreach (var element in elements)
                row[ElementColumn(element)] = Round(elementScores.FirstOrDefault(e => e.ElementCode == element)?.Index);
            row[points] = Round(score);
            return row;
        }

        var blocks = AgencyBlock.All.Concat(report.Agencies.Select(a => a.Block)).Concat(report.Blocks.Select(b => b.Block))
            .Distinct(StringComparer.Ordinal);
        foreach (var block in blocks)
        {
            var agencies = report.Agencies.Where(a => a.Block == block)
                .OrderBy(a => a.BlockRank ?? int.MaxValue).ThenBy(a => a.AgencyCode, StringComparer.Ordinal).ToList();
            var subtotal = report.Blocks.FirstOrDefault(b => b.Block == block);
            if (agencies.Count == 0 && subtotal is null)
                continue;
            var name = subtotal?.Name ?? AgencyBlock.Name(block);
            foreach (var a in agencies)
            {
                rows.Add(Row(name, a.AgencyCode, a.AgencyName, a.BlockRank, a.Responses, a.Index, a.CiLow, a.CiHigh,
                    a.LowSample ? "có" : "không", a.Elements, options.Points(a.Index)));
            }

            if (subtotal is not null)
            {
                rows.Add(Row(name, "", SubtotalPrefix + name, null, subtotal.Ballots, subtotal.Index, subtotal.CiLow,
                    subtotal.CiHigh, "", [], null));
            }
        }

        return rows;
    }

    private static List<Dictionary<string, object?>> Rules(
        WaveDetails wave, ScoreReport report, DateTimeOffset computedAt, bool final, ParOptions options)
    {
        var rules = new List<(string Topic, string Text)>
        {
            ("Đợt khảo sát", $"{wave.Name} (mã đợt {wave.Id.ToString(CultureInfo.InvariantCulture)})"),
            ("Kỳ kết quả", $"{ResultsFormat.Date(wave.ResultsFrom)} – {ResultsFormat.Date(wave.ResultsTo)}"),
            ("Số liệu", final
                ? $"{ResultsFormat.FiguresKind(true)}, chốt lúc {ResultsFormat.Time(computedAt)}"
                : $"{ResultsFormat.FiguresKind(false)}, tính lúc {ResultsFormat.Time(computedAt)} (đợt chưa kết thúc, số liệu còn thay đổi)"),
            ("Bộ câu hỏi", report.Questionnaire is { } q ? $"{ResultsFormat.Version(q)}: {q.Title}" : "Chưa có phiếu hợp lệ"),
            ("Điểm hài lòng", options.RuleText()),
            ("Cộng khối", SubtotalRule),
        };
        rules.AddRange(ResultsFormat.Rules(report));
        rules.AddRange(report.Overall.Elements.Select(e => (ElementColumn(e.ElementCode), e.Name)));
        rules.AddRange(
        [
            ("ballots (en)", report.BallotRule ?? ""),
            ("index (en)", report.IndexRule),
            ("element (en)", report.ElementRule),
            ("agency (en)", report.AgencyRule),
            ("block (en)", report.BlockRule),
            ("interval (en)", report.IntervalRule),
            ("lowSample (en)", report.LowSampleRule),
            ("rank (en)", report.RankRule),
        ]);
        return rules.Select(r => new Dictionary<string, object?> { ["Mục"] = r.Topic, ["Nội dung"] = r.Text }).ToList();
    }

    private static double? Round(double? value) => value is { } v ? Math.Round(v, 2, MidpointRounding.AwayFromZero) : null;
}
