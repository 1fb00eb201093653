//! Jobs and loop planning: `/api/v1` (pages come next).

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

use super::extract::ApiJson;
use super::{State, api_field_errors, db};
use crate::auth::CurrentUser;
use crate::domain::{Permission, Role};
use crate::error::AppError;
use crate::planning::{self, NewJob, StageChanges};

#[derive(Deserialize)]
pub struct NewJobBody {
    title: Option<String>,
    team: Option<String>,
    track_id: Option<i64>,
    hiring_manager_id: Option<i64>,
    /// `false` starts with an empty loop instead of the track's typical stages.
    typical_stages: Option<bool>,
}

pub async fn api_jobs(state: State, me: CurrentUser) -> Result<HttpResponse, AppError> {
    me.require(Permission::ReadJobs)?;
    let user = me.user.clone();
    let jobs = db(&state, move |conn| Ok(planning::jobs_for(conn, &user)?)).await?;
    let total = jobs.len();
    Ok(HttpResponse::Ok().json(json!({"jobs": jobs, "total": total})))
}

pub async fn api_create_job(
    state: State,
    me: CurrentUser,
    body: ApiJson<NewJobBody>,
) -> Result<HttpResponse, AppError> {
    me.require(Permission::ManageJobs)?;
    let body = body.0;
    let track_id = body
        .track_id
        .ok_or_else(|| api_field_errors(vec![("track_id", "Choose a track.".into())]))?;
    // A hiring manager creates jobs they manage; an admin names the manager.
    let hiring_manager_id = match me.role {
        Role::HiringManager => {
            if body.hiring_manager_id.is_some_and(|id| id != me.id()) {
                return Err(AppError::field(
                    "hiring_manager_id",
                    "You can only create jobs that you manage.",
                ));
            }
            Some(me.id())
        }
        _ => body.hiring_manager_id,
    };
    let actor = me.user.clone();
    let new = NewJob {
        title: body.title.unwrap_or_default(),
        team: body.team.unwrap_or_default(),
        track_id,
        hiring_manager_id,
        typical_stages: body.typical_stages.unwrap_or(true),
    };
    let job = db(&state, move |conn| {
        let id = planning::create_job(conn, &actor, new)?;
        planning::job(conn, id)
    })
    .await?;
    Ok(HttpResponse::Created().json(json!({"job": job})))
}

pub async fn api_job(
    state: State,
    me: CurrentUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    me.require(Permission::ReadJobs)?;
    let (id, user) = (id.into_inner(), me.user.clone());
    let job = db(&state, move |conn| {
        planning::authorize_job(conn, &user, id, false)?;
        planning::job(conn, id)
    })
    .await?;
    Ok(HttpResponse::Ok().json(json!({"job": job})))
}

pub async fn api_job_loop(
    state: State,
    me: CurrentUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    me.require(Permission::ReadJobs)?;
    let (id, user) = (id.into_inner(), me.user.clone());
    let shape = db(&state, move |conn| {
        planning::authorize_job(conn, &user, id, false)?;
        let loop_id = planning::job(conn, id)?
            .template_loop_id
            .ok_or(AppError::NotFound)?;
        planning::load_loop(conn, loop_id)
    })
    .await?;
    Ok(HttpResponse::Ok().json(shape))
}

pub async fn api_loop(
    state: State,
    me: CurrentUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    me.require(Permission::ReadJobs)?;
    let (id, user) = (id.into_inner(), me.user.clone());
    let shape = db(&state, move |conn| {
        planning::authorize_loop(conn, &user, id, false)?;
        planning::load_loop(conn, id)
    })
    .await?;
    Ok(HttpResponse::Ok().json(shape))
}

pub async fn api_coverage(
    state: State,
    me: CurrentUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    me.require(Permission::ReadJobs)?;
    let (id, user) = (id.into_inner(), me.user.clone());
    let coverage = db(&state, move |conn| {
        planning::authorize_loop(conn, &user, id, false)?;
        planning::coverage_of(conn, id)
    })
    .await?;
    Ok(HttpResponse::Ok().json(coverage))
}

fn version_of(version: Option<i64>) -> Result<i64, AppError> {
    version.ok_or_else(|| {
        api_field_errors(vec![(
            "version",
            "Send the loop version you edited.".into(),
        )])
    })
}

#[derive(Deserialize)]
pub struct AddStageBody {
    stage_kind: Option<String>,
    version: Option<i64>,
    position: Option<usize>,
}

