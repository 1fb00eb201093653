-- A draft keeps evidence typed before a rating (or before observed / not
-- observed) is chosen: the choice may be empty until the card is submitted.
ALTER TABLE scorecard_ratings ALTER COLUMN rating DROP NOT NULL;
ALTER TABLE scorecard_red_flags ALTER COLUMN observed DROP NOT NULL;
ALTER TABLE scorecard_red_flags ALTER COLUMN observed DROP DEFAULT;
