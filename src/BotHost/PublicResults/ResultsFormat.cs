using System.Globalization;
using ChatSurvey.Domain.Time;

namespace ChatSurvey.BotHost.PublicResults;

/// <summary>
/// How the results pages write figures: Vietnamese conventions (comma decimals, dot thousands), times in Hai Phong,
/// and the scoring rules in Vietnamese, stated beside the figures (docs/methodology.md#indices). Missing figures show as a dash.
/// </summary>
internal static class ResultsFormat
{
    public static readonly CultureInfo Vietnamese = CultureInfo.GetCultureInfo("vi-VN");

    public const string None = "—";

    /// <summary>The criterion index, valid answers and "không áp dụng" (docs/methodology.md#indices).</summary>
    public const string IndexRule =
        "Chỉ số hài lòng của một tiêu chí = tỷ lệ câu trả lời hợp lệ chọn mức 4 (hài lòng) hoặc 5 (rất hài lòng), tính " +
        "theo phần trăm. Câu trả lời hợp lệ là mức 1–5 của một phiếu hợp lệ. Câu trả lời “không áp dụng”, câu bỏ qua hoặc " +
        "không trả lời không phải câu trả lời hợp lệ: không tính vào mẫu số và được đếm riêng (“không áp dụng”). " +
        "Điểm trung bình theo thang 1–5. Mọi số liệu lấy từ một phiên bản bộ câu hỏi; tiêu chí của các phiên bản khác nhau " +
        "không được gộp.";

    /// <summary>What a count on a figure is: people (ballots), not answers.</summary>
    public const string CountRule =
        "Số phiếu là số người trả lời (phiếu hợp lệ) có câu trả lời hợp lệ trong số liệu đó, không phải số câu trả lời: " +
        "3 người trả lời 13 tiêu chí là 3 phiếu. Số câu trả lời hợp lệ được ghi riêng.";

    /// <summary>How the element indices were combined, from the rules the report's elements carry.</summary>
    public static string ElementRule(IEnumerable<Domain.Scoring.ElementScore> elements)
    {
        ArgumentNullException.ThrowIfNull(elements);
        var list = elements.ToList();
        var used = list.Where(e => e.Basis == Domain.Scoring.ElementBasis.Criteria).Select(e => e.Rule).ToHashSet();
        var parts = new List<string>(3);
        if (used.Contains(Domain.Questionnaires.ElementRule.MeanOfCriteria) || used.Count == 0)
            parts.Add("Chỉ số của một yếu tố = trung bình cộng chỉ số các tiêu chí của yếu tố đó (các tiêu chí có câu trả lời hợp lệ).");
        if (used.Contains(Domain.Questionnaires.ElementRule.PooledAnswers))
            parts.Add("Chỉ số của một yếu tố = tỷ lệ câu trả lời chọn mức 4–5 trong tất cả câu trả lời hợp lệ về các tiêu chí của yếu tố đó (theo quy tắc của bộ câu hỏi).");
        if (list.Any(e => e.Basis == Domain.Scoring.ElementBasis.ElementQuestion))
            parts.Add("Yếu tố mà bộ câu hỏi không hỏi tiêu chí lấy chỉ số của câu hỏi chung về yếu tố đó.");
        parts.Add("Câu hỏi chung về yếu tố hỏi kèm các tiêu chí được báo cáo riêng, không tính vào chỉ số.");
        return string.Join(" ", parts);
    }

    /// <summary>How an agency index combines its elements (the questionnaire version's rule).</summary>
    public static string AgencyRule(Domain.Questionnaires.AgencyRule rule) => rule switch
    {
        Domain.Questionnaires.AgencyRule.WeightedElements =>
            "Chỉ số của một cơ quan, đơn vị = trung bình có trọng số của chỉ số các yếu tố có câu trả lời hợp lệ, theo " +
            "trọng số của bộ câu hỏi. Câu hỏi hài lòng chung được báo cáo riêng, không tính vào chỉ số.",
        _ =>
            "Chỉ số của một cơ quan, đơn vị = trung bình cộng chỉ số các yếu tố có câu trả lời hợp lệ (chưa có trọng số " +
            "chính thức). Câu hỏi hài lòng chung được báo cáo riêng, không tính vào chỉ số.",
    };

    /// <summary>The block and overall lines: unweighted means over agencies.</summary>
    public const string BlockRule =
        "Các cơ quan, đơn vị được chia thành khối (sở, ban, ngành; phường; xã; đặc khu; cơ quan ngành dọc). Chỉ số của " +
        "một khối = trung bình cộng chỉ số các cơ quan, đơn vị trong khối: mỗi đơn vị có trọng số như nhau, không phụ thuộc " +
        "số phiếu. Chỉ số chung (và chỉ số chung của từng yếu tố, tiêu chí) = trung bình cộng số liệu tương ứng của các cơ " +
        "quan, đơn vị.";

