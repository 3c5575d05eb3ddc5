using System.Text.Json;
using System.Text.Json.Serialization;
using ChatSurvey.Domain.Questionnaires;
using ChatSurvey.Domain.Sms;

namespace ChatSurvey.Domain.Conversations;

/// <summary>Where the dossier check of an invitation-free chat stands.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<VerificationStep>))]
public enum VerificationStep
{
    /// <summary>The dossier code was asked for and is awaited.</summary>
    [JsonStringEnumMemberName("ask_code")] AskCode,

    /// <summary>The code was given; the last 4 digits of the dossier's phone are awaited.</summary>
    [JsonStringEnumMemberName("ask_digits")] AskDigits,

    /// <summary>Matched: the ballot is the dossier's, in its wave, with that wave's questionnaire.</summary>
    [JsonStringEnumMemberName("verified")] Verified,

    /// <summary>Skipped or not matched: the survey goes on unverified ("open"), with the invitation-free questionnaire.</summary>
    [JsonStringEnumMemberName("open")] Open,

    /// <summary>The dossier already has a ballot in its wave: no second one.</summary>
    [JsonStringEnumMemberName("already_answered")] AlreadyAnswered,

    /// <summary>The dossier was sampled (it has an invitation in its wave): answer through the invitation.</summary>
    [JsonStringEnumMemberName("invited")] Invited,
}

/// <summary>
/// The dossier check's state, kept in the conversation's bot state as JSON next to the engine's progress.
/// Invariants: <see cref="Code"/> is set exactly in <see cref="VerificationStep.AskDigits"/>; <see cref="WaveId"/>,
/// <see cref="TransactionId"/> and <see cref="QuestionnaireId"/> are set exactly in <see cref="VerificationStep.Verified"/>;
/// <see cref="FailedTries"/> counts look-ups that matched nothing (at most <see cref="DossierVerification.MaxTries"/>).
/// </summary>
public sealed record VerificationState
{
    public const int CurrentSchemaVersion = 1;

    public int SchemaVersion { get; init; } = CurrentSchemaVersion;

    public VerificationStep Step { get; init; }

    public int FailedTries { get; init; }

    /// <summary>The dossier code as typed (trimmed), held while the digits are asked for.</summary>
    public string? Code { get; init; }

    public long? WaveId { get; init; }

    public long? TransactionId { get; init; }

    public long? QuestionnaireId { get; init; }

    /// <summary>The check is over: nothing more is asked.</summary>
    [JsonIgnore]
    public bool IsSettled => Step is not (VerificationStep.AskCode or VerificationStep.AskDigits);

    /// <summary>The check is over and the questionnaire runs (verified or open); refusals end the chat instead.</summary>
    [JsonIgnore]
    public bool StartsSurvey => Step is VerificationStep.Verified or VerificationStep.Open;

    public string ToJson() => JsonSerializer.Serialize(this, VerificationJsonContext.Default.VerificationState);

    /// <exception cref="JsonException">Malformed JSON or a newer <see cref="SchemaVersion"/>.</exception>
    public static VerificationState FromJson(string json)
    {
        var state = JsonSerializer.Deserialize(json, VerificationJsonContext.Default.VerificationState)
            ?? throw new JsonException("Verification state JSON is null.");
        if (state.SchemaVersion is < 1 or > CurrentSchemaVersion)
            throw new JsonException($"Verification state schemaVersion {state.SchemaVersion} is not supported (this code reads 1 to {CurrentSchemaVersion}).");
        return state;
    }
}

/// <summary>A dossier to look up: the code as typed (trimmed) and the last 4 digits of its phone.</summary>
public sealed record DossierQuery(string Code, string Digits);

/// <summary>What the look-up found for a <see cref="DossierQuery"/>.</summary>
public enum DossierMatchKind
{
    /// <summary>No eligible dossier (unknown code, other digits, staff phone, no running wave covering it …): the reason is never told.</summary>
    None,

    /// <summary>An eligible dossier with no ballot and no invitation in its wave.</summary>
    Matched,

    /// <summary>The dossier already has a ballot (any channel) in its wave.</summary>
    AlreadyAnswered,

    /// <summary>The dossier has an invitation (it was sampled) in its wave.</summary>
    Invited,
}

/// <summary>The look-up's answer; the ids are set for every kind but <see cref="DossierMatchKind.None"/>.</summary>
public sealed record DossierMatch(DossierMatchKind Kind, long? WaveId = null, long? TransactionId = null, long? QuestionnaireId = null)
{
    public static DossierMatch NoMatch { get; } = new(DossierMatchKind.None);
}

