-- Official figures: provenance of every response, integrity flags, publication and final figures, top-up draws,
-- staff phones. See docs/methodology.md for the rules these columns carry.

-- Who a response is from, set by the system: 'sampled' (an invitation drawn by a wave), 'interviewer' (a volunteer's
-- interview or a keyed-in paper ballot), 'verified' (an invitation-free chat matched to a dossier), 'open' (neither).
ALTER TABLE responses ADD COLUMN provenance text NOT NULL DEFAULT 'open';
UPDATE responses SET provenance = 'sampled' WHERE invitation_id IS NOT NULL;
ALTER TABLE responses ADD CONSTRAINT responses_provenance_known
    CHECK (provenance IN ('sampled', 'interviewer', 'verified', 'open'));
ALTER TABLE responses ADD CONSTRAINT responses_sampled_has_invitation
    CHECK ((provenance = 'sampled') = (invitation_id IS NOT NULL));

-- The dossier a ballot speaks for. At most one ballot per dossier in a wave, whatever its channel.
ALTER TABLE responses ADD COLUMN transaction_id bigint REFERENCES transactions (id);
UPDATE responses r SET transaction_id = i.transaction_id FROM invitations i WHERE i.id = r.invitation_id;
ALTER TABLE responses ADD CONSTRAINT responses_dossier_per_wave_key UNIQUE (wave_id, transaction_id);
ALTER TABLE responses ADD CONSTRAINT responses_verified_has_dossier
    CHECK (provenance NOT IN ('verified', 'interviewer') OR (transaction_id IS NOT NULL AND wave_id IS NOT NULL));

-- Integrity flags, computed when a response completes (Integrity options decide which flags exclude a ballot).
ALTER TABLE responses ADD COLUMN speeder boolean NOT NULL DEFAULT false;
ALTER TABLE responses ADD COLUMN straight_liner boolean NOT NULL DEFAULT false;

-- Publication: the public sees a wave only once an administrator has published it.
ALTER TABLE waves ADD COLUMN published_at timestamptz;
-- The standing manual-invitation wave (never drawn, never completes, published only if chosen).
ALTER TABLE waves ADD COLUMN manual boolean NOT NULL DEFAULT false;
UPDATE waves SET manual = true WHERE name = 'Mời thủ công' AND seed = 0 AND results_from = DATE '2000-01-01';

-- A completed wave's figures are frozen: the final snapshot records when it was computed and a checksum of the ballots.
ALTER TABLE score_snapshots ADD COLUMN final boolean NOT NULL DEFAULT false;
ALTER TABLE score_snapshots ADD COLUMN ballots integer;
ALTER TABLE score_snapshots ADD COLUMN ballots_checksum text;
ALTER TABLE score_snapshots ADD CONSTRAINT score_snapshots_final_has_checksum
    CHECK (NOT final OR (ballots IS NOT NULL AND ballots_checksum IS NOT NULL));

-- Top-up draws take the next ranks of the same seeded order: 0 is the draw at start, n the n-th top-up.
ALTER TABLE invitations ADD COLUMN draw smallint NOT NULL DEFAULT 0;
ALTER TABLE invitations ADD CONSTRAINT invitations_draw_non_negative CHECK (draw >= 0);
-- What planning saw per agency: the eligible pool and the phones it left out, so the wave plan can show them.
ALTER TABLE wave_quotas ADD COLUMN eligible integer NOT NULL DEFAULT 0;
ALTER TABLE wave_quotas ADD COLUMN excluded_staff integer NOT NULL DEFAULT 0;
ALTER TABLE wave_quotas ADD COLUMN excluded_many_dossiers integer NOT NULL DEFAULT 0;

-- Phones of an agency's own staff: never sampled for that agency, never accepted as a dossier's verification.
CREATE TABLE staff_phones (
    agency_id   bigint NOT NULL REFERENCES agencies (id) ON DELETE CASCADE,
    phone       text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (agency_id, phone),
    CONSTRAINT staff_phones_phone_e164 CHECK (phone ~ '^\+[1-9][0-9]{6,14}$')
);
CREATE INDEX staff_phones_phone_idx ON staff_phones (phone);
-- Dossier look-ups by code (verification, interviews) within an agency are served by transactions_dossier_per_agency_key.