pub async fn api_add_stage(
    state: State,
    me: CurrentUser,
    id: web::Path<i64>,
    body: ApiJson<AddStageBody>,
) -> Result<HttpResponse, AppError> {
    me.require(Permission::ManageJobs)?;
    let body = body.0;
    let version = version_of(body.version)?;
    let kind = body
        .stage_kind
        .ok_or_else(|| api_field_errors(vec![("stage_kind", "Choose a stage kind.".into())]))?;
    let (id, user) = (id.into_inner(), me.user.clone());
    let shape = db(&state, move |conn| {
        planning::authorize_loop(conn, &user, id, true)?;
        planning::add_stage(conn, &user, id, version, &kind, body.position)
    })
    .await?;
    Ok(HttpResponse::Created().json(shape))
}

#[derive(Deserialize)]
pub struct StageBody {
    version: Option<i64>,
    title: Option<String>,
    format: Option<String>,
    duration_minutes: Option<i64>,
    focus_criterion_ids: Option<Vec<i64>>,
    #[serde(default, with = "double_option")]
    location: Option<Option<String>>,
    position: Option<usize>,
    starts_at: Option<serde_json::Value>,
    time_zone: Option<serde_json::Value>,
}

/// `null` (clear it) differs from absent (leave it).
mod double_option {
    use serde::{Deserialize, Deserializer};

    pub fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<Option<String>>, D::Error> {
        Option::<String>::deserialize(d).map(Some)
    }
}

pub async fn api_update_stage(
    state: State,
    me: CurrentUser,
    id: web::Path<i64>,
    body: ApiJson<StageBody>,
) -> Result<HttpResponse, AppError> {
    me.require(Permission::ManageJobs)?;
    let body = body.0;
    let version = version_of(body.version)?;
    if body.starts_at.is_some() || body.time_zone.is_some() {
        return Err(api_field_errors(vec![(
            "starts_at",
            "Times are set on a candidate's loop, not on the job's template.".into(),
        )]));
    }
    let changes = StageChanges {
        title: body.title,
        format: body.format,
        duration_minutes: body.duration_minutes,
        focus_criterion_ids: body.focus_criterion_ids,
        location: body.location,
        position: body.position,
    };
    let (id, user) = (id.into_inner(), me.user.clone());
    let shape = db(&state, move |conn| {
        planning::authorize_stage(conn, &user, id, true)?;
        planning::update_stage(conn, &user, id, version, changes)
    })
    .await?;
    Ok(HttpResponse::Ok().json(shape))
}

#[derive(Deserialize)]
pub struct VersionQuery {
    version: Option<i64>,
}

pub async fn api_delete_stage(
    state: State,
    me: CurrentUser,
    id: web::Path<i64>,
    q: web::Query<VersionQuery>,
) -> Result<HttpResponse, AppError> {
    me.require(Permission::ManageJobs)?;
    let version = version_of(q.version)?;
    let (id, user) = (id.into_inner(), me.user.clone());
    let shape = db(&state, move |conn| {
        planning::authorize_stage(conn, &user, id, true)?;
        planning::delete_stage(conn, &user, id, version)
    })
    .await?;
    Ok(HttpResponse::Ok().json(shape))
}

#[derive(Deserialize)]
pub struct QuestionsBody {
    question_ids: Option<Vec<i64>>,
    version: Option<i64>,
}

pub async fn api_stage_questions(
    state: State,
    me: CurrentUser,
    id: web::Path<i64>,
    body: ApiJson<QuestionsBody>,
) -> Result<HttpResponse, AppError> {
    me.require(Permission::ManageJobs)?;
    let body = body.0;
    let version = version_of(body.version)?;
    let ids = body.question_ids.ok_or_else(|| {
        api_field_errors(vec![(
            "question_ids",
            "Send the stage's questions in order.".into(),
        )])
    })?;
    let (id, user) = (id.into_inner(), me.user.clone());
    let shape = db(&state, move |conn| {
        planning::authorize_stage(conn, &user, id, true)?;
        planning::set_questions(conn, &user, id, version, &ids)
    })
    .await?;
    Ok(HttpResponse::Ok().json(shape))
}

#[derive(Deserialize)]
pub struct InterviewersBody {
    user_ids: Option<Vec<i64>>,
    version: Option<i64>,
}

pub async fn api_stage_interviewers(
    state: State,
    me: CurrentUser,
    id: web::Path<i64>,
    body: ApiJson<InterviewersBody>,
) -> Result<HttpResponse, AppError> {
    me.require(Permission::ManageJobs)?;
    let body = body.0;
    let version = version_of(body.version)?;
    let ids = body.user_ids.ok_or_else(|| {
        api_field_errors(vec![("user_ids", "Send the stage's interviewers.".into())])
    })?;
    let (id, user) = (id.into_inner(), me.user.clone());
    let shape = db(&state, move |conn| {
        planning::authorize_stage(conn, &user, id, true)?;
        planning::set_interviewers(conn, &user, id, version, &ids)
    })
    .await?;
    Ok(HttpResponse::Ok().json(shape))
}
