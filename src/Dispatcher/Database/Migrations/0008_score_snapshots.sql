-- The score-refresh job's output: the public results of each live wave, computed once a minute, so the public page
-- costs the database one primary-key read however many people look at it.
CREATE TABLE score_snapshots (
    wave_id      bigint PRIMARY KEY REFERENCES waves (id) ON DELETE CASCADE,
    report       jsonb NOT NULL,
    computed_at  timestamptz NOT NULL DEFAULT now()
);
