-- The SMS simulator's outbox (Sms:Provider=Simulator): every message it "sends", shown in the admin UI and read back
-- for reconciliation like a provider's message list. SIDs have Twilio's shape so the rest of the system cannot tell.
CREATE TABLE sms_outbox (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    message_sid  text NOT NULL,
    to_phone     text NOT NULL,
    body         text NOT NULL,
    status       text NOT NULL DEFAULT 'delivered',
    created_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT sms_outbox_message_sid_key UNIQUE (message_sid),
    CONSTRAINT sms_outbox_message_sid_format CHECK (message_sid ~ '^SM[0-9a-f]{32}$'),
    CONSTRAINT sms_outbox_to_phone_e164 CHECK (to_phone ~ '^\+[1-9][0-9]{6,14}$'),
    -- Twilio's message statuses (https://www.twilio.com/docs/messaging/api/message-resource#message-status-values).
    CONSTRAINT sms_outbox_status_known CHECK (status IN ('accepted', 'scheduled', 'canceled', 'queued', 'sending', 'sent',
        'failed', 'delivered', 'undelivered', 'receiving', 'received', 'read'))
);
CREATE INDEX sms_outbox_to_phone_idx ON sms_outbox (to_phone, created_at);
