//! Access requests: everything held about one candidate as one JSON
//! document, for admins and recruiters (`ExportCandidate`).

use crate::db::prelude::*;
use chrono::NaiveDateTime;
use serde::Serialize;

use crate::access::{self, Action, Target};
use crate::db::DbConn;
use crate::db::models::User;
use crate::db::schema::{
    audit_events, calendar_events, candidates, decisions, jobs, loops, outbox_messages,
    scorecard_question_notes, scorecards, stages, users,
};
use crate::domain::when::iso;
use crate::error::AppError;

/// The whole document. Times are RFC 3339 (UTC).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CandidateExport {
    pub exported_at: String,
    pub candidate: ExportedCandidate,
    /// The stages of their loop, in order.
    pub stages: Vec<ExportedStage>,
    pub scorecards: Vec<ExportedScorecard>,
    pub decisions: Vec<ExportedDecision>,
    /// Every email written to them, as kept in the outbox.
    pub emails: Vec<ExportedEmail>,
    pub calendar_events: Vec<ExportedCalendarEvent>,
    /// What was recorded about them in the audit log.
    pub audit_events: Vec<ExportedAuditEvent>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ExportedCandidate {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub notes: String,
    pub status: String,
    pub time_zone: Option<String>,
    pub job_id: i64,
    pub job_title: String,
    pub created_at: String,
    pub updated_at: String,
    /// Set once their data was erased.
    pub erased_at: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ExportedStage {
    pub id: i64,
    pub position: i64,
    pub title: String,
    pub duration_minutes: i64,
    pub starts_at: Option<String>,
    pub time_zone: Option<String>,
    pub location: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ExportedScorecard {
    pub id: i64,
    pub stage_id: i64,
    pub interviewer: String,
    pub status: String,
    pub recommendation: Option<String>,
    pub summary: String,
    pub submitted_at: Option<String>,
    pub ratings: Vec<ExportedRating>,
    pub red_flags: Vec<ExportedRedFlag>,
    pub question_notes: Vec<ExportedNote>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ExportedRating {
    pub criterion: String,
    pub rating: Option<String>,
    pub evidence: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ExportedRedFlag {
    pub red_flag: String,
    pub observed: Option<bool>,
    pub evidence: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ExportedNote {
    pub question_id: i64,
    pub notes: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ExportedDecision {
    pub outcome: String,
    pub rationale: String,
    pub decided_at: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ExportedEmail {
    pub id: i64,
    pub kind: String,
    pub recipient_email: String,
    pub recipient_name: String,
    pub subject: String,
    pub text_body: String,
    pub status: String,
    pub created_at: String,
    pub sent_at: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ExportedCalendarEvent {
    pub uid: String,
    pub starts_at: String,
    pub ends_at: String,
    pub summary: String,
    pub location: Option<String>,
    pub cancelled: bool,
    pub sent_at: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ExportedAuditEvent {
    pub at: String,
    pub kind: String,
    pub details: serde_json::Value,
}

type CandidateRow = (
    i64,
    String,
    String,
    String,
    String,
    Option<String>,
    i64,
    String,
    NaiveDateTime,
    NaiveDateTime,
    Option<NaiveDateTime>,
);

/// Everything held about candidate `id`; 404 for a candidate the person may
/// not know of, 403 for a role that may not export. A bounded number of
/// queries, whatever the amount of data.
pub fn export_candidate(
    conn: &mut DbConn,
    actor: &User,
    id: i64,
    at: NaiveDateTime,
) -> Result<CandidateExport, AppError> {
    access::ensure(conn, actor, Action::ExportCandidate, Target::Candidate(id))?;
    let c: CandidateRow = candidates::table
        .inner_join(jobs::table)
        .filter(candidates::id.eq(id))
        .select((
            candidates::id,
            candidates::name,
            candidates::email,
            candidates::notes,
            candidates::status,
            candidates::time_zone,
            candidates::job_id,
            jobs::title,
            candidates::created_at,
            candidates::updated_at,
            candidates::erased_at,
        ))
        .first(conn)?;
    let loop_ids: Vec<i64> = loops::table
        .filter(loops::candidate_id.eq(id))
        .select(loops::id)
        .load(conn)?;
    type StageRow = (
        i64,
        i64,
        String,
        i64,
        Option<NaiveDateTime>,
        Option<String>,
        Option<String>,
    );
    let stage_rows: Vec<StageRow> = stages::table
        .filter(stages::loop_id.eq_any(&loop_ids))
        .order(stages::position)
        .select((
            stages::id,
            stages::position,
            stages::title,
            stages::duration_minutes,
            stages::starts_at,
            stages::time_zone,
            stages::location,
        ))
        .load(conn)?;
    let stage_ids: Vec<i64> = stage_rows.iter().map(|s| s.0).collect();
    type CardRow = (
        i64,
        i64,
        String,
        String,
        Option<String>,
        String,
        Option<NaiveDateTime>,
    );
    let cards: Vec<CardRow> = scorecards::table
        .inner_join(users::table)
        .filter(scorecards::stage_id.eq_any(&stage_ids))
        .order(scorecards::id)
        .select((
            scorecards::id,
            scorecards::stage_id,
            users::name,
            scorecards::status,
            scorecards::recommendation,
            scorecards::summary,
            scorecards::submitted_at,
        ))
        .load(conn)?;
    let card_ids: Vec<i64> = cards.iter().map(|c| c.0).collect();
    let (ratings, flags) = crate::interviews::answers::named_answers(conn, &card_ids)?;
    let notes: Vec<(i64, i64, String)> = scorecard_question_notes::table
        .filter(scorecard_question_notes::scorecard_id.eq_any(&card_ids))
        .select((
            scorecard_question_notes::scorecard_id,
            scorecard_question_notes::question_id,
            scorecard_question_notes::notes,
        ))
        .load(conn)?;
    let decision_rows: Vec<(String, String, NaiveDateTime)> = decisions::table
        .filter(decisions::candidate_id.eq(id))
        .order(decisions::id)
        .select((
            decisions::outcome,
            decisions::rationale,
            decisions::created_at,
        ))
        .load(conn)?;
    type EmailRow = (
        i64,
        String,
        String,
        String,
        String,
        String,
        String,
        NaiveDateTime,
        Option<NaiveDateTime>,
    );
    let emails: Vec<EmailRow> = outbox_messages::table
        .filter(
            outbox_messages::candidate_id
                .eq(id)
                .or(outbox_messages::recipient_email.eq(&c.2)),
        )
        .order(outbox_messages::id)
        .select((
            outbox_messages::id,
            outbox_messages::kind,
            outbox_messages::recipient_email,
            outbox_messages::recipient_name,
            outbox_messages::subject,
            outbox_messages::text_body,
            outbox_messages::status,
            outbox_messages::created_at,
            outbox_messages::sent_at,
        ))
        .load(conn)?;
    type EventRow = (
        String,
        NaiveDateTime,
        NaiveDateTime,
        String,
        Option<String>,
        bool,
        NaiveDateTime,
    );
    let events: Vec<EventRow> = calendar_events::table
        .filter(calendar_events::candidate_id.eq(id))
        .order(calendar_events::id)
        .select((
            calendar_events::uid,
            calendar_events::starts_at,
            calendar_events::ends_at,
            calendar_events::summary,
            calendar_events::location,
            calendar_events::cancelled,
            calendar_events::sent_at,
        ))
        .load(conn)?;
    let audits: Vec<(NaiveDateTime, String, String)> = audit_events::table
        .filter(audit_events::subject_type.eq("candidate"))
        .filter(audit_events::subject_id.eq(id))
        .order(audit_events::id)
        .select((
            audit_events::created_at,
            audit_events::action,
            audit_events::details,
        ))
        .load(conn)?;

    Ok(CandidateExport {
        exported_at: iso(at),
        candidate: ExportedCandidate {
            id: c.0,
            name: c.1,
            email: c.2,
            notes: c.3,
            status: c.4,
            time_zone: c.5,
            job_id: c.6,
            job_title: c.7,
            created_at: iso(c.8),
            updated_at: iso(c.9),
            erased_at: c.10.map(iso),
        },
        stages: stage_rows
            .into_iter()
            .map(|s| ExportedStage {
                id: s.0,
                position: s.1,
                title: s.2,
                duration_minutes: s.3,
                starts_at: s.4.map(iso),
                time_zone: s.5,
                location: s.6,
            })
            .collect(),
        scorecards: cards
            .into_iter()
            .map(|card| ExportedScorecard {
                ratings: ratings
                    .iter()
                    .filter(|r| r.scorecard_id == card.0)
                    .map(|r| ExportedRating {
                        criterion: r.criterion.clone(),
                        rating: r.rating.clone(),
                        evidence: r.evidence.clone(),
                    })
                    .collect(),
                red_flags: flags
                    .iter()
                    .filter(|f| f.scorecard_id == card.0)
                    .map(|f| ExportedRedFlag {
                        red_flag: f.red_flag.clone(),
                        observed: f.observed,
                        evidence: f.evidence.clone(),
                    })
                    .collect(),
                question_notes: notes
                    .iter()
                    .filter(|n| n.0 == card.0)
                    .map(|n| ExportedNote {
                        question_id: n.1,
                        notes: n.2.clone(),
                    })
                    .collect(),
                id: card.0,
                stage_id: card.1,
                interviewer: card.2,
                status: card.3,
                recommendation: card.4,
                summary: card.5,
                submitted_at: card.6.map(iso),
            })
            .collect(),
        decisions: decision_rows
            .into_iter()
            .map(|(outcome, rationale, at)| ExportedDecision {
                outcome,
                rationale,
                decided_at: iso(at),
            })
            .collect(),
        emails: emails
            .into_iter()
            .map(|e| ExportedEmail {
                id: e.0,
                kind: e.1,
                recipient_email: e.2,
                recipient_name: e.3,
                subject: e.4,
                text_body: e.5,
                status: e.6,
                created_at: iso(e.7),
                sent_at: e.8.map(iso),
            })
            .collect(),
        calendar_events: events
            .into_iter()
            .map(|e| ExportedCalendarEvent {
                uid: e.0,
                starts_at: iso(e.1),
                ends_at: iso(e.2),
                summary: e.3,
                location: e.4,
                cancelled: e.5,
                sent_at: iso(e.6),
            })
            .collect(),
        audit_events: audits
            .into_iter()
            .map(|(at, kind, details)| ExportedAuditEvent {
                at: iso(at),
                kind,
                details: serde_json::from_str(&details)
                    .unwrap_or(serde_json::Value::String(details)),
            })
            .collect(),
    })
}

/// `GET /api/v1/candidates/{id}/export`: the [`CandidateExport`] document,
/// as a download named `candidate-<id>.json`.
#[utoipa::path(get, path = "/api/v1/candidates/{id}/export", params(("id" = i64, Path, description = "The candidate's id")), operation_id = "export_candidate",
    summary = "Everything stored about a candidate, as a JSON download",
    responses((status = 200, description = "The export.", body = CandidateExport)))]
pub async fn api_export(
    state: crate::web::State,
    me: crate::auth::CurrentUser,
    id: actix_web::web::Path<i64>,
) -> Result<actix_web::HttpResponse, AppError> {
    let (user, id) = (me.user.clone(), id.into_inner());
    let document = crate::web::db(&state, move |conn| {
        export_candidate(conn, &user, id, crate::db::models::now())
    })
    .await?;
    Ok(actix_web::HttpResponse::Ok()
        .insert_header((
            actix_web::http::header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"candidate-{id}.json\""),
        ))
        .json(document))
}
