DELETE FROM scorecard_ratings WHERE rating IS NULL;
DELETE FROM scorecard_red_flags WHERE observed IS NULL;
ALTER TABLE scorecard_ratings ALTER COLUMN rating SET NOT NULL;
ALTER TABLE scorecard_red_flags ALTER COLUMN observed SET DEFAULT FALSE;
ALTER TABLE scorecard_red_flags ALTER COLUMN observed SET NOT NULL;
