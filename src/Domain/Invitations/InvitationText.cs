using System.Text.RegularExpressions;
using ChatSurvey.Domain.Sms;

namespace ChatSurvey.Domain.Invitations;

/// <summary>What an invitation SMS says.</summary>
/// <param name="AgencyName">The agency's Vietnamese name (<c>agencies.name</c>), with diacritics; transliterated here.</param>
/// <param name="ProcedureShortName">The procedure's SMS label (<c>procedures.short_name</c>, ASCII).</param>
/// <param name="Link">The personal link, <c>{App:PublicBaseUrl}/s/{code}</c>.</param>
/// <param name="FirstQuestionSms">
/// Two-way senders: the first question's SMS prompt (<c>QuestionPrompt.Sms</c>), which a reply answers.
/// Link-only senders: null.
/// </param>
/// <param name="OptOutKeyword">The keyword that refuses further messages (STOP, TC, TU CHOI …: docs/methodology.md#opt-out-keywords).</param>
public sealed record InvitationTextInput(
    string AgencyName, string ProcedureShortName, string Link, string? FirstQuestionSms, string OptOutKeyword = "TC");

/// <summary>
/// The invitation SMS (docs/methodology.md#two-way-and-link-only-senders): ASCII GSM-7, always the personal link and
/// opt-out instructions (Decree 91/2020), and in two-way mode the first question.
/// </summary>
public static partial class InvitationText
{
    /// <summary>The most segments an invitation should cost.</summary>
    public const int MaxSegments = 2;

    [GeneratedRegex(@"\bUy ban nhan dan\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex PeoplesCommittee();

    [GeneratedRegex(@"\bUBND thanh pho\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex CityCommittee();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    [GeneratedRegex(@"\bTrung tam\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Centre();

    [GeneratedRegex(@"\bthanh pho\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex City();

    [GeneratedRegex(@"\bhanh chinh cong\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex PublicAdministration();

    /// <summary>
    /// The agency as the SMS names it: the Vietnamese name transliterated (<see cref="VietnameseText.ToGsm7"/>),
    /// with the usual abbreviations "Uy ban nhan dan" → "UBND" and "UBND thanh pho" → "UBND TP", spaces collapsed.
    /// </summary>
    public static string AgencyLabel(string agencyName)
    {
        ArgumentNullException.ThrowIfNull(agencyName);
        var label = Whitespace().Replace(VietnameseText.ToGsm7(agencyName), " ").Trim();
        label = PeoplesCommittee().Replace(label, "UBND");
        return CityCommittee().Replace(label, "UBND TP");
    }

    /// <summary>
    /// <see cref="AgencyLabel"/> with the longer words of administrative names abbreviated as official shorthand does:
    /// "Trung tam" → "TT", "thanh pho" → "TP", "hanh chinh cong" → "HCC" ("TT Phuc vu HCC TP Hai Phong"). Used only when
    /// the full label would not leave room for the procedure.
    /// </summary>
    public static string ShortAgencyLabel(string agencyName)
    {
        var label = Centre().Replace(AgencyLabel(agencyName), "TT");
        label = City().Replace(label, "TP");
        return PublicAdministration().Replace(label, "HCC");
    }

    /// <summary>
    /// The invitation text. Two-way:
    /// <c>{agency} xin y kien Ong/Ba ve thu tuc {procedure}.\n{first question}\nHoac vao {link}\nSoan TC de tu choi</c>;
    /// link-only: <c>{agency} xin y kien Ong/Ba ve thu tuc {procedure}. Moi danh gia tai {link}\nSoan TC de tu choi</c>.
    /// Invariants: GSM-7; the link, the opt-out instruction and the first question are always there, whole. When the
    /// text would exceed <see cref="MaxSegments"/> segments, the agency label is abbreviated first
    /// (<see cref="ShortAgencyLabel"/>), then the procedure name is dropped ("ve thu tuc da lam"), then the abbreviated
    /// label is cut at a word boundary; only a first question too long to leave room for the rest yields a longer text.
    /// </summary>
    /// <exception cref="ArgumentException">When the link, keyword or first question is empty or not GSM-7.</exception>
    public static string Render(InvitationTextInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        RequireGsm7(input.Link, nameof(input.Link), singleToken: true);
        RequireGsm7(input.OptOutKeyword, nameof(input.OptOutKeyword), singleToken: false);
        if (input.FirstQuestionSms is not null)
            RequireGsm7(input.FirstQuestionSms, nameof(input.FirstQuestionSms), singleToken: false);

        var agency = AgencyLabel(input.AgencyName);
        var procedure = Whitespace().Replace(VietnameseText.ToGsm7(input.ProcedureShortName), " ").Trim();

        var text = Compose(input, agency, procedure);
        if (Fits(text))
            return text;

        agency = ShortAgencyLabel(input.AgencyName);
        text = Compose(input, agency, procedure);
        if (Fits(text))
            return text;

        text = Compose(input, agency, null);
        var words = agency.Split(' ');
        for (var keep = words.Length - 1; !Fits(text) && keep >= 1; keep--)
            text = Compose(input, string.Join(' ', words[..keep]), null);
        return text;
    }

    private static string Compose(InvitationTextInput input, string agency, string? procedure)
    {
        var about = string.IsNullOrEmpty(procedure) ? "da lam" : procedure;
        var intro = string.IsNullOrEmpty(agency)
            ? $"Moi Ong/Ba cho y kien ve thu tuc {about}."
            : $"{agency} xin y kien Ong/Ba ve thu tuc {about}.";
        var optOut = $"Soan {input.OptOutKeyword.Trim()} de tu choi";
        return input.FirstQuestionSms is { } question
            ? $"{intro}\n{question}\nHoac vao {input.Link}\n{optOut}"
            : $"{intro} Moi danh gia tai {input.Link}\n{optOut}";
    }

    private static bool Fits(string text) => Gsm7.Measure(text).Segments <= MaxSegments;

    private static void RequireGsm7(string value, string name, bool singleToken)
    {
        if (string.IsNullOrWhiteSpace(value))
            throw new ArgumentException($"{name} is empty.", name);
        if (!Gsm7.IsGsm7(value))
            throw new ArgumentException($"{name} must be GSM-7 (transliterate it first): '{value}'.", name);
        if (singleToken && value.Any(char.IsWhiteSpace))
            throw new ArgumentException($"{name} must not contain spaces: '{value}'.", name);
    }
}