    /// <summary>Ranks within a block, and who is not ranked.</summary>
    public static string RankRule(int minimum) =>
        $"Các cơ quan, đơn vị được xếp hạng trong khối của mình theo chỉ số, từ cao xuống thấp; chỉ số bằng nhau (làm tròn " +
        $"đến 0,01) cùng hạng. Đơn vị có ít hơn {Count(minimum)} phiếu hợp lệ được công bố chỉ số nhưng chưa xếp hạng.";

    /// <summary>The 95 % intervals: Wilson for one question, clustered by respondent for combined indices.</summary>
    public const string IntervalRule =
        "Khoảng tin cậy 95% (KTC) cho biết mức dao động có thể của chỉ số do chọn mẫu. Với một câu hỏi: khoảng Wilson. " +
        "Chỉ số của yếu tố, đơn vị, khối và chỉ số chung gộp nhiều câu trả lời của cùng một người, vốn không độc lập với " +
        "nhau, nên khoảng tin cậy được tính theo người trả lời (phương sai tuyến tính hóa theo phiếu, khoảng Wilson ở cỡ " +
        "mẫu hiệu dụng); kết quả tính lại được chính xác từ các câu trả lời.";

    /// <summary>The "most needs improving" shares.</summary>
    public const string ImprovementRule =
        "Nội dung cần cải thiện nhất: với mỗi nội dung, số phiếu chọn nội dung đó và tỷ lệ (%) trên số phiếu trả lời câu " +
        "hỏi “cần cải thiện nội dung nào nhất”; dòng chung gộp phiếu của mọi cơ quan, đơn vị.";

    /// <summary>
    /// Which ballots the figures count, in Vietnamese (docs/methodology.md, "Official figures"); the flags are those the
    /// report says it excluded (<see cref="Domain.Scoring.ScoreReport.ExcludedFlags"/>).
    /// </summary>
    public static string BallotRule(IReadOnlyList<string>? excludedFlags)
    {
        var rule = "Chỉ tính phiếu hợp lệ: phiếu đã hoàn thành của người được chọn mẫu và mời khảo sát, phiếu do tình nguyện " +
                   "viên phỏng vấn hoặc phiếu giấy, và phiếu trực tuyến đã xác minh bằng mã hồ sơ. Phiếu chưa trả lời hết và " +
                   "ý kiến chưa xác minh không được tính vào bất kỳ số liệu chính thức nào.";
        var flags = excludedFlags ?? [];
        if (flags.Contains(Domain.Scoring.BallotFlags.Speeder))
            rule += " Phiếu trả lời quá nhanh bị loại.";
        if (flags.Contains(Domain.Scoring.BallotFlags.StraightLiner))
            rule += " Phiếu chọn cùng một mức cho mọi câu bị loại.";
        return rule;
    }

    /// <summary>
    /// Every rule behind <paramref name="report"/>'s figures, in Vietnamese and in reading order, as the results pages
    /// and the exports' rules sheet state them: (topic, rule).
    /// </summary>
    public static IReadOnlyList<(string Topic, string Rule)> Rules(Domain.Scoring.ScoreReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var elementRules = report.Overall.Elements.Concat(report.Agencies.SelectMany(a => a.Elements));
        var agencyRule = report.Agencies.Select(a => a.Rule).FirstOrDefault();
        return
        [
            ("Phiếu hợp lệ", BallotRule(report.ExcludedFlags)),
            ("Chỉ số", IndexRule),
            ("Yếu tố", ElementRule(elementRules)),
            ("Đơn vị", AgencyRule(agencyRule)),
            ("Khối và chỉ số chung", BlockRule),
            ("Xếp hạng", RankRule(report.MinimumCount)),
            ("Số phiếu", CountRule),
            ("Khoảng tin cậy", IntervalRule),
            ("Ít mẫu", LowSampleRule(report.MinimumCount)),
            ("Cần cải thiện", ImprovementRule),
        ];
    }

    /// <summary>What the open (unverified) answers are, in Vietnamese, wherever they are shown apart.</summary>
    public const string OpenRule =
        "Ý kiến chưa xác minh: phiếu trực tuyến không kèm lời mời (mã QR tại quầy, trang web của cơ quan) và chưa khớp với " +
        "hồ sơ nào. Chỉ để tham khảo: không tính vào chỉ số chính thức, không xếp hạng, không công bố.";

    /// <summary>"Kết quả chính thức" for a completed wave's frozen figures, "Tạm tính" otherwise.</summary>
    public static string FiguresKind(bool final) => final ? "Kết quả chính thức" : "Tạm tính";

