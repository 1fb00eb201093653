//! Candidates and their prep packs under `/api/v1`.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::{Deserialize, Serialize};

use crate::auth::CurrentUser;
use crate::candidates::schedule::schedule_of;
use crate::candidates::{self, CandidateChanges, CandidateInput, prep_pack};
use crate::domain::CandidateStatus;
use crate::domain::{EmailAddress, PersonName};
use crate::error::AppError;
use crate::web::extract::{ApiJson, ApiQuery, JSON_LIMIT, LimitedBody, json_body, patch};
use crate::web::form::Paging;
use crate::web::named;
use crate::web::{State, api_field_errors, db, db_json};

crate::page_body!(CandidatePage {
    candidates: candidates::CandidateView
});
crate::named_body!(CandidateAnswer {
    candidate: candidates::CandidateView
});
crate::page_body!(MessagePage {
    messages: prep_pack::Delivery
});

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CandidatesQuery {
    job_id: Option<i64>,
    status: Option<String>,
}

/// `GET /api/v1/candidates?job_id=&status=&page=&per_page=`.
#[utoipa::path(get, path = "/api/v1/candidates", params(CandidatesQuery, Paging), summary = "The candidates the caller may see",
    responses((status = 200, description = "One page of candidates.", body = CandidatePage)))]
pub async fn api_candidates(
    state: State,
    me: CurrentUser,
    paging: Paging,
    q: ApiQuery<CandidatesQuery>,
) -> Result<HttpResponse, AppError> {
    let q = q.0;
    let status = q
        .status
        .as_deref()
        .filter(|s| !s.is_empty())
        .map(str::parse::<CandidateStatus>)
        .transpose()
        .map_err(|e| AppError::parameter("status", e.0))?;
    let user = me.user.clone();
    db_json(&state, StatusCode::OK, move |conn| {
        let (list, total) = candidates::candidates_for(
            conn,
            &user,
            q.job_id,
            status,
            paging.page,
            paging.per_page,
        )?;
        Ok(paging.listed("candidates", list, total))
    })
    .await
}

#[utoipa::path(post, path = "/api/v1/candidates", request_body = CandidateInput, summary = "Add a candidate to a job (clones the job's template loop)",
    responses((status = 201, description = "The candidate.", body = CandidateAnswer),
        (status = 409, description = "The candidate is on this job already.", body = crate::error::ErrorBody),
        (status = 422, description = "A field is missing or invalid.", body = crate::error::ErrorBody)))]
pub async fn api_create_candidate(
    state: State,
    me: CurrentUser,
    body: ApiJson<CandidateInput>,
) -> Result<HttpResponse, AppError> {
    let new = body.0.parse().map_err(api_field_errors)?;
    let user = me.user.clone();
    db_json(&state, StatusCode::CREATED, move |conn| {
        let id = candidates::create_candidate(conn, &user, new)?;
        let created = candidates::candidate(conn, &user, id)?;
        Ok(named("candidate", created))
    })
    .await
}

#[utoipa::path(get, path = "/api/v1/candidates/{id}", params(("id" = i64, Path, description = "The candidate's id")), summary = "A candidate and their schedule",
    responses((status = 200, description = "The candidate.", body = CandidateWithSchedule)))]
pub async fn api_candidate(
    state: State,
    me: CurrentUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let (id, user) = (id.into_inner(), me.user.clone());
    db_json(&state, StatusCode::OK, move |conn| {
        Ok(CandidateWithSchedule {
            candidate: candidates::candidate(conn, &user, id)?,
            schedule: schedule_of(conn, &user, id)?,
        })
    })
    .await
}

/// `GET /api/v1/candidates/{id}`.
#[derive(Serialize, utoipa::ToSchema)]
pub struct CandidateWithSchedule {
    candidate: candidates::CandidateView,
    schedule: crate::candidates::schedule::ScheduleView,
}

/// What sending a prep pack did: queued now, or already (same key).
#[derive(Serialize, utoipa::ToSchema)]
pub struct Queued {
    outbox_id: i64,
    queued: bool,
}

/// `PATCH /api/v1/candidates/{id}`: `null` clears `notes`, and is refused elsewhere.
#[derive(Deserialize, utoipa::ToSchema)]
pub struct CandidateBody {
    #[serde(default, deserialize_with = "patch::not_null")]
    #[schema(nullable = false)]
    name: Option<String>,
    #[serde(default, deserialize_with = "patch::not_null")]
    #[schema(nullable = false)]
    email: Option<String>,
    #[serde(default, deserialize_with = "patch::nullable")]
    notes: Option<Option<String>>,
    #[serde(default, deserialize_with = "patch::not_null")]
    #[schema(nullable = false)]
    #[schema(value_type = Option<CandidateStatus>)]
    status: Option<String>,
}

