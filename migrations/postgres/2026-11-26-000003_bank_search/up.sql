-- The question bank: candidate prep content, question revisions, and
-- full-text search (tsvector with GIN here; FTS5 on SQLite).

ALTER TABLE stage_kinds ADD COLUMN candidate_prep TEXT NOT NULL DEFAULT '[]';
ALTER TABLE formats ADD COLUMN candidate_prep TEXT NOT NULL DEFAULT '[]';

-- Bank-wide texts by key (general advice, questions a candidate may ask), JSON.
CREATE TABLE bank_texts (
    key TEXT PRIMARY KEY NOT NULL,
    value TEXT NOT NULL
);

-- What a question said before each edit; a loop shows the version it pulled.
CREATE TABLE question_revisions (
    id BIGSERIAL PRIMARY KEY,
    question_id BIGINT NOT NULL REFERENCES questions (id) ON DELETE CASCADE,
    version BIGINT NOT NULL,
    snapshot TEXT NOT NULL,
    changed_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (question_id, version)
);

-- The prompt weighs most, then the why-note, then the pointers.
ALTER TABLE questions ADD COLUMN search tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('english', prompt), 'A') ||
    setweight(to_tsvector('english', why_asked), 'B') ||
    setweight(to_tsvector('english', prep_pointers), 'C')
) STORED;
CREATE INDEX questions_search ON questions USING GIN (search);
