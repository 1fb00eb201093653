//! Jobs and their criteria under `/api/v1`.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use crate::auth::CurrentUser;
use crate::domain::{CriterionKind, JobStatus};
use crate::error::AppError;
use crate::jobs::{self, NewJob, criteria};
use crate::web::extract::{ApiJson, patch};
use crate::web::form::Paging;
use crate::web::named;
use crate::web::{State, db, db_json};

crate::page_body!(JobPage {
    jobs: jobs::JobSummary
});
crate::named_body!(JobAnswer { job: jobs::JobView });
crate::page_body!(CriterionPage {
    criteria: jobs::JobCriterion
});
crate::named_body!(CriterionAnswer {
    criterion: jobs::JobCriterion
});

#[derive(Deserialize, utoipa::ToSchema)]
pub struct NewJobBody {
    #[schema(required = true, nullable = false)]
    title: Option<String>,
    team: Option<String>,
    #[schema(required = true, nullable = false)]
    track_id: Option<i64>,
    hiring_manager_id: Option<i64>,
    /// `false` starts with an empty loop instead of the track's typical stages.
    typical_stages: Option<bool>,
}

#[utoipa::path(get, path = "/api/v1/jobs", params(Paging),
    summary = "The jobs the caller may see",
    responses((status = 200, description = "One page of jobs.", body = JobPage)))]
pub async fn api_jobs(
    state: State,
    me: CurrentUser,
    paging: Paging,
) -> Result<HttpResponse, AppError> {
    let user = me.user.clone();
    db_json(&state, StatusCode::OK, move |conn| {
        let (jobs, total) = jobs::jobs_for(conn, &user, &paging)?;
        Ok(paging.listed("jobs", jobs, total))
    })
    .await
}

#[utoipa::path(post, path = "/api/v1/jobs", request_body = NewJobBody,
    summary = "Open a job from a track",
    responses((status = 201, description = "The job.", body = JobAnswer),
        (status = 422, description = "A field is missing or invalid.", body = crate::error::ErrorBody)))]
pub async fn api_create_job(
    state: State,
    me: CurrentUser,
    body: ApiJson<NewJobBody>,
) -> Result<HttpResponse, AppError> {
    let body = body.0;
    let actor = me.user.clone();
    let new = NewJob {
        title: body.title.unwrap_or_default(),
        team: body.team.unwrap_or_default(),
        track_id: body.track_id,
        hiring_manager_id: body.hiring_manager_id,
        typical_stages: body.typical_stages.unwrap_or(true),
    };
    db_json(&state, StatusCode::CREATED, move |conn| {
        let id = jobs::create_job(conn, &actor, new)?;
        let job = jobs::job(conn, &actor, id)?;
        Ok(named("job", job))
    })
    .await
}

#[utoipa::path(get, path = "/api/v1/jobs/{id}", params(("id" = i64, Path, description = "The job's id")),
    summary = "A job with its criteria",
    responses((status = 200, description = "The job.", body = JobAnswer)))]
pub async fn api_job(
    state: State,
    me: CurrentUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let (id, user) = (id.into_inner(), me.user.clone());
    db_json(&state, StatusCode::OK, move |conn| {
        let job = jobs::job(conn, &user, id)?;
        Ok(named("job", job))
    })
    .await
}

/// `PATCH /api/v1/jobs/{id}`: `null` clears `team`, and is refused elsewhere.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct JobBody {
    #[serde(default, deserialize_with = "patch::not_null")]
    #[schema(nullable = false)]
    title: Option<String>,
    #[serde(default, deserialize_with = "patch::nullable")]
    team: Option<Option<String>>,
    #[serde(default, deserialize_with = "patch::not_null")]
    #[schema(nullable = false)]
    status: Option<JobStatus>,
}

#[utoipa::path(patch, path = "/api/v1/jobs/{id}", params(("id" = i64, Path, description = "The job's id")),
    request_body = JobBody, summary = "Change a job",
    responses((status = 200, description = "The job.", body = JobAnswer),
        (status = 422, description = "A field is invalid.", body = crate::error::ErrorBody)))]
pub async fn api_update_job(
    state: State,
    me: CurrentUser,
    id: web::Path<i64>,
    body: ApiJson<JobBody>,
) -> Result<HttpResponse, AppError> {
    let body = body.0;
    let (id, user) = (id.into_inner(), me.user.clone());
    db_json(&state, StatusCode::OK, move |conn| {
        jobs::update_job(
            conn,
            &user,
            id,
            body.title.as_deref(),
            body.team.as_ref().map(|t| t.as_deref().unwrap_or_default()),
            body.status,
        )?;
        let job = jobs::job(conn, &user, id)?;
        Ok(named("job", job))
    })
    .await
}

