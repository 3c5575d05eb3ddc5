-- The one-stop-shop integration (docs/design.md, "Integration API"): a batch posted with an integration key is an import
-- of its own source, recorded with the key that posted it, so the imports page lists it with its report.
ALTER TABLE imports DROP CONSTRAINT imports_source_known;
ALTER TABLE imports ADD CONSTRAINT imports_source_known CHECK (source IN ('api', 'csv', 'xlsx', 'integration'));
ALTER TABLE imports ADD COLUMN integration_key_id bigint REFERENCES integration_keys (id);
ALTER TABLE imports ADD CONSTRAINT imports_integration_has_key CHECK ((source = 'integration') = (integration_key_id IS NOT NULL));

-- How the header row of an uploaded file was read (each column's text and the field it was taken for, the required
-- columns it lacks), kept from the upload on so the import's page shows it before and after the load.
ALTER TABLE imports ADD COLUMN header jsonb;

-- A presented key is looked up by its shown prefix, then compared with each candidate's hash in constant time.
CREATE INDEX integration_keys_prefix_idx ON integration_keys (key_prefix);
