-- Personal access tokens for scripts: only the SHA-256 of the token is kept.
CREATE TABLE personal_access_tokens (
    id BIGSERIAL PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    scope TEXT NOT NULL CHECK (scope IN ('read', 'write')),
    token_hash TEXT NOT NULL UNIQUE,
    hint TEXT NOT NULL,
    expires_at TIMESTAMP,
    last_used_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX personal_access_tokens_user ON personal_access_tokens (user_id);

-- When a candidate's personal data was erased (anonymised); NULL while held.
ALTER TABLE candidates ADD COLUMN erased_at TIMESTAMP;

CREATE INDEX audit_events_actor ON audit_events (actor_id, created_at);
CREATE INDEX audit_events_action ON audit_events (action, created_at);
