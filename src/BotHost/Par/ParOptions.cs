using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Text.Json.Serialization;

namespace ChatSurvey.BotHost.Par;

/// <summary>How the satisfaction index becomes the points of the PAR score's satisfaction component.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ParPointsRule>))]
public enum ParPointsRule
{
    /// <summary>points = maximum × index / 100 (the default).</summary>
    Proportional,

    /// <summary>points = maximum × the share of the highest band whose minimum index the agency reaches (0 below every band).</summary>
    Bands,
}

/// <summary>One band of <see cref="ParPointsRule.Bands"/>: from <see cref="MinimumIndex"/> % up, <see cref="Share"/> of the maximum.</summary>
public sealed class ParBand
{
    /// <summary>The lowest index (percent, 0–100) of the band, inclusive.</summary>
    public double MinimumIndex { get; set; }

    /// <summary>The share (0–1) of the maximum points the band gives.</summary>
    public double Share { get; set; }
}

/// <summary>
/// The <c>Par</c> section: the satisfaction component of the PAR score (Chỉ số cải cách hành chính, the Department of Home
/// Affairs' yearly ranking of agencies) in the PAR workbook (<c>GET /api/admin/waves/{id}/par.xlsx</c>). By default an
/// agency gets <see cref="MaximumPoints"/> × its satisfaction index / 100; the rule is stated on the workbook's "Quy tắc"
/// sheet. An agency without an index gets no points.
/// </summary>
public sealed class ParOptions : IValidatableObject
{
    public const string Section = "Par";

    /// <summary>The most points the satisfaction component gives (<c>Par:MaximumPoints</c>, default 10).</summary>
    [Range(0.01, 1000, ErrorMessage = "Par:MaximumPoints must be greater than 0 (at most 1000).")]
    public double MaximumPoints { get; set; } = 10;

    /// <summary><c>Par:Rule</c>: <see cref="ParPointsRule.Proportional"/> (default) or <see cref="ParPointsRule.Bands"/>.</summary>
    public ParPointsRule Rule { get; set; } = ParPointsRule.Proportional;

    /// <summary><c>Par:Bands</c>: the bands of <see cref="ParPointsRule.Bands"/> (<c>Par:Bands:0:MinimumIndex</c>, <c>…:Share</c>).</summary>
    public List<ParBand> Bands { get; set; } = [];

    /// <summary>The points an agency with <paramref name="index"/> (percent) gets, unrounded; null without an index.</summary>
    public double? Points(double? index)
    {
        if (index is not { } value)
            return null;
        if (Rule == ParPointsRule.Proportional)
            return MaximumPoints * value / 100;
        var band = Bands.Where(b => value >= b.MinimumIndex).OrderByDescending(b => b.MinimumIndex).FirstOrDefault();
        return band is null ? 0 : MaximumPoints * band.Share;
    }

    /// <summary>The rule in Vietnamese, as the "Quy tắc" sheet states it.</summary>
    public string RuleText()
    {
        var culture = CultureInfo.GetCultureInfo("vi-VN");
        var maximum = MaximumPoints.ToString("0.##", culture);
        if (Rule == ParPointsRule.Proportional)
        {
            return $"Điểm thành phần hài lòng = điểm tối đa ({maximum}) × chỉ số hài lòng của đơn vị (%) / 100. " +
                   "Đơn vị chưa có chỉ số (không có câu trả lời hợp lệ) không được tính điểm.";
        }

        var bands = Bands.OrderByDescending(b => b.MinimumIndex).Select(b =>
            $"từ {b.MinimumIndex.ToString("0.##", culture)}% trở lên: {(MaximumPoints * b.Share).ToString("0.##", culture)} điểm");
        return $"Điểm thành phần hài lòng theo mức chỉ số hài lòng của đơn vị (điểm tối đa {maximum}): " +
               string.Join("; ", bands) + "; thấp hơn mọi mức: 0 điểm. Đơn vị chưa có chỉ số không được tính điểm.";
    }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Rule != ParPointsRule.Bands)
            yield break;
        if (Bands.Count == 0)
            yield return new ValidationResult("Par:Bands must list at least one band when Par:Rule is Bands.", [nameof(Bands)]);
        for (var i = 0; i < Bands.Count; i++)
        {
            if (Bands[i].MinimumIndex is < 0 or > 100)
                yield return new ValidationResult($"Par:Bands:{i}:MinimumIndex must be between 0 and 100.", [nameof(Bands)]);
            if (Bands[i].Share is < 0 or > 1)
                yield return new ValidationResult($"Par:Bands:{i}:Share must be between 0 and 1.", [nameof(Bands)]);
        }

        if (Bands.Select(b => b.MinimumIndex).Distinct().Count() != Bands.Count)
            yield return new ValidationResult("Par:Bands must not repeat a MinimumIndex.", [nameof(Bands)]);
    }
}
