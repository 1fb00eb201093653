-- Failed sign-ins, per account and address, for throttling. Kept in the
-- database so that every app process sees the same count.
CREATE TABLE sign_in_failures (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    email TEXT NOT NULL,
    ip TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX sign_in_failures_lookup ON sign_in_failures (email, ip, created_at);
