-- The whole domain model of DESIGN.md. Mirrored in migrations/postgres.
-- Ids are 64-bit integers, timestamps UTC, lists and snapshots JSON as text.

CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    email TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'hiring_manager', 'recruiter', 'interviewer')),
    password_hash TEXT,
    active BOOLEAN NOT NULL DEFAULT 1,
    token_version INTEGER NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- Setup links, invitations and password resets: only a hash of the token is kept.
CREATE TABLE one_time_tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    purpose TEXT NOT NULL CHECK (purpose IN ('setup', 'invitation', 'password_reset')),
    token_hash TEXT NOT NULL UNIQUE,
    user_id INTEGER REFERENCES users (id) ON DELETE CASCADE,
    email TEXT,
    name TEXT,
    role TEXT,
    created_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX one_time_tokens_purpose ON one_time_tokens (purpose, used_at);

CREATE TABLE formats (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    candidate_description TEXT NOT NULL,
    position INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE stage_kinds (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    candidate_description TEXT NOT NULL,
    default_format_id INTEGER NOT NULL REFERENCES formats (id),
    default_duration_minutes INTEGER NOT NULL CHECK (default_duration_minutes > 0),
    position INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE tracks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- Screening criteria and red flags of a track (kind tells which).
CREATE TABLE criteria (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    track_id INTEGER NOT NULL REFERENCES tracks (id) ON DELETE CASCADE,
    slug TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('criterion', 'red_flag')),
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    candidate_description TEXT NOT NULL,
    position INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (track_id, slug)
);

CREATE TABLE track_stage_kinds (
    track_id INTEGER NOT NULL REFERENCES tracks (id) ON DELETE CASCADE,
    stage_kind_id INTEGER NOT NULL REFERENCES stage_kinds (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    PRIMARY KEY (track_id, stage_kind_id)
);

CREATE TABLE track_formats (
    track_id INTEGER NOT NULL REFERENCES tracks (id) ON DELETE CASCADE,
    format_id INTEGER NOT NULL REFERENCES formats (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    PRIMARY KEY (track_id, format_id)
);

-- The criteria a stage kind suggests as its focus, per track.
CREATE TABLE stage_kind_focus (
    track_id INTEGER NOT NULL REFERENCES tracks (id) ON DELETE CASCADE,
    stage_kind_id INTEGER NOT NULL REFERENCES stage_kinds (id) ON DELETE CASCADE,
    criterion_id INTEGER NOT NULL REFERENCES criteria (id) ON DELETE CASCADE,
    PRIMARY KEY (track_id, stage_kind_id, criterion_id)
);

CREATE TABLE questions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    slug TEXT NOT NULL UNIQUE,
    category TEXT NOT NULL CHECK (category IN ('behavioural', 'technical', 'situational', 'competency', 'culture_fit')),
    prompt TEXT NOT NULL,
    why_asked TEXT NOT NULL,
    prep_pointers TEXT NOT NULL DEFAULT '[]',
    follow_ups TEXT NOT NULL DEFAULT '[]',
    suggested_minutes INTEGER NOT NULL CHECK (suggested_minutes > 0),
    version INTEGER NOT NULL DEFAULT 1,
    archived_at TIMESTAMP,
    created_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX questions_category ON questions (category);

-- Criteria a question probes and red flags it can surface.
CREATE TABLE question_criteria (
    question_id INTEGER NOT NULL REFERENCES questions (id) ON DELETE CASCADE,
    criterion_id INTEGER NOT NULL REFERENCES criteria (id) ON DELETE CASCADE,
    PRIMARY KEY (question_id, criterion_id)
);
CREATE INDEX question_criteria_criterion ON question_criteria (criterion_id);

CREATE TABLE question_stage_kinds (
    question_id INTEGER NOT NULL REFERENCES questions (id) ON DELETE CASCADE,
    stage_kind_id INTEGER NOT NULL REFERENCES stage_kinds (id) ON DELETE CASCADE,
    PRIMARY KEY (question_id, stage_kind_id)
);
CREATE INDEX question_stage_kinds_kind ON question_stage_kinds (stage_kind_id);

CREATE TABLE question_tracks (
    question_id INTEGER NOT NULL REFERENCES questions (id) ON DELETE CASCADE,
    track_id INTEGER NOT NULL REFERENCES tracks (id) ON DELETE CASCADE,
    PRIMARY KEY (question_id, track_id)
);
CREATE INDEX question_tracks_track ON question_tracks (track_id);

CREATE TABLE jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    track_id INTEGER NOT NULL REFERENCES tracks (id),
    title TEXT NOT NULL,
    team TEXT NOT NULL DEFAULT '',
    hiring_manager_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    created_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX jobs_hiring_manager ON jobs (hiring_manager_id);

-- A job's own copy of its track's criteria and red flags, editable per job.
CREATE TABLE job_criteria (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    source_criterion_id INTEGER REFERENCES criteria (id) ON DELETE SET NULL,
    kind TEXT NOT NULL CHECK (kind IN ('criterion', 'red_flag')),
    name TEXT NOT NULL,
    description TEXT NOT NULL,
    candidate_description TEXT NOT NULL DEFAULT '',
    position INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX job_criteria_job ON job_criteria (job_id, position);

CREATE TABLE candidates (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id INTEGER NOT NULL REFERENCES jobs (id),
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    notes TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'hired', 'rejected', 'withdrawn', 'on_hold')),
    time_zone TEXT,
    created_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX candidates_job_status ON candidates (job_id, status);
CREATE INDEX candidates_email ON candidates (email);

-- A job's template loop has no candidate; a candidate's loop is cloned from it.
CREATE TABLE loops (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id INTEGER NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    candidate_id INTEGER UNIQUE REFERENCES candidates (id) ON DELETE CASCADE,
    version INTEGER NOT NULL DEFAULT 1,
    source_loop_id INTEGER REFERENCES loops (id) ON DELETE SET NULL,
    source_version INTEGER,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX loops_one_template_per_job ON loops (job_id) WHERE candidate_id IS NULL;

-- The shape of every version of a loop, so a candidate's plan can be traced.
CREATE TABLE loop_revisions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    loop_id INTEGER NOT NULL REFERENCES loops (id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    snapshot TEXT NOT NULL,
    changed_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    summary TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    UNIQUE (loop_id, version)
);

CREATE TABLE stages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    loop_id INTEGER NOT NULL REFERENCES loops (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    stage_kind_id INTEGER NOT NULL REFERENCES stage_kinds (id),
    title TEXT NOT NULL,
    format_id INTEGER NOT NULL REFERENCES formats (id),
    duration_minutes INTEGER NOT NULL CHECK (duration_minutes > 0),
    starts_at TIMESTAMP,
    time_zone TEXT,
    location TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX stages_loop ON stages (loop_id, position);
CREATE INDEX stages_starts_at ON stages (starts_at);

CREATE TABLE stage_focus_criteria (
    stage_id INTEGER NOT NULL REFERENCES stages (id) ON DELETE CASCADE,
    job_criterion_id INTEGER NOT NULL REFERENCES job_criteria (id) ON DELETE CASCADE,
    PRIMARY KEY (stage_id, job_criterion_id)
);

CREATE TABLE stage_questions (
    stage_id INTEGER NOT NULL REFERENCES stages (id) ON DELETE CASCADE,
    question_id INTEGER NOT NULL REFERENCES questions (id),
    position INTEGER NOT NULL,
    question_version INTEGER NOT NULL DEFAULT 1,
    share_with_candidate BOOLEAN NOT NULL DEFAULT 0,
    PRIMARY KEY (stage_id, question_id)
);
CREATE INDEX stage_questions_question ON stage_questions (question_id);

CREATE TABLE stage_interviewers (
    stage_id INTEGER NOT NULL REFERENCES stages (id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users (id),
    PRIMARY KEY (stage_id, user_id)
);
CREATE INDEX stage_interviewers_user ON stage_interviewers (user_id);

CREATE TABLE scorecards (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    stage_id INTEGER NOT NULL REFERENCES stages (id) ON DELETE CASCADE,
    interviewer_id INTEGER NOT NULL REFERENCES users (id),
    status TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'submitted')),
    recommendation TEXT CHECK (recommendation IN ('strong_no', 'no', 'yes', 'strong_yes')),
    summary TEXT NOT NULL DEFAULT '',
    submitted_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (stage_id, interviewer_id)
);
CREATE INDEX scorecards_interviewer ON scorecards (interviewer_id, status);

CREATE TABLE scorecard_ratings (
    scorecard_id INTEGER NOT NULL REFERENCES scorecards (id) ON DELETE CASCADE,
    job_criterion_id INTEGER NOT NULL REFERENCES job_criteria (id) ON DELETE CASCADE,
    rating TEXT NOT NULL CHECK (rating IN ('strong_no', 'no', 'yes', 'strong_yes', 'no_signal')),
    evidence TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (scorecard_id, job_criterion_id)
);

CREATE TABLE scorecard_red_flags (
    scorecard_id INTEGER NOT NULL REFERENCES scorecards (id) ON DELETE CASCADE,
    job_criterion_id INTEGER NOT NULL REFERENCES job_criteria (id) ON DELETE CASCADE,
    observed BOOLEAN NOT NULL DEFAULT 0,
    evidence TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (scorecard_id, job_criterion_id)
);

CREATE TABLE scorecard_question_notes (
    scorecard_id INTEGER NOT NULL REFERENCES scorecards (id) ON DELETE CASCADE,
    question_id INTEGER NOT NULL REFERENCES questions (id),
    notes TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (scorecard_id, question_id)
);

-- A change to a submitted scorecard: kept beside the original, never overwriting it.
CREATE TABLE scorecard_amendments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    scorecard_id INTEGER NOT NULL REFERENCES scorecards (id) ON DELETE CASCADE,
    author_id INTEGER NOT NULL REFERENCES users (id),
    reason TEXT NOT NULL,
    before_snapshot TEXT NOT NULL,
    after_snapshot TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX scorecard_amendments_scorecard ON scorecard_amendments (scorecard_id);

-- Every version of a decision is a row; the newest is the decision.
CREATE TABLE decisions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    candidate_id INTEGER NOT NULL REFERENCES candidates (id) ON DELETE CASCADE,
    outcome TEXT NOT NULL CHECK (outcome IN ('hire', 'no_hire', 'hold')),
    rationale TEXT NOT NULL,
    criterion_ids TEXT NOT NULL DEFAULT '[]',
    decided_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX decisions_candidate ON decisions (candidate_id, id);

-- A row in 'sending' holds a lease until next_attempt_at; a crashed sender's
-- row becomes due again when the lease runs out.
CREATE TABLE outbox_messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    idempotency_key TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    recipient_email TEXT NOT NULL,
    recipient_name TEXT NOT NULL DEFAULT '',
    subject TEXT NOT NULL,
    text_body TEXT NOT NULL,
    html_body TEXT NOT NULL,
    attachments TEXT NOT NULL DEFAULT '[]',
    candidate_id INTEGER REFERENCES candidates (id) ON DELETE SET NULL,
    status TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sending', 'sent', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    last_error TEXT,
    sent_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX outbox_due ON outbox_messages (status, next_attempt_at);
CREATE INDEX outbox_candidate ON outbox_messages (candidate_id);

CREATE TABLE audit_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    actor_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    action TEXT NOT NULL,
    subject_type TEXT NOT NULL,
    subject_id INTEGER,
    details TEXT NOT NULL DEFAULT '{}',
    ip TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX audit_events_created ON audit_events (created_at);
CREATE INDEX audit_events_subject ON audit_events (subject_type, subject_id);
