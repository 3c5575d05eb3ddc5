using ChatSurvey.BotHost.Channels.DirectLine;
using ChatSurvey.BotHost.Channels.Twilio;
using ChatSurvey.BotHost.Bot.Storage;
using ChatSurvey.Dispatcher.OptOuts;
using ChatSurvey.Dispatcher.Waves;
using ChatSurvey.Domain.Conversations;
using ChatSurvey.Domain.Integrity;
using ChatSurvey.Domain.Statuses;
using Npgsql;
using NpgsqlTypes;

namespace ChatSurvey.BotHost.Bot;

/// <summary>
/// The SQL side of a bot turn. Reads are single round-trips; everything a turn changes (conversation, response,
/// answers, opt-out, inbound log and — through the ambient transaction — the bot state) commits in ONE transaction,
/// so a message is either fully recorded or not at all, and a redelivered message id is refused by the database.
/// </summary>
public sealed class SurveyTurnStore(NpgsqlDataSource dataSource, TimeProvider clock)
{
    /// <summary>The conversation id of an SMS invitation's conversation (its bot state key ends with it).</summary>
    public const string SmsInvitationConversationPrefix = "sms-inv-";

    /// <summary>
    /// Bot Builder's <c>ConversationState</c> key of a conversation (<c>{channelId}/conversations/{conversationId}</c>),
    /// so the turn's first round trip can read the state ahead; a key that differs is simply read when asked for.
    /// </summary>
    public static string StateKey(string channelId, string conversationId) => $"{channelId}/conversations/{conversationId}";

    /// <summary>
    /// The message's row in a turn's first statement (<c>m</c>, joined on channel <c>$1</c> and provider id <c>$2</c>; the
    /// sender is <c>$3</c>): its id, whether it was processed, its stored replies, whether an earlier message of the
    /// sender is pending. <see cref="ReadStartAsync"/> reads them.
    /// </summary>
    private const string MessageColumns =
        """
        m.id, m.processed_at IS NOT NULL, coalesce(m.reply, ''),
               EXISTS (SELECT 1 FROM inbound_messages e
                       WHERE e.channel = $1 AND e.from_address = $3 AND e.processed_at IS NULL AND e.id < m.id)
        """;

    /// <summary>
    /// The first round trip of an SMS turn, on the turn's session: when <paramref name="record"/>, the narrow durable insert
    /// (<see cref="InboundMessageStore.Record"/>); then the message's row, whether an earlier message of the same phone
    /// is still pending, the phone's route — its newest invitation that was sent and has not expired or been cancelled
    /// (completed surveys still route, so the citizen hears "already completed") — and that conversation's bot state,
    /// which <see cref="BotStateSession"/> then serves to Bot Builder without another round trip.
    /// </summary>
    public async Task<InboundTurnStart> BeginSmsAsync(
        BotStateSession session, string channelId, InboundMessage inbound, double? recordWithLeaseSeconds, bool record,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(inbound);
        await using var batch = new NpgsqlBatch(session.Connection);
        if (record)
            batch.BatchCommands.Add(InboundMessageStore.Record(TwilioSmsAdapter.ChannelId, inbound, recordWithLeaseSeconds));
        var route = new NpgsqlBatchCommand(
            $"""
            SELECT {MessageColumns},
                   r.id, r.wave_id, r.agency_id, r.questionnaire_id,
                   {PostgresStorage.ReadColumns}
            FROM (SELECT 1) one
            LEFT JOIN inbound_messages m ON m.channel = $1 AND m.provider_message_id = $2
            LEFT JOIN LATERAL (
                SELECT i.id, i.wave_id, i.agency_id, w.questionnaire_id
                FROM invitations i
                JOIN waves w ON w.id = i.wave_id
                WHERE i.phone = $3
                  AND i.status IN ({InvitationStatus.AnswerableSql})
                  AND (i.expires_at IS NULL OR i.expires_at > $4)
                  AND w.status <> '{WaveStatus.Cancelled}'
                ORDER BY i.created_at DESC, i.id DESC
                LIMIT 1
            ) r ON true
            LEFT JOIN bot_state ON bot_state.key = $5 || r.id
            """);
        route.Parameters.Add(new NpgsqlParameter { Value = TwilioSmsAdapter.ChannelId });
        route.Parameters.Add(new NpgsqlParameter { Value = inbound.ProviderMessageId });
        route.Parameters.Add(new NpgsqlParameter { Value = inbound.From });
        route.Parameters.Add(new NpgsqlParameter { Value = clock.GetUtcNow() }); // expiry on the injected clock, as the engine and the jobs see it
        route.Parameters.Add(new NpgsqlParameter { Value = StateKey(channelId, SmsInvitationConversationPrefix) });
        batch.BatchCommands.Add(route);

        return await ReadStartAsync(batch, record, reader =>
        {
            if (reader.IsDBNull(4))
                return new SurveyRoute($"sms-{inbound.From}", SurveyChannel.Sms, TwilioSmsAdapter.ChannelId, inbound.From, null, null, null, null);
            var invitationId = reader.GetInt64(4);
            var route = new SurveyRoute(
                SmsInvitationConversationPrefix + invitationId.ToString(System.Globalization.CultureInfo.InvariantCulture),
                SurveyChannel.Sms, TwilioSmsAdapter.ChannelId, inbound.From,
                invitationId, reader.GetInt64(5), reader.GetInt64(6), reader.GetInt64(7));
            session.Prefetch(StateKey(channelId, route.ConversationId), PostgresStorage.ReadRow(reader, 8));
            return route;
        }, cancellationToken);
    }

