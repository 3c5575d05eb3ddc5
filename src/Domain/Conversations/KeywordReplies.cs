namespace ChatSurvey.Domain.Conversations;

/// <summary>
/// Keywords from someone with no survey in progress (no open invitation): opt-out, opt-in and help are honoured
/// there too, with the engine's own confirmations; anything else gets nothing from here.
/// </summary>
public static class KeywordReplies
{
    /// <summary>The signal and the Vietnamese reply (with diacritics) for a keyword, or (None, null) for anything else.</summary>
    public static (EngineSignal Signal, string? Reply) ForMessage(string? text) => AnswerParser.ParseCommand(text ?? "") switch
    {
        InboundCommand.OptOut => (EngineSignal.OptOut, EngineTexts.OptOut),
        InboundCommand.OptIn => (EngineSignal.OptIn, EngineTexts.OptIn),
        InboundCommand.Help => (EngineSignal.Help, EngineTexts.Help),
        _ => (EngineSignal.None, null),
    };
}
