DELETE FROM scorecard_ratings WHERE rating IS NULL;
DELETE FROM scorecard_red_flags WHERE observed IS NULL;
CREATE TABLE scorecard_ratings_old (
    scorecard_id INTEGER NOT NULL REFERENCES scorecards (id) ON DELETE CASCADE,
    job_criterion_id INTEGER NOT NULL REFERENCES job_criteria (id) ON DELETE CASCADE,
    rating TEXT NOT NULL CHECK (rating IN ('strong_no', 'no', 'yes', 'strong_yes', 'no_signal')),
    evidence TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (scorecard_id, job_criterion_id)
);
INSERT INTO scorecard_ratings_old SELECT * FROM scorecard_ratings;
DROP TABLE scorecard_ratings;
ALTER TABLE scorecard_ratings_old RENAME TO scorecard_ratings;
CREATE TABLE scorecard_red_flags_old (
    scorecard_id INTEGER NOT NULL REFERENCES scorecards (id) ON DELETE CASCADE,
    job_criterion_id INTEGER NOT NULL REFERENCES job_criteria (id) ON DELETE CASCADE,
    observed BOOLEAN NOT NULL DEFAULT 0,
    evidence TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (scorecard_id, job_criterion_id)
);
INSERT INTO scorecard_red_flags_old SELECT * FROM scorecard_red_flags;
DROP TABLE scorecard_red_flags;
ALTER TABLE scorecard_red_flags_old RENAME TO scorecard_red_flags;
