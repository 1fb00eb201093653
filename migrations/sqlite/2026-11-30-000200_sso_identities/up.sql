-- Single sign-on (OpenID Connect). An identity is one person at one
-- provider (issuer + subject), linked to one account on first sign-in.
CREATE TABLE sso_identities (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    issuer TEXT NOT NULL,
    subject TEXT NOT NULL,
    email TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    last_sign_in_at TIMESTAMP NOT NULL,
    UNIQUE (issuer, subject)
);
CREATE INDEX sso_identities_by_user ON sso_identities (user_id);

-- Sign-ins under way: what the callback must match (state, stored by its
-- digest), the nonce and the PKCE verifier. A row is deleted when its
-- callback arrives, so a state (and the code that came with it) works once.
CREATE TABLE sso_flows (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    state_hash TEXT NOT NULL UNIQUE,
    nonce TEXT NOT NULL,
    pkce_verifier TEXT NOT NULL,
    next TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX sso_flows_by_expiry ON sso_flows (expires_at);
