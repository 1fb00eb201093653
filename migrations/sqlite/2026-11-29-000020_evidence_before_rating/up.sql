-- A draft keeps evidence typed before a rating (or before observed / not
-- observed) is chosen: the choice may be empty until the card is submitted.
CREATE TABLE scorecard_ratings_new (
    scorecard_id INTEGER NOT NULL REFERENCES scorecards (id) ON DELETE CASCADE,
    job_criterion_id INTEGER NOT NULL REFERENCES job_criteria (id) ON DELETE CASCADE,
    rating TEXT CHECK (rating IN ('strong_no', 'no', 'yes', 'strong_yes', 'no_signal')),
    evidence TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (scorecard_id, job_criterion_id)
);
INSERT INTO scorecard_ratings_new SELECT scorecard_id, job_criterion_id, rating, evidence FROM scorecard_ratings;
DROP TABLE scorecard_ratings;
ALTER TABLE scorecard_ratings_new RENAME TO scorecard_ratings;

CREATE TABLE scorecard_red_flags_new (
    scorecard_id INTEGER NOT NULL REFERENCES scorecards (id) ON DELETE CASCADE,
    job_criterion_id INTEGER NOT NULL REFERENCES job_criteria (id) ON DELETE CASCADE,
    observed BOOLEAN,
    evidence TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (scorecard_id, job_criterion_id)
);
INSERT INTO scorecard_red_flags_new SELECT scorecard_id, job_criterion_id, observed, evidence FROM scorecard_red_flags;
DROP TABLE scorecard_red_flags;
ALTER TABLE scorecard_red_flags_new RENAME TO scorecard_red_flags;
