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

CREATE FUNCTION count_stage_interviewers() RETURNS trigger AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        UPDATE stages SET assigned_interviewers = assigned_interviewers - 1
            WHERE id = OLD.stage_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        UPDATE stages SET assigned_interviewers = assigned_interviewers + 1
            WHERE id = NEW.stage_id;
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER stage_interviewers_counted
AFTER INSERT OR DELETE OR UPDATE OF stage_id ON stage_interviewers
FOR EACH ROW EXECUTE FUNCTION count_stage_interviewers();

CREATE FUNCTION count_submitted_scorecards() RETURNS trigger AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'UPDATE') AND OLD.status = 'submitted' THEN
        UPDATE stages SET submitted_scorecards = submitted_scorecards - 1
            WHERE id = OLD.stage_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.status = 'submitted' THEN
        UPDATE stages SET submitted_scorecards = submitted_scorecards + 1
            WHERE id = NEW.stage_id;
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER scorecards_counted
AFTER INSERT OR DELETE OR UPDATE OF status, stage_id ON scorecards
FOR EACH ROW EXECUTE FUNCTION count_submitted_scorecards();
