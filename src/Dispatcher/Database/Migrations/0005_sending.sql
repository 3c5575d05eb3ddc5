-- Sending through Hangfire workers (DESIGN.md §3, §4.3).

-- Which batch holds a claim. A sending batch keeps a session advisory lock on (claim lock namespace, claim_token) for
-- as long as it runs; a claimed row without a provider id whose token is not locked was left by a dead or finished
-- batch, and is reconciled with the provider's message list before it may be sent again.
CREATE SEQUENCE invitation_claim_token_seq AS integer MINVALUE 1 MAXVALUE 2147483647 CYCLE;
ALTER TABLE invitations ADD COLUMN claim_token integer;
-- Who claimed it (host:pid), for operators and tests.
ALTER TABLE invitations ADD COLUMN claimed_by text;
CREATE INDEX invitations_claimed_idx ON invitations (claimed_at) WHERE status = 'claimed';
CREATE INDEX invitations_reminder_due_idx ON invitations (reminder_due_at)
    WHERE status IN ('sent', 'delivered') AND reminded_at IS NULL;
CREATE INDEX invitations_expiry_idx ON invitations (expires_at) WHERE status IN ('sent', 'delivered');

-- The deployment-wide send rate (Sms:MessagesPerSecond across all workers): one row, the next free slot on the
-- database's clock. A worker reserves n slots by moving next_slot forward under the row lock, then sends in them.
CREATE TABLE send_rate (
    id         smallint PRIMARY KEY DEFAULT 1,
    next_slot  timestamptz NOT NULL DEFAULT '-infinity',
    CONSTRAINT send_rate_single_row CHECK (id = 1)
);
INSERT INTO send_rate (id) VALUES (1);
