using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using ChatSurvey.Benchmarks.Harness;
using ChatSurvey.Benchmarks.Load;
using ChatSurvey.Domain.Catalogue;
using ChatSurvey.Domain.Conversations;
using ChatSurvey.Domain.Invitations;
using ChatSurvey.Domain.Questionnaires;
using ChatSurvey.Domain.Sms;

namespace ChatSurvey.Benchmarks.Scenarios;

/// <summary>
/// What a completed <c>sipas-sms</c> ballot costs in SMS segments (issue 16), in process and pure: the invitation as
/// the dispatcher renders it (<see cref="InvitationText"/> with the engine's first question, for every agency and
/// procedure of the shipped catalogue) and every reply the engine sends on the SMS channel while the ballot is answered,
/// counted by the product's own counter (<see cref="Gsm7.Measure"/>: GSM-7 septets, extension characters 2, 160/153 per
/// segment) as sent — without diacritics — beside the same texts with their Vietnamese diacritics, which make a message
/// UCS-2 (70/67 per segment).
/// </summary>
/// <remarks>
/// The texts with diacritics are the sent texts with each word given back its accents from the product's own
/// Vietnamese (the questionnaire's texts and labels, the agency and procedure names, the invitation's fixed words):
/// precomposed Vietnamese letters are one UTF-16 unit each, so the same words have the same length either way and only
/// the encoding differs. The "floor" column holds those UCS-2 counts, so the ratio (floor ÷ product, lower is better)
/// reads "how many times cheaper": the issue's "≤ 0.5" (GSM-7 cost over UCS-2 cost) is a ratio of at least 2.
/// </remarks>
public sealed partial class SmsCostScenario : IScenario
{
    /// <summary>A public address of the length a city's survey site has; invitations carry <c>{it}/s/{10-character code}</c>.</summary>
    private const string PublicBaseUrl = "https://khaosat.haiphong.gov.vn";

    /// <summary>The invitation's and the hints' fixed words, with their diacritics (InvitationText, QuestionPrompt).</summary>
    private const string FixedWords =
        "xin ý kiến Ông/Bà về thủ tục đã làm. Hoặc vào Soạn để từ chối. Mời cho đánh giá tại. Câu Trả lời rất không hài lòng, "
        + "để bỏ qua, nếu không áp dụng. Có Không";

    public string Name => "smscost";

    public int Order => 70;

    public Task<IReadOnlyList<Figure>> RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var questionnaire = QuestionnaireCatalogue.Default(QuestionnaireCatalogue.Sms);
        var agencies = DemoCatalogue.Agencies();
        var procedures = DemoCatalogue.Procedures();
        var accents = Accents(questionnaire, agencies, procedures);

        // The ballot's replies: the engine on the SMS channel, from the invitation's first question to the thanks.
        var now = new DateTimeOffset(2025, 9, 1, 9, 0, 0, TimeSpan.FromHours(7));
        var started = SurveyEngine.Start(questionnaire, SurveyChannel.Sms, now);
        var firstQuestion = started.Replies[^1].Text;
        var script = SurveyScript.For(questionnaire, SurveyChannel.Sms);
        var progress = started.Progress;
        var replies = new List<string>();
        for (var step = 0; step < script.Steps.Count; step++)
        {
            now = now.AddSeconds(20);
            var result = SurveyEngine.Handle(questionnaire, progress, script.Answer(step, 1), SurveyChannel.Sms, now);
            replies.AddRange(result.Replies.Select(r => r.Text));
            progress = result.Progress;
        }

        if (progress.Status != SurveyStatus.Completed)
            throw new InvalidOperationException($"The scripted ballot ended {progress.Status}, not completed.");

