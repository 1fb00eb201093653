//! Interview kits, scorecards, the debrief and the decision: `/api/v1`.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

use super::extract::ApiJson;
use super::{PageQuery, State, api_field_errors, db};
use crate::auth::CurrentUser;
use crate::domain::scorecard::ScorecardContent;
use crate::error::AppError;
use crate::scorecards;

pub async fn api_my_interviews(
    state: State,
    me: CurrentUser,
    q: web::Query<PageQuery>,
) -> Result<HttpResponse, AppError> {
    let (user, page, per_page) = (me.user.clone(), q.page(), q.per_page());
    let (list, total) = db(&state, move |conn| {
        Ok(scorecards::my_interviews(conn, &user, page, per_page)?)
    })
    .await?;
    Ok(HttpResponse::Ok()
        .json(json!({"interviews": list, "page": page, "per_page": per_page, "total": total})))
}

pub async fn api_kit(
    state: State,
    me: CurrentUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let (id, user) = (id.into_inner(), me.user.clone());
    let kit = db(&state, move |conn| {
        scorecards::authorize_kit(conn, &user, id)?;
        scorecards::kit(conn, id)
    })
    .await?;
    Ok(HttpResponse::Ok().json(kit))
}

pub async fn api_scorecard(
    state: State,
    me: CurrentUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let (id, user) = (id.into_inner(), me.user.clone());
    let card = db(&state, move |conn| {
        scorecards::authorize_own(conn, &user, id)?;
        scorecards::own(conn, &user, id)
    })
    .await?;
    Ok(HttpResponse::Ok().json(card))
}

pub async fn api_save_scorecard(
    state: State,
    me: CurrentUser,
    id: web::Path<i64>,
    body: ApiJson<ScorecardContent>,
) -> Result<HttpResponse, AppError> {
    let (id, user, content) = (id.into_inner(), me.user.clone(), body.0);
    let card = db(&state, move |conn| {
        scorecards::authorize_own(conn, &user, id)?;
        scorecards::save_draft(conn, &user, id, &content)
    })
    .await?;
    Ok(HttpResponse::Ok().json(card))
}

pub async fn api_submit_scorecard(
    state: State,
    me: CurrentUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let (id, user) = (id.into_inner(), me.user.clone());
    let card = db(&state, move |conn| {
        scorecards::authorize_own(conn, &user, id)?;
        scorecards::submit(conn, &user, id)
    })
    .await?;
    Ok(HttpResponse::Ok().json(card))
}

#[derive(Deserialize)]
pub struct AmendmentBody {
    #[serde(default)]
    reason: String,
    #[serde(flatten)]
    content: ScorecardContent,
}

pub async fn api_amend_scorecard(
    state: State,
    me: CurrentUser,
    id: web::Path<i64>,
    body: ApiJson<AmendmentBody>,
) -> Result<HttpResponse, AppError> {
    let (id, user, body) = (id.into_inner(), me.user.clone(), body.0);
    let card = db(&state, move |conn| {
        scorecards::authorize_own(conn, &user, id)?;
        scorecards::amend(conn, &user, id, &body.reason, &body.content)
    })
    .await?;
    Ok(HttpResponse::Created().json(card))
}

pub async fn api_debrief(
    state: State,
    me: CurrentUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let (id, user) = (id.into_inner(), me.user.clone());
    let debrief = db(&state, move |conn| {
        scorecards::authorize_debrief(conn, &user, id)?;
        scorecards::debrief(conn, id)
    })
    .await?;
    Ok(HttpResponse::Ok().json(debrief))
}

#[derive(Deserialize)]
pub struct DecisionBody {
    outcome: Option<String>,
    rationale: Option<String>,
    #[serde(default)]
    criterion_ids: Vec<i64>,
}

pub async fn api_decide(
    state: State,
    me: CurrentUser,
    id: web::Path<i64>,
    body: ApiJson<DecisionBody>,
) -> Result<HttpResponse, AppError> {
    let body = body.0;
    let outcome = body.outcome.ok_or_else(|| {
        api_field_errors(vec![("outcome", "Choose hire, no_hire or hold.".into())])
    })?;
    let (id, user) = (id.into_inner(), me.user.clone());
    let debrief = db(&state, move |conn| {
        scorecards::decide(
            conn,
            &user,
            id,
            &outcome,
            body.rationale.as_deref().unwrap_or_default(),
            &body.criterion_ids,
        )?;
        scorecards::debrief(conn, id)
    })
    .await?;
    Ok(HttpResponse::Created()
        .json(json!({"decision": debrief["decisions"][0], "decisions": debrief["decisions"]})))
}

fn can_send_packs(
    conn: &mut crate::db::DbConn,
    user: &crate::db::models::User,
    candidate_id: i64,
) -> Result<(), AppError> {
    crate::planning::authorize_candidate(conn, user, candidate_id).map(|_| ())
}

pub async fn api_prep_pack(
    state: State,
    me: CurrentUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let (id, user, st) = (id.into_inner(), me.user.clone(), state.clone());
    let pack = db(&state, move |conn| {
        can_send_packs(conn, &user, id)?;
        crate::prep_pack::build(conn, &st.templates, &user, id, None)
    })
    .await?;
    Ok(HttpResponse::Ok().json(json!({
        "subject": pack.subject, "text": pack.text, "html": pack.html, "calendar": pack.calendar,
        "loop_version": pack.loop_version, "template_version": pack.template_version,
    })))
}

#[derive(Deserialize, Default)]
pub struct SendBody {
    note: Option<String>,
}

pub async fn api_send_prep_pack(
    state: State,
    me: CurrentUser,
    req: actix_web::HttpRequest,
    id: web::Path<i64>,
    body: web::Bytes,
) -> Result<HttpResponse, AppError> {
    let body: SendBody = if body.is_empty() {
        SendBody::default()
    } else {
        serde_json::from_slice(&body)
            .map_err(|e| AppError::BadRequest(format!("The body is not valid JSON: {e}")))?
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
        can_send_packs(conn, &user, id)?;
        crate::prep_pack::send(conn, &st.templates, &user, id, body.note.as_deref(), &key)
    })
    .await?;
    state.mail_wake.notify_one();
    let status = if created {
        actix_web::http::StatusCode::ACCEPTED
    } else {
        actix_web::http::StatusCode::OK
    };
    Ok(HttpResponse::build(status).json(json!({"outbox_id": outbox_id, "queued": created})))
}

#[derive(Deserialize)]
pub struct OutboxQuery {
    candidate_id: Option<i64>,
}

pub async fn api_outbox(
    state: State,
    me: CurrentUser,
    q: web::Query<OutboxQuery>,
) -> Result<HttpResponse, AppError> {
    let candidate = q.candidate_id.ok_or_else(|| {
        api_field_errors(vec![(
            "candidate_id",
            "Say whose emails: ?candidate_id=…".into(),
        )])
    })?;
    let user = me.user.clone();
    let rows = db(&state, move |conn| {
        can_send_packs(conn, &user, candidate)?;
        Ok(crate::prep_pack::deliveries(conn, candidate)?)
    })
    .await?;
    let list: Vec<serde_json::Value> = rows
        .iter()
        .map(|m| json!({"id": m.id, "kind": m.kind, "subject": m.subject, "status": m.status, "attempts": m.attempts,
                        "last_error": m.last_error, "sent_at": m.sent_at.map(|t| t.and_utc().to_rfc3339()),
                        "queued_at": m.created_at.and_utc().to_rfc3339()}))
        .collect();
    Ok(HttpResponse::Ok().json(json!({"messages": list})))
}
