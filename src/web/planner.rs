//! Jobs and loop planning: `/api/v1` (pages come next).

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

use super::extract::ApiJson;
use super::{State, api_field_errors, db};
use crate::auth::CurrentUser;
use crate::domain::{EmailAddress, PersonName};
use crate::domain::{Permission, Role};
use crate::error::AppError;
use crate::planning::{self, CandidateChanges, NewCandidate, NewJob, StageChanges};

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
    let body = body.0;
    let version = version_of(body.version)?;
    let starts_at = match body.starts_at {
        None => None,
        Some(serde_json::Value::Null) => Some(None),
        Some(serde_json::Value::String(text)) => Some(Some(
            chrono::DateTime::parse_from_rfc3339(text.trim())
                .map(|t| t.naive_utc())
                .map_err(|_| {
                    AppError::field(
                        "starts_at",
                        "Give a time like 2026-12-01T09:30:00+01:00 (RFC 3339, with its offset).",
                    )
                })?,
        )),
        Some(_) => {
            return Err(AppError::field(
                "starts_at",
                "Give the time as text (RFC 3339) or null.",
            ));
        }
    };
    let time_zone = match body.time_zone {
        None => None,
        Some(serde_json::Value::Null) => Some(None),
        Some(serde_json::Value::String(zone)) => {
            let zone = zone.trim().to_owned();
            if zone.parse::<chrono_tz::Tz>().is_err() {
                return Err(AppError::field(
                    "time_zone",
                    "Give an IANA time zone such as Europe/Berlin or America/New_York.",
                ));
            }
            Some(Some(zone))
        }
        Some(_) => {
            return Err(AppError::field(
                "time_zone",
                "Give the zone as text or null.",
            ));
        }
    };
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

#[derive(Deserialize)]
pub struct CandidatesQuery {
    job_id: Option<i64>,
    status: Option<String>,
}

pub async fn api_candidates(
    state: State,
    me: CurrentUser,
    q: web::Query<CandidatesQuery>,
) -> Result<HttpResponse, AppError> {
    me.require(Permission::ManageCandidates)?;
    let q = q.into_inner();
    let user = me.user.clone();
    let list = db(&state, move |conn| {
        Ok(planning::candidates_for(
            conn,
            &user,
            q.job_id,
            q.status.as_deref().filter(|s| !s.is_empty()),
        )?)
    })
    .await?;
    let total = list.len();
    Ok(HttpResponse::Ok().json(json!({"candidates": list, "total": total})))
}

#[derive(Deserialize)]
pub struct NewCandidateBody {
    name: Option<String>,
    email: Option<String>,
    job_id: Option<i64>,
    notes: Option<String>,
}

pub async fn api_create_candidate(
    state: State,
    me: CurrentUser,
    body: ApiJson<NewCandidateBody>,
) -> Result<HttpResponse, AppError> {
    me.require(Permission::ManageCandidates)?;
    let body = body.0;
    let mut errors = Vec::new();
    let name = PersonName::parse(body.name.as_deref().unwrap_or_default())
        .map_err(|e| errors.push(("name", e.0)))
        .ok();
    let email = EmailAddress::parse(body.email.as_deref().unwrap_or_default())
        .map_err(|e| errors.push(("email", e.0)))
        .ok();
    if body.job_id.is_none() {
        errors.push(("job_id", "Choose a job.".into()));
    }
    let (Some(name), Some(email), Some(job_id)) = (name, email, body.job_id) else {
        return Err(api_field_errors(errors));
    };
    let user = me.user.clone();
    let created = db(&state, move |conn| {
        planning::authorize_job_for_candidates(conn, &user, job_id)?;
        let id = planning::create_candidate(
            conn,
            &user,
            NewCandidate {
                job_id,
                name,
                email,
                notes: body.notes.unwrap_or_default(),
            },
        )?;
        planning::candidate(conn, id)
    })
    .await?;
    Ok(HttpResponse::Created().json(json!({"candidate": created})))
}

pub async fn api_candidate(
    state: State,
    me: CurrentUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let (id, user) = (id.into_inner(), me.user.clone());
    let (candidate, schedule) = db(&state, move |conn| {
        planning::authorize_candidate(conn, &user, id)?;
        Ok((
            planning::candidate(conn, id)?,
            planning::schedule_of(conn, id)?,
        ))
    })
    .await?;
    Ok(HttpResponse::Ok().json(json!({"candidate": candidate, "schedule": schedule})))
}

#[derive(Deserialize)]
pub struct CandidateBody {
    name: Option<String>,
    email: Option<String>,
    notes: Option<String>,
    status: Option<String>,
}

pub async fn api_update_candidate(
    state: State,
    me: CurrentUser,
    id: web::Path<i64>,
    body: ApiJson<CandidateBody>,
) -> Result<HttpResponse, AppError> {
    let body = body.0;
    let mut errors = Vec::new();
    let name = body
        .name
        .as_deref()
        .map(PersonName::parse)
        .transpose()
        .map_err(|e| errors.push(("name", e.0)))
        .ok()
        .flatten();
    let email = body
        .email
        .as_deref()
        .map(EmailAddress::parse)
        .transpose()
        .map_err(|e| errors.push(("email", e.0)))
        .ok()
        .flatten();
    if !errors.is_empty() {
        return Err(api_field_errors(errors));
    }
    let changes = CandidateChanges {
        name,
        email,
        notes: body.notes,
        status: body.status,
    };
    let (id, user) = (id.into_inner(), me.user.clone());
    let updated = db(&state, move |conn| {
        planning::authorize_candidate(conn, &user, id)?;
        planning::update_candidate(conn, &user, id, changes)
    })
    .await?;
    Ok(HttpResponse::Ok().json(json!({"candidate": updated})))
}

