-- Each calendar event sent to a candidate in a prep pack, as last sent.
-- No foreign key to stages: the row outlives a removed stage, so the next
-- pack can cancel the slot the candidate's calendar still holds.
CREATE TABLE calendar_events (
    id BIGSERIAL PRIMARY KEY,
    candidate_id BIGINT NOT NULL REFERENCES candidates (id) ON DELETE CASCADE,
    stage_id BIGINT NOT NULL,
    uid TEXT NOT NULL,
    sequence BIGINT NOT NULL,
    starts_at TIMESTAMP NOT NULL,
    ends_at TIMESTAMP NOT NULL,
    summary TEXT NOT NULL,
    location TEXT,
    cancelled BOOLEAN NOT NULL DEFAULT FALSE,
    sent_at TIMESTAMP NOT NULL,
    UNIQUE (candidate_id, uid)
);
