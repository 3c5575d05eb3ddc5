using System.Security.Cryptography;
using Microsoft.Bot.Schema;
using Newtonsoft.Json;
using Npgsql;
using NpgsqlTypes;

namespace ChatSurvey.BotHost.Channels.DirectLine;

/// <summary>What a Direct Line conversation is bound to when its first token is issued.</summary>
public sealed record DirectLineBinding(string Id, long? InvitationId, long? WaveId, long AgencyId, long QuestionnaireId);

/// <summary>One stored activity: its watermark and its JSON as sent to the client.</summary>
public sealed record StoredActivity(long Seq, string Json);

/// <summary>
/// Direct Line conversations and their activities in PostgreSQL, so any BotHost instance answers any poll.
/// Activities are numbered under the conversation row's lock, so a higher watermark never commits before a lower
/// one and a poll with a watermark returns each activity exactly once.
/// </summary>
public sealed class DirectLineStore(NpgsqlDataSource dataSource)
{
    /// <summary>Activities as Direct Line clients expect them: Bot Schema's own names, no nulls.</summary>
    internal static readonly JsonSerializerSettings ActivityJson = new()
    {
        NullValueHandling = NullValueHandling.Ignore,
        DateFormatHandling = DateFormatHandling.IsoDateFormat,
        DateTimeZoneHandling = DateTimeZoneHandling.Utc,
    };

    public static string NewConversationId() => Base64UrlId(16);

    /// <summary>
    /// For the verifying turn's batch: an invitation-free conversation whose dossier was verified now belongs to that
    /// wave and continues with its questionnaire.
    /// </summary>
    public static NpgsqlBatchCommand BindToWave(string conversationId, long waveId, long questionnaireId)
    {
        var command = new NpgsqlBatchCommand(
            "UPDATE directline_conversations SET wave_id = $2, questionnaire_id = $3 WHERE id = $1 AND invitation_id IS NULL");
        command.Parameters.Add(new NpgsqlParameter { Value = conversationId });
        command.Parameters.Add(new NpgsqlParameter { Value = waveId });
        command.Parameters.Add(new NpgsqlParameter { Value = questionnaireId });
        return command;
    }

    public async Task<DirectLineBinding> CreateAsync(long agencyId, long questionnaireId, CancellationToken cancellationToken)
    {
        var id = NewConversationId();
        await using var command = dataSource.CreateCommand(
            "INSERT INTO directline_conversations (id, agency_id, questionnaire_id) VALUES ($1, $2, $3)");
        command.Parameters.AddWithValue(id);
        command.Parameters.AddWithValue(agencyId);
        command.Parameters.AddWithValue(questionnaireId);
        await command.ExecuteNonQueryAsync(cancellationToken);
        return new DirectLineBinding(id, null, null, agencyId, questionnaireId);
    }