#[utoipa::path(patch, path = "/api/v1/candidates/{id}", params(("id" = i64, Path, description = "The candidate's id")), request_body = CandidateBody, summary = "Change a candidate",
    responses((status = 200, description = "The candidate.", body = CandidateAnswer),
        (status = 409, description = "Another candidate of this job has that email, or the candidate was erased and a name, email or notes were sent.", body = crate::error::ErrorBody),
        (status = 422, description = "A field is invalid.", body = crate::error::ErrorBody)))]
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
        notes: body.notes.map(Option::unwrap_or_default),
        status: body.status,
    };
    let (id, user) = (id.into_inner(), me.user.clone());
    db_json(&state, StatusCode::OK, move |conn| {
        Ok(named(
            "candidate",
            candidates::update_candidate(conn, &user, id, changes)?,
        ))
    })
    .await
}

#[utoipa::path(get, path = "/api/v1/candidates/{id}/loop", params(("id" = i64, Path, description = "The candidate's id")), summary = "A candidate's loop",
    responses((status = 200, description = "The loop.", body = crate::loops::LoopView)))]
pub async fn api_candidate_loop(
    state: State,
    me: CurrentUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let (id, user) = (id.into_inner(), me.user.clone());
    db_json(&state, StatusCode::OK, move |conn| {
        Ok(candidates::with_loop(conn, &user, id)?.1)
    })
    .await
}

#[utoipa::path(get, path = "/api/v1/candidates/{id}/prep-pack", params(("id" = i64, Path, description = "The candidate's id")), summary = "Preview the prep pack: subject, text and HTML",
    responses((status = 200, description = "The prep pack as it would be sent.", body = prep_pack::PackPreview)))]
pub async fn api_prep_pack(
    state: State,
    me: CurrentUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let (id, user, st) = (id.into_inner(), me.user.clone(), state.clone());
    db_json(&state, StatusCode::OK, move |conn| {
        let pack = prep_pack::build(conn, &st.templates, &user, id, None)?;
        Ok(prep_pack::PackPreview::from(pack))
    })
    .await
}

#[derive(Deserialize, Default, utoipa::ToSchema)]
pub struct SendBody {
    note: Option<String>,
}

#[utoipa::path(post, path = "/api/v1/candidates/{id}/prep-pack/send",
    params(("id" = i64, Path, description = "The candidate's id"), ("Idempotency-Key" = Option<String>, Header, description = "The same key sends once (at most 200 characters)")),
    request_body(content = Option<SendBody>, description = "Optional: a note to add above the pack"),
    summary = "Email the prep pack to the candidate",
    responses((status = 202, description = "Queued for sending.", body = Queued),
        (status = 200, description = "Queued before with this key; not sent again.", body = Queued),
        (status = 422, description = "The note is too long, or the candidate has no email.", body = crate::error::ErrorBody)))]
pub async fn api_send_prep_pack(
    state: State,
    me: CurrentUser,
    req: actix_web::HttpRequest,
    id: web::Path<i64>,
    body: LimitedBody<JSON_LIMIT>,
) -> Result<HttpResponse, AppError> {
    // The body is optional: no body (or `null`) sends the pack without a note.
    let body: SendBody = if body.0.is_empty() {
        SendBody::default()
    } else {
        json_body::<Option<SendBody>>(&body.0)?.unwrap_or_default()
    };
    if body
        .note
        .as_deref()
        .is_some_and(|n| n.chars().count() > 2000)
    {
        return Err(api_field_errors(vec![(
            "note",
            "Keep the note under 2000 characters.".into(),
        )]));
    }
    let key = req
        .headers()
        .get("Idempotency-Key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .unwrap_or_else(crate::auth::token::generate);
    if key.len() > 200 {
        return Err(AppError::BadRequest(
            "Idempotency-Key: use at most 200 characters.".into(),
        ));
    }
    let (id, user, st) = (id.into_inner(), me.user.clone(), state.clone());
    let (outbox_id, created) = db(&state, move |conn| {
        prep_pack::send(conn, &st.templates, &user, id, body.note.as_deref(), &key)
    })
    .await?;
    state.mail_wake.notify_one();
    let status = if created {
        actix_web::http::StatusCode::ACCEPTED
    } else {
        actix_web::http::StatusCode::OK
    };
    Ok(HttpResponse::build(status).json(Queued {
        outbox_id,
        queued: created,
    }))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OutboxQuery {
    /// Whose emails (required).
    #[param(required = true)]
    candidate_id: Option<i64>,
}

/// `GET /api/v1/outbox?candidate_id=&page=&per_page=`: delivery status.
#[utoipa::path(get, path = "/api/v1/outbox", params(OutboxQuery, Paging), summary = "The emails to a candidate and their delivery status",
    responses((status = 200, description = "One page of emails.", body = MessagePage)))]
pub async fn api_outbox(
    state: State,
    me: CurrentUser,
    paging: Paging,
    q: ApiQuery<OutboxQuery>,
) -> Result<HttpResponse, AppError> {
    let candidate = q
        .candidate_id
        .ok_or_else(|| AppError::parameter("candidate_id", "Say whose emails: ?candidate_id=…"))?;
    let user = me.user.clone();
    db_json(&state, StatusCode::OK, move |conn| {
        let rows = prep_pack::deliveries(conn, &user, candidate)?;
        let list: Vec<prep_pack::Delivery> = rows.iter().map(prep_pack::Delivery::from).collect();
        Ok(paging.list_of("messages", list))
    })
    .await
}
