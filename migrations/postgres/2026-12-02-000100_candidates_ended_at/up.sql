-- When a candidate's process ended (hired, rejected or withdrawn), so that
-- retention counts from the end of the process, not from their last edit.
-- Ended candidates until now count from their last change.
ALTER TABLE candidates ADD COLUMN ended_at TIMESTAMP;
UPDATE candidates SET ended_at = updated_at WHERE status IN ('hired', 'rejected', 'withdrawn');
CREATE INDEX candidates_by_end ON candidates (ended_at) WHERE ended_at IS NOT NULL AND erased_at IS NULL;
