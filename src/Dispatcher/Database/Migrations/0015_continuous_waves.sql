-- Continuous waves and the one-stop-shop integration (docs/methodology.md, "Continuous waves"; docs/design.md).

-- A batch wave draws once, at start, from the dossiers already imported; a continuous wave decides each dossier as it
-- arrives and invites it within invite_within_hours of its result (or at the next opening of the send window).
ALTER TABLE waves ADD COLUMN mode text NOT NULL DEFAULT 'batch';
ALTER TABLE waves ADD CONSTRAINT waves_mode_known CHECK (mode IN ('batch', 'continuous'));
ALTER TABLE waves ADD COLUMN invite_within_hours integer NOT NULL DEFAULT 24;
ALTER TABLE waves ADD CONSTRAINT waves_invite_within_range CHECK (invite_within_hours BETWEEN 1 AND 720);

-- A dossier as the one-stop-shop systems know it. A dossier may arrive before its result (NgayTra): result_date is then
-- unknown, and the dossier is eligible for no wave until a repost brings it. result_at is the result's time where the
-- source gives one (the integration API), received_on and due_on the receipt and appointment dates (NgayTiepNhan,
-- NgayHenTra): a result after its appointment date is late. updated_at is the last change by an import or a repost.
ALTER TABLE transactions ALTER COLUMN result_date DROP NOT NULL;
ALTER TABLE transactions ADD COLUMN result_at timestamptz;
ALTER TABLE transactions ADD COLUMN received_on date;
ALTER TABLE transactions ADD COLUMN due_on date;
ALTER TABLE transactions ADD COLUMN dossier_status text;
ALTER TABLE transactions ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();
ALTER TABLE transactions ADD CONSTRAINT transactions_result_at_has_date CHECK (result_at IS NULL OR result_date IS NOT NULL);
-- Continuous waves look for the dossiers that arrived since their last pass.
CREATE INDEX transactions_updated_idx ON transactions (updated_at);

-- The one-stop-shop system's own code for an agency (MaDonVi), where it differs from ChatSurvey's code.
ALTER TABLE agencies ADD COLUMN unit_code text;
ALTER TABLE agencies ADD CONSTRAINT agencies_unit_code_key UNIQUE (unit_code);
ALTER TABLE agencies ADD CONSTRAINT agencies_unit_code_format CHECK (unit_code IS NULL OR unit_code ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$');

-- A continuous wave's decision for one dossier, taken once: invited or not, and the pacing state it was taken in, so
-- that every decision can be recomputed (the seeded draw and the probability are both kept).
CREATE TABLE wave_decisions (
    wave_id         bigint NOT NULL REFERENCES waves (id) ON DELETE CASCADE,
    transaction_id  bigint NOT NULL REFERENCES transactions (id),
    agency_id       bigint NOT NULL REFERENCES agencies (id),
    decided_at      timestamptz NOT NULL,
    outcome         text NOT NULL,
    reason          text,
    probability     double precision,
    draw            double precision,
    pacing          jsonb,
    invitation_id   bigint REFERENCES invitations (id),
    PRIMARY KEY (wave_id, transaction_id),
    CONSTRAINT wave_decisions_outcome_known CHECK (outcome IN ('invited', 'not_drawn', 'target_reached', 'ineligible')),
    CONSTRAINT wave_decisions_probability_range CHECK (probability IS NULL OR probability BETWEEN 0 AND 1),
    CONSTRAINT wave_decisions_draw_range CHECK (draw IS NULL OR (draw >= 0 AND draw < 1)),
    CONSTRAINT wave_decisions_invited_has_invitation CHECK ((outcome = 'invited') = (invitation_id IS NOT NULL))
);
CREATE INDEX wave_decisions_agency_idx ON wave_decisions (wave_id, agency_id, decided_at);

-- Keys for one-stop-shop systems: the only right of a key is posting dossiers. Only a hash of the key is kept; the
-- key itself is shown once, when it is created. A revoked key is refused.
CREATE TABLE integration_keys (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name          text NOT NULL,
    key_hash      bytea NOT NULL,
    key_prefix    text NOT NULL,
    created_by    text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_used_at  timestamptz,
    revoked_at    timestamptz,
    CONSTRAINT integration_keys_hash_key UNIQUE (key_hash),
    CONSTRAINT integration_keys_name_present CHECK (length(btrim(name)) BETWEEN 1 AND 200)
);