    /// <summary>
    /// The first round trip of a web chat turn: like <see cref="BeginSmsAsync"/>, with the route the conversation was
    /// bound to when it started (<paramref name="route"/>) and, ahead of the insert, the citizen's message appended to the
    /// transcript (<paramref name="echo"/>, a <see cref="DirectLineStore.Append(string, IReadOnlyList{Microsoft.Bot.Schema.Activity}, string?)"/>
    /// statement; its seq is <see cref="InboundTurnStart.EchoSeq"/>).
    /// </summary>
    public static async Task<InboundTurnStart> BeginChatAsync(
        BotStateSession session, string channelId, SurveyRoute route, InboundMessage inbound, double? recordWithLeaseSeconds, bool record,
        NpgsqlBatchCommand? echo, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(session);
        ArgumentNullException.ThrowIfNull(route);
        ArgumentNullException.ThrowIfNull(inbound);
        await using var batch = new NpgsqlBatch(session.Connection);
        if (echo is not null)
            batch.BatchCommands.Add(echo);
        if (record)
            batch.BatchCommands.Add(InboundMessageStore.Record(route.ChannelName, inbound, recordWithLeaseSeconds));
        var read = new NpgsqlBatchCommand(
            $"""
            SELECT {MessageColumns},
                   {PostgresStorage.ReadColumns}
            FROM (SELECT 1) one
            LEFT JOIN inbound_messages m ON m.channel = $1 AND m.provider_message_id = $2
            LEFT JOIN bot_state ON bot_state.key = $4
            """);
        read.Parameters.Add(new NpgsqlParameter { Value = route.ChannelName });
        read.Parameters.Add(new NpgsqlParameter { Value = inbound.ProviderMessageId });
        read.Parameters.Add(new NpgsqlParameter { Value = inbound.From });
        var key = StateKey(channelId, route.ConversationId);
        read.Parameters.Add(new NpgsqlParameter { Value = key });
        batch.BatchCommands.Add(read);

        return await ReadStartAsync(batch, record, reader =>
        {
            session.Prefetch(key, PostgresStorage.ReadRow(reader, 4));
            return route;
        }, cancellationToken, echo is not null);
    }

    /// <summary>
    /// Runs a turn's first round trip: the durable insert's result when <paramref name="record"/>, then the statement
    /// that starts with <see cref="MessageColumns"/>, whose other columns <paramref name="readRoute"/> reads.
    /// </summary>
    private static async Task<InboundTurnStart> ReadStartAsync(
        NpgsqlBatch batch, bool record, Func<NpgsqlDataReader, SurveyRoute> readRoute, CancellationToken cancellationToken, bool echo = false)
    {
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        long? echoSeq = null;
        if (echo)
        {
            var appended = await DirectLineStore.ReadAppendedAsync(reader, cancellationToken);
            echoSeq = appended.Count > 0 ? appended[0].Seq : null;
            await reader.NextResultAsync(cancellationToken);
        }

        var created = false;
        if (record)
        {
            created = await reader.ReadAsync(cancellationToken);
            await reader.NextResultAsync(cancellationToken);
        }

        await reader.ReadAsync(cancellationToken);
        return new InboundTurnStart(
            reader.IsDBNull(0) ? null : reader.GetInt64(0), record && !created, !reader.IsDBNull(1) && reader.GetBoolean(1),
            reader.GetString(2), reader.GetBoolean(3), readRoute(reader)) { EchoSeq = echoSeq };
    }

