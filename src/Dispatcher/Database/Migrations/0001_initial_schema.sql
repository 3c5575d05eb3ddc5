-- ChatSurvey schema, version 1. Never edit a shipped script: add a new numbered one.
-- Rules live in constraints so that every writer (API, jobs, bot) obeys them alike.
-- Times are timestamptz (stored in UTC); scheduling is done in Asia/Ho_Chi_Minh by the application.

CREATE TABLE agencies (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code        text NOT NULL,
    name        text NOT NULL,
    kind        text NOT NULL,
    parent_id   bigint REFERENCES agencies (id),
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT agencies_code_key UNIQUE (code),
    CONSTRAINT agencies_code_format CHECK (code ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$'),
    CONSTRAINT agencies_name_present CHECK (length(btrim(name)) > 0),
    CONSTRAINT agencies_kind_known CHECK (kind IN ('city', 'department', 'district', 'commune', 'central')),
    CONSTRAINT agencies_not_own_parent CHECK (parent_id IS NULL OR parent_id <> id)
);
CREATE INDEX agencies_parent_idx ON agencies (parent_id);

CREATE TABLE procedures (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code        text NOT NULL,
    name        text NOT NULL,
    short_name  text NOT NULL,
    field       text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT procedures_code_key UNIQUE (code),
    CONSTRAINT procedures_code_format CHECK (code ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$'),
    CONSTRAINT procedures_name_present CHECK (length(btrim(name)) > 0),
    -- The SMS label must be plain ASCII so an invitation stays GSM-7.
    CONSTRAINT procedures_short_name_ascii CHECK (short_name ~ '^[ -~]{1,60}$')
);

-- One row per import (file upload or JSON batch); the report lists every rejected row.
CREATE TABLE imports (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source       text NOT NULL,
    file_name    text,
    status       text NOT NULL DEFAULT 'queued',
    total_rows   integer NOT NULL DEFAULT 0,
    accepted     integer NOT NULL DEFAULT 0,
    duplicates   integer NOT NULL DEFAULT 0,
    rejected     jsonb NOT NULL DEFAULT '[]',
    error        text,
    created_at   timestamptz NOT NULL DEFAULT now(),
    finished_at  timestamptz,
    CONSTRAINT imports_source_known CHECK (source IN ('api', 'csv', 'xlsx')),
    CONSTRAINT imports_status_known CHECK (status IN ('queued', 'running', 'succeeded', 'failed'))
);

-- A completed administrative procedure whose applicant may be invited.
CREATE TABLE transactions (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    agency_id       bigint NOT NULL REFERENCES agencies (id),
    procedure_id    bigint NOT NULL REFERENCES procedures (id),
    dossier_code    text NOT NULL,
    phone           text,
    result_date     date NOT NULL,
    applicant_name  text,
    applicant_type  text NOT NULL DEFAULT 'citizen',
    import_id       bigint REFERENCES imports (id),
    created_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT transactions_dossier_per_agency_key UNIQUE (agency_id, dossier_code),
    CONSTRAINT transactions_dossier_present CHECK (length(btrim(dossier_code)) > 0),
    CONSTRAINT transactions_phone_e164 CHECK (phone IS NULL OR phone ~ '^\+[1-9][0-9]{6,14}$'),
    CONSTRAINT transactions_applicant_type_known CHECK (applicant_type IN ('citizen', 'organization'))
);
CREATE INDEX transactions_eligibility_idx ON transactions (agency_id, result_date);
CREATE INDEX transactions_phone_idx ON transactions (phone);

-- Versioned questionnaire definitions (JSON). Administrators add versions; old ones stay for old waves.
CREATE TABLE questionnaires (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code        text NOT NULL,
    version     integer NOT NULL,
    title       text NOT NULL,
    definition  jsonb NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT questionnaires_code_version_key UNIQUE (code, version),
    CONSTRAINT questionnaires_version_positive CHECK (version > 0)
);

CREATE TABLE waves (
    id                      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name                    text NOT NULL,
    questionnaire_id        bigint NOT NULL REFERENCES questionnaires (id),
    status                  text NOT NULL DEFAULT 'draft',
    results_from            date NOT NULL,
    results_to              date NOT NULL,
    expected_response_rate  numeric(4, 3) NOT NULL DEFAULT 0.3,
    send_window_start       time NOT NULL DEFAULT '08:00',
    send_window_end         time NOT NULL DEFAULT '20:00',
    reminder_after_hours    integer NOT NULL DEFAULT 48,
    expire_after_days       integer NOT NULL DEFAULT 3,
    cooldown_days           integer NOT NULL DEFAULT 90,
    seed                    integer NOT NULL,
    created_at              timestamptz NOT NULL DEFAULT now(),
    started_at              timestamptz,
    finished_at             timestamptz,
    CONSTRAINT waves_status_known CHECK (status IN ('draft', 'planning', 'running', 'paused', 'completed', 'cancelled')),
    CONSTRAINT waves_period_ordered CHECK (results_from <= results_to),
    CONSTRAINT waves_response_rate_range CHECK (expected_response_rate > 0 AND expected_response_rate <= 1),
    CONSTRAINT waves_window_ordered CHECK (send_window_start < send_window_end),
    CONSTRAINT waves_reminder_non_negative CHECK (reminder_after_hours >= 0),
    CONSTRAINT waves_expiry_positive CHECK (expire_after_days > 0),
    CONSTRAINT waves_cooldown_non_negative CHECK (cooldown_days >= 0)
);

CREATE TABLE wave_quotas (
    wave_id    bigint NOT NULL REFERENCES waves (id) ON DELETE CASCADE,
    agency_id  bigint NOT NULL REFERENCES agencies (id),
    target     integer NOT NULL,
    planned    integer NOT NULL DEFAULT 0,
    PRIMARY KEY (wave_id, agency_id),
    CONSTRAINT wave_quotas_target_positive CHECK (target > 0),
    CONSTRAINT wave_quotas_planned_non_negative CHECK (planned >= 0)
);

-- One SMS invitation. Claimed before the provider call, provider id stored after (at-most-once send).
CREATE TABLE invitations (
    id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    wave_id              bigint NOT NULL REFERENCES waves (id) ON DELETE CASCADE,
    transaction_id       bigint NOT NULL REFERENCES transactions (id),
    agency_id            bigint NOT NULL REFERENCES agencies (id),
    phone                text NOT NULL,
    code                 text NOT NULL,
    status               text NOT NULL DEFAULT 'planned',
    planned_at           timestamptz NOT NULL,
    claimed_at           timestamptz,
    sent_at              timestamptz,
    delivered_at         timestamptz,
    provider_message_id  text,
    provider_status      text,
    error_code           text,
    attempts             integer NOT NULL DEFAULT 0,
    reminder_due_at      timestamptz,
    reminded_at          timestamptz,
    expires_at           timestamptz,
    created_at           timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT invitations_phone_per_wave_key UNIQUE (wave_id, phone),
    CONSTRAINT invitations_transaction_per_wave_key UNIQUE (wave_id, transaction_id),
    CONSTRAINT invitations_code_key UNIQUE (code),
    CONSTRAINT invitations_provider_message_key UNIQUE (provider_message_id),
    CONSTRAINT invitations_phone_e164 CHECK (phone ~ '^\+[1-9][0-9]{6,14}$'),
    CONSTRAINT invitations_status_known CHECK (status IN
        ('planned', 'claimed', 'sent', 'delivered', 'failed', 'cancelled', 'expired', 'opted_out'))
);
CREATE INDEX invitations_due_idx ON invitations (planned_at) WHERE status = 'planned';
CREATE INDEX invitations_phone_idx ON invitations (phone, created_at DESC);

-- A chat with one citizen on one channel; bound to an invitation (SMS, /s/{code}) or to an agency (QR code).
CREATE TABLE conversations (
    id                text PRIMARY KEY,
    channel           text NOT NULL,
    invitation_id     bigint REFERENCES invitations (id),
    agency_id         bigint REFERENCES agencies (id),
    questionnaire_id  bigint NOT NULL REFERENCES questionnaires (id),
    started_at        timestamptz NOT NULL DEFAULT now(),
    last_activity_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT conversations_channel_known CHECK (channel IN ('sms', 'webchat', 'directline', 'msteams', 'emulator', 'test'))
);
CREATE INDEX conversations_invitation_idx ON conversations (invitation_id);

-- One person's (possibly partial) set of answers to one questionnaire.
CREATE TABLE responses (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    conversation_id   text NOT NULL REFERENCES conversations (id),
    invitation_id     bigint REFERENCES invitations (id),
    wave_id           bigint REFERENCES waves (id),
    agency_id         bigint NOT NULL REFERENCES agencies (id),
    questionnaire_id  bigint NOT NULL REFERENCES questionnaires (id),
    channel           text NOT NULL,
    status            text NOT NULL DEFAULT 'partial',
    started_at        timestamptz NOT NULL DEFAULT now(),
    completed_at      timestamptz,
    CONSTRAINT responses_conversation_key UNIQUE (conversation_id),
    CONSTRAINT responses_invitation_key UNIQUE (invitation_id),
    CONSTRAINT responses_status_known CHECK (status IN ('partial', 'completed', 'expired')),
    CONSTRAINT responses_completed_has_time CHECK ((status = 'completed') = (completed_at IS NOT NULL))
);
CREATE INDEX responses_wave_agency_idx ON responses (wave_id, agency_id);

-- Raw answers. A rating is 1..5; skipped and missing answers are kept (they are not valid answers).
CREATE TABLE answers (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    response_id    bigint NOT NULL REFERENCES responses (id) ON DELETE CASCADE,
    question_code  text NOT NULL,
    kind           text NOT NULL,
    rating         smallint,
    choice         text,
    text_value     text,
    answered_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT answers_question_per_response_key UNIQUE (response_id, question_code),
    CONSTRAINT answers_kind_known CHECK (kind IN ('rating', 'choice', 'text', 'yes_no', 'skipped', 'missing')),
    CONSTRAINT answers_rating_range CHECK (rating IS NULL OR rating BETWEEN 1 AND 5),
    CONSTRAINT answers_rating_present CHECK ((kind = 'rating') = (rating IS NOT NULL))
);

-- Opt-outs survive re-imports: they are keyed by phone, not by transaction or invitation.
CREATE TABLE opt_outs (
    phone       text PRIMARY KEY,
    source      text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT opt_outs_phone_e164 CHECK (phone ~ '^\+[1-9][0-9]{6,14}$'),
    CONSTRAINT opt_outs_source_known CHECK (source IN ('keyword', 'provider', 'admin'))
);

-- Every inbound message, once per provider message id; the stored reply answers a redelivery.
CREATE TABLE inbound_messages (
    id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    channel              text NOT NULL,
    provider_message_id  text NOT NULL,
    from_address         text NOT NULL,
    to_address           text,
    body                 text NOT NULL,
    conversation_id      text REFERENCES conversations (id),
    reply                text,
    received_at          timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT inbound_messages_provider_message_key UNIQUE (channel, provider_message_id)
);
CREATE INDEX inbound_messages_from_idx ON inbound_messages (from_address, received_at DESC);

-- Bot Builder IStorage: one JSON document per key, the etag is a row version for optimistic concurrency.
CREATE TABLE bot_state (
    key         text PRIMARY KEY,
    document    jsonb NOT NULL,
    etag        bigint NOT NULL DEFAULT 1,
    updated_at  timestamptz NOT NULL DEFAULT now()
);
