//! Jobs: opened from a track, with their own copy of its criteria and red
//! flags, a hiring manager, and a template loop.

mod api;
pub mod criteria;
mod pages;

use actix_web::web;
use std::collections::HashMap;

use diesel::prelude::*;
use serde::Serialize;
use serde_json::json;

use crate::access::{self, Action, Target};
use crate::db::DbConn;
use crate::db::models::{AuditEvent, User, now};
use crate::db::run_query::on_backend;
use crate::db::schema::{
    criteria as track_criteria, job_criteria, jobs, loops, stage_kind_focus, stage_kinds,
    track_stage_kinds, tracks, users,
};
use crate::db::write_transaction;
use crate::domain::{CriterionKind, JobStatus, Role};
use crate::error::AppError;
use crate::loops::revisions::record_revision;
use crate::loops::{MAX_TITLE, check_title, insert_stage};
use crate::web::form::Paging;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct JobCriterion {
    pub id: i64,
    pub kind: CriterionKind,
    pub name: String,
    pub description: String,
    pub position: i64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct JobView {
    pub id: i64,
    pub title: String,
    pub team: String,
    pub status: JobStatus,
    pub track: TrackRef,
    pub hiring_manager: Option<PersonRef>,
    pub template_loop_id: Option<i64>,
    pub criteria: Vec<JobCriterion>,
}

/// The track a job was opened from.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TrackRef {
    pub id: i64,
    pub slug: String,
    pub name: String,
}

/// A person named on a page or in a body: id and display name.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PersonRef {
    pub id: i64,
    pub name: String,
}

pub struct NewJob {
    pub title: String,
    pub team: String,
    /// Required; `None` is a field error.
    pub track_id: Option<i64>,
    pub hiring_manager_id: Option<i64>,
    /// Start from the track's typical stages (true) or an empty loop.
    pub typical_stages: bool,
}

