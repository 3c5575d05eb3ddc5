using System.Collections.Concurrent;
using ChatSurvey.Domain.Questionnaires;

namespace ChatSurvey.BotHost.Bot;

/// <summary>Questionnaire versions are immutable once stored, so each is read from the database once per process.</summary>
public sealed class QuestionnaireCache(QuestionnaireStore store)
{
    private readonly ConcurrentDictionary<long, Questionnaire> _byId = new();

    public async ValueTask<Questionnaire> GetAsync(long id, CancellationToken cancellationToken)
    {
        if (_byId.TryGetValue(id, out var cached))
            return cached;
        var stored = await store.GetByIdAsync(id, cancellationToken)
            ?? throw new InvalidOperationException($"Questionnaire {id} does not exist.");
        return _byId.GetOrAdd(id, stored.Definition);
    }
}
