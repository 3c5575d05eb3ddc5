using System.Globalization;
using ChatSurvey.BotHost.Admin;
using ChatSurvey.Dispatcher.Waves;
using ChatSurvey.Domain.Problems;
using ChatSurvey.Domain.Questionnaires;
using ChatSurvey.Domain.Sampling;
using ChatSurvey.Domain.Time;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace ChatSurvey.BotHost.Pages.Admin.Waves;

/// <summary>
/// Creates a draft wave. The form is <c>POST /api/admin/waves</c> in Vietnamese: the same request goes through
/// <see cref="WaveRequests.Validate"/> and <see cref="WaveStore.CreateAsync"/>, so the page and the API accept and refuse
/// the same waves, and each problem shows in its Vietnamese wording. The quota table shows each agency's population N in the period beside Slovin's suggestion; a GET
/// with the form's values (a changed period or margin, or "apply the suggestion" without JavaScript) redraws it and
/// keeps what was typed.
/// </summary>
public sealed class NewModel(WaveStore store, WaveQueries queries, QuestionnaireStore questionnaires, TimeProvider clock) : PageModel
{
    /// <summary>Margins of error offered for Slovin's formula, in percent; 5 % is the 2013 guidance's.</summary>
    public static IReadOnlyList<int> Margins { get; } = [3, 5, 7, 10];

    public const int DefaultMargin = 5;

