-- Sign-in lockout (AccountStore.MaxFailedSignIns). These two columns were once added to 0009 after it had shipped, so a
-- database migrated in between already has them and one migrated before lacks them: IF NOT EXISTS serves both.
ALTER TABLE accounts ADD COLUMN IF NOT EXISTS failed_sign_ins integer NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN IF NOT EXISTS locked_until timestamptz;
