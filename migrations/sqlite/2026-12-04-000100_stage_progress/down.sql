DROP TRIGGER stage_interviewer_moved;
DROP TRIGGER scorecard_changed;
DROP TRIGGER scorecard_removed;
DROP TRIGGER scorecard_added;
DROP TRIGGER stage_interviewer_removed;
DROP TRIGGER stage_interviewer_added;
DROP INDEX stages_progress;
ALTER TABLE stages DROP COLUMN submitted_scorecards;
ALTER TABLE stages DROP COLUMN assigned_interviewers;