    /// <summary>The invitation's one web conversation, created on first use (a race is decided by the unique index).</summary>
    public async Task<DirectLineBinding> FindOrCreateForInvitationAsync(
        long invitationId, long waveId, long agencyId, long questionnaireId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            WITH created AS (
                INSERT INTO directline_conversations (id, invitation_id, wave_id, agency_id, questionnaire_id)
                VALUES ($1, $2, $3, $4, $5)
                ON CONFLICT (invitation_id) WHERE invitation_id IS NOT NULL DO NOTHING
                RETURNING id
            )
            SELECT id FROM created
            UNION ALL
            SELECT id FROM directline_conversations WHERE invitation_id = $2
            LIMIT 1
            """);
        command.Parameters.AddWithValue(NewConversationId());
        command.Parameters.AddWithValue(invitationId);
        command.Parameters.AddWithValue(waveId);
        command.Parameters.AddWithValue(agencyId);
        command.Parameters.AddWithValue(questionnaireId);
        var id = (string?)await command.ExecuteScalarAsync(cancellationToken);
        if (id is null)
        {
            // The competing insert had not committed when this statement's snapshot was taken: read it now.
            await using var again = dataSource.CreateCommand("SELECT id FROM directline_conversations WHERE invitation_id = $1");
            again.Parameters.AddWithValue(invitationId);
            id = (string)(await again.ExecuteScalarAsync(cancellationToken))!;
        }

        return new DirectLineBinding(id, invitationId, waveId, agencyId, questionnaireId);
    }

    public async Task<DirectLineBinding?> FindAsync(string conversationId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT invitation_id, wave_id, agency_id, questionnaire_id FROM directline_conversations WHERE id = $1");
        command.Parameters.AddWithValue(conversationId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
            return null;
        return new DirectLineBinding(
            conversationId,
            reader.IsDBNull(0) ? null : reader.GetInt64(0),
            reader.IsDBNull(1) ? null : reader.GetInt64(1),
            reader.GetInt64(2),
            reader.GetInt64(3));
    }

    /// <summary>
    /// Appends activities in order, giving each its id (<c>{conversation}|{seq}</c>), in one statement. With a client
    /// activity id (a citizen's post), a repost of the same id stores nothing and returns the first post's id.
    /// </summary>
    /// <remarks>
    /// The statement numbers the activities by moving the conversation row's <c>last_seq</c>, whose lock it holds until
    /// it commits, so a higher watermark never commits before a lower one. A repost racing its original is refused by
    /// the unique client key and simply runs again, finding the original.
    /// </remarks>
    public async Task<IReadOnlyList<string>> AppendAsync(
        string conversationId, IReadOnlyList<Activity> activities, string? clientActivityId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(activities);
        var json = new string[activities.Count];
        for (var i = 0; i < activities.Count; i++)
        {
            activities[i].Id = null; // given by the statement, from the seq it takes
            json[i] = JsonConvert.SerializeObject(activities[i], ActivityJson);
        }

        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var seqs = await AppendOnceAsync(conversationId, json, clientActivityId, cancellationToken);
                if (seqs.Count == 0)
                    throw new InvalidOperationException($"Direct Line conversation {conversationId} does not exist.");
                if (seqs[0].Inserted)
                {
                    for (var i = 0; i < activities.Count; i++)
                        activities[i].Id = ActivityId(conversationId, seqs[i].Seq);
                }

                return seqs.Select(s => ActivityId(conversationId, s.Seq)).ToList();
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation && attempt < 3
                                              && e.ConstraintName == "directline_activities_client_key")
            {
                // The same client activity was stored by a concurrent post meanwhile: the next run finds it.
            }
        }
    }

    private async Task<List<(long Seq, bool Inserted)>> AppendOnceAsync(
        string conversationId, string[] json, string? clientActivityId, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection) { BatchCommands = { Append(conversationId, json, clientActivityId) } };
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        return await ReadAppendedAsync(reader, cancellationToken);
    }

    /// <summary>
    /// The append as a statement of someone else's batch (a turn's first round trip for the citizen's echo, its commit for
    /// the bot's replies): returns one row per activity, <c>(seq, inserted)</c> in order — the first post's rows when
    /// <paramref name="clientActivityId"/> was stored before (inserted false), none when the conversation does not exist.
    /// </summary>
    public static NpgsqlBatchCommand Append(string conversationId, IReadOnlyList<Activity> activities, string? clientActivityId)
    {
        ArgumentNullException.ThrowIfNull(activities);
        var json = new string[activities.Count];
        for (var i = 0; i < activities.Count; i++)
        {
            activities[i].Id = null; // given by the statement, from the seq it takes
            json[i] = JsonConvert.SerializeObject(activities[i], ActivityJson);
        }

        return Append(conversationId, json, clientActivityId);
    }

    private static NpgsqlBatchCommand Append(string conversationId, string[] json, string? clientActivityId)
    {
        var command = new NpgsqlBatchCommand(
            """
            WITH seen AS (
                SELECT seq FROM directline_activities WHERE conversation_id = $1 AND client_activity_id = $3
            ),
            advanced AS (
                UPDATE directline_conversations SET last_seq = last_seq + cardinality($2::text[])
                WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM seen)
                RETURNING last_seq - cardinality($2::text[]) AS base
            ),
            inserted AS (
                INSERT INTO directline_activities (conversation_id, seq, client_activity_id, activity)
                SELECT $1, advanced.base + a.ord, CASE WHEN a.ord = 1 THEN $3 END,
                       jsonb_set(a.activity::jsonb, '{id}', to_jsonb($1 || '|' || CASE WHEN advanced.base + a.ord < 10000000
                           THEN lpad((advanced.base + a.ord)::text, 7, '0') ELSE (advanced.base + a.ord)::text END))
                FROM advanced, unnest($2::text[]) WITH ORDINALITY AS a(activity, ord)
                RETURNING seq
            )
            SELECT seq, false FROM seen
            UNION ALL
            SELECT seq, true FROM inserted
            ORDER BY 1
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = conversationId });
        command.Parameters.Add(new NpgsqlParameter { Value = json, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)clientActivityId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        return command;
    }

    /// <summary>Reads the rows of an <see cref="Append(string, IReadOnlyList{Activity}, string?)"/> statement, the reader on its result.</summary>
    internal static async Task<List<(long Seq, bool Inserted)>> ReadAppendedAsync(NpgsqlDataReader reader, CancellationToken cancellationToken)
    {
        var seqs = new List<(long, bool)>();
        while (await reader.ReadAsync(cancellationToken))
            seqs.Add((reader.GetInt64(0), reader.GetBoolean(1)));
        return seqs;
    }

    /// <summary>The activities after <paramref name="watermark"/>, oldest first.</summary>
    public async Task<IReadOnlyList<StoredActivity>> ReadAsync(string conversationId, long watermark, int max, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            """
            SELECT seq, activity::text FROM directline_activities
            WHERE conversation_id = $1 AND seq > $2
            ORDER BY seq
            LIMIT $3
            """);
        command.Parameters.AddWithValue(conversationId);
        command.Parameters.AddWithValue(watermark);
        command.Parameters.AddWithValue(max);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var activities = new List<StoredActivity>();
        while (await reader.ReadAsync(cancellationToken))
            activities.Add(new StoredActivity(reader.GetInt64(0), reader.GetString(1)));
        return activities;
    }

    internal static string ActivityId(string conversationId, long seq) => $"{conversationId}|{seq:D7}";

    private static string Base64UrlId(int bytes) =>
        System.Buffers.Text.Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(bytes));
}
