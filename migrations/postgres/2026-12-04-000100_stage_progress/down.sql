DROP TRIGGER scorecards_counted ON scorecards;
DROP FUNCTION count_submitted_scorecards();
DROP TRIGGER stage_interviewers_counted ON stage_interviewers;
DROP FUNCTION count_stage_interviewers();
DROP INDEX stages_progress;
ALTER TABLE stages DROP COLUMN submitted_scorecards;
ALTER TABLE stages DROP COLUMN assigned_interviewers;
