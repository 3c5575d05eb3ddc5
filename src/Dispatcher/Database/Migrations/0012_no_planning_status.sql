-- A wave is planned inside the start call's transaction, so it never rests in a 'planning' state: the status is gone.
UPDATE waves SET status = 'draft' WHERE status = 'planning';
ALTER TABLE waves DROP CONSTRAINT waves_status_known;
ALTER TABLE waves ADD CONSTRAINT waves_status_known
    CHECK (status IN ('draft', 'running', 'paused', 'completed', 'cancelled'));
