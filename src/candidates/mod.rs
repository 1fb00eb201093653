//! Candidates: put on a job (their loop cloned from its template), listed,
//! and moved through their status.

mod api;
pub mod calendar;
mod candidate_page;
pub(crate) use candidate_page::web_link;
pub mod erasure;
pub mod export;
pub mod file;
mod listing;
pub(crate) use listing::candidate_view_of;
pub use listing::{candidates_for, other_candidacies};
mod pages;
pub mod prep_pack;
pub mod schedule;

use crate::db::prelude::*;
use actix_web::web;
use chrono::NaiveDateTime;
use serde::Serialize;
use serde_json::json;

use crate::access::{self, Action, Target};
use crate::db::DbConn;
use crate::db::models::{AuditEvent, User, now};
use crate::db::schema::{
    candidates, loops, stage_focus_criteria, stage_interviewers, stage_questions, stages,
};
use crate::db::write_transaction;
use crate::domain::CandidateStatus;
use crate::error::AppError;
use crate::loops::insert_stage;
use crate::loops::revisions::record_revision;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CandidateView {
    pub id: i64,
    pub job_id: i64,
    pub job_title: String,
    pub name: String,
    pub email: String,
    pub notes: String,
    pub status: CandidateStatus,
    pub time_zone: Option<String>,
    pub loop_id: Option<i64>,
    /// The template version the candidate's loop was cloned from.
    pub template_version: Option<i64>,
}

pub struct NewCandidate {
    pub job_id: i64,
    pub name: crate::domain::PersonName,
    pub email: crate::domain::EmailAddress,
    pub notes: String,
}

/// A new candidate as a person typed it, from the page's form or the API's
/// JSON alike; [`CandidateInput::parse`] checks it once for both.
#[derive(Debug, Default, serde::Deserialize, utoipa::ToSchema)]
#[schema(description = "A new candidate: creating one clones the job's template loop.")]
pub struct CandidateInput {
    #[serde(default)]
    #[schema(required = true)]
    pub name: String,
    #[serde(default)]
    #[schema(required = true)]
    pub email: String,
    #[serde(default, deserialize_with = "crate::web::form::id_or_blank")]
    #[schema(required = true, nullable = false)]
    pub job_id: Option<i64>,
    #[serde(default)]
    pub notes: String,
}

impl CandidateInput {
    /// The candidate, or every field's error at once, named as the form
    /// and the API name them. (The notes' length and whether the job may
    /// take candidates are the service's to say.)
    pub fn parse(self) -> Result<NewCandidate, Vec<(&'static str, String)>> {
        let mut errors = Vec::new();
        let name = crate::domain::PersonName::parse(&self.name)
            .map_err(|e| errors.push(("name", e.0)))
            .ok();
        let email = crate::domain::EmailAddress::parse(&self.email)
            .map_err(|e| errors.push(("email", e.0)))
            .ok();
        if self.job_id.is_none() {
            errors.push(("job_id", "Choose a job.".to_owned()));
        }
        match (name, email, self.job_id) {
            (Some(name), Some(email), Some(job_id)) => Ok(NewCandidate {
                job_id,
                name,
                email,
                notes: self.notes,
            }),
            _ => Err(errors),
        }
    }
}

