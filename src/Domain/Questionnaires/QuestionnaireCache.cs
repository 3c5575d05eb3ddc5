using System.Collections.Concurrent;
using ChatSurvey.Domain.Conversations;

namespace ChatSurvey.Domain.Questionnaires;

/// <summary>
/// Questionnaire versions are immutable once stored, so each is read and parsed once per process — callers asking for
/// the same version at the same time share that one read — and its first prompt per channel (what an SMS invitation
/// carries and what the engine shows first) rendered once. Shared by the bot and the senders. A failed read is not kept:
/// the next caller reads again.
/// </summary>
public sealed class QuestionnaireCache(QuestionnaireStore store, TimeProvider clock)
{
    private readonly ConcurrentDictionary<long, Lazy<Task<Questionnaire>>> _byId = new();
    private readonly ConcurrentDictionary<(long Id, SurveyChannel Channel), string> _firstPrompts = new();

    /// <exception cref="InvalidOperationException">No questionnaire has this id.</exception>
    public async ValueTask<Questionnaire> GetAsync(long id, CancellationToken cancellationToken)
    {
        if (_byId.TryGetValue(id, out var cached) && cached.IsValueCreated && cached.Value.IsCompletedSuccessfully)
            return cached.Value.Result;
        // Shared by every caller waiting for this version, so no one caller's cancellation cancels it.
        var read = _byId.GetOrAdd(id, key => new Lazy<Task<Questionnaire>>(() => ReadAsync(key)));
        try
        {
            return await read.Value.WaitAsync(cancellationToken);
        }
        catch when (read.Value.IsFaulted || read.Value.IsCanceled)
        {
            _byId.TryRemove(KeyValuePair.Create(id, read));
            throw;
        }
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

    private async Task<Questionnaire> ReadAsync(long id)
    {
        var stored = await store.GetByIdAsync(id, CancellationToken.None)
            ?? throw new InvalidOperationException($"Questionnaire {id} does not exist.");
        return stored.Definition;
    }
}