    /// <summary>
    /// Writes the turn in one transaction on the turn's session (<see cref="BotStateSession.Current"/>; a session of its
    /// own when there is none, as for an interview): the bot state (<paramref name="saveBotState"/> runs with the state
    /// writes deferred into this batch, a stale ETag aborting everything), the conversation, the ballot and its answers,
    /// an opt-out, the inbound message marked processed with its replies and, for a channel that stores its replies
    /// (<see cref="IReplyStaging"/>), the statement appending them — one batch and the commit.
    /// </summary>
    /// <exception cref="DuplicateInboundMessageException">The inbound message was processed by someone else meanwhile.</exception>
    /// <exception cref="StorageConcurrencyException">The conversation changed since the turn read it: start the turn over.</exception>
    public async Task CommitAsync(
        SurveyRoute route,
        InboundTurn? inbound,
        TurnOutcome outcome,
        string replyText,
        bool firstTurn,
        Func<Task> saveBotState,
        NpgsqlBatchCommand? replies,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(route);
        ArgumentNullException.ThrowIfNull(outcome);
        ArgumentNullException.ThrowIfNull(saveBotState);
        var ambient = BotStateSession.Current;
        await using var owned = ambient is null ? await dataSource.OpenConnectionAsync(cancellationToken) : null;
        var session = ambient ?? new BotStateSession(owned!);
        await using var transaction = await session.Connection.BeginTransactionAsync(cancellationToken);
        session.Transaction = transaction;
        try
        {
            using (ambient is null ? session.Enlist() : null)
            {
                session.DeferWrites = true;
                try
                {
                    await saveBotState();
                }
                finally
                {
                    session.DeferWrites = false;
                }
            }

            var stateWrites = session.TakeDeferred();
            await using var batch = new NpgsqlBatch(session.Connection, transaction);
            foreach (var write in stateWrites)
                batch.BatchCommands.Add(write.Command);
            var (conversation, processed) = AddTurnCommands(batch, route, inbound, outcome, replyText, firstTurn);
            if (replies is not null)
                batch.BatchCommands.Add(replies);

            if (batch.BatchCommands.Count > 0)
                await ExecuteAsync(batch, stateWrites, outcome, cancellationToken);
            if (firstTurn && conversation is { RecordsAffected: 0 })
                throw new StorageConcurrencyException(route.ConversationId, "");
            if (processed is { RecordsAffected: 0 })
                throw new DuplicateInboundMessageException(inbound!.ProviderMessageId, new InvalidOperationException("Already processed."));
            await transaction.CommitAsync(cancellationToken);
        }
        catch (StorageConcurrencyException)
        {
            session.ForgetPrefetched();
            throw;
        }
        finally
        {
            session.Transaction = null;
        }
    }

    /// <summary>Runs the batch; the state writes come first and a stale ETag among them is a conflict, whatever follows.</summary>
    private static async Task ExecuteAsync(
        NpgsqlBatch batch, IReadOnlyList<DeferredWrite> stateWrites, TurnOutcome outcome, CancellationToken cancellationToken)
    {
        DeferredWrite? stale = null;
        try
        {
            await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
            for (var i = 0; i < stateWrites.Count; i++)
            {
                if (i > 0)
                    await reader.NextResultAsync(cancellationToken);
                if (!await reader.ReadAsync(cancellationToken))
                {
                    stale = stateWrites[i];
                    break;
                }

                stateWrites[i].Written(reader.GetInt64(0));
            }

            if (stale is null)
                while (await reader.NextResultAsync(cancellationToken)) { }
        }
        catch (PostgresException) when (stale is not null)
        {
            // What followed a stale write may fail on the other turn's rows; the conflict is what happened.
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation
                                          && e.ConstraintName == DossierPerWaveKey && outcome.Verified is not null)
        {
            // Another chat claimed the same dossier in the same wave since this turn looked it up: the bot starts the
            // turn over, and its look-up then finds the dossier answered.
            throw new StorageConcurrencyException("The dossier was claimed by another conversation during the turn.", e);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation && outcome.Interview is not null
                                          && e.ConstraintName is DossierPerWaveKey or PaperSerialPerWaveKey)
        {
            // The last guard of one ballot per dossier (and per paper serial) in a wave: whoever claimed it first keeps it.
            throw new BallotClaimRefusedException(
                e.ConstraintName == DossierPerWaveKey ? BallotClaimRefusal.DossierAnswered : BallotClaimRefusal.PaperSerialTaken, e);
        }

        if (stale is not null)
            throw new StorageConcurrencyException(stale.Key, stale.ETag ?? "");
    }