/// Adds a candidate and gives them a deep copy of the job's template loop as
/// it is now: their own stages, focus, interviewers and questions (at the
/// versions the template pulled), recording the template version.
pub fn create_candidate(
    conn: &mut DbConn,
    actor: &User,
    new: NewCandidate,
) -> Result<i64, AppError> {
    access::require(actor, Action::ListCandidates)?;
    access::ensure(conn, actor, Action::AddCandidate, Target::Job(new.job_id)).map_err(
        |e| match e {
            AppError::NotFound => AppError::field("job_id", "Choose a job."),
            e => e,
        },
    )?;
    if new.notes.chars().count() > 5000 {
        return Err(AppError::field(
            "notes",
            "Keep notes under 5000 characters.",
        ));
    }
    write_transaction(conn, |conn| {
        refuse_duplicate(conn, new.job_id, &new.email, None)?;
        let at = now();
        let template: Option<(i64, i64)> = loops::table
            .filter(loops::job_id.eq(new.job_id))
            .filter(loops::candidate_id.is_null())
            .select((loops::id, loops::version))
            .first(conn)
            .optional()?;
        let (template_id, template_version) =
            template.ok_or_else(|| AppError::field("job_id", "Choose a job."))?;
        let candidate_id: i64 = diesel::insert_into(candidates::table)
            .values((
                candidates::job_id.eq(new.job_id),
                candidates::name.eq(new.name.as_str()),
                candidates::email.eq(new.email.as_str()),
                candidates::notes.eq(new.notes.trim()),
                candidates::status.eq(CandidateStatus::Active),
                candidates::created_by.eq(actor.id),
                candidates::created_at.eq(at),
                candidates::updated_at.eq(at),
            ))
            .returning(candidates::id)
            .get_result(conn)?;
        let loop_id: i64 = diesel::insert_into(loops::table)
            .values((
                loops::job_id.eq(new.job_id),
                loops::candidate_id.eq(candidate_id),
                loops::version.eq(1),
                loops::source_loop_id.eq(template_id),
                loops::source_version.eq(template_version),
                loops::created_at.eq(at),
                loops::updated_at.eq(at),
            ))
            .returning(loops::id)
            .get_result(conn)?;
        copy_stages(conn, template_id, loop_id, at)?;
        record_revision(
            conn,
            loop_id,
            1,
            Some(actor.id),
            &format!("cloned from template version {template_version}"),
        )?;
        AuditEvent::record(
            conn,
            Some(actor.id),
            "candidate.created",
            ("candidate", Some(candidate_id)),
            json!({"job_id": new.job_id, "template_version": template_version}),
        )?;
        crate::webhooks::events::candidate_created(conn, candidate_id, at)?;
        Ok(candidate_id)
    })
}

/// Copies every stage of one loop into another, with its links.
fn copy_stages(conn: &mut DbConn, from: i64, to: i64, at: NaiveDateTime) -> Result<(), AppError> {
    type StageRow = (i64, i64, i64, String, i64, i64, Option<String>);
    let rows: Vec<StageRow> = stages::table
        .filter(stages::loop_id.eq(from))
        .order(stages::position)
        .select((
            stages::id,
            stages::position,
            stages::stage_kind_id,
            stages::title,
            stages::format_id,
            stages::duration_minutes,
            stages::location,
        ))
        .load(conn)?;
    let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
    let focus: Vec<(i64, i64)> = stage_focus_criteria::table
        .filter(stage_focus_criteria::stage_id.eq_any(&ids))
        .select((
            stage_focus_criteria::stage_id,
            stage_focus_criteria::job_criterion_id,
        ))
        .load(conn)?;
    let people: Vec<(i64, i64)> = stage_interviewers::table
        .filter(stage_interviewers::stage_id.eq_any(&ids))
        .select((stage_interviewers::stage_id, stage_interviewers::user_id))
        .load(conn)?;
    let pulled: Vec<(i64, i64, i64, i64, bool)> = stage_questions::table
        .filter(stage_questions::stage_id.eq_any(&ids))
        .select((
            stage_questions::stage_id,
            stage_questions::question_id,
            stage_questions::position,
            stage_questions::question_version,
            stage_questions::share_with_candidate,
        ))
        .load(conn)?;
    for (old_id, position, kind_id, title, format_id, minutes, location) in rows {
        let focus_ids: Vec<i64> = focus
            .iter()
            .filter(|(s, _)| *s == old_id)
            .map(|(_, c)| *c)
            .collect();
        let new_id = insert_stage(
            conn, to, position, kind_id, &title, format_id, minutes, &focus_ids, at,
        )?;
        diesel::update(stages::table.find(new_id))
            .set(stages::location.eq(location))
            .execute(conn)?;
        for (_, user_id) in people.iter().filter(|(s, _)| *s == old_id) {
            diesel::insert_into(stage_interviewers::table)
                .values((
                    stage_interviewers::stage_id.eq(new_id),
                    stage_interviewers::user_id.eq(user_id),
                ))
                .execute(conn)?;
        }
        for (_, question_id, position, version, share) in pulled.iter().filter(|p| p.0 == old_id) {
            diesel::insert_into(stage_questions::table)
                .values((
                    stage_questions::stage_id.eq(new_id),
                    stage_questions::question_id.eq(question_id),
                    stage_questions::position.eq(position),
                    stage_questions::question_version.eq(version),
                    stage_questions::share_with_candidate.eq(share),
                ))
                .execute(conn)?;
        }
    }
    Ok(())
}

