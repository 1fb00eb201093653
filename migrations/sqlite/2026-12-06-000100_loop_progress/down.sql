DROP TRIGGER loop_stage_counted;
DROP TRIGGER loop_stage_removed;
DROP TRIGGER loop_stage_added;
ALTER TABLE loops DROP COLUMN submitted_scorecards;
ALTER TABLE loops DROP COLUMN assigned_interviewers;
