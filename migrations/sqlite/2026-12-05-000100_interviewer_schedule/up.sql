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
ALTER TABLE stage_interviewers ADD COLUMN scorecard_submitted BOOLEAN NOT NULL DEFAULT 0;
ALTER TABLE stage_interviewers ADD COLUMN candidate_in_process BOOLEAN NOT NULL DEFAULT 0;

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
    user_id INTEGER PRIMARY KEY REFERENCES users (id),
    seats INTEGER NOT NULL
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

CREATE TRIGGER stage_interviewer_seated AFTER INSERT ON stage_interviewers
BEGIN
    INSERT INTO interviewer_seats (user_id, seats) VALUES (NEW.user_id, 1)
        ON CONFLICT (user_id) DO UPDATE SET seats = seats + 1;
    UPDATE stage_interviewers SET
        starts_at = (SELECT starts_at FROM stages WHERE id = NEW.stage_id),
        scorecard_submitted = EXISTS (
            SELECT 1 FROM scorecards
            WHERE stage_id = NEW.stage_id AND interviewer_id = NEW.user_id
              AND status = 'submitted'),
        candidate_in_process = EXISTS (
            SELECT 1 FROM stages s
            JOIN loops l ON l.id = s.loop_id
            JOIN candidates c ON c.id = l.candidate_id
            WHERE s.id = NEW.stage_id AND c.status IN ('active', 'on_hold'))
    WHERE stage_id = NEW.stage_id AND user_id = NEW.user_id;
END;

CREATE TRIGGER stage_interviewer_reseated AFTER UPDATE OF stage_id, user_id ON stage_interviewers
WHEN OLD.stage_id <> NEW.stage_id OR OLD.user_id <> NEW.user_id
BEGIN
    UPDATE interviewer_seats SET seats = seats - 1
        WHERE user_id = OLD.user_id AND OLD.user_id <> NEW.user_id;
    INSERT INTO interviewer_seats (user_id, seats)
        SELECT NEW.user_id, 1 WHERE OLD.user_id <> NEW.user_id
        ON CONFLICT (user_id) DO UPDATE SET seats = seats + 1;
    UPDATE stage_interviewers SET
        starts_at = (SELECT starts_at FROM stages WHERE id = NEW.stage_id),
        scorecard_submitted = EXISTS (
            SELECT 1 FROM scorecards
            WHERE stage_id = NEW.stage_id AND interviewer_id = NEW.user_id
              AND status = 'submitted'),
        candidate_in_process = EXISTS (
            SELECT 1 FROM stages s
            JOIN loops l ON l.id = s.loop_id
            JOIN candidates c ON c.id = l.candidate_id
            WHERE s.id = NEW.stage_id AND c.status IN ('active', 'on_hold'))
    WHERE stage_id = NEW.stage_id AND user_id = NEW.user_id;
END;

CREATE TRIGGER stage_interviewer_unseated AFTER DELETE ON stage_interviewers
BEGIN
    UPDATE interviewer_seats SET seats = seats - 1 WHERE user_id = OLD.user_id;
END;

CREATE TRIGGER stage_rescheduled AFTER UPDATE OF starts_at ON stages
WHEN OLD.starts_at IS NOT NEW.starts_at
BEGIN
    UPDATE stage_interviewers SET starts_at = NEW.starts_at WHERE stage_id = NEW.id;
END;

CREATE TRIGGER candidate_process_changed AFTER UPDATE OF status ON candidates
WHEN (OLD.status IN ('active', 'on_hold')) <> (NEW.status IN ('active', 'on_hold'))
BEGIN
    UPDATE stage_interviewers SET candidate_in_process = (NEW.status IN ('active', 'on_hold'))
    WHERE stage_id IN (
        SELECT s.id FROM stages s JOIN loops l ON l.id = s.loop_id
        WHERE l.candidate_id = NEW.id);
END;

CREATE TRIGGER scorecard_seat_added AFTER INSERT ON scorecards
WHEN NEW.status = 'submitted'
BEGIN
    UPDATE stage_interviewers SET scorecard_submitted = 1
    WHERE stage_id = NEW.stage_id AND user_id = NEW.interviewer_id;
END;

CREATE TRIGGER scorecard_seat_removed AFTER DELETE ON scorecards
WHEN OLD.status = 'submitted'
BEGIN
    UPDATE stage_interviewers SET scorecard_submitted = 0
    WHERE stage_id = OLD.stage_id AND user_id = OLD.interviewer_id;
END;

CREATE TRIGGER scorecard_seat_changed AFTER UPDATE OF status, stage_id, interviewer_id ON scorecards
WHEN OLD.status <> NEW.status OR OLD.stage_id <> NEW.stage_id
  OR OLD.interviewer_id <> NEW.interviewer_id
BEGIN
    UPDATE stage_interviewers SET scorecard_submitted = 0
    WHERE stage_id = OLD.stage_id AND user_id = OLD.interviewer_id;
    UPDATE stage_interviewers SET scorecard_submitted = (NEW.status = 'submitted')
    WHERE stage_id = NEW.stage_id AND user_id = NEW.interviewer_id;
END;
