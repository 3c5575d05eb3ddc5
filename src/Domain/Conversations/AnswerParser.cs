using System.Globalization;
using System.Text;
using ChatSurvey.Domain.Questionnaires;
using ChatSurvey.Domain.Sms;

namespace ChatSurvey.Domain.Conversations;

/// <summary>A whole-message command that is not an answer. Opt-out, opt-in and help win over everything else.</summary>
public enum InboundCommand
{
    /// <summary>Not a command: read the message as an answer.</summary>
    None,

    /// <summary>STOP, TC, TU CHOI / TỪ CHỐI, HUY / HỦY, DUNG / DỪNG.</summary>
    OptOut,

    /// <summary>START, BD.</summary>
    OptIn,

    /// <summary>HELP, HD, ?, HUONG DAN / HƯỚNG DẪN.</summary>
    Help,

    /// <summary>LAI / LẠI, QUAY LAI / QUAY LẠI, TRỞ LẠI, BACK: return to the previous question.</summary>
    Back,
}

/// <summary>Why a reply is not a usable answer to the question it was read against.</summary>
public enum AnswerError
{
    None,
    Empty,
    NotARating,
    NotYesNo,
    NotAnOption,
    SkipNotAllowed,
}

/// <summary>
/// The reading of one reply against one question: either <see cref="Answer"/> (valid, possibly
/// <see cref="AnswerKind.Skipped"/>) or an <see cref="Error"/> with <see cref="Hint"/>, a short Vietnamese
/// explanation with diacritics (transliterate it for SMS).
/// </summary>
public sealed record ParsedAnswer(RecordedAnswer? Answer, AnswerError Error, string? Hint)
{
    public bool IsValid => Answer is not null;

    internal static ParsedAnswer Valid(RecordedAnswer answer) => new(answer, AnswerError.None, null);

    internal static ParsedAnswer Invalid(AnswerError error, string hint) => new(null, error, hint);
}

/// <summary>
/// Understands citizens' replies; knows nothing of the conversation flow.
/// </summary>
/// <remarks>
/// Every reading NFC-normalises, trims and lower-cases the message and treats punctuation as spaces ("4.", " 5!",
/// "Rất hài lòng!!"). Answers (scale words, yes/no, option texts) compare diacritic-insensitively through
/// <see cref="VietnameseText.ToAscii"/>, so "rat hai long" is "rất hài lòng". Commands must be the whole message and
/// match their keyword either with the keyword's own diacritics or with none: "dung" and "dừng" opt out, "đúng"
/// (Vietnamese for "right") does not.
/// </remarks>
public static class AnswerParser
{
    /// <summary>Free text beyond this many UTF-16 units is cut (never inside a surrogate pair).</summary>
    public const int MaxTextLength = 1000;

    private static readonly Keyword[] OptOutWords = Keywords("stop", "tc", "từ chối", "hủy", "huỷ", "dừng");
    private static readonly Keyword[] OptInWords = Keywords("start", "bd");
    private static readonly Keyword[] HelpWords = Keywords("help", "hd", "hướng dẫn");
    private static readonly Keyword[] BackWords = Keywords("lại", "quay lại", "trở lại", "back");
    private static readonly Keyword[] SkipWords = Keywords("0", "bỏ qua", "skip");

    // "Không áp dụng", also as SMS shorthand writes it ("ko" for "không"), and its initials KAD, which no other keyword,
    // scale word or option number reads as.
    private static readonly Keyword[] NotApplicableWords = Keywords("không áp dụng", "ko áp dụng", "kad");

    private static readonly HashSet<string> YesWords = new(StringComparer.Ordinal) { "1", "co", "yes", "y", RecordedAnswer.Yes };
    private static readonly HashSet<string> NoWords = new(StringComparer.Ordinal) { "2", "khong", "no", "n", "ko", "k", RecordedAnswer.No };

    // Folded scale words; "chưa hài lòng" is the usual survey wording for level 2. Longest first, so that
    // "rat khong hai long" is 1 and not "rat" + "khong hai long", and "khong hai long" is 2 and not "khong" + 4.
    private static readonly (string[] Words, int Rating)[] ScalePhrases =
        new (string Phrase, int Rating)[]
        {
            ("rat khong hai long", 1),
            ("khong hai long", 2),
            ("chua hai long", 2),
            ("binh thuong", 3),
            ("hai long", 4),
            ("rat hai long", 5),
        }
        .Select(p => (p.Phrase.Split(' '), p.Rating))
        .OrderByDescending(p => p.Item1.Length)
        .ToArray();

