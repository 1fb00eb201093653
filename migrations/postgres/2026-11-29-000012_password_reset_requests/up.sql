-- Password-reset requests, written the same way whether or not the address
-- has an account, and handled after the answer is sent. They are also what
-- the request limits count, per email and per client address.
CREATE TABLE password_reset_requests (
    id BIGSERIAL PRIMARY KEY,
    email TEXT NOT NULL,
    ip TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    handled_at TIMESTAMP
);
CREATE INDEX password_reset_requests_by_email ON password_reset_requests (email, created_at);
CREATE INDEX password_reset_requests_by_address ON password_reset_requests (ip, created_at);
CREATE INDEX password_reset_requests_pending ON password_reset_requests (handled_at, id);
