//! Loops: the ordered stages of a job's template or of a candidate's loop,
//! each with its kind, format, duration, focus, questions and interviewers.

mod api;
pub mod coverage;
pub mod edits;
mod evidence;
mod pages;
pub mod planner;
mod planner_page;
mod question_panel_page;

pub(crate) use pages::refused_criterion_edit;
pub(crate) use planner_page::CriterionEdit;
pub mod revisions;
mod shape;
pub(crate) use shape::{load_loop, load_loops};

use actix_web::web;
use std::collections::BTreeMap;

use crate::db::prelude::*;
use chrono::NaiveDateTime;
use serde::Serialize;

use crate::access::{self, Action, Target};
use crate::db::DbConn;
use crate::db::models::User;
use crate::db::schema::{loops, stage_focus_criteria, stages};
use crate::error::AppError;

pub const MAX_STAGE_MINUTES: i64 = 480;

pub const MAX_TITLE: usize = 120;

#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq, utoipa::ToSchema)]
pub struct StageView {
    pub id: i64,
    pub position: i64,
    pub stage_kind: String,
    pub title: String,
    pub format: String,
    pub duration_minutes: i64,
    pub focus_criterion_ids: Vec<i64>,
    pub interviewer_ids: Vec<i64>,
    pub question_ids: Vec<i64>,
    pub starts_at: Option<String>,
    pub time_zone: Option<String>,
    pub location: Option<String>,
}

#[derive(Debug, Clone, Serialize, PartialEq, utoipa::ToSchema)]
pub struct LoopView {
    pub id: i64,
    pub job_id: i64,
    pub candidate_id: Option<i64>,
    pub version: i64,
    pub stages: Vec<StageView>,
}

pub(crate) fn check_title(field: &str, title: &str) -> Result<String, AppError> {
    let title = title.trim();
    if title.is_empty() {
        return Err(AppError::field(field, "Enter a title."));
    }
    if title.chars().count() > MAX_TITLE || title.chars().any(char::is_control) {
        return Err(AppError::field(
            field,
            format!("Use one line of at most {MAX_TITLE} characters."),
        ));
    }
    Ok(title.to_owned())
}

pub(crate) fn check_duration(minutes: i64) -> Result<i64, AppError> {
    if (1..=MAX_STAGE_MINUTES).contains(&minutes) {
        Ok(minutes)
    } else {
        Err(AppError::field(
            "duration_minutes",
            format!("A stage lasts between 1 and {MAX_STAGE_MINUTES} minutes."),
        ))
    }
}