    private static readonly Dictionary<string, int> ScaleRatings =
        ScalePhrases.ToDictionary(p => string.Join(' ', p.Words), p => p.Rating, StringComparer.Ordinal);

    private static readonly string[][] SkipPhrases = SkipWords.Select(w => w.Plain.Split(' ')).ToArray();

    private static readonly string[][] NotApplicablePhrases = NotApplicableWords.Select(w => w.Plain.Split(' ')).ToArray();

    /// <summary>The command the whole message is, or <see cref="InboundCommand.None"/>.</summary>
    public static InboundCommand ParseCommand(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var trimmed = text.Trim();
        if (trimmed.Length > 0 && trimmed.All(c => c is '?' or '？'))
        {
            return InboundCommand.Help;
        }

        var clean = Clean(text);
        if (MatchesAny(clean, OptOutWords))
        {
            return InboundCommand.OptOut;
        }

        if (MatchesAny(clean, OptInWords))
        {
            return InboundCommand.OptIn;
        }

        if (MatchesAny(clean, HelpWords))
        {
            return InboundCommand.Help;
        }

        return MatchesAny(clean, BackWords) ? InboundCommand.Back : InboundCommand.None;
    }

    /// <summary>The whole message is a skip word ("0", "bỏ qua", "skip"), as an optional question reads it.</summary>
    public static bool IsSkip(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return MatchesAny(Clean(text), SkipWords);
    }

    /// <summary>
    /// Reads the whole message as one answer to <paramref name="question"/>. On a question that allows it
    /// (<see cref="Question.AllowNotApplicable"/>), "không áp dụng", "ko áp dụng" or "kad" (with or without diacritics,
    /// any case) give an <see cref="AnswerKind.NotApplicable"/> answer, and so does "0" when the question is not
    /// optional. Otherwise skip words ("0", "bỏ qua") give a <see cref="AnswerKind.Skipped"/> answer when the question is
    /// optional and <see cref="AnswerError.SkipNotAllowed"/> otherwise. Ratings: a digit 1–5, a scale word, or both when
    /// they agree ("5 rất hài lòng"). Yes/no: 1, có, yes / 2, không, no. Choices: the option's number, text, SMS label
    /// or value. Text: the message as typed (NFC, trimmed, cut to <see cref="MaxTextLength"/>). "Không áp dụng" on a
    /// question that does not allow it is read like any other reply (an unclear rating, a text).
    /// </summary>
    public static ParsedAnswer Parse(Question question, string text)
    {
        ArgumentNullException.ThrowIfNull(question);
        ArgumentNullException.ThrowIfNull(text);

        var clean = Clean(text);
        if (question.AllowNotApplicable
            && (MatchesAny(clean, NotApplicableWords) || (!question.Optional && clean == QuestionPrompt.SkipValue)))
        {
            return ParsedAnswer.Valid(RecordedAnswer.NotApplicable(question.Code));
        }

        if (MatchesAny(clean, SkipWords))
        {
            return question.Optional
                ? ParsedAnswer.Valid(RecordedAnswer.Skipped(question.Code))
                : ParsedAnswer.Invalid(AnswerError.SkipNotAllowed, "Câu hỏi này không thể bỏ qua. " + Guidance(question));
        }

        var folded = Fold(text);
        return question.Kind switch
        {
            QuestionKind.Rating => ParseRating(question, folded),
            QuestionKind.YesNo => ParseYesNo(question, folded),
            QuestionKind.Choice => ParseChoice(question, folded),
            QuestionKind.Text => ParseText(question, text),
            _ => throw new ArgumentOutOfRangeException(nameof(question), question.Kind, "Unknown question kind."),
        };
    }

