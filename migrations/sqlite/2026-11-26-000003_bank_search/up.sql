-- The question bank: candidate prep content, question revisions, and
-- full-text search (FTS5 here; tsvector with GIN on PostgreSQL).

ALTER TABLE stage_kinds ADD COLUMN candidate_prep TEXT NOT NULL DEFAULT '[]';
ALTER TABLE formats ADD COLUMN candidate_prep TEXT NOT NULL DEFAULT '[]';

-- Bank-wide texts by key (general advice, questions a candidate may ask), JSON.
CREATE TABLE bank_texts (
    key TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);

-- What a question said before each edit; a loop shows the version it pulled.
CREATE TABLE question_revisions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    question_id INTEGER NOT NULL REFERENCES questions (id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    snapshot TEXT NOT NULL,
    changed_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (question_id, version)
);

CREATE VIRTUAL TABLE questions_fts USING fts5(
    prompt, why_asked, prep_pointers,
    content = 'questions', content_rowid = 'id', tokenize = 'porter unicode61'
);
INSERT INTO questions_fts (rowid, prompt, why_asked, prep_pointers)
    SELECT id, prompt, why_asked, prep_pointers FROM questions;

CREATE TRIGGER questions_fts_insert AFTER INSERT ON questions BEGIN
    INSERT INTO questions_fts (rowid, prompt, why_asked, prep_pointers)
    VALUES (new.id, new.prompt, new.why_asked, new.prep_pointers);
END;
CREATE TRIGGER questions_fts_delete AFTER DELETE ON questions BEGIN
    INSERT INTO questions_fts (questions_fts, rowid, prompt, why_asked, prep_pointers)
    VALUES ('delete', old.id, old.prompt, old.why_asked, old.prep_pointers);
END;
CREATE TRIGGER questions_fts_update AFTER UPDATE OF prompt, why_asked, prep_pointers ON questions BEGIN
    INSERT INTO questions_fts (questions_fts, rowid, prompt, why_asked, prep_pointers)
    VALUES ('delete', old.id, old.prompt, old.why_asked, old.prep_pointers);
    INSERT INTO questions_fts (rowid, prompt, why_asked, prep_pointers)
    VALUES (new.id, new.prompt, new.why_asked, new.prep_pointers);
END;