/// The field errors among `errors` as one 422 naming every field; the first
/// error that is not about a field wins as it is.
pub(crate) fn field_errors(errors: impl IntoIterator<Item = Option<AppError>>) -> AppError {
    let mut fields = BTreeMap::new();
    for error in errors.into_iter().flatten() {
        match error {
            AppError::Validation { fields: f, .. } => fields.extend(f),
            other => return other,
        }
    }
    let message = fields
        .iter()
        .map(|(f, m)| format!("{f}: {m}"))
        .collect::<Vec<_>>()
        .join(" ");
    AppError::Validation { message, fields }
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn insert_stage(
    conn: &mut DbConn,
    loop_id: i64,
    position: i64,
    kind_id: i64,
    title: &str,
    format_id: i64,
    minutes: i64,
    focus: &[i64],
    at: NaiveDateTime,
) -> QueryResult<i64> {
    let stage_id: i64 = diesel::insert_into(stages::table)
        .values((
            stages::loop_id.eq(loop_id),
            stages::position.eq(position),
            stages::stage_kind_id.eq(kind_id),
            stages::title.eq(title),
            stages::format_id.eq(format_id),
            stages::duration_minutes.eq(minutes),
            stages::created_at.eq(at),
            stages::updated_at.eq(at),
        ))
        .returning(stages::id)
        .get_result(conn)?;
    for criterion in focus {
        diesel::insert_into(stage_focus_criteria::table)
            .values((
                stage_focus_criteria::stage_id.eq(stage_id),
                stage_focus_criteria::job_criterion_id.eq(criterion),
            ))
            .execute(conn)?;
    }
    Ok(stage_id)
}

/// A loop with its stages, for whoever may read it (`ReadLoop`: a template
/// as its job, a candidate's loop as the candidate).
pub fn read_loop(conn: &mut DbConn, actor: &User, loop_id: i64) -> Result<LoopView, AppError> {
    access::ensure(conn, actor, Action::ReadLoop, Target::Loop(loop_id))?;
    load_loop(conn, loop_id)
}

/// A job's template loop (`ReadJob`).
pub fn template_loop(conn: &mut DbConn, actor: &User, job_id: i64) -> Result<LoopView, AppError> {
    let loop_id = template_loop_id(conn, actor, job_id)?;
    load_loop(conn, loop_id)
}

/// The id of a job's template loop (`ReadJob`): two statements, the check
/// and the id.
pub fn template_loop_id(conn: &mut DbConn, actor: &User, job_id: i64) -> Result<i64, AppError> {
    access::ensure(conn, actor, Action::ReadJob, Target::Job(job_id))?;
    loops::table
        .filter(loops::job_id.eq(job_id))
        .filter(loops::candidate_id.is_null())
        .select(loops::id)
        .first::<i64>(conn)
        .optional()?
        .ok_or(AppError::NotFound)
}

/// The loop of a stage that `actor` may change (`EditLoop`).
pub fn loop_to_change(conn: &mut DbConn, actor: &User, stage_id: i64) -> Result<i64, AppError> {
    access::ensure(conn, actor, Action::EditLoop, Target::Stage(stage_id))?
        .loop_id
        .ok_or(AppError::NotFound)
}

/// Where the planner of a loop (or one of its stages) lives, for a form
/// that changes it to come back to: asks `EditLoop`.
pub fn planner_location(
    conn: &mut DbConn,
    actor: &User,
    target: Target,
) -> Result<String, AppError> {
    let scope = access::ensure(conn, actor, Action::EditLoop, target)?;
    let page = match (scope.candidate_id, scope.job_id) {
        (Some(c), _) => format!("/candidates/{c}/planner"),
        (None, Some(job_id)) => format!("/jobs/{job_id}"),
        (None, None) => "/jobs".to_owned(),
    };
    Ok(match target {
        Target::Stage(id) => format!("{page}#stage-{id}"),
        _ => page,
    })
}

/// Its pages, for the one route table.
pub fn pages(cfg: &mut web::ServiceConfig) {
    cfg.route("/jobs/{id}", web::get().to(pages::job_planner))
        .route(
            "/candidates/{id}/planner",
            web::get().to(pages::candidate_planner),
        )
        .route("/loops/{id}/stages", web::post().to(pages::add_stage_form))
        .route("/stages/{id}", web::post().to(pages::stage_form))
        .route("/stages/{id}/move", web::post().to(pages::move_stage_form))
        .route(
            "/stages/{id}/remove",
            web::post().to(pages::remove_stage_form),
        )
        .route(
            "/stages/{id}/questions",
            web::get().to(pages::stage_questions_page),
        )
        .route(
            "/stages/{id}/questions/{action}",
            web::post().to(pages::question_change_form),
        );
}

/// Its `/api/v1` routes (mounted under the scope by the route table).
pub fn api(r: &mut crate::openapi::ApiRoutes) {
    r.op(api::__path_api_job_loop, api::api_job_loop)
        .op(api::__path_api_loop, api::api_loop)
        .op(api::__path_api_coverage, api::api_coverage)
        .op(api::__path_api_add_stage, api::api_add_stage)
        .op(api::__path_api_update_stage, api::api_update_stage)
        .op(api::__path_api_delete_stage, api::api_delete_stage)
        .op(api::__path_api_stage_questions, api::api_stage_questions)
        .op(
            api::__path_api_stage_interviewers,
            api::api_stage_interviewers,
        )
        .op(api::__path_api_revisions, api::api_revisions)
        .op(api::__path_api_interviewers, api::api_interviewers)
        .op(api::__path_api_compare, api::api_compare);
}
