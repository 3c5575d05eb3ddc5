using ChatSurvey.BotHost.Channels.DirectLine;
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
    /// <summary>The reply given the first time this provider message was processed, or null when it is new.</summary>
    public async Task<string?> FindProcessedReplyAsync(string channel, string providerMessageId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT coalesce(reply, '') FROM inbound_messages WHERE channel = $1 AND provider_message_id = $2");
        command.Parameters.AddWithValue(channel);
        command.Parameters.AddWithValue(providerMessageId);
        return await command.ExecuteScalarAsync(cancellationToken) as string;
    }

    /// <summary>
    /// The SMS route for a message: the reply given the first time, when this provider message id was processed before,
    /// and the phone's newest invitation that was sent and has not expired or been cancelled (completed surveys still
    /// route, so the citizen hears "already completed"). One round trip: it is on every SMS turn.
    /// </summary>
    public async Task<(string? ProcessedReply, SurveyRoute Route)> RouteSmsAsync(
        string providerMessageId, string phone, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            $"""
            SELECT (SELECT coalesce(m.reply, '') FROM inbound_messages m
                    WHERE m.channel = 'sms' AND m.provider_message_id = $1),
                   r.id, r.wave_id, r.agency_id, r.questionnaire_id
            FROM (SELECT 1) one
            LEFT JOIN LATERAL (
                SELECT i.id, i.wave_id, i.agency_id, w.questionnaire_id
                FROM invitations i
                JOIN waves w ON w.id = i.wave_id
                WHERE i.phone = $2
                  AND i.status IN ({InvitationStatus.AnswerableSql})
                  AND (i.expires_at IS NULL OR i.expires_at > $3)
                  AND w.status <> '{WaveStatus.Cancelled}'
                ORDER BY i.created_at DESC, i.id DESC
                LIMIT 1
            ) r ON true
            """);
        command.Parameters.AddWithValue(providerMessageId);
        command.Parameters.AddWithValue(phone);
        command.Parameters.AddWithValue(clock.GetUtcNow()); // expiry on the injected clock, as the engine and the jobs see it
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        var processed = reader.IsDBNull(0) ? null : reader.GetString(0);
        if (reader.IsDBNull(1))
            return (processed, new SurveyRoute($"sms-{phone}", SurveyChannel.Sms, "sms", phone, null, null, null, null));
        var invitationId = reader.GetInt64(1);
        return (processed, new SurveyRoute(
            $"sms-inv-{invitationId}", SurveyChannel.Sms, "sms", phone,
            invitationId, reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4)));
    }

    /// <summary>
    /// Writes the turn. <paramref name="saveBotState"/> runs inside the same transaction (the PostgreSQL
    /// <c>IStorage</c> joins <see cref="BotStateTransaction.Current"/>); a stale ETag there aborts everything.
    /// </summary>
    /// <exception cref="DuplicateInboundMessageException">The provider message id was already recorded.</exception>
    public async Task CommitAsync(
        SurveyRoute route,
        InboundMessage? inbound,
        TurnOutcome outcome,
        string replyText,
        bool firstTurn,
        Func<Task> saveBotState,
        CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection, transaction);

        NpgsqlBatchCommand? conversation = null;
        if (route.HasSurvey)
        {
            // A first turn creates the conversation and must be the only one to: its bot state had no ETag to check,
            // so a concurrent first turn that lost this race starts over on the winner's state.
            conversation = Command(
                firstTurn
                    ? """
                      INSERT INTO conversations (id, channel, invitation_id, agency_id, questionnaire_id)
                      VALUES ($1, $2, $3, $4, $5)
                      ON CONFLICT (id) DO NOTHING
                      """
                    : """
                      INSERT INTO conversations (id, channel, invitation_id, agency_id, questionnaire_id)
                      VALUES ($1, $2, $3, $4, $5)
                      ON CONFLICT (id) DO UPDATE SET last_activity_at = now()
                      """,
                route.ConversationId, route.ChannelName, (object?)route.InvitationId ?? DBNull.Value,
                route.AgencyId!.Value, route.QuestionnaireId!.Value);
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

        if (inbound is not null)
        {
            batch.BatchCommands.Add(Command(
                """
                INSERT INTO inbound_messages (channel, provider_message_id, from_address, to_address, body, conversation_id, reply)
                VALUES ($1, $2, $3, $4, $5, $6, $7)
                """,
                route.ChannelName, inbound.ProviderMessageId, inbound.From, (object?)inbound.To ?? DBNull.Value, inbound.Body,
                route.HasSurvey ? route.ConversationId : DBNull.Value, replyText));
        }

        try
        {
            if (batch.BatchCommands.Count > 0)
                await batch.ExecuteNonQueryAsync(cancellationToken);
            if (firstTurn && conversation is { RecordsAffected: 0 })
                throw new StorageConcurrencyException(route.ConversationId, "");
            using (BotStateTransaction.Enlist(connection, transaction))
                await saveBotState();
            await transaction.CommitAsync(cancellationToken);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation
                                          && e.ConstraintName == "inbound_messages_provider_message_key")
        {
            throw new DuplicateInboundMessageException(inbound!.ProviderMessageId, e);
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

    /// <summary>Upserts the response (partial → completed/expired) and its answers in one statement.</summary>
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
            WITH response AS (
                INSERT INTO responses (conversation_id, invitation_id, wave_id, agency_id, questionnaire_id, channel, status,
                                       started_at, completed_at, provenance, transaction_id, speeder, straight_liner)
                VALUES ($1, $2,
                        -- An open ballot (no invitation, no verified dossier) belongs to the agency's newest running wave
                        -- with a quota for it, when its first answer is stored, so that wave shows it apart; else to none.
                        coalesce($3::bigint, CASE WHEN $2::bigint IS NULL THEN (
                            SELECT id FROM ({WaveStore.CollectingWaves("$4")}) collecting
                            ORDER BY {WaveStore.NewestFirst("collecting")}
                            LIMIT 1) END),
                        $4, $5, $6, $7, coalesce($13, now()), CASE WHEN $7 = '{ResponseStatus.Completed}' THEN coalesce($14, now()) END,
                        CASE WHEN $2::bigint IS NULL THEN '{Provenance.Open}' ELSE '{Provenance.Sampled}' END,
                        (SELECT transaction_id FROM invitations WHERE id = $2::bigint), $15, $16)
                ON CONFLICT (conversation_id) DO UPDATE
                    SET status = CASE WHEN responses.status = '{ResponseStatus.Completed}' THEN '{ResponseStatus.Completed}' ELSE EXCLUDED.status END,
                        completed_at = coalesce(responses.completed_at, EXCLUDED.completed_at),
                        -- The flags are the completing turn's, and stay as they were once completed.
                        speeder = CASE WHEN responses.status = '{ResponseStatus.Completed}' THEN responses.speeder ELSE EXCLUDED.speeder END,
                        straight_liner = CASE WHEN responses.status = '{ResponseStatus.Completed}' THEN responses.straight_liner ELSE EXCLUDED.straight_liner END
                RETURNING id
            )
            INSERT INTO answers (response_id, question_code, kind, rating, choice, text_value)
            SELECT response.id, a.code, a.kind, a.rating, a.choice, a.text_value
            FROM response, unnest($8::text[], $9::text[], $10::smallint[], $11::text[], $12::text[])
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

/// <summary>
/// The connection and transaction of the turn being committed, visible to the PostgreSQL <c>IStorage</c> so the bot
/// state is written in the same transaction as the answers (Bot Builder's <c>IStorage</c> has no transaction parameter).
/// </summary>
public static class BotStateTransaction
{
    private static readonly AsyncLocal<(NpgsqlConnection Connection, NpgsqlTransaction Transaction)?> Ambient = new();

    public static (NpgsqlConnection Connection, NpgsqlTransaction Transaction)? Current => Ambient.Value;

    public static IDisposable Enlist(NpgsqlConnection connection, NpgsqlTransaction transaction)
    {
        Ambient.Value = (connection, transaction);
        return new Scope();
    }

    private sealed class Scope : IDisposable
    {
        public void Dispose() => Ambient.Value = null;
    }
}
