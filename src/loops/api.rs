//! Loops under `/api/v1`: reading, editing stages, coverage, revisions.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::loops::edits::{self, StageChanges};
use crate::loops::{self, coverage, revisions};
use crate::web::extract::{ApiJson, ApiQuery, patch};
use crate::web::form::Paging;
use crate::web::{State, api_field_errors, db_json};

crate::page_body!(RevisionPage {
    revisions: revisions::Revision
});
crate::page_body!(InterviewerPage {
    interviewers: super::planner::Teammate
});

#[utoipa::path(get, path = "/api/v1/jobs/{id}/loop", params(("id" = i64, Path, description = "The job's id")), summary = "A job's template loop",
    responses((status = 200, description = "The loop.", body = loops::LoopView)))]
pub async fn api_job_loop(
    state: State,
    me: CurrentUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let (id, user) = (id.into_inner(), me.user.clone());
    db_json(&state, StatusCode::OK, move |conn| {
        loops::template_loop(conn, &user, id)
    })
    .await
}

#[utoipa::path(get, path = "/api/v1/loops/{id}", params(("id" = i64, Path, description = "The loop's id")), summary = "A loop with its stages",
    responses((status = 200, description = "The loop.", body = loops::LoopView)))]
pub async fn api_loop(
    state: State,
    me: CurrentUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let (id, user) = (id.into_inner(), me.user.clone());
    db_json(&state, StatusCode::OK, move |conn| {
        loops::read_loop(conn, &user, id)
    })
    .await
}

#[utoipa::path(get, path = "/api/v1/loops/{id}/coverage", params(("id" = i64, Path, description = "The loop's id")), summary = "Which criteria and red flags each stage and question probes",
    responses((status = 200, description = "The coverage matrix and its warnings.", body = coverage::CoverageView)))]
pub async fn api_coverage(
    state: State,
    me: CurrentUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let (id, user) = (id.into_inner(), me.user.clone());
    db_json(&state, StatusCode::OK, move |conn| {
        coverage::coverage_of(conn, &user, id)
    })
    .await
}

fn version_of(version: Option<i64>) -> Result<i64, AppError> {
    version.ok_or_else(|| {
        api_field_errors(vec![(
            "version",
            "Send the loop version you edited.".into(),
        )])
    })
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct AddStageBody {
    #[schema(required = true, nullable = false)]
    stage_kind: Option<String>,
    #[schema(required = true, nullable = false)]
    version: Option<i64>,
    position: Option<usize>,
}

#[utoipa::path(post, path = "/api/v1/loops/{id}/stages", params(("id" = i64, Path, description = "The loop's id")), request_body = AddStageBody, summary = "Add a stage to a loop",
    responses((status = 201, description = "The loop with the new stage.", body = loops::LoopView), (status = 409, description = "The loop changed since `version`: reload it and try again.", body = crate::error::ErrorBody),
        (status = 422, description = "A field is missing or invalid.", body = crate::error::ErrorBody)))]
pub async fn api_add_stage(
    state: State,
    me: CurrentUser,
    id: web::Path<i64>,
    body: ApiJson<AddStageBody>,
) -> Result<HttpResponse, AppError> {
    let body = body.0;
    let version = version_of(body.version)?;
    let kind = body
        .stage_kind
        .ok_or_else(|| api_field_errors(vec![("stage_kind", "Choose a stage kind.".into())]))?;
    let (id, user) = (id.into_inner(), me.user.clone());
    db_json(&state, StatusCode::CREATED, move |conn| {
        edits::add_stage(conn, &user, id, version, &kind, body.position)
    })
    .await
}

/// `PATCH /api/v1/stages/{id}`: what is left out stays; `null` clears
/// `starts_at`, `time_zone` and `location`, and is refused elsewhere.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct StageBody {
    /// The loop version this edit is based on (409 if it is stale).
    #[schema(required = true, nullable = false)]
    version: Option<i64>,
    #[serde(default, deserialize_with = "patch::not_null")]
    #[schema(nullable = false)]
    title: Option<String>,
    #[serde(default, deserialize_with = "patch::not_null")]
    #[schema(nullable = false)]
    format: Option<String>,
    #[serde(default, deserialize_with = "patch::not_null")]
    #[schema(nullable = false)]
    duration_minutes: Option<i64>,
    #[serde(default, deserialize_with = "patch::not_null")]
    #[schema(nullable = false)]
    focus_criterion_ids: Option<Vec<i64>>,
    #[serde(default, deserialize_with = "patch::nullable")]
    location: Option<Option<String>>,
    #[serde(default, deserialize_with = "patch::not_null")]
    #[schema(nullable = false)]
    position: Option<usize>,
    /// RFC 3339 with its offset.
    #[serde(default, deserialize_with = "patch::nullable")]
    starts_at: Option<Option<String>>,
    /// An IANA zone name.
    #[serde(default, deserialize_with = "patch::nullable")]
    time_zone: Option<Option<String>>,
}

