-- Web chat over BotHost's own Direct Line 3.0 endpoint (/v3/directline).
-- A Direct Line conversation is bound, when its token is issued, to an invitation (/s/{code}) or to an agency
-- (QR code at the counter). The bot's `conversations` row is NOT created here: the bot's first turn creates it
-- (see SurveyTurnStore), so this binding lives in its own table.
CREATE TABLE directline_conversations (
    id                text PRIMARY KEY,
    invitation_id     bigint REFERENCES invitations (id),
    wave_id           bigint REFERENCES waves (id),
    agency_id         bigint NOT NULL REFERENCES agencies (id),
    questionnaire_id  bigint NOT NULL REFERENCES questionnaires (id),
    -- The last watermark handed out; activities are numbered under this row's lock, so they commit in order.
    last_seq          bigint NOT NULL DEFAULT 0,
    created_at        timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT directline_conversations_id_format CHECK (id ~ '^[A-Za-z0-9_-]{16,64}$')
);
-- One web conversation per invitation: opening the link again resumes it.
CREATE UNIQUE INDEX directline_conversations_invitation_key ON directline_conversations (invitation_id)
    WHERE invitation_id IS NOT NULL;

-- Every activity of a conversation, both ways, in order; seq is the Direct Line watermark.
CREATE TABLE directline_activities (
    conversation_id     text NOT NULL REFERENCES directline_conversations (id) ON DELETE CASCADE,
    seq                 bigint NOT NULL,
    -- The client's own id (channelData.clientActivityID) for a citizen's activity: a repost is stored once.
    client_activity_id  text,
    activity            jsonb NOT NULL,
    created_at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (conversation_id, seq),
    CONSTRAINT directline_activities_seq_positive CHECK (seq > 0)
);
CREATE UNIQUE INDEX directline_activities_client_key ON directline_activities (conversation_id, client_activity_id)
    WHERE client_activity_id IS NOT NULL;