/// A candidate, for whoever may see them (`ManageCandidate`; 404 to others).
pub fn candidate(conn: &mut DbConn, actor: &User, id: i64) -> Result<CandidateView, AppError> {
    access::ensure(conn, actor, Action::ManageCandidate, Target::Candidate(id))?;
    candidate_view_of(conn, id)
}

/// A candidate and their loop, for whoever may see them (`ManageCandidate`).
pub fn with_loop(
    conn: &mut DbConn,
    actor: &User,
    id: i64,
) -> Result<(CandidateView, crate::loops::LoopView), AppError> {
    access::ensure(conn, actor, Action::ManageCandidate, Target::Candidate(id))?;
    let candidate = candidate_view_of(conn, id)?;
    let shape = crate::loops::load_loop(conn, candidate.loop_id.ok_or(AppError::NotFound)?)?;
    Ok((candidate, shape))
}

#[derive(Debug, Default)]
pub struct CandidateChanges {
    pub name: Option<crate::domain::PersonName>,
    pub email: Option<crate::domain::EmailAddress>,
    pub notes: Option<String>,
    pub status: Option<String>,
}

/// Why an erased candidate's name, email and notes cannot be set again:
/// erasure is for good, and the record stays only for its ratings.
pub const ERASED_STAYS_ERASED: &str = "This candidate's personal data was erased: their name, email and notes cannot be set again. Add them as a new candidate if they apply again.";

/// Changes a candidate; 409 for a name, email or notes on an erased one.
pub fn update_candidate(
    conn: &mut DbConn,
    actor: &User,
    id: i64,
    changes: CandidateChanges,
) -> Result<CandidateView, AppError> {
    let scope = access::ensure(conn, actor, Action::ManageCandidate, Target::Candidate(id))?;
    let status = changes
        .status
        .as_deref()
        .map(str::parse::<CandidateStatus>)
        .transpose()
        .map_err(|e| AppError::field("status", e.0))?;
    if changes
        .notes
        .as_ref()
        .is_some_and(|n| n.chars().count() > 5000)
    {
        return Err(AppError::field(
            "notes",
            "Keep notes under 5000 characters.",
        ));
    }
    write_transaction(conn, |conn| {
        let personal = changes.name.is_some() || changes.email.is_some() || changes.notes.is_some();
        if personal && erasure::is_erased(conn, id)? {
            return Err(AppError::Conflict(ERASED_STAYS_ERASED.into()));
        }
        if let (Some(email), Some(job_id)) = (&changes.email, scope.job_id) {
            refuse_duplicate(conn, job_id, email, Some(id))?;
        }
        let at = now();
        if let Some(name) = &changes.name {
            diesel::update(candidates::table.find(id))
                .set(candidates::name.eq(name.as_str()))
                .execute(conn)?;
        }
        if let Some(email) = &changes.email {
            diesel::update(candidates::table.find(id))
                .set(candidates::email.eq(email.as_str()))
                .execute(conn)?;
        }
        if let Some(notes) = &changes.notes {
            diesel::update(candidates::table.find(id))
                .set(candidates::notes.eq(notes.trim()))
                .execute(conn)?;
        }
        if let Some(status) = status {
            diesel::update(candidates::table.find(id))
                .set((
                    candidates::status.eq(status),
                    candidates::ended_at.eq(status.ended_at(at)),
                ))
                .execute(conn)?;
        }
        diesel::update(candidates::table.find(id))
            .set(candidates::updated_at.eq(at))
            .execute(conn)?;
        AuditEvent::record(
            conn,
            Some(actor.id),
            "candidate.updated",
            ("candidate", Some(id)),
            json!({"status": status}),
        )?;
        candidate_view_of(conn, id)
    })
}