/// <summary>
/// One step of the check: the new state, the replies, and — when the code and digits are both in — the dossier the
/// host must look up and hand to <see cref="DossierVerification.Resolve"/> in the same turn.
/// </summary>
public sealed record VerificationResult(VerificationState State, IReadOnlyList<BotReply> Replies, DossierQuery? LookUp);

/// <summary>
/// The dossier check that opens an invitation-free web chat (counter QR code, agency website): the citizen gives the
/// dossier code printed on the receipt, then the last 4 digits of the phone given on that dossier; a match makes the
/// ballot "verified", anything else leaves it "open". Pure, like <see cref="SurveyEngine"/>: the host keeps the state,
/// does the one database look-up this needs between <see cref="Handle"/> and <see cref="Resolve"/>, and starts the
/// questionnaire once <see cref="VerificationState.StartsSurvey"/>. Web only (it writes Vietnamese with diacritics and
/// buttons): SMS always comes from an invitation, which needs no check.
/// </summary>
/// <remarks>
/// The citizen may skip at either question ("Bỏ qua", "0"). A format error (no code, not 4 digits) asks again and
/// costs no try; a look-up that matches nothing costs one, and after <see cref="MaxTries"/> the chat goes on open.
/// A failed try never says which of the two was wrong.
/// </remarks>
public static class DossierVerification
{
    /// <summary>Look-ups that may match nothing before the chat goes on unverified.</summary>
    public const int MaxTries = 2;

    /// <summary>Longer input is not a dossier code (one-stop-shop codes are some 20–30 characters).</summary>
    public const int MaxCodeLength = 64;

    internal const string AskCodeText =
        "Trước khi bắt đầu, để ý kiến của Ông/Bà được tính vào kết quả chính thức, vui lòng nhập "
        + "Mã hồ sơ (in trên giấy hẹn trả kết quả). Nếu không có, Ông/Bà chọn \"Bỏ qua\".";

    internal const string AskDigitsText = "Vui lòng nhập 4 số cuối của số điện thoại đã khai trong hồ sơ này.";

    internal const string CodeUnclearText =
        "Chưa rõ Mã hồ sơ. Vui lòng nhập Mã hồ sơ in trên giấy hẹn trả kết quả, hoặc chọn \"Bỏ qua\".";

    internal const string DigitsUnclearText = "Vui lòng nhập đúng 4 chữ số cuối của số điện thoại (ví dụ: 5678), hoặc chọn \"Bỏ qua\".";

    internal const string NoMatchText =
        "Thông tin chưa khớp với hồ sơ nào. Ông/Bà vui lòng kiểm tra lại giấy hẹn và nhập lại Mã hồ sơ.";

    internal const string NotVerifiedText =
        "Chưa xác minh được hồ sơ. Ông/Bà vẫn có thể trả lời khảo sát: ý kiến được ghi nhận riêng, "
        + "không tính vào kết quả chính thức.";

    internal const string SkippedText =
        "Ông/Bà trả lời khảo sát không kèm Mã hồ sơ: ý kiến được ghi nhận riêng, không tính vào kết quả chính thức.";

    internal const string VerifiedText = "Đã xác minh hồ sơ. Cảm ơn Ông/Bà!";

    internal const string AlreadyAnsweredText =
        "Hồ sơ này đã có phiếu khảo sát trong đợt này; mỗi hồ sơ chỉ được đánh giá một lần. "
        + "Xin cảm ơn Ông/Bà đã quan tâm!";

    internal const string InvitedText =
        "Hồ sơ này đã được mời khảo sát qua tin nhắn SMS. Để mỗi hồ sơ chỉ được đánh giá một lần, Ông/Bà vui lòng "
        + "trả lời theo đường dẫn trong tin nhắn mời. Xin cảm ơn!";

    private static readonly IReadOnlyList<PromptOption> SkipButton = [new PromptOption(QuestionPrompt.SkipValue, "Bỏ qua")];

    /// <summary>The first step: ask for the dossier code.</summary>
    public static VerificationResult Begin() =>
        new(new VerificationState { Step = VerificationStep.AskCode }, [Ask(AskCodeText)], null);