/// Creates a job from a track: the track's criteria and red flags are copied
/// into the job, and its template loop starts with the track's typical
/// stages (default format, duration and suggested focus) unless asked empty.
///
/// Asks the policy for `CreateJob`. A hiring manager opens jobs they manage
/// (naming anyone else is a field error); an admin names the manager.
pub fn create_job(conn: &mut DbConn, actor: &User, new: NewJob) -> Result<i64, AppError> {
    access::require(actor, Action::CreateJob)?;
    let hiring_manager_id = match actor.role() {
        Role::HiringManager => {
            if new.hiring_manager_id.is_some_and(|id| id != actor.id) {
                return Err(AppError::field(
                    "hiring_manager_id",
                    "You can only create jobs that you manage.",
                ));
            }
            Some(actor.id)
        }
        _ => new.hiring_manager_id,
    };
    let track_id = new
        .track_id
        .ok_or_else(|| AppError::field("track_id", "Choose a track."))?;
    let title = check_title("title", &new.title)?;
    let team = new.team.trim().to_owned();
    if team.chars().count() > MAX_TITLE {
        return Err(AppError::field(
            "team",
            format!("Use at most {MAX_TITLE} characters."),
        ));
    }
    write_transaction(conn, |conn| {
        let track_exists: i64 = tracks::table
            .filter(tracks::id.eq(track_id))
            .count()
            .get_result(conn)?;
        if track_exists == 0 {
            return Err(AppError::field("track_id", "Choose a track from the bank."));
        }
        if let Some(manager) = hiring_manager_id {
            let ok: Option<(String, bool)> = users::table
                .find(manager)
                .select((users::role, users::active))
                .first(conn)
                .optional()?;
            if !matches!(ok, Some((role, true)) if role == Role::HiringManager.as_str() || role == Role::Admin.as_str())
            {
                return Err(AppError::field(
                    "hiring_manager_id",
                    "Name an active hiring manager or admin.",
                ));
            }
        }
        let at = now();
        let job_id: i64 = diesel::insert_into(jobs::table)
            .values((
                jobs::track_id.eq(track_id),
                jobs::title.eq(&title),
                jobs::team.eq(&team),
                jobs::hiring_manager_id.eq(hiring_manager_id),
                jobs::status.eq(JobStatus::Open),
                jobs::created_by.eq(actor.id),
                jobs::created_at.eq(at),
                jobs::updated_at.eq(at),
            ))
            .returning(jobs::id)
            .get_result(conn)?;
        let source: Vec<(i64, String, String, String, String, i64)> = track_criteria::table
            .filter(track_criteria::track_id.eq(track_id))
            .order(track_criteria::position)
            .select((
                track_criteria::id,
                track_criteria::kind,
                track_criteria::name,
                track_criteria::description,
                track_criteria::candidate_description,
                track_criteria::position,
            ))
            .load(conn)?;
        let mut copied = HashMap::new();
        for (id, kind, name, description, candidate_description, position) in source {
            let job_criterion: i64 = diesel::insert_into(job_criteria::table)
                .values((
                    job_criteria::job_id.eq(job_id),
                    job_criteria::source_criterion_id.eq(id),
                    job_criteria::kind.eq(kind),
                    job_criteria::name.eq(name),
                    job_criteria::description.eq(description),
                    job_criteria::candidate_description.eq(candidate_description),
                    job_criteria::position.eq(position),
                    job_criteria::created_at.eq(at),
                    job_criteria::updated_at.eq(at),
                ))
                .returning(job_criteria::id)
                .get_result(conn)?;
            copied.insert(id, job_criterion);
        }
        let loop_id: i64 = diesel::insert_into(loops::table)
            .values((
                loops::job_id.eq(job_id),
                loops::version.eq(1),
                loops::created_at.eq(at),
                loops::updated_at.eq(at),
            ))
            .returning(loops::id)
            .get_result(conn)?;
        if new.typical_stages {
            let kinds: Vec<(i64, String, i64, i64)> = track_stage_kinds::table
                .inner_join(stage_kinds::table)
                .filter(track_stage_kinds::track_id.eq(track_id))
                .order(track_stage_kinds::position)
                .select((
                    stage_kinds::id,
                    stage_kinds::name,
                    stage_kinds::default_format_id,
                    stage_kinds::default_duration_minutes,
                ))
                .load(conn)?;
            let focus: Vec<(i64, i64)> = stage_kind_focus::table
                .filter(stage_kind_focus::track_id.eq(track_id))
                .select((
                    stage_kind_focus::stage_kind_id,
                    stage_kind_focus::criterion_id,
                ))
                .load(conn)?;
            for (position, (kind_id, name, format_id, minutes)) in kinds.into_iter().enumerate() {
                let focus_ids: Vec<i64> = focus
                    .iter()
                    .filter(|(k, _)| *k == kind_id)
                    .filter_map(|(_, c)| copied.get(c).copied())
                    .collect();
                insert_stage(
                    conn,
                    loop_id,
                    position as i64,
                    kind_id,
                    &name,
                    format_id,
                    minutes,
                    &focus_ids,
                    at,
                )?;
            }
        }
        record_revision(conn, loop_id, 1, Some(actor.id), "created")?;
        AuditEvent::record(
            conn,
            Some(actor.id),
            "job.created",
            ("job", Some(job_id)),
            json!({"title": title, "track_id": track_id}),
        )?;
        Ok(job_id)
    })
}

/// A job with its criteria, for whoever may read it (`ReadJob`).
pub fn job(conn: &mut DbConn, actor: &User, id: i64) -> Result<JobView, AppError> {
    access::ensure(conn, actor, Action::ReadJob, Target::Job(id))?;
    job_view(conn, id)
}

/// A job with its criteria, unchecked: for services that have checked.
pub(crate) fn job_view(conn: &mut DbConn, id: i64) -> Result<JobView, AppError> {
    let (id, title, team, status, track_id, manager): (
        i64,
        String,
        String,
        JobStatus,
        i64,
        Option<i64>,
    ) = jobs::table
        .find(id)
        .select((
            jobs::id,
            jobs::title,
            jobs::team,
            jobs::status,
            jobs::track_id,
            jobs::hiring_manager_id,
        ))
        .first(conn)
        .optional()?
        .ok_or(AppError::NotFound)?;
    let (track_slug, track_name): (String, String) = tracks::table
        .find(track_id)
        .select((tracks::slug, tracks::name))
        .first(conn)?;
    let hiring_manager = match manager {
        Some(m) => users::table
            .find(m)
            .select(users::name)
            .first::<String>(conn)
            .optional()?
            .map(|name| PersonRef { id: m, name }),
        None => None,
    };
    let template_loop_id = loops::table
        .filter(loops::job_id.eq(id))
        .filter(loops::candidate_id.is_null())
        .select(loops::id)
        .first::<i64>(conn)
        .optional()?;
    Ok(JobView {
        id,
        title,
        team,
        status,
        track: TrackRef {
            id: track_id,
            slug: track_slug,
            name: track_name,
        },
        hiring_manager,
        template_loop_id,
        criteria: job_criteria_of(conn, id)?,
    })
}