        // The invitation for every agency and procedure of the catalogue; the costliest is the ballot's.
        var link = PublicBaseUrl + "/s/" + "ABCD2345EF";
        var invitations = (
            from agency in agencies
            from procedure in procedures
            let text = InvitationText.Render(new InvitationTextInput(agency.Name, procedure.ShortName, link, firstQuestion))
            select (Agency: agency.Code, Procedure: procedure.Code, Text: text, Gsm: Gsm7.Measure(text), Ucs2: Gsm7.Measure(Reaccent(text, accents))))
            .ToList();
        foreach (var invitation in invitations.Where(i => i.Gsm.Encoding != SmsEncoding.Gsm7))
            throw new InvalidOperationException($"The invitation for {invitation.Agency}/{invitation.Procedure} is not GSM-7: {invitation.Text}");
        var worst = invitations.MaxBy(i => (i.Gsm.Segments, i.Ucs2.Segments, i.Gsm.Units))!;
        var worstUcs2 = invitations.Max(i => i.Ucs2.Segments);

        var replyCosts = replies.Select(r => (Text: r, Gsm: Gsm7.Measure(r), Ucs2: Gsm7.Measure(Reaccent(r, accents)))).ToList();
        var ballot = worst.Gsm.Segments + replyCosts.Sum(r => r.Gsm.Segments);
        var ballotUcs2 = worst.Ucs2.Segments + replyCosts.Sum(r => r.Ucs2.Segments);
        var meanBallot = invitations.Average(i => i.Gsm.Segments) + replyCosts.Sum(r => r.Gsm.Segments);
        var meanBallotUcs2 = invitations.Average(i => i.Ucs2.Segments) + replyCosts.Sum(r => r.Ucs2.Segments);

        context.Info($"invitation ({worst.Agency}, {worst.Procedure}): {Describe(worst.Gsm)}; with diacritics {Describe(worst.Ucs2)}");
        context.Info("  " + worst.Text.ReplaceLineEndings(" / "));
        context.Info("  " + Reaccent(worst.Text, accents).ReplaceLineEndings(" / "));
        foreach (var reply in replyCosts)
            context.Info($"reply: {Describe(reply.Gsm)}; with diacritics {Describe(reply.Ucs2)}: {reply.Text.ReplaceLineEndings(" / ")}");

