-- Each interviewer's seat on a stage carries the stage's start, whether
-- their scorecard is in and whether the candidate is still in process
-- (active or on hold, as CandidateStatus::IN_PROCESS), kept by the
-- triggers below whatever writes the rows (planner, API, demo, erasure).
-- An interviewer's dashboard and "My interviews" then read the few index
-- entries they show (the next interviews, the latest that passed, the
-- scorecards still due) instead of every stage the person ever sat on:
-- 10,000 and more for a long-serving interviewer, read and sorted on every
-- view.
ALTER TABLE stage_interviewers ADD COLUMN starts_at TIMESTAMP;
ALTER TABLE stage_interviewers ADD COLUMN scorecard_submitted BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE stage_interviewers ADD COLUMN candidate_in_process BOOLEAN NOT NULL DEFAULT FALSE;

UPDATE stage_interviewers SET
    starts_at = (SELECT starts_at FROM stages WHERE id = stage_interviewers.stage_id),
    scorecard_submitted = EXISTS (
        SELECT 1 FROM scorecards
        WHERE stage_id = stage_interviewers.stage_id
          AND interviewer_id = stage_interviewers.user_id
          AND status = 'submitted'),
    candidate_in_process = EXISTS (
        SELECT 1 FROM stages s
        JOIN loops l ON l.id = s.loop_id
        JOIN candidates c ON c.id = l.candidate_id
        WHERE s.id = stage_interviewers.stage_id AND c.status IN ('active', 'on_hold'));

-- How many stages each person sits on (template loops too), so that My
-- interviews' total needs no count of the person's whole history.
CREATE TABLE interviewer_seats (
    user_id BIGINT PRIMARY KEY REFERENCES users (id),
    seats BIGINT NOT NULL
);
INSERT INTO interviewer_seats (user_id, seats)
    SELECT user_id, COUNT(*) FROM stage_interviewers GROUP BY user_id;

DROP INDEX stage_interviewers_user;
-- My interviews: coming, passed, not scheduled; a page is picked in the
-- index alone (the stage in it too), however deep.
CREATE INDEX stage_interviewers_schedule ON stage_interviewers (user_id, starts_at, stage_id);
-- The dashboard: the week ahead, and the scorecards due.
CREATE INDEX stage_interviewers_agenda
    ON stage_interviewers (user_id, candidate_in_process, starts_at);
CREATE INDEX stage_interviewers_due
    ON stage_interviewers (user_id, candidate_in_process, scorecard_submitted, starts_at);

CREATE FUNCTION seat_stage_interviewer() RETURNS trigger AS $$
BEGIN
    NEW.starts_at := (SELECT starts_at FROM stages WHERE id = NEW.stage_id);
    NEW.scorecard_submitted := EXISTS (
        SELECT 1 FROM scorecards
        WHERE stage_id = NEW.stage_id AND interviewer_id = NEW.user_id
          AND status = 'submitted');
    NEW.candidate_in_process := EXISTS (
        SELECT 1 FROM stages s
        JOIN loops l ON l.id = s.loop_id
        JOIN candidates c ON c.id = l.candidate_id
        WHERE s.id = NEW.stage_id AND c.status IN ('active', 'on_hold'));
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER stage_interviewers_seated
BEFORE INSERT OR UPDATE OF stage_id, user_id ON stage_interviewers
FOR EACH ROW EXECUTE FUNCTION seat_stage_interviewer();

CREATE FUNCTION tally_interviewer_seats() RETURNS trigger AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'UPDATE') THEN
        UPDATE interviewer_seats SET seats = interviewer_seats.seats - 1
            WHERE user_id = OLD.user_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO interviewer_seats (user_id, seats) VALUES (NEW.user_id, 1)
            ON CONFLICT (user_id) DO UPDATE SET seats = interviewer_seats.seats + 1;
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER stage_interviewers_tallied
AFTER INSERT OR DELETE OR UPDATE OF user_id ON stage_interviewers
FOR EACH ROW EXECUTE FUNCTION tally_interviewer_seats();

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

-- Under READ COMMITTED a seat inserted by a loop edit running beside this
-- change would not see the new status, nor this update see the new seat:
-- the loop's row, which every loop edit locks first (its version), makes
-- the two wait for each other.
CREATE FUNCTION mark_candidate_seats() RETURNS trigger AS $$
BEGIN
    PERFORM 1 FROM loops WHERE candidate_id = NEW.id FOR UPDATE;
    UPDATE stage_interviewers SET candidate_in_process = NEW.status IN ('active', 'on_hold')
    WHERE stage_id IN (
        SELECT s.id FROM stages s JOIN loops l ON l.id = s.loop_id
        WHERE l.candidate_id = NEW.id);
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER candidates_process_changed
AFTER UPDATE OF status ON candidates
FOR EACH ROW WHEN ((OLD.status IN ('active', 'on_hold')) IS DISTINCT FROM (NEW.status IN ('active', 'on_hold')))
EXECUTE FUNCTION mark_candidate_seats();

-- Only a submission changes a seat (a seat with no submitted scorecard is
-- already marked so). The stage's row is locked first, as the progress
-- count on the same rows does and as a loop edit replacing the panel does
-- when it removes the old seats, so a seat inserted beside a submission
-- waits for it or is seen by it.
CREATE FUNCTION mark_scorecard_seat() RETURNS trigger AS $$
BEGIN
    IF TG_OP IN ('DELETE', 'UPDATE') AND OLD.status = 'submitted' THEN
        PERFORM 1 FROM stages WHERE id = OLD.stage_id FOR UPDATE;
        UPDATE stage_interviewers SET scorecard_submitted = FALSE
            WHERE stage_id = OLD.stage_id AND user_id = OLD.interviewer_id;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') AND NEW.status = 'submitted' THEN
        PERFORM 1 FROM stages WHERE id = NEW.stage_id FOR UPDATE;
        UPDATE stage_interviewers SET scorecard_submitted = TRUE
            WHERE stage_id = NEW.stage_id AND user_id = NEW.interviewer_id;
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER scorecards_seat_marked
AFTER INSERT OR DELETE OR UPDATE OF status, stage_id, interviewer_id ON scorecards
FOR EACH ROW EXECUTE FUNCTION mark_scorecard_seat();