    /// <summary>The turn's own statements, after the state writes; returns the conversation's and the inbound log's.</summary>
    private static (NpgsqlBatchCommand? Conversation, NpgsqlBatchCommand? Processed) AddTurnCommands(
        NpgsqlBatch batch, SurveyRoute route, InboundTurn? inbound, TurnOutcome outcome, string replyText, bool firstTurn)
    {
        NpgsqlBatchCommand? conversation = null;
        if (route.HasSurvey)
        {
            // A first turn creates the conversation and must be the only one to: its bot state had no ETag to check,
            // so a concurrent first turn that lost this race starts over on the winner's state. Later turns touch the
            // row only when its last activity (kept to the minute) has moved on.
            conversation = firstTurn
                ? Command(
                    """
                    INSERT INTO conversations (id, channel, invitation_id, agency_id, questionnaire_id)
                    VALUES ($1, $2, $3, $4, $5)
                    ON CONFLICT (id) DO NOTHING
                    """,
                    route.ConversationId, route.ChannelName, (object?)route.InvitationId ?? DBNull.Value,
                    route.AgencyId!.Value, route.QuestionnaireId!.Value)
                : Command(
                    "UPDATE conversations SET last_activity_at = now() WHERE id = $1 AND last_activity_at < now() - interval '1 minute'",
                    route.ConversationId);
            batch.BatchCommands.Add(conversation);
        }

        if (route.HasSurvey && outcome.Verified is { } verified)
        {
            foreach (var command in VerifiedBallotCommands(route, verified, outcome))
                batch.BatchCommands.Add(command);
        }

        if (route.HasSurvey && outcome.Interview is { } interview)
            batch.BatchCommands.Add(InterviewBallotCommand(route, interview, outcome));

        if (route.HasSurvey && (outcome.Answers.Count > 0 || IsFinal(outcome.Signal)))
            batch.BatchCommands.Add(ResponseAndAnswers(route, outcome));

        if (route.Phone is not null && outcome.Signal == EngineSignal.OptOut)
            batch.BatchCommands.Add(OptOutStore.Record(route.Phone, OptOutSource.Keyword));
        else if (route.Phone is not null && outcome.Signal == EngineSignal.OptIn)
            batch.BatchCommands.Add(OptOutStore.Withdraw(route.Phone));

        NpgsqlBatchCommand? processed = null;
        if (inbound is not null)
        {
            processed = InboundMessageStore.MarkProcessed(
                inbound.LogId, route.HasSurvey ? route.ConversationId : null, replyText, inbound.ReplyVia, inbound.LeaseSeconds);
            batch.BatchCommands.Add(processed);
        }

        return (conversation, processed);
    }

    private const string DossierPerWaveKey = "responses_dossier_per_wave_key";
    private const string PaperSerialPerWaveKey = "responses_paper_serial_per_wave_key";