        var maxReply = replyCosts.Max(r => r.Gsm.Segments);
        IReadOnlyList<Figure> figures =
        [
            new Figure("SMS cost per completed sipas-sms ballot", "segments", ballot, ballotUcs2, HigherIsBetter: false,
                Target: "≤ 0.5 of UCS-2 (ratio ≥ 2)", Met: ballot <= 0.5 * ballotUcs2,
                Note: Invariant($"floor column: the same texts with diacritics (UCS-2); cost {ballot / (double)ballotUcs2:F2} of it; invitation + {replies.Count} replies, costliest of {invitations.Count} agency × procedure invitations; mean {meanBallot:F2} vs {meanBallotUcs2:F2}")),
            new Figure("SMS reply, costliest of the ballot", "segments", maxReply, replyCosts.Max(r => r.Ucs2.Segments), HigherIsBetter: false,
                Target: "1 (every reply one segment)", Met: maxReply == 1,
                Note: Invariant($"{replies.Count} replies, {replyCosts.Max(r => r.Gsm.Units)} septets at most")),
            new Figure("SMS invitation, costliest in the catalogue", "segments", worst.Gsm.Segments, worstUcs2, HigherIsBetter: false,
                Target: "≤ 2", Met: worst.Gsm.Segments <= InvitationText.MaxSegments,
                Note: Invariant($"{worst.Agency} / {worst.Procedure}, {worst.Gsm.Units} septets with the first question and a {link.Length}-character link")),
        ];
        return Task.FromResult(figures);
    }

    /// <summary>
    /// How to give the sent texts their diacritics back, from the product's own Vietnamese: the questionnaire's texts
    /// and labels, the agency and procedure names, the invitation's fixed words.
    /// </summary>
    private static Accenter Accents(Questionnaire questionnaire, IEnumerable<DemoCatalogue.AgencyRow> agencies, IEnumerable<DemoCatalogue.ProcedureRow> procedures)
    {
        var texts = new List<string> { FixedWords, questionnaire.Title, questionnaire.Intro.Web, questionnaire.Thanks.Web };
        texts.AddRange(questionnaire.Elements.Select(e => e.Name));
        texts.AddRange(questionnaire.Questions.Select(q => q.Text));
        texts.AddRange(questionnaire.Questions.SelectMany(q => q.Options).Select(o => o.Text));
        texts.AddRange(RatingScale.WebLabels);
        texts.AddRange(agencies.Select(a => a.Name));
        texts.AddRange(procedures.Select(p => p.Name));
        return new Accenter(texts);
    }

    private static string Reaccent(string text, Accenter accents) => accents.Apply(text);

    /// <summary>
    /// Puts diacritics back into a transliterated text: first whole phrases of the source texts found in it (longest
    /// first, at word boundaries), so "cho ngoi cho" becomes "chỗ ngồi chờ" as the question says; then the remaining
    /// words one by one (the first spelling met wins: an ambiguous word may come back wrongly accented, with the same
    /// length, hence the same cost). Acronyms (UBND, TC) and words no source has stay as they are.
    /// </summary>
    private sealed class Accenter
    {
        private readonly List<(string Plain, string Accented)> _phrases;
        private readonly Dictionary<string, string> _words = new(StringComparer.Ordinal);

        public Accenter(IEnumerable<string> sources)
        {
            var phrases = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var source in sources.Select(s => s.Normalize(NormalizationForm.FormC)))
            {
                foreach (var phrase in Phrase().Split(source).Select(p => p.Trim()).Where(p => p.Contains(' ', StringComparison.Ordinal)))
                {
                    var plain = VietnameseText.ToAscii(phrase);
                    if (plain != phrase && plain.Length == phrase.Length)
                        phrases.TryAdd(plain, phrase);
                }

                foreach (Match word in Word().Matches(source))
                {
                    var plain = VietnameseText.ToAscii(word.Value).ToLowerInvariant();
                    var accented = word.Value.ToLowerInvariant();
                    if (plain != accented && plain.Length == accented.Length)
                        _words.TryAdd(plain, accented);
                }
            }

            _phrases = [.. phrases.Select(p => (p.Key, p.Value)).OrderByDescending(p => p.Key.Length).ThenBy(p => p.Key, StringComparer.Ordinal)];
        }

        public string Apply(string text)
        {
            var result = text.ToCharArray();
            var done = new bool[text.Length];
            foreach (var (plain, accented) in _phrases)
            {
                for (var at = text.IndexOf(plain, StringComparison.OrdinalIgnoreCase); at >= 0; at = text.IndexOf(plain, at + 1, StringComparison.OrdinalIgnoreCase))
                {
                    var end = at + plain.Length;
                    if ((at > 0 && char.IsLetter(text[at - 1])) || (end < text.Length && char.IsLetter(text[end])) || done.AsSpan(at, plain.Length).Contains(true))
                        continue;
                    for (var i = 0; i < plain.Length; i++)
                    {
                        result[at + i] = char.IsUpper(text[at + i]) ? char.ToUpperInvariant(accented[i]) : char.ToLowerInvariant(accented[i]);
                        done[at + i] = true;
                    }
                }
            }

            foreach (Match word in Word().Matches(text))
            {
                var value = word.Value;
                if (done[word.Index] || (value.Length > 1 && value.All(char.IsUpper)) || !_words.TryGetValue(value.ToLowerInvariant(), out var accented))
                    continue;
                for (var i = 0; i < value.Length; i++)
                    result[word.Index + i] = char.IsUpper(value[i]) ? char.ToUpperInvariant(accented[i]) : accented[i];
            }

            return new string(result);
        }
    }

    private static string Describe(SmsMeasure measure) =>
        Invariant($"{measure.Units} {(measure.Encoding == SmsEncoding.Gsm7 ? "septets" : "UCS-2 units")}, {measure.Segments} segment{(measure.Segments == 1 ? "" : "s")}");

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    [GeneratedRegex(@"\p{L}+")]
    private static partial Regex Word();

    [GeneratedRegex(@"[.,:;?!()\n]")]
    private static partial Regex Phrase();
}