    public static string LowSampleRule(int minimum) =>
        $"Dấu * : ít hơn {Count(minimum)} phiếu hợp lệ (người trả lời, không phải câu trả lời), chỉ số chưa đủ tin cậy và chưa xếp hạng.";

    /// <summary>
    /// Why an agency has no rank in its block (<see cref="Domain.Scoring.ScoreReport.RankRule"/>), or null when it has one.
    /// </summary>
    public static string? NotRanked(Domain.Scoring.AgencyScore agency, int minimum)
    {
        ArgumentNullException.ThrowIfNull(agency);
        if (agency.BlockRank is not null)
            return null;
        return agency.Index is null
            ? "chưa xếp hạng — chưa có câu trả lời hợp lệ"
            : $"chưa xếp hạng — ít hơn {Count(minimum)} phiếu";
    }

    /// <summary>A questionnaire version as the pages name it: sipas-full v 3.</summary>
    public static string Version(Domain.Scoring.QuestionnaireVersion version)
    {
        ArgumentNullException.ThrowIfNull(version);
        return $"{version.Code} v {version.Version.ToString(CultureInfo.InvariantCulture)}";
    }

    /// <summary>
    /// The ballots of other questionnaire versions the figures leave out, in words, or null when there are none.
    /// </summary>
    public static string? OtherVersions(IReadOnlyList<Domain.Scoring.QuestionnaireVersion>? others)
    {
        if (others is not { Count: > 0 })
            return null;
        var ballots = others.Sum(o => o.Ballots);
        var list = string.Join("; ", others.Select(o => $"{Version(o)}: {Count(o.Ballots)} phiếu"));
        return $"{Count(ballots)} phiếu trả lời phiên bản bộ câu hỏi khác ({list}) không được tính trong các số liệu này.";
    }

    /// <summary>An index or interval bound in percent, one decimal: 66,7.</summary>
    public static string Percent(double? value) => value is { } v ? v.ToString("0.0", Vietnamese) : None;

    /// <summary>A mean rating, two decimals: 3,67.</summary>
    public static string Mean(double? value) => value is { } v ? v.ToString("0.00", Vietnamese) : None;

    /// <summary>The 95 % interval: 20,8–93,9.</summary>
    public static string Interval(double? low, double? high) =>
        low is null || high is null ? None : $"{Percent(low)}–{Percent(high)}";

    public static string Count(int value) => value.ToString("#,0", Vietnamese);

    public static string Rate(double? fraction) => fraction is { } f ? (100 * f).ToString("0.0", Vietnamese) + "%" : None;

    public static DateTimeOffset Local(DateTimeOffset instant) => VietnamTime.ToLocal(instant);

    /// <summary>A time in Hai Phong: 14:05 ngày 03/02/2026.</summary>
    public static string Time(DateTimeOffset instant) =>
        Local(instant).ToString("HH:mm 'ngày' dd/MM/yyyy", Vietnamese);

    public static string Date(DateOnly date) => date.ToString("dd/MM/yyyy", Vietnamese);

    public static string Channel(string channel) => channel switch
    {
        "sms" => "SMS",
        "webchat" or "directline" => "Web chat",
        "interviewer" => "Phỏng vấn trực tiếp",
        "paper" => "Phiếu giấy",
        _ => channel,
    };

    public static string WaveStatus(string status) => status switch
    {
        "draft" => "Nháp",
        "running" => "Đang chạy",
        "paused" => "Tạm dừng",
        "completed" => "Đã kết thúc",
        "cancelled" => "Đã hủy",
        _ => status,
    };

    /// <summary>Who a ballot is from (<c>responses.provenance</c>), as the administrators' exports name it.</summary>
    public static string Provenance(string provenance) => provenance switch
    {
        Domain.Statuses.Provenance.Sampled => "Chọn mẫu, mời qua SMS",
        Domain.Statuses.Provenance.Interviewer => "Phỏng vấn trực tiếp hoặc phiếu giấy",
        Domain.Statuses.Provenance.Verified => "Đã xác minh mã hồ sơ",
        Domain.Statuses.Provenance.Open => "Chưa xác minh",
        _ => provenance,
    };

    /// <summary>An integrity flag in Vietnamese, its code in brackets: "trả lời quá nhanh (speeder)".</summary>
    public static string Flag(string flag) => flag switch
    {
        Domain.Scoring.BallotFlags.Speeder => "trả lời quá nhanh (speeder)",
        Domain.Scoring.BallotFlags.StraightLiner => "chọn cùng một mức cho mọi câu (straight_liner)",
        _ => flag,
    };
}