    /// <summary>
    /// Reads one message. Null state (nothing asked yet) begins, whatever the message. A settled state changes no more:
    /// a refusal is said again; verified and open return no reply (the questionnaire answers from then on).
    /// </summary>
    public static VerificationResult Handle(VerificationState? state, string text)
    {
        text ??= "";
        if (state is null)
            return Begin();
        switch (state.Step)
        {
            case VerificationStep.AlreadyAnswered:
                return new(state, [BotReply.Plain(AlreadyAnsweredText)], null);
            case VerificationStep.Invited:
                return new(state, [BotReply.Plain(InvitedText)], null);
            case VerificationStep.Verified or VerificationStep.Open:
                return new(state, [], null);
        }

        if (AnswerParser.IsSkip(text))
            return new(new VerificationState { Step = VerificationStep.Open, FailedTries = state.FailedTries }, [BotReply.Plain(SkippedText)], null);
        var help = AnswerParser.ParseCommand(text) == InboundCommand.Help;

        if (state.Step == VerificationStep.AskCode)
        {
            var code = UnicodeText.Nfc(text).Trim();
            if (help || code.Length == 0 || code.Length > MaxCodeLength)
                return new(state, [Ask(help ? AskCodeText : CodeUnclearText)], null);
            return new(state with { Step = VerificationStep.AskDigits, Code = code }, [Ask(AskDigitsText)], null);
        }

        var digits = help ? null : LastFourDigits(text);
        return digits is null
            ? new(state, [Ask(help ? AskDigitsText : DigitsUnclearText)], null)
            : new(state, [], new DossierQuery(state.Code!, digits));
    }

    /// <summary>
    /// Settles the look-up of the <see cref="VerificationResult.LookUp"/> that <paramref name="state"/> asked for:
    /// verified, refused (already answered, invited), asked again, or — after <see cref="MaxTries"/> misses — open.
    /// </summary>
    /// <exception cref="InvalidOperationException">The state was not waiting for the digits.</exception>
    public static VerificationResult Resolve(VerificationState state, DossierMatch match)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(match);
        if (state.Step != VerificationStep.AskDigits)
            throw new InvalidOperationException($"A look-up is resolved only while the digits are asked for, not in {state.Step}.");

        switch (match.Kind)
        {
            case DossierMatchKind.Matched:
                return new(new VerificationState
                {
                    Step = VerificationStep.Verified,
                    FailedTries = state.FailedTries,
                    WaveId = match.WaveId ?? throw MissingIds(match),
                    TransactionId = match.TransactionId ?? throw MissingIds(match),
                    QuestionnaireId = match.QuestionnaireId ?? throw MissingIds(match),
                }, [BotReply.Plain(VerifiedText)], null);
            case DossierMatchKind.AlreadyAnswered:
                return new(new VerificationState { Step = VerificationStep.AlreadyAnswered, FailedTries = state.FailedTries },
                    [BotReply.Plain(AlreadyAnsweredText)], null);
            case DossierMatchKind.Invited:
                return new(new VerificationState { Step = VerificationStep.Invited, FailedTries = state.FailedTries },
                    [BotReply.Plain(InvitedText)], null);
        }

        var tries = state.FailedTries + 1;
        return tries >= MaxTries
            ? new(new VerificationState { Step = VerificationStep.Open, FailedTries = tries }, [BotReply.Plain(NotVerifiedText)], null)
            : new(new VerificationState { Step = VerificationStep.AskCode, FailedTries = tries }, [Ask(NoMatchText)], null);
    }

    /// <summary>
    /// The last 4 digits the citizen means: exactly 4 digits (spaces, dots and dashes ignored), or a whole phone
    /// number (9 to 15 digits, a leading + allowed), whose last 4 are taken. Anything else is unclear.
    /// </summary>
    internal static string? LastFourDigits(string text)
    {
        var kept = new System.Text.StringBuilder();
        foreach (var c in text.Trim())
        {
            if (char.IsAsciiDigit(c))
                kept.Append(c);
            else if (c is not (' ' or '.' or '-' or '+'))
                return null;
        }

        var digits = kept.ToString();
        return digits.Length == 4 || digits.Length is >= 9 and <= 15 ? digits[^4..] : null;
    }

    private static BotReply Ask(string text) => new(text, SkipButton);

    private static InvalidOperationException MissingIds(DossierMatch match) =>
        new($"A {match.Kind} dossier match must carry its wave, transaction and questionnaire.");
}

/// <summary>Source-generated JSON for <see cref="VerificationState"/> (camelCase, no type names).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, RespectNullableAnnotations = true)]
[JsonSerializable(typeof(VerificationState))]
internal sealed partial class VerificationJsonContext : JsonSerializerContext;