    [BindProperty(SupportsGet = true)]
    public string? Name { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? Questionnaire { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? ResultsFrom { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? ResultsTo { get; set; }

    /// <summary>Expected response rate in percent (the API takes a share: 30 here is 0.3 there).</summary>
    [BindProperty(SupportsGet = true)]
    public string? ResponseRate { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? WindowStart { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? WindowEnd { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? ReminderHours { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? ExpiryDays { get; set; }

    [BindProperty(SupportsGet = true)]
    public string? CooldownDays { get; set; }

    /// <summary>Slovin's margin of error in percent.</summary>
    [BindProperty(SupportsGet = true)]
    public int? Margin { get; set; }

    /// <summary>Target completed responses by agency code, as typed; empty or 0 leaves the agency out.</summary>
    [BindProperty(SupportsGet = true)]
    public Dictionary<string, string?> Targets { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Set by the "apply the suggestion" button when it submits without JavaScript.</summary>
    [BindProperty(SupportsGet = true)]
    public bool Apply { get; set; }

    public QuotaTable Table { get; private set; } = QuotaTable.Empty;

    public IReadOnlyList<QuestionnaireSummary> Questionnaires { get; private set; } = [];

    /// <summary>Errors keyed by the API's field names (<c>name</c>, <c>resultsTo</c>, <c>agencies</c> …).</summary>
    public Dictionary<string, string> Errors { get; } = new(StringComparer.Ordinal);

    /// <summary>Errors of one agency row (its code or target), by agency code.</summary>
    public Dictionary<string, string> AgencyErrors { get; } = new(StringComparer.Ordinal);

    public bool HasErrors => Errors.Count > 0 || AgencyErrors.Count > 0;

    public string? Error(string field) => Errors.GetValueOrDefault(field);

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        SetDefaults();
        await LoadAsync(cancellationToken);
        if (Apply)
        {
            foreach (var row in Table.Rows)
                Targets[row.AgencyCode] = row.Suggestion > 0 ? row.Suggestion.ToString(CultureInfo.InvariantCulture) : null;
            await LoadAsync(cancellationToken);
        }
    }

    public async Task<IActionResult> OnPostAsync(CancellationToken cancellationToken)
    {
        var (request, agencyOrder) = ToRequest();
        var (draft, problems) = WaveRequests.Validate(request);
        if (draft is not null && !HasErrors)
        {
            var created = await store.CreateAsync(draft, cancellationToken);
            if (created.Id is { } id)
            {
                TempData["WaveMessage"] = "Đã tạo đợt khảo sát (nháp). Kiểm tra thiết lập rồi bấm “Bắt đầu” để lập danh sách mời.";
                return LocalRedirect($"/admin/waves/{id}");
            }

            problems = created.Problems;
        }

        foreach (var problem in problems)
        {
            if (AgencyIndex(problem.Field) is { } index && index < agencyOrder.Count)
                AgencyErrors.TryAdd(agencyOrder[index], problem.Vietnamese);
            else
                Errors.TryAdd(problem.Field, problem.Vietnamese);
        }

        await LoadAsync(cancellationToken);
        return Page();
    }

    /// <summary>
    /// The API request the form stands for. Text that is not a number is reported here (the API's JSON would not even
    /// parse); every other rule is <see cref="WaveRequests.Validate"/>'s.
    /// </summary>
    private (CreateWaveRequest Request, List<string> AgencyOrder) ToRequest()
    {
        decimal? rate = null;
        if (ParseDecimal(ResponseRate) is { } percent)
            rate = percent / 100m;
        else if (!string.IsNullOrWhiteSpace(ResponseRate))
            Errors["expectedResponseRate"] = Problem.Of("expectedResponseRate", ProblemCodes.WaveRateNotPercent).Vietnamese;

        var reminder = ParseWhole(ReminderHours, "reminderAfterHours");
        var expiry = ParseWhole(ExpiryDays, "expireAfterDays");
        var cooldown = ParseWhole(CooldownDays, "cooldownDays");

        var agencies = new List<WaveAgencyRequest?>();
        var order = new List<string>();
        foreach (var (code, text) in Targets)
        {
            if (string.IsNullOrWhiteSpace(text))
                continue;
            if (!int.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var target))
            {
                AgencyErrors[code] = Problem.Of($"agencies:{code}", ProblemCodes.WaveTargetNotWhole).Vietnamese;
                continue;
            }

            if (target == 0)
                continue;
            agencies.Add(new WaveAgencyRequest(code, target));
            order.Add(code);
        }

        var window = string.IsNullOrWhiteSpace(WindowStart) && string.IsNullOrWhiteSpace(WindowEnd)
            ? null
            : new SendWindowRequest(Blank(WindowStart), Blank(WindowEnd));
        var request = new CreateWaveRequest(Name, Questionnaire, ResultsFrom, ResultsTo, agencies, rate, window,
            reminder, expiry, cooldown, Seed: null);
        return (request, order);
    }

    private int? ParseWhole(string? text, string field)
    {
        if (string.IsNullOrWhiteSpace(text))
            return null;
        if (int.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
            return value;
        Errors[field] = Problem.Of(field, ProblemCodes.WholeNumber).Vietnamese;
        return null;
    }

    private static string? Blank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text;

    // Number inputs send "30.5"; someone typing by hand in Vietnamese may write "30,5".
    private static decimal? ParseDecimal(string? text) =>
        decimal.TryParse(text?.Trim().Replace(',', '.'), NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign,
            CultureInfo.InvariantCulture, out var value) ? value : null;

    private static int? AgencyIndex(string field)
    {
        if (!field.StartsWith("agencies[", StringComparison.Ordinal))
            return null;
        var end = field.IndexOf(']', StringComparison.Ordinal);
        return end > 9 && int.TryParse(field.AsSpan(9, end - 9), NumberStyles.None, CultureInfo.InvariantCulture, out var index) ? index : null;
    }

    /// <summary>Fills what a GET did not carry (the first visit, or a field cleared before the period changed).</summary>
    private void SetDefaults()
    {
        // The previous calendar month in Hai Phong: a natural first period for a monthly wave.
        var today = VietnamTime.Today(clock);
        var firstOfMonth = new DateOnly(today.Year, today.Month, 1);
        ResultsFrom ??= firstOfMonth.AddMonths(-1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        ResultsTo ??= firstOfMonth.AddDays(-1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        Questionnaire ??= "sipas-sms";
        ResponseRate ??= "30";
        WindowStart ??= "08:00";
        WindowEnd ??= "20:00";
        ReminderHours ??= "48";
        ExpiryDays ??= "3";
        CooldownDays ??= "90";
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        Questionnaires = (await questionnaires.ListAsync(cancellationToken))
            .Where(q => WaveQuestionnaires.Codes.Contains(q.Code))
            .GroupBy(q => q.Code)
            .Select(g => g.MaxBy(q => q.Version)!)
            .OrderBy(q => WaveQuestionnaires.Codes.ToList().IndexOf(q.Code))
            .ToList();

        var margin = Margin is { } m && Margins.Contains(m) ? m : DefaultMargin;
        Margin = margin;
        var typedRate = ParseDecimal(ResponseRate);
        var ratePercent = typedRate is > 0m and <= 100m ? typedRate.Value : 30m;

        var from = ParseDate(ResultsFrom);
        var to = ParseDate(ResultsTo);
        var periodValid = from is not null && to is not null && from <= to;
        // Without a valid period the agencies are still listed (to keep typed targets), with no population.
        var populations = await queries.PopulationsAsync(
            periodValid ? from!.Value : DateOnly.MaxValue, periodValid ? to!.Value : DateOnly.MinValue, cancellationToken);

        var rows = new List<QuotaRow>();
        foreach (var agency in populations)
        {
            var suggestion = Slovin.SampleSize(agency.Population, margin / 100.0);
            var typed = Targets.GetValueOrDefault(agency.AgencyCode);
            var target = int.TryParse(typed, NumberStyles.None, CultureInfo.InvariantCulture, out var t) && t > 0 ? t : suggestion;
            rows.Add(new QuotaRow(agency.AgencyCode, agency.AgencyName, agency.Population, suggestion,
                Invitations(target, agency.Population, ratePercent), typed));
        }

        // Codes that were posted but are not in the catalogue keep their row, so the error shows beside it.
        foreach (var (code, typed) in Targets)
        {
            if (!rows.Any(row => row.AgencyCode == code) && !string.IsNullOrWhiteSpace(typed))
                rows.Add(new QuotaRow(code, "(không có trong danh mục đơn vị đang khảo sát)", 0, 0, 0, typed));
        }

        Table = new QuotaTable(rows, periodValid, margin, ratePercent);
    }

    /// <summary>Invitations needed for <paramref name="target"/> at the expected rate, capped at the population.</summary>
    private static int Invitations(int target, int population, decimal ratePercent) =>
        target <= 0 || population == 0 ? 0 : Math.Min(population, SamplingService.InvitationsNeeded(target, (double)(ratePercent / 100m)));

    private static DateOnly? ParseDate(string? text) =>
        DateOnly.TryParseExact(text?.Trim(), "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date) ? date : null;

    /// <summary>One agency of the quota table; <see cref="Invitations"/> is for the typed target, or the suggestion when none.</summary>
    public sealed record QuotaRow(string AgencyCode, string AgencyName, int Population, int Suggestion, int Invitations, string? Target);

    public sealed record QuotaTable(IReadOnlyList<QuotaRow> Rows, bool PeriodValid, int Margin, decimal RatePercent)
    {
        public static QuotaTable Empty { get; } = new([], false, DefaultMargin, 30m);
    }
}
