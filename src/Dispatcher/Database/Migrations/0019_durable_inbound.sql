-- Durable inbound messages (docs/design.md#inbound-messages): a message is recorded first, in one narrow insert keyed
-- by the provider's message id, before any other work; the turn then marks it processed in its own transaction. A
-- message the webhook could not process (the host saturated, the turn failed) stays pending and a worker finishes it,
-- sending the replies through the provider's REST API.
ALTER TABLE inbound_messages
    ADD COLUMN processed_at  timestamptz,
    -- Who may process a pending message: the webhook that recorded it, until this time; after it, the worker.
    ADD COLUMN lease_until   timestamptz,
    ADD COLUMN attempts      integer NOT NULL DEFAULT 0,
    ADD COLUMN reply_via     text,
    ADD COLUMN reply_sent_at timestamptz,
    ADD CONSTRAINT inbound_messages_reply_via_known CHECK (reply_via IN ('inline', 'rest')),
    ADD CONSTRAINT inbound_messages_processed_has_route CHECK ((processed_at IS NULL) = (reply_via IS NULL));

-- Every row before this script was written by the turn that processed it and answered in the webhook.
UPDATE inbound_messages SET processed_at = received_at, reply_via = 'inline';

-- A narrow log: the unique key (dedup) plus two small partial indexes, instead of a per-sender index over all history.
DROP INDEX inbound_messages_from_idx;
-- Pending messages in arrival order per sender (a sender's messages are processed in order), and for the worker.
CREATE INDEX inbound_messages_pending_idx ON inbound_messages (channel, from_address, id) WHERE processed_at IS NULL;
-- Replies still to send by REST.
CREATE INDEX inbound_messages_unsent_reply_idx ON inbound_messages (id) WHERE reply_via = 'rest' AND reply_sent_at IS NULL;
