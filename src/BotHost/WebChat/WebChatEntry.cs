using ChatSurvey.Domain.Statuses;
using System.Text.RegularExpressions;
using ChatSurvey.BotHost.Channels.DirectLine;
using ChatSurvey.Dispatcher.Catalogue;
using ChatSurvey.Domain.Questionnaires;
using Microsoft.Extensions.Options;
using Npgsql;

namespace ChatSurvey.BotHost.WebChat;

/// <summary>Why a web chat cannot be opened from a link, as the page tells the citizen.</summary>
public enum EntryRefusal
{
    UnknownCode,
    Expired,
    AnsweredBySms,
    UnknownAgency,
    /// <summary>The agency is retired (abolished or merged) and no running wave still includes it.</summary>
    AgencyRetired,
}

/// <summary>A conversation a token can be issued for, or the reason there is none.</summary>
public sealed record WebChatEntry(DirectLineBinding? Binding, EntryRefusal? Refusal);

/// <summary>
/// How a browser gets into a survey: an invitation code (<c>/s/{code}</c>; one conversation per invitation, so
/// opening the link again resumes it) or an agency code (the counter's QR code, the agency website; one conversation
/// per browser per agency per day, see <see cref="AgencyChatCookie"/>).
/// </summary>
public sealed partial class WebChatEntries(NpgsqlDataSource dataSource, DirectLineStore store, QuestionnaireStore questionnaires, IOptions<WebChatOptions> options)
{
    public static bool IsCodeShaped(string? code) => code is not null && CodePattern().IsMatch(code);

    public async Task<WebChatEntry> ForInvitationAsync(string? code, CancellationToken cancellationToken)
    {
        if (!IsCodeShaped(code))
            return new WebChatEntry(null, EntryRefusal.UnknownCode);
        await using var command = dataSource.CreateCommand(
            $"""
            SELECT i.id, i.wave_id, i.agency_id, w.questionnaire_id,
                   i.status IN ({InvitationStatus.AnswerableSql}) AND (i.expires_at IS NULL OR i.expires_at > now())
                       AND w.status <> '{WaveStatus.Cancelled}' AS open,
                   EXISTS (SELECT 1 FROM responses r WHERE r.invitation_id = i.id AND r.channel <> 'webchat') AS by_sms
            FROM invitations i
            JOIN waves w ON w.id = i.wave_id
            WHERE i.code = $1
            """);
        command.Parameters.AddWithValue(code!.ToUpperInvariant());
        long invitationId, waveId, agencyId, questionnaireId;
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            if (!await reader.ReadAsync(cancellationToken))
                return new WebChatEntry(null, EntryRefusal.UnknownCode);
            if (!reader.GetBoolean(4))
                return new WebChatEntry(null, EntryRefusal.Expired);
            if (reader.GetBoolean(5))
                return new WebChatEntry(null, EntryRefusal.AnsweredBySms);
            (invitationId, waveId, agencyId, questionnaireId) = (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3));
        }

        var binding = await store.FindOrCreateForInvitationAsync(invitationId, waveId, agencyId, questionnaireId, cancellationToken);
        return new WebChatEntry(binding, null);
    }

    /// <summary>A new invitation-free conversation of the agency, with the <c>WebChat:Questionnaire</c> until a dossier is verified.</summary>
    public async Task<DirectLineBinding> StartForAgencyAsync(long agencyId, CancellationToken cancellationToken)
    {
        var questionnaire = await questionnaires.GetAsync(options.Value.Questionnaire, cancellationToken: cancellationToken)
            ?? throw new InvalidOperationException($"WebChat:Questionnaire '{options.Value.Questionnaire}' is not stored.");
        return await store.CreateAsync(agencyId, questionnaire.Id, cancellationToken);
    }

    /// <summary>The agency's invitation-free conversation <paramref name="conversationId"/>, or null when it is not one.</summary>
    public async Task<DirectLineBinding?> ResumeAgencyAsync(string conversationId, long agencyId, CancellationToken cancellationToken)
    {
        var binding = await store.FindAsync(conversationId, cancellationToken);
        return binding is { InvitationId: null } && binding.AgencyId == agencyId ? binding : null;
    }

    /// <summary>
    /// The agency's id and name, and whether it takes invitation-free surveys (current, or retired but still in a running
    /// wave: <see cref="CatalogueStore.TakesInvitationFreeSurveys"/>); null when the code is unknown.
    /// </summary>
    public async Task<(long Id, string Name, bool TakesSurveys)?> FindAgencyByCodeAsync(string? agencyCode, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(agencyCode) || agencyCode.Length > 64)
            return null;
        await using var command = dataSource.CreateCommand(
            $"SELECT a.id, a.name, {CatalogueStore.TakesInvitationFreeSurveys("a")} FROM agencies a WHERE a.code = $1");
        command.Parameters.AddWithValue(agencyCode);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? (reader.GetInt64(0), reader.GetString(1), reader.GetBoolean(2)) : null;
    }

    /// <summary>The agencies a citizen can pick on <c>/chat</c>: those that take invitation-free surveys, by name.</summary>
    public async Task<IReadOnlyList<(string Code, string Name)>> AgenciesTakingSurveysAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            $"SELECT a.code, a.name FROM agencies a WHERE {CatalogueStore.TakesInvitationFreeSurveys("a")} ORDER BY a.name, a.code");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var agencies = new List<(string, string)>();
        while (await reader.ReadAsync(cancellationToken))
            agencies.Add((reader.GetString(0), reader.GetString(1)));
        return agencies;
    }

    [GeneratedRegex("^[A-Za-z0-9]{6,32}$")]
    private static partial Regex CodePattern();
}
