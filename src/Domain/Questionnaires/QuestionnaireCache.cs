using System.Collections.Concurrent;
using ChatSurvey.Domain.Conversations;

namespace ChatSurvey.Domain.Questionnaires;

/// <summary>
/// Questionnaire versions are immutable once stored, so each is read and parsed once per process, and its first prompt
/// per channel (what an SMS invitation carries and what the engine shows first) rendered once. Shared by the bot and the
/// senders.
/// </summary>
public sealed class QuestionnaireCache(QuestionnaireStore store, TimeProvider clock)
{
    private readonly ConcurrentDictionary<long, Questionnaire> _byId = new();
    private readonly ConcurrentDictionary<(long Id, SurveyChannel Channel), string> _firstPrompts = new();

    /// <exception cref="InvalidOperationException">No questionnaire has this id.</exception>
    public async ValueTask<Questionnaire> GetAsync(long id, CancellationToken cancellationToken)
    {
        if (_byId.TryGetValue(id, out var cached))
            return cached;
        var stored = await store.GetByIdAsync(id, cancellationToken)
            ?? throw new InvalidOperationException($"Questionnaire {id} does not exist.");
        return _byId.GetOrAdd(id, stored.Definition);
    }

    /// <summary>
    /// The last reply of <see cref="SurveyEngine.Start"/> on <paramref name="channel"/>: the first question as the engine
    /// asks it, so a reply to an invitation that carries it answers that question. Its text depends on nothing but the
    /// questionnaire and the channel.
    /// </summary>
    public async ValueTask<string> FirstPromptAsync(long id, SurveyChannel channel, CancellationToken cancellationToken)
    {
        if (_firstPrompts.TryGetValue((id, channel), out var cached))
            return cached;
        var questionnaire = await GetAsync(id, cancellationToken);
        var prompt = SurveyEngine.Start(questionnaire, channel, clock.GetUtcNow()).Replies[^1].Text;
        return _firstPrompts.GetOrAdd((id, channel), prompt);
    }
}