pub async fn api_candidate_loop(
    state: State,
    me: CurrentUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let (id, user) = (id.into_inner(), me.user.clone());
    let shape = db(&state, move |conn| {
        planning::authorize_candidate(conn, &user, id)?;
        let loop_id = planning::candidate(conn, id)?
            .loop_id
            .ok_or(AppError::NotFound)?;
        planning::load_loop(conn, loop_id)
    })
    .await?;
    Ok(HttpResponse::Ok().json(shape))
}

pub async fn api_revisions(
    state: State,
    me: CurrentUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let (id, user) = (id.into_inner(), me.user.clone());
    let list = db(&state, move |conn| {
        planning::authorize_loop(conn, &user, id, false)?;
        planning::revisions(conn, id)
    })
    .await?;
    Ok(HttpResponse::Ok().json(json!({"revisions": list})))
}

#[derive(Deserialize)]
pub struct CompareQuery {
    from: Option<i64>,
    to: Option<i64>,
}

/// What changed between two versions of a loop.
pub async fn api_compare(
    state: State,
    me: CurrentUser,
    id: web::Path<i64>,
    q: web::Query<CompareQuery>,
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
    let changes = db(&state, move |conn| {
        planning::authorize_loop(conn, &user, id, false)?;
        let all = planning::revisions(conn, id)?;
        let find = |v: i64, field: &str| {
            all.iter()
                .find(|r| r.version == v)
                .cloned()
                .ok_or_else(|| AppError::field(field, format!("This loop has no version {v}.")))
        };
        let (a, b) = (find(from, "from")?, find(to, "to")?);
        Ok(planning::diff(&a.stages, &b.stages))
    })
    .await?;
    Ok(HttpResponse::Ok().json(json!({"from": from, "to": to, "changes": changes})))
}

#[derive(Deserialize)]
pub struct JobBody {
    title: Option<String>,
    team: Option<String>,
    status: Option<String>,
}

pub async fn api_update_job(
    state: State,
    me: CurrentUser,
    id: web::Path<i64>,
    body: ApiJson<JobBody>,
) -> Result<HttpResponse, AppError> {
    let body = body.0;
    if body
        .status
        .as_deref()
        .is_some_and(|s| s != "open" && s != "closed")
    {
        return Err(api_field_errors(vec![(
            "status",
            "Expected open or closed.".into(),
        )]));
    }
    let (id, user) = (id.into_inner(), me.user.clone());
    let job = db(&state, move |conn| {
        planning::authorize_job(conn, &user, id, true)?;
        planning::update_job(
            conn,
            &user,
            id,
            body.title.as_deref(),
            body.team.as_deref(),
            body.status.as_deref(),
        )?;
        planning::job(conn, id)
    })
    .await?;
    Ok(HttpResponse::Ok().json(json!({"job": job})))
}

pub async fn api_job_criteria(
    state: State,
    me: CurrentUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let (id, user) = (id.into_inner(), me.user.clone());
    let list = db(&state, move |conn| {
        planning::authorize_job(conn, &user, id, false)?;
        Ok(planning::job_criteria_of(conn, id)?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(json!({"criteria": list})))
}

#[derive(Deserialize)]
pub struct CriterionBody {
    kind: Option<String>,
    name: Option<String>,
    description: Option<String>,
    position: Option<i64>,
}

pub async fn api_add_criterion(
    state: State,
    me: CurrentUser,
    id: web::Path<i64>,
    body: ApiJson<CriterionBody>,
) -> Result<HttpResponse, AppError> {
    let body = body.0;
    let (id, user) = (id.into_inner(), me.user.clone());
    let created = db(&state, move |conn| {
        planning::authorize_job(conn, &user, id, true)?;
        planning::add_job_criterion(
            conn,
            &user,
            id,
            body.kind.as_deref().unwrap_or("criterion"),
            body.name.as_deref().unwrap_or_default(),
            body.description.as_deref().unwrap_or_default(),
        )
    })
    .await?;
    Ok(HttpResponse::Created().json(json!({"criterion": created})))
}

pub async fn api_update_criterion(
    state: State,
    me: CurrentUser,
    id: web::Path<i64>,
    body: ApiJson<CriterionBody>,
) -> Result<HttpResponse, AppError> {
    let body = body.0;
    let (id, user) = (id.into_inner(), me.user.clone());
    let changes = planning::CriterionChanges {
        name: body.name,
        description: body.description,
        position: body.position,
    };
    let updated = db(&state, move |conn| {
        let job = planning::criterion_job(conn, id)?;
        planning::authorize_job(conn, &user, job, true)?;
        planning::update_job_criterion(conn, &user, id, changes)
    })
    .await?;
    Ok(HttpResponse::Ok().json(json!({"criterion": updated})))
}

pub async fn api_delete_criterion(
    state: State,
    me: CurrentUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let (id, user) = (id.into_inner(), me.user.clone());
    db(&state, move |conn| {
        let job = planning::criterion_job(conn, id)?;
        planning::authorize_job(conn, &user, job, true)?;
        planning::delete_job_criterion(conn, &user, id)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}
