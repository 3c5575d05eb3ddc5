-- Uploaded import files, kept from the upload until the import job has loaded them (BotHost and the workers may be
-- different processes, so the file travels through the database, not the local disk). Deleted once the import succeeds.
CREATE TABLE import_files (
    import_id   bigint PRIMARY KEY REFERENCES imports (id) ON DELETE CASCADE,
    content     bytea NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- The progress counts of a wave read invitations and responses by wave.
CREATE INDEX invitations_wave_status_idx ON invitations (wave_id, status);
