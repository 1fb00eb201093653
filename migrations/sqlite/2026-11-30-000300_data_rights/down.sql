DROP INDEX IF EXISTS audit_events_action;
DROP INDEX IF EXISTS audit_events_actor;
ALTER TABLE candidates DROP COLUMN erased_at;
DROP TABLE IF EXISTS personal_access_tokens;
