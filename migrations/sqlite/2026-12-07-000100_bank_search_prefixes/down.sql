DROP TABLE questions_fts;
CREATE VIRTUAL TABLE questions_fts USING fts5(
    prompt, why_asked, prep_pointers,
    content = 'questions', content_rowid = 'id', tokenize = 'porter unicode61'
);
INSERT INTO questions_fts (questions_fts) VALUES ('rebuild');
