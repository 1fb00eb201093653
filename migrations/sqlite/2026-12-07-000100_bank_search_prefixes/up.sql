-- The planner's question picker searches as one types, the last word as
-- the start of a word: "d", "de", "des". Without an index of prefixes
-- FTS5 merges the lists of every word that starts so, which grows with the
-- bank (20,000 questions: "d" 22 ms, "des" 8.5 ms); with prefixes of one
-- to three characters indexed it reads one list (1.8 ms, 1.0 ms). The index
-- is rebuilt from `questions`, its external content; the triggers that keep
-- it name the table and go on working.
DROP TABLE questions_fts;
CREATE VIRTUAL TABLE questions_fts USING fts5(
    prompt, why_asked, prep_pointers,
    content = 'questions', content_rowid = 'id', tokenize = 'porter unicode61',
    prefix = '1 2 3'
);
INSERT INTO questions_fts (questions_fts) VALUES ('rebuild');
