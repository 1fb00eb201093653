DROP TRIGGER loop_progress_counted ON stages;
DROP TRIGGER loop_progress_removed ON stages;
DROP TRIGGER loop_progress_added ON stages;
DROP FUNCTION count_loop_progress();
ALTER TABLE loops DROP COLUMN submitted_scorecards;
ALTER TABLE loops DROP COLUMN assigned_interviewers;
