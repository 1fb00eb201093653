DROP TRIGGER IF EXISTS questions_fts_update;
DROP TRIGGER IF EXISTS questions_fts_delete;
DROP TRIGGER IF EXISTS questions_fts_insert;
DROP TABLE IF EXISTS questions_fts;
DROP TABLE IF EXISTS question_revisions;
DROP TABLE IF EXISTS bank_texts;
ALTER TABLE formats DROP COLUMN candidate_prep;
ALTER TABLE stage_kinds DROP COLUMN candidate_prep;