    /// <summary>
    /// A volunteer's interview (or a keyed-in paper ballot) claims its ballot in its first turn, before any answer: the
    /// response row with provenance interviewer, the dossier's wave and transaction, the volunteer and the paper serial.
    /// </summary>
    private static NpgsqlBatchCommand InterviewBallotCommand(SurveyRoute route, InterviewBallot interview, TurnOutcome outcome)
    {
        var claim = Command(
            """
            INSERT INTO responses (conversation_id, wave_id, agency_id, questionnaire_id, channel, status, started_at,
                                   provenance, transaction_id, interviewer_id, paper_serial)
            VALUES ($1, $2, $3, $4, $5, $6, coalesce($7, now()), $8, $9, $10, $11)
            """,
            route.ConversationId, interview.WaveId, route.AgencyId!.Value, interview.QuestionnaireId, route.ChannelName,
            ResponseStatus.Partial);
        claim.Parameters.Add(Timestamp(outcome.StartedAt));
        claim.Parameters.Add(new NpgsqlParameter { Value = Provenance.Interviewer });
        claim.Parameters.Add(new NpgsqlParameter { Value = interview.TransactionId });
        claim.Parameters.Add(new NpgsqlParameter { Value = interview.InterviewerId });
        claim.Parameters.Add(new NpgsqlParameter { Value = (object?)interview.PaperSerial ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        return claim;
    }

    /// <summary>
    /// A verified dossier claims its ballot in the turn that verified it, before any answer: the response row (verified,
    /// the dossier's wave and transaction, the wave's questionnaire) — so the one-ballot-per-dossier key settles a race
    /// at once — and the conversation and its Direct Line binding move to the wave's questionnaire, so that every later
    /// turn is routed to it and the rows agree with the bot state.
    /// </summary>
    private static IEnumerable<NpgsqlBatchCommand> VerifiedBallotCommands(SurveyRoute route, VerifiedBallot verified, TurnOutcome outcome)
    {
        yield return Command("UPDATE conversations SET questionnaire_id = $2 WHERE id = $1", route.ConversationId, verified.QuestionnaireId);
        yield return DirectLineStore.BindToWave(route.ConversationId, verified.WaveId, verified.QuestionnaireId);
        var claim = Command(
            """
            INSERT INTO responses (conversation_id, wave_id, agency_id, questionnaire_id, channel, status, started_at,
                                   provenance, transaction_id)
            VALUES ($1, $2, $3, $4, $5, $6, coalesce($7, now()), $8, $9)
            """,
            route.ConversationId, verified.WaveId, route.AgencyId!.Value, verified.QuestionnaireId, route.ChannelName,
            ResponseStatus.Partial);
        claim.Parameters.Add(Timestamp(outcome.StartedAt));
        claim.Parameters.Add(new NpgsqlParameter { Value = Provenance.Verified });
        claim.Parameters.Add(new NpgsqlParameter { Value = verified.TransactionId });
        yield return claim;
    }

    private static NpgsqlParameter Timestamp(DateTimeOffset? value) =>
        new() { Value = value is { } v ? v.ToUniversalTime() : DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz };

    private static bool IsFinal(EngineSignal signal) => signal is EngineSignal.Completed or EngineSignal.Expired;

    /// <summary>Creates the response on its first answer, moves its status when it changes (partial → completed/expired), and upserts the answers, in one statement.</summary>
    private static NpgsqlBatchCommand ResponseAndAnswers(SurveyRoute route, TurnOutcome outcome)
    {
        var answers = outcome.Answers;
        var status = outcome.Status switch
        {
            SurveyStatus.Completed => ResponseStatus.Completed,
            SurveyStatus.Expired => ResponseStatus.Expired,
            _ => ResponseStatus.Partial,
        };
        var command = new NpgsqlBatchCommand(
            $"""
            WITH existing AS (
                SELECT id, status FROM responses WHERE conversation_id = $1
            ),
            created AS (
                INSERT INTO responses (conversation_id, invitation_id, wave_id, agency_id, questionnaire_id, channel, status,
                                       started_at, completed_at, provenance, transaction_id, speeder, straight_liner)
                SELECT $1, $2,
                       -- An open ballot (no invitation, no verified dossier) belongs to the agency's newest running wave
                       -- with a quota for it, when its first answer is stored, so that wave shows it apart; else to none.
                       coalesce($3::bigint, CASE WHEN $2::bigint IS NULL THEN (
                           SELECT id FROM ({WaveStore.CollectingWaves("$4")}) collecting
                           ORDER BY {WaveStore.NewestFirst("collecting")}
                           LIMIT 1) END),
                       $4, $5, $6, $7, coalesce($13, now()), CASE WHEN $7 = '{ResponseStatus.Completed}' THEN coalesce($14, now()) END,
                       CASE WHEN $2::bigint IS NULL THEN '{Provenance.Open}' ELSE '{Provenance.Sampled}' END,
                       (SELECT transaction_id FROM invitations WHERE id = $2::bigint), $15, $16
                WHERE NOT EXISTS (SELECT 1 FROM existing)
                -- Only a concurrent first turn gets here: it returns the winner's row and is rolled back by its state check.
                ON CONFLICT (conversation_id) DO UPDATE SET status = responses.status
                RETURNING id
            ),
            -- The row is rewritten only when its status changes (completed, expired), never on an ordinary answer; the
            -- flags are the completing turn's, and a completed ballot stays as it was.
            changed AS (
                UPDATE responses
                SET status = $7,
                    completed_at = coalesce(responses.completed_at, CASE WHEN $7 = '{ResponseStatus.Completed}' THEN coalesce($14, now()) END),
                    speeder = $15, straight_liner = $16
                FROM existing
                WHERE responses.id = existing.id AND existing.status <> '{ResponseStatus.Completed}'
                  AND $7 <> '{ResponseStatus.Partial}' AND existing.status <> $7
                RETURNING responses.id
            )
            INSERT INTO answers (response_id, question_code, kind, rating, choice, text_value)
            SELECT coalesce((SELECT id FROM created), (SELECT id FROM existing)), a.code, a.kind, a.rating, a.choice, a.text_value
            FROM unnest($8::text[], $9::text[], $10::smallint[], $11::text[], $12::text[])
                AS a(code, kind, rating, choice, text_value)
            ON CONFLICT (response_id, question_code) DO UPDATE
                SET kind = EXCLUDED.kind, rating = EXCLUDED.rating, choice = EXCLUDED.choice,
                    text_value = EXCLUDED.text_value, answered_at = now()
            """);
        command.Parameters.AddWithValue(route.ConversationId);
        command.Parameters.AddWithValue((object?)route.InvitationId ?? DBNull.Value);
        // The turn that verifies a dossier still carries the route it started with; the ballot is the wave's.
        command.Parameters.AddWithValue((object?)outcome.Verified?.WaveId ?? (object?)route.WaveId ?? DBNull.Value);
        command.Parameters.AddWithValue(route.AgencyId!.Value);
        command.Parameters.AddWithValue(outcome.Verified?.QuestionnaireId ?? route.QuestionnaireId!.Value);
        command.Parameters.AddWithValue(route.ChannelName);
        command.Parameters.AddWithValue(status);
        command.Parameters.Add(new NpgsqlParameter { Value = answers.Select(a => a.QuestionCode).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = answers.Select(a => a.StorageKind).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = answers.Select(a => (short?)a.Rating).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Smallint });
        command.Parameters.Add(new NpgsqlParameter { Value = answers.Select(a => a.Choice).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(new NpgsqlParameter { Value = answers.Select(a => a.Text).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        command.Parameters.Add(Timestamp(outcome.StartedAt));
        command.Parameters.Add(Timestamp(outcome.CompletedAt));
        var flags = outcome.Flags ?? IntegrityFlags.None;
        command.Parameters.Add(new NpgsqlParameter { Value = flags.Speeder, NpgsqlDbType = NpgsqlDbType.Boolean });
        command.Parameters.Add(new NpgsqlParameter { Value = flags.StraightLiner, NpgsqlDbType = NpgsqlDbType.Boolean });
        return command;
    }

    private static NpgsqlBatchCommand Command(string sql, params object[] values)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var value in values)
            command.Parameters.Add(new NpgsqlParameter { Value = value });
        return command;
    }
}

/// <summary>What a turn's first round trip found (<see cref="SurveyTurnStore.BeginSmsAsync"/>).</summary>
/// <param name="LogId">The message's row in the inbound log (null only when it was not recorded and is unknown).</param>
/// <param name="Redelivered">The insert found the provider message id already recorded.</param>
/// <param name="Processed">The message was processed already; <paramref name="Reply"/> holds its stored replies.</param>
/// <param name="Reply">The stored replies of a processed message (<see cref="StoredReply"/>).</param>
/// <param name="EarlierPending">An earlier message of the same sender is still pending: this one must wait its turn.</param>
/// <param name="Route">Which survey the message belongs to.</param>
public sealed record InboundTurnStart(long? LogId, bool Redelivered, bool Processed, string Reply, bool EarlierPending, SurveyRoute Route)
{
    /// <summary>The transcript seq of the web chat message appended in the same round trip (the first post's on a repost).</summary>
    public long? EchoSeq { get; init; }
}

/// <summary>
/// The inbound message a turn answers, as its commit marks it processed: the log row, the provider message id, how
/// the replies reach the citizen (<see cref="ReplyRoute"/>) and, for a REST reply, how long its sender holds it.
/// </summary>
public sealed record InboundTurn(long LogId, string ProviderMessageId, string ReplyVia, double LeaseSeconds);

/// <summary>
/// The replies of a turn as stored in <c>inbound_messages.reply</c>: one text, replies separated by the ASCII record
/// separator (replies themselves contain line breaks), so a redelivered message gets the very same messages.
/// </summary>
public static class StoredReply
{
    public const char Separator = '\u001e';

    public static string Join(IEnumerable<string> replies) => string.Join(Separator, replies);

    public static IReadOnlyList<string> Split(string stored) => stored.Length == 0 ? [] : stored.Split(Separator);
}

/// <summary>What a turn changed: the engine's signal, the answers it recorded and the survey's status after it.</summary>
public sealed record TurnOutcome(EngineSignal Signal, IReadOnlyList<RecordedAnswer> Answers, SurveyStatus? Status)
{
    /// <summary>When the first question was shown (the response's <c>started_at</c>), by the turn's clock.</summary>
    public DateTimeOffset? StartedAt { get; init; }

    /// <summary>When the last answer completed the ballot (its <c>completed_at</c>), by the turn's clock.</summary>
    public DateTimeOffset? CompletedAt { get; init; }

    /// <summary>The integrity flags, on the turn that completes the ballot only.</summary>
    public IntegrityFlags? Flags { get; init; }

    /// <summary>The dossier this turn verified: its ballot is claimed in this turn's transaction.</summary>
    public VerifiedBallot? Verified { get; init; }

    /// <summary>The interview this turn starts: its ballot is claimed in this turn's transaction.</summary>
    public InterviewBallot? Interview { get; init; }

    public static TurnOutcome From(EngineResult result, IntegrityOptions integrity)
    {
        ArgumentNullException.ThrowIfNull(result);
        var progress = result.Progress;
        var completes = result.Signal == EngineSignal.Completed && progress is { StartedAt: not null, CompletedAt: not null };
        return new(result.Signal, result.Answers, progress.Status)
        {
            StartedAt = progress.StartedAt,
            CompletedAt = progress.CompletedAt,
            Flags = completes
                ? IntegrityFlags.Compute(progress.StartedAt!.Value, progress.CompletedAt!.Value, progress.Answers.Values, integrity)
                : null,
        };
    }
}

/// <summary>An invitation-free chat's dossier, verified: the ballot belongs to this wave and transaction, with the wave's questionnaire.</summary>
public sealed record VerifiedBallot(long WaveId, long TransactionId, long QuestionnaireId);

/// <summary>
/// A volunteer's interview or paper ballot for a dossier found eligible (<c>DossierLookup.CheckForInterviewAsync</c>): the
/// ballot belongs to this wave and transaction, with the wave's questionnaire, attributed to the volunteer's account;
/// <see cref="PaperSerial"/> is set for a paper ballot only.
/// </summary>
public sealed record InterviewBallot(long WaveId, long TransactionId, long QuestionnaireId, long InterviewerId, string? PaperSerial);

/// <summary>Why the database refused an interview's ballot (another ballot got there first).</summary>
public enum BallotClaimRefusal
{
    /// <summary>The dossier already has a ballot in the wave, whatever its channel.</summary>
    DossierAnswered,

    /// <summary>A paper ballot with this serial number is already recorded in the wave.</summary>
    PaperSerialTaken,
}

/// <summary>An interview's ballot was refused by the one-ballot-per-dossier or one-per-serial key: nothing was stored.</summary>
public sealed class BallotClaimRefusedException : Exception
{
    public BallotClaimRefusedException(BallotClaimRefusal refusal, Exception inner)
        : base($"The interview's ballot was refused: {refusal}.", inner)
    {
        Refusal = refusal;
    }

    public BallotClaimRefusedException()
    {
    }

    public BallotClaimRefusedException(string message)
        : base(message)
    {
    }

    public BallotClaimRefusedException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public BallotClaimRefusal Refusal { get; }
}

/// <summary>The provider delivered a message id that is already recorded: answer as the first time, record nothing.</summary>
public sealed class DuplicateInboundMessageException : Exception
{
    public DuplicateInboundMessageException(string providerMessageId, Exception inner)
        : base($"Inbound message {providerMessageId} was already processed.", inner)
    {
        ProviderMessageId = providerMessageId;
    }

    public DuplicateInboundMessageException()
    {
        ProviderMessageId = "";
    }

    public DuplicateInboundMessageException(string message)
        : base(message)
    {
        ProviderMessageId = "";
    }

    public string ProviderMessageId { get; }
}
