DROP INDEX candidates_by_end;
ALTER TABLE candidates DROP COLUMN ended_at;