    /// <summary>
    /// Cuts a message into the answers it holds, for filling several rating questions at once: "4 5 4", "4,5,4",
    /// "rất hài lòng, hài lòng" (scale words matched longest first), "4 không áp dụng 5". A digit followed by its own
    /// scale word ("5 rất hài lòng") stays one answer, and so do the words of a skip or of "không áp dụng". Each part is
    /// folded (lower-case ASCII) and can be given to <see cref="Parse"/>. One part means the message is one answer.
    /// </summary>
    public static IReadOnlyList<string> SplitAnswers(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var words = Fold(text).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var tokens = new List<(string Text, int? Rating)>();
        for (var i = 0; i < words.Length;)
        {
            var phrase = ScalePhrases.FirstOrDefault(p => StartsWith(words, i, p.Words));
            if (phrase.Words is not null)
            {
                tokens.Add((string.Join(' ', phrase.Words), phrase.Rating));
                i += phrase.Words.Length;
                continue;
            }

            var skip = SkipPhrases.FirstOrDefault(p => StartsWith(words, i, p))
                ?? NotApplicablePhrases.FirstOrDefault(p => StartsWith(words, i, p));
            if (skip is not null)
            {
                tokens.Add((string.Join(' ', skip), null));
                i += skip.Length;
                continue;
            }

            tokens.Add((words[i], null));
            i++;
        }

        var parts = new List<string>(tokens.Count);
        for (var i = 0; i < tokens.Count; i++)
        {
            if (i + 1 < tokens.Count && DigitRating(tokens[i].Text) is { } digit && tokens[i + 1].Rating == digit)
            {
                parts.Add(tokens[i].Text + " " + tokens[i + 1].Text);
                i++;
                continue;
            }

            parts.Add(tokens[i].Text);
        }

        return parts;
    }

    /// <summary>NFC, lower case, punctuation and symbols as single spaces, trimmed; diacritics kept.</summary>
    internal static string Clean(string text)
    {
        var lower = UnicodeText.Nfc(text).ToLowerInvariant();
        var builder = new StringBuilder(lower.Length);
        var pendingSpace = false;
        foreach (var c in lower)
        {
            var category = CharUnicodeInfo.GetUnicodeCategory(c);
            var keep = char.IsLetterOrDigit(c)
                || category is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark;
            if (!keep)
            {
                pendingSpace = builder.Length > 0;
                continue;
            }

            if (pendingSpace)
            {
                builder.Append(' ');
                pendingSpace = false;
            }

            builder.Append(c);
        }

        return builder.ToString();
    }

    /// <summary><see cref="Clean"/>, then diacritics removed, then a trailing polite "ạ" dropped ("có ạ", "5 ạ").</summary>
    internal static string Fold(string text)
    {
        var folded = VietnameseText.ToAscii(Clean(text));
        return folded.EndsWith(" a", StringComparison.Ordinal) ? folded[..^2] : folded;
    }

    private static ParsedAnswer ParseRating(Question question, string folded)
    {
        if (RatingOf(folded) is { } rating)
        {
            return ParsedAnswer.Valid(RecordedAnswer.ForRating(question.Code, rating));
        }

        return ParsedAnswer.Invalid(AnswerError.NotARating, "Chưa rõ câu trả lời. " + Guidance(question));
    }

    private static int? RatingOf(string folded)
    {
        if (DigitRating(folded) is { } digit)
        {
            return digit;
        }

        if (PhraseRating(folded) is { } phrase)
        {
            return phrase;
        }

        // "5 rat hai long": the digit and its scale word agree.
        var space = folded.IndexOf(' ', StringComparison.Ordinal);
        if (space > 0 && DigitRating(folded[..space]) is { } d && PhraseRating(folded[(space + 1)..]) == d)
        {
            return d;
        }

        return null;
    }

    private static ParsedAnswer ParseYesNo(Question question, string folded)
    {
        if (YesWords.Contains(folded))
        {
            return ParsedAnswer.Valid(RecordedAnswer.ForYesNo(question.Code, yes: true));
        }

        if (NoWords.Contains(folded))
        {
            return ParsedAnswer.Valid(RecordedAnswer.ForYesNo(question.Code, yes: false));
        }

        return ParsedAnswer.Invalid(AnswerError.NotYesNo, "Chưa rõ câu trả lời. " + Guidance(question));
    }