#[utoipa::path(patch, path = "/api/v1/stages/{id}", params(("id" = i64, Path, description = "The stage's id")), request_body = StageBody, summary = "Change a stage: title, format, duration, focus, schedule, place",
    responses((status = 200, description = "The loop.", body = loops::LoopView), (status = 409, description = "The loop changed since `version`: reload it and try again.", body = crate::error::ErrorBody),
        (status = 422, description = "A field is invalid.", body = crate::error::ErrorBody)))]
pub async fn api_update_stage(
    state: State,
    me: CurrentUser,
    id: web::Path<i64>,
    body: ApiJson<StageBody>,
) -> Result<HttpResponse, AppError> {
    let body = body.0;
    let version = version_of(body.version)?;
    let starts_at = body
        .starts_at
        .map(|sent| sent.map(|text| rfc3339("starts_at", &text)).transpose())
        .transpose()?;
    let time_zone = body
        .time_zone
        .map(|sent| sent.map(|zone| iana_zone("time_zone", &zone)).transpose())
        .transpose()?;
    let changes = StageChanges {
        title: body.title,
        format: body.format,
        duration_minutes: body.duration_minutes,
        focus_criterion_ids: body.focus_criterion_ids,
        location: body.location,
        position: body.position,
        starts_at,
        time_zone,
    };
    let (id, user) = (id.into_inner(), me.user.clone());
    db_json(&state, StatusCode::OK, move |conn| {
        edits::update_stage(conn, &user, id, version, changes)
    })
    .await
}

/// An instant as RFC 3339 (with its offset), in UTC.
fn rfc3339(field: &str, text: &str) -> Result<chrono::NaiveDateTime, AppError> {
    chrono::DateTime::parse_from_rfc3339(text.trim())
        .map(|t| t.naive_utc())
        .map_err(|_| {
            AppError::field(
                field,
                "Give a time like 2026-12-01T09:30:00+01:00 (RFC 3339, with its offset).",
            )
        })
}

/// An IANA time zone name, trimmed.
fn iana_zone(field: &str, zone: &str) -> Result<String, AppError> {
    crate::domain::when::parse_zone(zone)
        .map(|z| z.name().to_owned())
        .map_err(|e| AppError::field(field, e.0))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct VersionQuery {
    /// The loop version this edit is based on.
    #[param(required = true)]
    version: Option<i64>,
}

#[utoipa::path(delete, path = "/api/v1/stages/{id}", params(("id" = i64, Path, description = "The stage's id"), VersionQuery), summary = "Remove a stage from its loop",
    responses((status = 200, description = "The loop without the stage.", body = loops::LoopView), (status = 409, description = "The loop changed since `version` (reload it and try again), or the stage has scorecards, drafts or submitted, and stays.", body = crate::error::ErrorBody),
        (status = 422, description = "`version` is missing.", body = crate::error::ErrorBody)))]
pub async fn api_delete_stage(
    state: State,
    me: CurrentUser,
    id: web::Path<i64>,
    q: ApiQuery<VersionQuery>,
) -> Result<HttpResponse, AppError> {
    let version = version_of(q.version)?;
    let (id, user) = (id.into_inner(), me.user.clone());
    db_json(&state, StatusCode::OK, move |conn| {
        edits::delete_stage(conn, &user, id, version)
    })
    .await
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct QuestionsBody {
    #[schema(required = true, nullable = false)]
    question_ids: Option<Vec<i64>>,
    #[schema(required = true, nullable = false)]
    version: Option<i64>,
}

#[utoipa::path(put, path = "/api/v1/stages/{id}/questions", params(("id" = i64, Path, description = "The stage's id")), request_body = QuestionsBody, summary = "Set a stage's questions, in order",
    responses((status = 200, description = "The loop.", body = loops::LoopView), (status = 409, description = "The loop changed since `version`: reload it and try again.", body = crate::error::ErrorBody),
        (status = 422, description = "A field is missing or invalid.", body = crate::error::ErrorBody)))]
