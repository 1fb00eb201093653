-- Each loop sums its stages' kept counts (migration stage_progress): the
-- interviewers seated on it and the scorecards submitted. Kept by the
-- triggers below as those counts change and as stages come and go, so a
-- list of candidates reads one row per candidate for their debrief progress
-- instead of every stage of each loop (on a page of 50 candidates with
-- six-stage loops: 300 index entries summed on every view).
ALTER TABLE loops ADD COLUMN assigned_interviewers INTEGER NOT NULL DEFAULT 0;
ALTER TABLE loops ADD COLUMN submitted_scorecards INTEGER NOT NULL DEFAULT 0;

UPDATE loops SET
    assigned_interviewers =
        (SELECT COALESCE(SUM(assigned_interviewers), 0) FROM stages WHERE loop_id = loops.id),
    submitted_scorecards =
        (SELECT COALESCE(SUM(submitted_scorecards), 0) FROM stages WHERE loop_id = loops.id);

CREATE TRIGGER loop_stage_added AFTER INSERT ON stages
WHEN NEW.assigned_interviewers <> 0 OR NEW.submitted_scorecards <> 0
BEGIN
    UPDATE loops SET
        assigned_interviewers = assigned_interviewers + NEW.assigned_interviewers,
        submitted_scorecards = submitted_scorecards + NEW.submitted_scorecards
    WHERE id = NEW.loop_id;
END;

-- A stage's interviewers and scorecards go with it (ON DELETE CASCADE);
-- their own triggers then find no stage to count down, so the loop loses
-- the stage's counts here, once.
CREATE TRIGGER loop_stage_removed AFTER DELETE ON stages
WHEN OLD.assigned_interviewers <> 0 OR OLD.submitted_scorecards <> 0
BEGIN
    UPDATE loops SET
        assigned_interviewers = assigned_interviewers - OLD.assigned_interviewers,
        submitted_scorecards = submitted_scorecards - OLD.submitted_scorecards
    WHERE id = OLD.loop_id;
END;

CREATE TRIGGER loop_stage_counted
AFTER UPDATE OF assigned_interviewers, submitted_scorecards, loop_id ON stages
WHEN OLD.assigned_interviewers <> NEW.assigned_interviewers
  OR OLD.submitted_scorecards <> NEW.submitted_scorecards
  OR OLD.loop_id <> NEW.loop_id
BEGIN
    UPDATE loops SET
        assigned_interviewers = assigned_interviewers - OLD.assigned_interviewers,
        submitted_scorecards = submitted_scorecards - OLD.submitted_scorecards
    WHERE id = OLD.loop_id;
    UPDATE loops SET
        assigned_interviewers = assigned_interviewers + NEW.assigned_interviewers,
        submitted_scorecards = submitted_scorecards + NEW.submitted_scorecards
    WHERE id = NEW.loop_id;
END;
