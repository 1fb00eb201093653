DROP INDEX IF EXISTS questions_search;
ALTER TABLE questions DROP COLUMN search;
DROP TABLE IF EXISTS question_revisions;
DROP TABLE IF EXISTS bank_texts;
ALTER TABLE formats DROP COLUMN candidate_prep;
ALTER TABLE stage_kinds DROP COLUMN candidate_prep;
