// The diesel schema for both backends, kept in step with migrations/sqlite and migrations/postgres.
// Ids are BigInt on both backends (SQLite INTEGER is 64-bit).

diesel::table! {
    users (id) {
        id -> BigInt,
        email -> Text,
        name -> Text,
        role -> Text,
        password_hash -> Nullable<Text>,
        active -> Bool,
        token_version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        time_zone -> Nullable<Text>,
    }
}

diesel::table! {
    one_time_tokens (id) {
        id -> BigInt,
        purpose -> Text,
        token_hash -> Text,
        user_id -> Nullable<BigInt>,
        email -> Nullable<Text>,
        name -> Nullable<Text>,
        role -> Nullable<Text>,
        created_by -> Nullable<BigInt>,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    formats (id) {
        id -> BigInt,
        slug -> Text,
        name -> Text,
        description -> Text,
        candidate_description -> Text,
        position -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        candidate_prep -> Text,
    }
}

diesel::table! {
    stage_kinds (id) {
        id -> BigInt,
        slug -> Text,
        name -> Text,
        description -> Text,
        candidate_description -> Text,
        default_format_id -> BigInt,
        default_duration_minutes -> BigInt,
        position -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        candidate_prep -> Text,
    }
}

diesel::table! {
    tracks (id) {
        id -> BigInt,
        slug -> Text,
        name -> Text,
        description -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    criteria (id) {
        id -> BigInt,
        track_id -> BigInt,
        slug -> Text,
        kind -> Text,
        name -> Text,
        description -> Text,
        candidate_description -> Text,
        position -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    track_stage_kinds (track_id,stage_kind_id) {
        track_id -> BigInt,
        stage_kind_id -> BigInt,
        position -> BigInt,
    }
}

diesel::table! {
    track_formats (track_id,format_id) {
        track_id -> BigInt,
        format_id -> BigInt,
        position -> BigInt,
    }
}

diesel::table! {
    stage_kind_focus (track_id,stage_kind_id,criterion_id) {
        track_id -> BigInt,
        stage_kind_id -> BigInt,
        criterion_id -> BigInt,
    }
}

diesel::table! {
    questions (id) {
        id -> BigInt,
        slug -> Text,
        category -> Text,
        prompt -> Text,
        why_asked -> Text,
        prep_pointers -> Text,
        follow_ups -> Text,
        suggested_minutes -> BigInt,
        version -> BigInt,
        archived_at -> Nullable<Timestamp>,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    question_criteria (question_id,criterion_id) {
        question_id -> BigInt,
        criterion_id -> BigInt,
    }
}

diesel::table! {
    question_stage_kinds (question_id,stage_kind_id) {
        question_id -> BigInt,
        stage_kind_id -> BigInt,
    }
}

diesel::table! {
    question_tracks (question_id,track_id) {
        question_id -> BigInt,
        track_id -> BigInt,
    }
}

diesel::table! {
    jobs (id) {
        id -> BigInt,
        track_id -> BigInt,
        title -> Text,
        team -> Text,
        hiring_manager_id -> Nullable<BigInt>,
        status -> Text,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    job_criteria (id) {
        id -> BigInt,
        job_id -> BigInt,
        source_criterion_id -> Nullable<BigInt>,
        kind -> Text,
        name -> Text,
        description -> Text,
        candidate_description -> Text,
        position -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    candidates (id) {
        id -> BigInt,
        job_id -> BigInt,
        name -> Text,
        email -> Text,
        notes -> Text,
        status -> Text,
        time_zone -> Nullable<Text>,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        erased_at -> Nullable<Timestamp>,
        ended_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    loops (id) {
        id -> BigInt,
        job_id -> BigInt,
        candidate_id -> Nullable<BigInt>,
        version -> BigInt,
        source_loop_id -> Nullable<BigInt>,
        source_version -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        assigned_interviewers -> Integer,
        submitted_scorecards -> Integer,
    }
}

diesel::table! {
    loop_revisions (id) {
        id -> BigInt,
        loop_id -> BigInt,
        version -> BigInt,
        snapshot -> Text,
        changed_by -> Nullable<BigInt>,
        summary -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    stages (id) {
        id -> BigInt,
        loop_id -> BigInt,
        position -> BigInt,
        stage_kind_id -> BigInt,
        title -> Text,
        format_id -> BigInt,
        duration_minutes -> BigInt,
        starts_at -> Nullable<Timestamp>,
        time_zone -> Nullable<Text>,
        location -> Nullable<Text>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        assigned_interviewers -> Integer,
        submitted_scorecards -> Integer,
    }
}

diesel::table! {
    stage_focus_criteria (stage_id,job_criterion_id) {
        stage_id -> BigInt,
        job_criterion_id -> BigInt,
    }
}

diesel::table! {
    stage_questions (stage_id,question_id) {
        stage_id -> BigInt,
        question_id -> BigInt,
        position -> BigInt,
        question_version -> BigInt,
        share_with_candidate -> Bool,
    }
}

diesel::table! {
    stage_interviewers (stage_id,user_id) {
        stage_id -> BigInt,
        user_id -> BigInt,
        starts_at -> Nullable<Timestamp>,
        scorecard_submitted -> Bool,
        candidate_in_process -> Bool,
    }
}

diesel::table! {
    scorecards (id) {
        id -> BigInt,
        stage_id -> BigInt,
        interviewer_id -> BigInt,
        status -> Text,
        recommendation -> Nullable<Text>,
        summary -> Text,
        submitted_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    scorecard_ratings (scorecard_id,job_criterion_id) {
        scorecard_id -> BigInt,
        job_criterion_id -> BigInt,
        rating -> Nullable<Text>,
        evidence -> Text,
    }
}

diesel::table! {
    scorecard_red_flags (scorecard_id,job_criterion_id) {
        scorecard_id -> BigInt,
        job_criterion_id -> BigInt,
        observed -> Nullable<Bool>,
        evidence -> Text,
    }
}

diesel::table! {
    scorecard_question_notes (scorecard_id,question_id) {
        scorecard_id -> BigInt,
        question_id -> BigInt,
        notes -> Text,
    }
}

diesel::table! {
    scorecard_amendments (id) {
        id -> BigInt,
        scorecard_id -> BigInt,
        author_id -> BigInt,
        reason -> Text,
        before_snapshot -> Text,
        after_snapshot -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    decisions (id) {
        id -> BigInt,
        candidate_id -> BigInt,
        outcome -> Text,
        rationale -> Text,
        criterion_ids -> Text,
        decided_by -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    outbox_messages (id) {
        id -> BigInt,
        idempotency_key -> Text,
        kind -> Text,
        recipient_email -> Text,
        recipient_name -> Text,
        subject -> Text,
        text_body -> Text,
        html_body -> Text,
        attachments -> Text,
        candidate_id -> Nullable<BigInt>,
        status -> Text,
        attempts -> BigInt,
        next_attempt_at -> Timestamp,
        last_error -> Nullable<Text>,
        sent_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    audit_events (id) {
        id -> BigInt,
        actor_id -> Nullable<BigInt>,
        action -> Text,
        subject_type -> Text,
        subject_id -> Nullable<BigInt>,
        details -> Text,
        ip -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    sign_in_failures (id) {
        id -> BigInt,
        email -> Text,
        ip -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    password_reset_requests (id) {
        id -> BigInt,
        email -> Text,
        ip -> Text,
        created_at -> Timestamp,
        handled_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    bank_texts (key) {
        key -> Text,
        value -> Text,
    }
}

diesel::table! {
    question_revisions (id) {
        id -> BigInt,
        question_id -> BigInt,
        version -> BigInt,
        snapshot -> Text,
        changed_by -> Nullable<BigInt>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    calendar_events (id) {
        id -> BigInt,
        candidate_id -> BigInt,
        stage_id -> BigInt,
        uid -> Text,
        sequence -> BigInt,
        starts_at -> Timestamp,
        ends_at -> Timestamp,
        summary -> Text,
        location -> Nullable<Text>,
        cancelled -> Bool,
        sent_at -> Timestamp,
    }
}

diesel::table! {
    personal_access_tokens (id) {
        id -> BigInt,
        user_id -> BigInt,
        name -> Text,
        scope -> Text,
        token_hash -> Text,
        hint -> Text,
        expires_at -> Nullable<Timestamp>,
        last_used_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::joinable!(personal_access_tokens -> users (user_id));
diesel::joinable!(question_revisions -> questions (question_id));
diesel::table! {
    sso_identities (id) {
        id -> BigInt,
        user_id -> BigInt,
        issuer -> Text,
        subject -> Text,
        email -> Text,
        created_at -> Timestamp,
        last_sign_in_at -> Timestamp,
    }
}

diesel::table! {
    sso_flows (id) {
        id -> BigInt,
        state_hash -> Text,
        nonce -> Text,
        pkce_verifier -> Text,
        next -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::joinable!(one_time_tokens -> users (user_id));
diesel::joinable!(stage_kinds -> formats (default_format_id));
diesel::joinable!(criteria -> tracks (track_id));
diesel::joinable!(track_stage_kinds -> tracks (track_id));
diesel::joinable!(track_stage_kinds -> stage_kinds (stage_kind_id));
diesel::joinable!(track_formats -> tracks (track_id));
diesel::joinable!(track_formats -> formats (format_id));
diesel::joinable!(stage_kind_focus -> tracks (track_id));
diesel::joinable!(stage_kind_focus -> stage_kinds (stage_kind_id));
diesel::joinable!(stage_kind_focus -> criteria (criterion_id));
diesel::joinable!(questions -> users (created_by));
diesel::joinable!(question_criteria -> questions (question_id));
diesel::joinable!(question_criteria -> criteria (criterion_id));
diesel::joinable!(question_stage_kinds -> questions (question_id));
diesel::joinable!(question_stage_kinds -> stage_kinds (stage_kind_id));
diesel::joinable!(question_tracks -> questions (question_id));
diesel::joinable!(question_tracks -> tracks (track_id));
diesel::joinable!(jobs -> tracks (track_id));
diesel::joinable!(jobs -> users (hiring_manager_id));
diesel::joinable!(job_criteria -> jobs (job_id));
diesel::joinable!(job_criteria -> criteria (source_criterion_id));
diesel::joinable!(candidates -> jobs (job_id));
diesel::joinable!(candidates -> users (created_by));
diesel::joinable!(loops -> jobs (job_id));
diesel::joinable!(loops -> candidates (candidate_id));
diesel::joinable!(loop_revisions -> loops (loop_id));
diesel::joinable!(loop_revisions -> users (changed_by));
diesel::joinable!(stages -> loops (loop_id));
diesel::joinable!(stages -> stage_kinds (stage_kind_id));
diesel::joinable!(stages -> formats (format_id));
diesel::joinable!(stage_focus_criteria -> stages (stage_id));
diesel::joinable!(stage_focus_criteria -> job_criteria (job_criterion_id));
diesel::joinable!(stage_questions -> stages (stage_id));
diesel::joinable!(stage_questions -> questions (question_id));
diesel::joinable!(stage_interviewers -> stages (stage_id));
diesel::joinable!(stage_interviewers -> users (user_id));
diesel::joinable!(scorecards -> stages (stage_id));
diesel::joinable!(scorecards -> users (interviewer_id));
diesel::joinable!(scorecard_ratings -> scorecards (scorecard_id));
diesel::joinable!(scorecard_ratings -> job_criteria (job_criterion_id));
diesel::joinable!(scorecard_red_flags -> scorecards (scorecard_id));
diesel::joinable!(scorecard_red_flags -> job_criteria (job_criterion_id));
diesel::joinable!(scorecard_question_notes -> scorecards (scorecard_id));
diesel::joinable!(scorecard_question_notes -> questions (question_id));
diesel::joinable!(scorecard_amendments -> scorecards (scorecard_id));
diesel::joinable!(scorecard_amendments -> users (author_id));
diesel::joinable!(decisions -> candidates (candidate_id));
diesel::joinable!(decisions -> users (decided_by));
diesel::joinable!(outbox_messages -> candidates (candidate_id));
diesel::joinable!(calendar_events -> candidates (candidate_id));
diesel::joinable!(audit_events -> users (actor_id));
diesel::joinable!(sso_identities -> users (user_id));

diesel::table! {
    interviewer_seats (user_id) {
        user_id -> BigInt,
        seats -> BigInt,
    }
}

diesel::allow_tables_to_appear_in_same_query!(
    users,
    one_time_tokens,
    formats,
    stage_kinds,
    tracks,
    criteria,
    track_stage_kinds,
    track_formats,
    stage_kind_focus,
    questions,
    question_criteria,
    question_stage_kinds,
    question_tracks,
    jobs,
    job_criteria,
    candidates,
    loops,
    loop_revisions,
    stages,
    stage_focus_criteria,
    stage_questions,
    stage_interviewers,
    scorecards,
    scorecard_ratings,
    scorecard_red_flags,
    scorecard_question_notes,
    scorecard_amendments,
    decisions,
    outbox_messages,
    audit_events,
    sign_in_failures,
    password_reset_requests,
    bank_texts,
    question_revisions,
    calendar_events,
    sso_identities,
    sso_flows,
    personal_access_tokens,
);

// The webhook tables, declared in a file of their own.
pub use super::webhook_schema::{webhook_attempts, webhook_deliveries, webhooks};
