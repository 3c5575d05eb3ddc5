-- Volunteer interviews and paper ballots (docs/methodology.md, "Interviews"): Youth Union volunteers interview people at
-- the counters, coordinators follow the movement, paper ballots are keyed in, the Department of Home Affairs
-- back-checks a sample of each volunteer's ballots.

-- Two more roles: a volunteer (interviewer) who only records ballots, and the Youth Union's coordinator who manages the
-- volunteers and follows their progress (never answers or phone numbers).
ALTER TABLE accounts DROP CONSTRAINT accounts_role_known;
ALTER TABLE accounts ADD CONSTRAINT accounts_role_known
    CHECK (role IN ('administrator', 'agency_viewer', 'interviewer', 'coordinator'));

-- Youth Union grassroots units (Đoàn cơ sở) and the targets a coordinator sets for them.
CREATE TABLE union_units (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        text NOT NULL,
    target      integer,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT union_units_name_key UNIQUE (name),
    CONSTRAINT union_units_name_present CHECK (length(btrim(name)) BETWEEN 1 AND 200),
    CONSTRAINT union_units_target_positive CHECK (target IS NULL OR target > 0)
);

-- A volunteer's profile beside their interviewer account: name, phone (for the coordinator's own use, never shown to
-- agencies or the public), unit, a personal target, and the agencies whose counters they interview at.
CREATE TABLE volunteers (
    account_id     bigint PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    full_name      text NOT NULL,
    phone          text,
    union_unit_id  bigint NOT NULL REFERENCES union_units (id),
    target         integer,
    created_by     bigint REFERENCES accounts (id),
    created_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT volunteers_full_name_present CHECK (length(btrim(full_name)) BETWEEN 1 AND 200),
    CONSTRAINT volunteers_phone_e164 CHECK (phone IS NULL OR phone ~ '^\+[1-9][0-9]{6,14}$'),
    CONSTRAINT volunteers_target_positive CHECK (target IS NULL OR target > 0)
);
CREATE INDEX volunteers_union_unit_idx ON volunteers (union_unit_id);

CREATE TABLE volunteer_agencies (
    account_id  bigint NOT NULL REFERENCES volunteers (account_id) ON DELETE CASCADE,
    agency_id   bigint NOT NULL REFERENCES agencies (id),
    PRIMARY KEY (account_id, agency_id)
);

-- Interviews are conversations on two more channels: face to face ('interviewer') and keyed-in paper ('paper').
ALTER TABLE conversations DROP CONSTRAINT conversations_channel_known;
ALTER TABLE conversations ADD CONSTRAINT conversations_channel_known
    CHECK (channel IN ('sms', 'webchat', 'directline', 'msteams', 'emulator', 'test', 'interviewer', 'paper'));

-- An interviewer ballot is attributed to its volunteer (administrators only see who); a paper ballot carries the
-- serial number printed on it, unique within its wave.
ALTER TABLE responses ADD COLUMN interviewer_id bigint REFERENCES accounts (id);
ALTER TABLE responses ADD COLUMN paper_serial text;
ALTER TABLE responses ADD CONSTRAINT responses_paper_serial_per_wave_key UNIQUE (wave_id, paper_serial);
ALTER TABLE responses ADD CONSTRAINT responses_interviewer_only_for_interviews
    CHECK ((interviewer_id IS NULL AND paper_serial IS NULL) OR provenance = 'interviewer');
ALTER TABLE responses ADD CONSTRAINT responses_paper_serial_format
    CHECK (paper_serial IS NULL OR paper_serial ~ '^[A-Za-z0-9][A-Za-z0-9./-]{0,39}$');
CREATE INDEX responses_interviewer_idx ON responses (interviewer_id, completed_at) WHERE interviewer_id IS NOT NULL;

-- Back-check calls (phúc tra phiếu): the outcome for a ballot of the reproducible sample. A ballot not confirmed leaves
-- the official figures.
CREATE TABLE back_checks (
    response_id  bigint PRIMARY KEY REFERENCES responses (id) ON DELETE CASCADE,
    outcome      text NOT NULL,
    note         text,
    checked_by   bigint REFERENCES accounts (id),
    checked_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT back_checks_outcome_known CHECK (outcome IN ('confirmed', 'not_confirmed')),
    CONSTRAINT back_checks_note_length CHECK (note IS NULL OR length(note) <= 1000)
);