    private static ParsedAnswer ParseChoice(Question question, string folded)
    {
        var options = question.Options;
        if (folded.Length is > 0 and <= 3 && folded.All(char.IsAsciiDigit)
            && int.TryParse(folded, NumberStyles.None, CultureInfo.InvariantCulture, out var number)
            && number >= 1 && number <= options.Count)
        {
            return ParsedAnswer.Valid(RecordedAnswer.ForChoice(question.Code, options[number - 1].Value));
        }

        if (folded.Length > 0)
        {
            foreach (var option in options)
            {
                if (Fold(option.Text) == folded
                    || (option.Sms is not null && Fold(option.Sms) == folded)
                    || Fold(option.Value) == folded)
                {
                    return ParsedAnswer.Valid(RecordedAnswer.ForChoice(question.Code, option.Value));
                }
            }
        }

        return ParsedAnswer.Invalid(AnswerError.NotAnOption, "Chưa rõ câu trả lời. " + Guidance(question));
    }

    private static ParsedAnswer ParseText(Question question, string text)
    {
        var value = UnicodeText.Nfc(text).Trim();
        if (value.Length == 0)
        {
            return ParsedAnswer.Invalid(AnswerError.Empty, Guidance(question));
        }

        if (value.Length > MaxTextLength)
        {
            var cut = char.IsHighSurrogate(value[MaxTextLength - 1]) ? MaxTextLength - 1 : MaxTextLength;
            value = value[..cut].TrimEnd();
        }

        return ParsedAnswer.Valid(RecordedAnswer.ForText(question.Code, value));
    }

    /// <summary>What a usable answer looks like, for hints.</summary>
    internal static string Guidance(Question question)
    {
        var guidance = question.Kind switch
        {
            QuestionKind.Rating => "Vui lòng nhắn một số từ 1 (rất không hài lòng) đến 5 (rất hài lòng).",
            QuestionKind.YesNo => "Vui lòng nhắn 1 (Có) hoặc 2 (Không).",
            QuestionKind.Choice => question.Options.Count == 1
                ? "Vui lòng nhắn 1."
                : $"Vui lòng nhắn một số từ 1 đến {question.Options.Count}.",
            _ => "Vui lòng nhập ý kiến của Ông/Bà.",
        };
        return (question.Optional, question.AllowNotApplicable) switch
        {
            (true, true) => guidance + " Nhắn 0 để bỏ qua, KAD nếu không áp dụng.",
            (true, false) => guidance + " Nhắn 0 để bỏ qua.",
            (false, true) => guidance + " Nhắn 0 nếu không áp dụng.",
            _ => guidance,
        };
    }

    private static int? DigitRating(string folded) =>
        folded.Length == 1 && folded[0] is >= '1' and <= '5' ? folded[0] - '0' : null;

    private static int? PhraseRating(string folded) => ScaleRatings.TryGetValue(folded, out var rating) ? rating : null;

    private static bool StartsWith(string[] words, int start, string[] phrase)
    {
        if (start + phrase.Length > words.Length)
        {
            return false;
        }

        for (var k = 0; k < phrase.Length; k++)
        {
            if (words[start + k] != phrase[k])
            {
                return false;
            }
        }

        return true;
    }

    private static Keyword[] Keywords(params string[] words) =>
        [.. words.Select(w => new Keyword(w, VietnameseText.ToAscii(w)))];

    private static bool MatchesAny(string clean, Keyword[] keywords)
    {
        foreach (var keyword in keywords)
        {
            if (keyword.Matches(clean))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>A command word (NFC, lower case) and its spelling without diacritics (same length for Vietnamese).</summary>
    private sealed record Keyword(string Word, string Plain)
    {
        /// <summary>
        /// Each character of the message is the keyword's own character, or the plain ASCII letter it is written as
        /// without diacritics: "tu choi", "từ chối" and "tu chối" match "từ chối"; "đúng" does not match "dừng".
        /// </summary>
        public bool Matches(string clean)
        {
            if (clean.Length != Word.Length || Plain.Length != Word.Length)
            {
                return false;
            }

            for (var i = 0; i < clean.Length; i++)
            {
                var c = clean[i];
                if (c != Word[i] && !(char.IsAscii(c) && c == Plain[i]))
                {
                    return false;
                }
            }

            return true;
        }
    }
}
