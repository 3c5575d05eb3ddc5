-- Sign-in accounts for the admin UI: administrators (everything) and agency viewers (their own agency's results).
-- Passwords are stored only as ASP.NET Core Identity PasswordHasher hashes (PBKDF2, salted, versioned).
CREATE TABLE accounts (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_name       text NOT NULL,
    display_name    text NOT NULL,
    role            text NOT NULL,
    agency_id       bigint REFERENCES agencies (id),
    password_hash   text NOT NULL,
    disabled        boolean NOT NULL DEFAULT false,
    created_at      timestamptz NOT NULL DEFAULT now(),
    last_sign_in_at timestamptz,
    CONSTRAINT accounts_user_name_format CHECK (user_name ~ '^[a-z0-9][a-z0-9._@-]{1,63}$'),
    CONSTRAINT accounts_role_known CHECK (role IN ('administrator', 'agency_viewer')),
    CONSTRAINT accounts_viewer_has_agency CHECK ((role = 'agency_viewer') = (agency_id IS NOT NULL)),
    CONSTRAINT accounts_display_name_present CHECK (length(btrim(display_name)) > 0)
);

CREATE UNIQUE INDEX accounts_user_name_key ON accounts (user_name);