#[utoipa::path(get, path = "/api/v1/jobs/{id}/criteria", params(("id" = i64, Path, description = "The job's id"), Paging),
    summary = "A job's criteria and red flags",
    responses((status = 200, description = "One page of criteria.", body = CriterionPage)))]
pub async fn api_job_criteria(
    state: State,
    me: CurrentUser,
    id: web::Path<i64>,
    paging: Paging,
) -> Result<HttpResponse, AppError> {
    let (id, user) = (id.into_inner(), me.user.clone());
    db_json(&state, StatusCode::OK, move |conn| {
        let list = criteria::criteria_of(conn, &user, id)?;
        Ok(paging.list_of("criteria", list))
    })
    .await
}

/// A criterion to add, or (PATCH) what to change of one: `null` clears
/// `description`, and is refused elsewhere.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct CriterionBody {
    #[serde(default, deserialize_with = "patch::not_null")]
    #[schema(nullable = false)]
    #[schema(value_type = Option<CriterionKind>)]
    kind: Option<String>,
    #[serde(default, deserialize_with = "patch::not_null")]
    #[schema(nullable = false)]
    name: Option<String>,
    #[serde(default, deserialize_with = "patch::nullable")]
    description: Option<Option<String>>,
    #[serde(default, deserialize_with = "patch::not_null")]
    #[schema(nullable = false)]
    position: Option<i64>,
}

#[utoipa::path(post, path = "/api/v1/jobs/{id}/criteria", params(("id" = i64, Path, description = "The job's id")),
    request_body = CriterionBody, summary = "Add a criterion or red flag to a job",
    responses((status = 201, description = "The criterion.", body = CriterionAnswer),
        (status = 409, description = "The job has one of that name already.", body = crate::error::ErrorBody),
        (status = 422, description = "A field is missing or invalid.", body = crate::error::ErrorBody)))]
pub async fn api_add_criterion(
    state: State,
    me: CurrentUser,
    id: web::Path<i64>,
    body: ApiJson<CriterionBody>,
) -> Result<HttpResponse, AppError> {
    let body = body.0;
    let (id, user) = (id.into_inner(), me.user.clone());
    db_json(&state, StatusCode::CREATED, move |conn| {
        let created = criteria::add_job_criterion(
            conn,
            &user,
            id,
            body.kind
                .as_deref()
                .unwrap_or(CriterionKind::Criterion.as_str()),
            body.name.as_deref().unwrap_or_default(),
            body.description.flatten().as_deref().unwrap_or_default(),
        )?;
        Ok(named("criterion", created))
    })
    .await
}

#[utoipa::path(patch, path = "/api/v1/criteria/{id}", params(("id" = i64, Path, description = "The criterion's id")),
    request_body = CriterionBody, summary = "Change a criterion",
    responses((status = 200, description = "The criterion.", body = CriterionAnswer),
        (status = 409, description = "The job has one of that name already.", body = crate::error::ErrorBody),
        (status = 422, description = "A field is invalid.", body = crate::error::ErrorBody)))]
pub async fn api_update_criterion(
    state: State,
    me: CurrentUser,
    id: web::Path<i64>,
    body: ApiJson<CriterionBody>,
) -> Result<HttpResponse, AppError> {
    let body = body.0;
    let (id, user) = (id.into_inner(), me.user.clone());
    let changes = criteria::CriterionChanges {
        name: body.name,
        description: body.description.map(Option::unwrap_or_default),
        position: body.position,
    };
    db_json(&state, StatusCode::OK, move |conn| {
        let updated = criteria::update_job_criterion(conn, &user, id, changes)?;
        Ok(named("criterion", updated))
    })
    .await
}

#[utoipa::path(delete, path = "/api/v1/criteria/{id}", params(("id" = i64, Path, description = "The criterion's id")),
    summary = "Remove a criterion",
    responses((status = 204, description = "Removed."),
        (status = 409, description = "Scorecards rate it; it cannot be removed.", body = crate::error::ErrorBody)))]
pub async fn api_delete_criterion(
    state: State,
    me: CurrentUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let (id, user) = (id.into_inner(), me.user.clone());
    db(&state, move |conn| {
        criteria::delete_job_criterion(conn, &user, id)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
