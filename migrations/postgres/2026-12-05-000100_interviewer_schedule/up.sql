-- Each interviewer's seat on a stage carries the stage's start and whether
-- their scorecard is in, kept by the triggers below whatever writes the
-- rows (planner, API, demo, erasure). An interviewer's dashboard and "My
-- interviews" then read the few index entries they show (the next
-- interviews, the latest that passed, the scorecards still due) instead of
-- every stage the person ever sat on: 10,000 and more for a long-serving
-- interviewer, read and sorted on every view.
ALTER TABLE stage_interviewers ADD COLUMN starts_at TIMESTAMP;
ALTER TABLE stage_interviewers ADD COLUMN scorecard_submitted BOOLEAN NOT NULL DEFAULT FALSE;

UPDATE stage_interviewers SET
    starts_at = (SELECT starts_at FROM stages WHERE id = stage_interviewers.stage_id),
    scorecard_submitted = EXISTS (
        SELECT 1 FROM scorecards
        WHERE stage_id = stage_interviewers.stage_id
          AND interviewer_id = stage_interviewers.user_id
          AND status = 'submitted');

DROP INDEX stage_interviewers_user;
CREATE INDEX stage_interviewers_schedule ON stage_interviewers (user_id, starts_at);
CREATE INDEX stage_interviewers_due ON stage_interviewers (user_id, scorecard_submitted, starts_at);

CREATE FUNCTION seat_stage_interviewer() RETURNS trigger AS $$
BEGIN
    NEW.starts_at := (SELECT starts_at FROM stages WHERE id = NEW.stage_id);
    NEW.scorecard_submitted := EXISTS (
        SELECT 1 FROM scorecards
        WHERE stage_id = NEW.stage_id AND interviewer_id = NEW.user_id
          AND status = 'submitted');
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER stage_interviewers_seated
BEFORE INSERT OR UPDATE OF stage_id, user_id ON stage_interviewers
FOR EACH ROW EXECUTE FUNCTION seat_stage_interviewer();

CREATE FUNCTION reschedule_stage_interviewers() RETURNS trigger AS $$
BEGIN
    UPDATE stage_interviewers SET starts_at = NEW.starts_at WHERE stage_id = NEW.id;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER stages_rescheduled
AFTER UPDATE OF starts_at ON stages
FOR EACH ROW WHEN (OLD.starts_at IS DISTINCT FROM NEW.starts_at)
EXECUTE FUNCTION reschedule_stage_interviewers();

CREATE FUNCTION mark_scorecard_seat() RETURNS trigger AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        UPDATE stage_interviewers SET scorecard_submitted = FALSE
            WHERE stage_id = OLD.stage_id AND user_id = OLD.interviewer_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.status = 'submitted' THEN
        UPDATE stage_interviewers SET scorecard_submitted = TRUE
            WHERE stage_id = NEW.stage_id AND user_id = NEW.interviewer_id;
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER scorecards_seat_marked
AFTER INSERT OR DELETE OR UPDATE OF status, stage_id, interviewer_id ON scorecards
FOR EACH ROW EXECUTE FUNCTION mark_scorecard_seat();