/// Refuses a second candidate with the same email on one job (emails are
/// stored in lower case), pointing at the one already there. Call it inside
/// the write transaction: on PostgreSQL it locks the job's row so that two
/// requests at once (a double click) cannot both pass.
fn refuse_duplicate(
    conn: &mut DbConn,
    job_id: i64,
    email: &crate::domain::EmailAddress,
    except: Option<i64>,
) -> Result<(), AppError> {
    if let DbConn::Postgresql(pg) = conn {
        let lock = diesel::sql_query("SELECT id FROM jobs WHERE id = $1 FOR UPDATE")
            .bind::<diesel::sql_types::BigInt, _>(job_id);
        diesel::RunQueryDsl::execute(lock, pg)?;
    }
    let existing: Option<(i64, String)> = candidates::table
        .filter(candidates::job_id.eq(job_id))
        .filter(candidates::email.eq(email.as_str()))
        .filter(candidates::id.ne(except.unwrap_or(0)))
        .select((candidates::id, candidates::name))
        .first(conn)
        .optional()?;
    match existing {
        Some((id, name)) => Err(AppError::Duplicate {
            field: "email",
            message: format!("{name} is already a candidate for this job with this email."),
            location: format!("/candidates/{id}"),
        }),
        None => Ok(()),
    }
}

/// Its pages, for the one route table.
pub fn pages(cfg: &mut web::ServiceConfig) {
    cfg.route("/candidates", web::get().to(pages::list_page))
        .route("/candidates", web::post().to(pages::create_form))
        .route("/candidates/{id}", web::get().to(pages::candidate_page))
        .route(
            "/candidates/{id}/status",
            web::post().to(pages::status_form),
        )
        .route(
            "/candidates/{id}/prep-pack/preview",
            web::get().to(pages::prep_pack_preview),
        )
        .route(
            "/candidates/{id}/prep-pack/send",
            web::post().to(pages::send_prep_pack_form),
        )
        .route(
            "/stages/{id}/schedule",
            web::post().to(pages::schedule_form),
        )
        .route(
            "/candidates/{id}/erase",
            web::get().to(erasure::confirm_page),
        )
        .route(
            "/candidates/{id}/erase",
            web::post().to(erasure::erase_form),
        );
}

/// Its `/api/v1` routes (mounted under the scope by the route table).
pub fn api(r: &mut crate::openapi::ApiRoutes) {
    r.op(api::__path_api_prep_pack, api::api_prep_pack)
        .op(api::__path_api_send_prep_pack, api::api_send_prep_pack)
        .op(api::__path_api_outbox, api::api_outbox)
        .op(api::__path_api_candidates, api::api_candidates)
        .op(api::__path_api_create_candidate, api::api_create_candidate)
        .op(api::__path_api_candidate, api::api_candidate)
        .op(api::__path_api_update_candidate, api::api_update_candidate)
        .op(api::__path_api_candidate_loop, api::api_candidate_loop)
        .op(erasure::__path_api_erase, erasure::api_erase)
        .op(export::__path_api_export, export::api_export);
}