pub(crate) fn job_criteria_of(conn: &mut DbConn, job_id: i64) -> QueryResult<Vec<JobCriterion>> {
    Ok(criteria_of_jobs(conn, &[job_id])?
        .remove(&job_id)
        .unwrap_or_default())
}

/// The criteria of each of `job_ids`, in their order: one query.
pub(crate) fn criteria_of_jobs(
    conn: &mut DbConn,
    job_ids: &[i64],
) -> QueryResult<std::collections::HashMap<i64, Vec<JobCriterion>>> {
    let rows = job_criteria::table
        .filter(job_criteria::job_id.eq_any(job_ids))
        .order((
            job_criteria::job_id,
            job_criteria::position,
            job_criteria::id,
        ))
        .select((
            job_criteria::job_id,
            job_criteria::id,
            job_criteria::kind,
            job_criteria::name,
            job_criteria::description,
            job_criteria::position,
        ))
        .load::<(i64, i64, CriterionKind, String, String, i64)>(conn)?;
    let mut by_job: std::collections::HashMap<i64, Vec<JobCriterion>> =
        std::collections::HashMap::new();
    for (job_id, id, kind, name, description, position) in rows {
        by_job.entry(job_id).or_default().push(JobCriterion {
            id,
            kind,
            name,
            description,
            position,
        });
    }
    Ok(by_job)
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct JobSummary {
    pub id: i64,
    pub title: String,
    pub team: String,
    pub status: JobStatus,
    pub track_name: String,
    pub hiring_manager_id: Option<i64>,
    pub hiring_manager_name: Option<String>,
}

type JobRow = (
    i64,
    String,
    String,
    JobStatus,
    String,
    Option<i64>,
    Option<String>,
);

fn job_summary(row: JobRow) -> JobSummary {
    let (id, title, team, status, track_name, hiring_manager_id, hiring_manager_name) = row;
    JobSummary {
        id,
        title,
        team,
        status,
        track_name,
        hiring_manager_id,
        hiring_manager_name,
    }
}

/// The jobs `$user` may see (`ListJobs`: all for admins and recruiters,
/// their own for a hiring manager), boxed for `$backend`, unordered.
macro_rules! visible_jobs {
    ($user:expr, $backend:ty) => {{
        let user: &User = $user;
        let mut query = jobs::table.into_boxed::<$backend>();
        if user.role() == Role::HiringManager {
            query = query.filter(jobs::hiring_manager_id.eq(user.id));
        }
        query
    }};
}

/// [`visible_jobs`] as [`JobRow`]s: with their track and manager.
macro_rules! job_rows {
    ($user:expr, $backend:ty) => {{
        let user: &User = $user;
        let mut query = jobs::table
            .inner_join(tracks::table)
            .left_join(users::table.on(jobs::hiring_manager_id.eq(users::id.nullable())))
            .into_boxed::<$backend>();
        if user.role() == Role::HiringManager {
            query = query.filter(jobs::hiring_manager_id.eq(user.id));
        }
        query.select((
            jobs::id,
            jobs::title,
            jobs::team,
            jobs::status,
            tracks::name,
            jobs::hiring_manager_id,
            users::name.nullable(),
        ))
    }};
}

/// One page of the jobs a user may see (`ListJobs`): all for admins and
/// recruiters, their own for a hiring manager; open ones first ("open"
/// sorts after "closed"), then by title. With how many there are in all:
/// two statements, paged in SQL, since a company's closed jobs pile up.
pub fn jobs_for(
    conn: &mut DbConn,
    user: &User,
    paging: &Paging,
) -> Result<(Vec<JobSummary>, i64), AppError> {
    access::require(user, Action::ListJobs)?;
    let (rows, total) = on_backend!(conn, |conn, Backend| {
        let total: i64 =
            diesel::RunQueryDsl::get_result(visible_jobs!(user, Backend).count(), conn)?;
        let rows: Vec<JobRow> = diesel::RunQueryDsl::load(
            job_rows!(user, Backend)
                .order((jobs::status.desc(), jobs::title, jobs::id))
                .limit(paging.per_page)
                .offset(paging.offset()),
            conn,
        )?;
        QueryResult::Ok((rows, total))
    })?;
    Ok((rows.into_iter().map(job_summary).collect(), total))
}

/// What a select of jobs offers `user`: the open jobs they may see, and
/// any of `also` they may see (a job already chosen, open or not), by
/// title. Bounded by the jobs open now, not by every job there was.
pub fn job_choices(
    conn: &mut DbConn,
    user: &User,
    also: &[i64],
) -> Result<Vec<JobSummary>, AppError> {
    access::require(user, Action::ListJobs)?;
    let rows = on_backend!(conn, |conn, Backend| {
        diesel::RunQueryDsl::load::<JobRow>(
            job_rows!(user, Backend)
                .filter(jobs::status.eq(JobStatus::Open).or(jobs::id.eq_any(also)))
                .order((jobs::title, jobs::id)),
            conn,
        )
    })?;
    Ok(rows.into_iter().map(job_summary).collect())
}

pub fn update_job(
    conn: &mut DbConn,
    actor: &User,
    id: i64,
    title: Option<&str>,
    team: Option<&str>,
    status: Option<JobStatus>,
) -> Result<(), AppError> {
    access::ensure(conn, actor, Action::EditJob, Target::Job(id))?;
    let title = title.map(|t| check_title("title", t)).transpose()?;
    if team.is_some_and(|t| t.trim().chars().count() > MAX_TITLE) {
        return Err(AppError::field(
            "team",
            format!("Use at most {MAX_TITLE} characters."),
        ));
    }
    write_transaction(conn, |conn| {
        if let Some(title) = &title {
            diesel::update(jobs::table.find(id))
                .set(jobs::title.eq(title))
                .execute(conn)?;
        }
        if let Some(team) = team {
            diesel::update(jobs::table.find(id))
                .set(jobs::team.eq(team.trim()))
                .execute(conn)?;
        }
        if let Some(status) = status {
            diesel::update(jobs::table.find(id))
                .set(jobs::status.eq(status))
                .execute(conn)?;
        }
        diesel::update(jobs::table.find(id))
            .set(jobs::updated_at.eq(now()))
            .execute(conn)?;
        AuditEvent::record(
            conn,
            Some(actor.id),
            "job.updated",
            ("job", Some(id)),
            json!({"status": status}),
        )?;
        Ok(())
    })
}

/// The jobs page: a page of the jobs `actor` may see and how many there
/// are, and the tracks a job opens from. An admin names a job's manager by
/// typing (the team is suggested as one types), so no list of managers.
pub struct JobsOverview {
    pub jobs: Vec<JobSummary>,
    pub total: i64,
    pub tracks: Vec<(i64, String)>,
}

/// See [`JobsOverview`]; `ListJobs`.
pub fn overview(
    conn: &mut DbConn,
    actor: &User,
    paging: &Paging,
) -> Result<JobsOverview, AppError> {
    let (jobs, total) = jobs_for(conn, actor, paging)?;
    let tracks: Vec<(i64, String)> = tracks::table
        .order(tracks::name)
        .select((tracks::id, tracks::name))
        .load(conn)?;
    Ok(JobsOverview {
        jobs,
        total,
        tracks,
    })
}

/// Its pages, for the one route table.
pub fn pages(cfg: &mut web::ServiceConfig) {
    cfg.route("/jobs", web::get().to(pages::jobs_page))
        .route("/jobs", web::post().to(pages::create_job_form))
        .route(
            "/jobs/{id}/criteria",
            web::post().to(pages::add_criterion_form),
        )
        .route("/criteria/{id}", web::post().to(pages::save_criterion_form))
        .route(
            "/criteria/{id}/{action}",
            web::post().to(pages::criterion_form),
        );
}

/// Its `/api/v1` routes (mounted under the scope by the route table).
pub fn api(r: &mut crate::openapi::ApiRoutes) {
    r.op(api::__path_api_jobs, api::api_jobs)
        .op(api::__path_api_create_job, api::api_create_job)
        .op(api::__path_api_job, api::api_job)
        .op(api::__path_api_update_job, api::api_update_job)
        .op(api::__path_api_job_criteria, api::api_job_criteria)
        .op(api::__path_api_add_criterion, api::api_add_criterion)
        .op(api::__path_api_update_criterion, api::api_update_criterion)
        .op(api::__path_api_delete_criterion, api::api_delete_criterion);
}