pub async fn api_stage_questions(
    state: State,
    me: CurrentUser,
    id: web::Path<i64>,
    body: ApiJson<QuestionsBody>,
) -> Result<HttpResponse, AppError> {
    let body = body.0;
    let version = version_of(body.version)?;
    let ids = body.question_ids.ok_or_else(|| {
        api_field_errors(vec![(
            "question_ids",
            "Send the stage's questions in order.".into(),
        )])
    })?;
    let (id, user) = (id.into_inner(), me.user.clone());
    db_json(&state, StatusCode::OK, move |conn| {
        edits::set_questions(conn, &user, id, version, &ids)
    })
    .await
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct InterviewersBody {
    #[schema(required = true, nullable = false)]
    user_ids: Option<Vec<i64>>,
    #[schema(required = true, nullable = false)]
    version: Option<i64>,
}

#[utoipa::path(put, path = "/api/v1/stages/{id}/interviewers", params(("id" = i64, Path, description = "The stage's id")), request_body = InterviewersBody, summary = "Set a stage's interviewers",
    responses((status = 200, description = "The loop.", body = loops::LoopView), (status = 409, description = "The loop changed since `version`: reload it and try again.", body = crate::error::ErrorBody),
        (status = 422, description = "A field is missing or invalid.", body = crate::error::ErrorBody)))]
pub async fn api_stage_interviewers(
    state: State,
    me: CurrentUser,
    id: web::Path<i64>,
    body: ApiJson<InterviewersBody>,
) -> Result<HttpResponse, AppError> {
    let body = body.0;
    let version = version_of(body.version)?;
    let ids = body.user_ids.ok_or_else(|| {
        api_field_errors(vec![("user_ids", "Send the stage's interviewers.".into())])
    })?;
    let (id, user) = (id.into_inner(), me.user.clone());
    db_json(&state, StatusCode::OK, move |conn| {
        edits::set_interviewers(conn, &user, id, version, &ids)
    })
    .await
}

#[utoipa::path(get, path = "/api/v1/loops/{id}/revisions", params(("id" = i64, Path, description = "The loop's id"), Paging), summary = "A loop's recorded changes",
    responses((status = 200, description = "One page of revisions.", body = RevisionPage)))]
pub async fn api_revisions(
    state: State,
    me: CurrentUser,
    id: web::Path<i64>,
    paging: Paging,
) -> Result<HttpResponse, AppError> {
    let (id, user) = (id.into_inner(), me.user.clone());
    db_json(&state, StatusCode::OK, move |conn| {
        Ok(paging.list_of("revisions", revisions::revisions(conn, &user, id)?))
    })
    .await
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CompareQuery {
    /// The earlier version.
    #[param(required = true)]
    from: Option<i64>,
    /// The later version.
    #[param(required = true)]
    to: Option<i64>,
}

/// What changed between two versions of a loop.
#[utoipa::path(get, path = "/api/v1/loops/{id}/revisions/compare", params(("id" = i64, Path, description = "The loop's id"), CompareQuery), summary = "What changed between two versions of a loop",
    responses((status = 200, description = "The changes.", body = revisions::Comparison),
        (status = 422, description = "`from` or `to` is missing.", body = crate::error::ErrorBody)))]
pub async fn api_compare(
    state: State,
    me: CurrentUser,
    id: web::Path<i64>,
    q: ApiQuery<CompareQuery>,
) -> Result<HttpResponse, AppError> {
    let (id, user) = (id.into_inner(), me.user.clone());
    let (from, to) = match (q.from, q.to) {
        (Some(f), Some(t)) => (f, t),
        _ => {
            return Err(api_field_errors(vec![(
                "from",
                "Give two versions: ?from=1&to=3.".into(),
            )]));
        }
    };
    db_json(&state, StatusCode::OK, move |conn| {
        revisions::compare(conn, &user, id, from, to)
    })
    .await
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InterviewerQuery {
    /// Part of a name or email.
    #[serde(default)]
    q: String,
}

/// `GET /api/v1/interviewers?q=&page=&per_page=`: active people whose name
/// or email contains `q`, by name, for the planner's picker (`EditLoop`):
/// `{"interviewers": [{id, name, email, role, active}], page, per_page, total}`.
#[utoipa::path(get, path = "/api/v1/interviewers", params(InterviewerQuery, Paging), summary = "Active people to pick as interviewers",
    responses((status = 200, description = "One page of people.", body = InterviewerPage)))]
pub async fn api_interviewers(
    state: State,
    me: CurrentUser,
    q: ApiQuery<InterviewerQuery>,
    paging: Paging,
) -> Result<HttpResponse, AppError> {
    let (user, q) = (me.user.clone(), q.0.q);
    db_json(&state, StatusCode::OK, move |conn| {
        let (people, total) =
            super::planner::interviewers_matching(conn, &user, &q, paging.page, paging.per_page)?;
        Ok(paging.listed("interviewers", people, total))
    })
    .await
}
