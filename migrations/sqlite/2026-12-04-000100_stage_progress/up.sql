-- Each stage counts its interviewers and its submitted scorecards, kept
-- by the triggers below whatever writes the rows (planner, API, demo,
-- erasure). The lists that show each candidate's debrief progress (50
-- rows a page) then read a few index entries per loop instead of every
-- interviewer and scorecard of it (on 10,000 candidates with full loops:
-- about 800 entries a page).
ALTER TABLE stages ADD COLUMN assigned_interviewers INTEGER NOT NULL DEFAULT 0;
ALTER TABLE stages ADD COLUMN submitted_scorecards INTEGER NOT NULL DEFAULT 0;

UPDATE stages SET
    assigned_interviewers =
        (SELECT COUNT(*) FROM stage_interviewers WHERE stage_id = stages.id),
    submitted_scorecards =
        (SELECT COUNT(*) FROM scorecards WHERE stage_id = stages.id AND status = 'submitted');

CREATE INDEX stages_progress ON stages (loop_id, assigned_interviewers, submitted_scorecards);

CREATE TRIGGER stage_interviewer_added AFTER INSERT ON stage_interviewers
BEGIN
    UPDATE stages SET assigned_interviewers = assigned_interviewers + 1 WHERE id = NEW.stage_id;
END;

CREATE TRIGGER stage_interviewer_removed AFTER DELETE ON stage_interviewers
BEGIN
    UPDATE stages SET assigned_interviewers = assigned_interviewers - 1 WHERE id = OLD.stage_id;
END;

CREATE TRIGGER scorecard_added AFTER INSERT ON scorecards
WHEN NEW.status = 'submitted'
BEGIN
    UPDATE stages SET submitted_scorecards = submitted_scorecards + 1 WHERE id = NEW.stage_id;
END;

CREATE TRIGGER scorecard_removed AFTER DELETE ON scorecards
WHEN OLD.status = 'submitted'
BEGIN
    UPDATE stages SET submitted_scorecards = submitted_scorecards - 1 WHERE id = OLD.stage_id;
END;

CREATE TRIGGER scorecard_changed AFTER UPDATE OF status, stage_id ON scorecards
WHEN (OLD.status = 'submitted') <> (NEW.status = 'submitted') OR OLD.stage_id <> NEW.stage_id
BEGIN
    UPDATE stages SET submitted_scorecards = submitted_scorecards - 1
        WHERE id = OLD.stage_id AND OLD.status = 'submitted';
    UPDATE stages SET submitted_scorecards = submitted_scorecards + 1
        WHERE id = NEW.stage_id AND NEW.status = 'submitted';
END;

CREATE TRIGGER stage_interviewer_moved AFTER UPDATE OF stage_id ON stage_interviewers
WHEN OLD.stage_id <> NEW.stage_id
BEGIN
    UPDATE stages SET assigned_interviewers = assigned_interviewers - 1 WHERE id = OLD.stage_id;
    UPDATE stages SET assigned_interviewers = assigned_interviewers + 1 WHERE id = NEW.stage_id;
END;
