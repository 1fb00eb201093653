//! Webhooks under `/api/v1/webhooks` (admins).

use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::NewWebhook;
use crate::auth::CurrentUser;
use crate::db::models::now;
use crate::error::AppError;
use crate::web::extract::ApiJson;
use crate::web::form::Paging;
use crate::web::{State, db, named};

/// `GET /api/v1/webhooks?page=&per_page=`: `{webhooks: [{id, url, events,
/// secret, created_by, created_by_name, created_at}], page, per_page,
/// total}`, oldest first.
pub async fn api_list(
    state: State,
    me: CurrentUser,
    paging: Paging,
) -> Result<HttpResponse, AppError> {
    let user = me.user.clone();
    let all = db(&state, move |conn| super::list(conn, &user)).await?;
    Ok(HttpResponse::Ok().json(paging.list_of("webhooks", all)))
}

#[derive(Deserialize)]
pub struct NewWebhookBody {
    #[serde(default)]
    url: String,
    #[serde(default)]
    events: Vec<String>,
}

/// `POST /api/v1/webhooks` `{url, events: [...]}`: 201 with `{webhook}`
/// (its `secret` signs the deliveries); 422 naming `url` or `events`.
pub async fn api_create(
    state: State,
    me: CurrentUser,
    body: ApiJson<NewWebhookBody>,
) -> Result<HttpResponse, AppError> {
    me.require(crate::access::Action::ManageWebhooks)?;
    let new = NewWebhook {
        url: body.0.url,
        events: body.0.events,
    };
    let user = me.user.clone();
    let created = db(&state, move |conn| super::create(conn, &user, &new, now())).await?;
    Ok(HttpResponse::Created()
        .insert_header((
            actix_web::http::header::LOCATION,
            format!("/api/v1/webhooks/{}", created.id),
        ))
        .json(named("webhook", created)))
}

/// `GET /api/v1/webhooks/{id}`: `{webhook}`; 404 if there is none.
pub async fn api_show(
    state: State,
    me: CurrentUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let (user, id) = (me.user.clone(), id.into_inner());
    let hook = db(&state, move |conn| super::find(conn, &user, id)).await?;
    Ok(HttpResponse::Ok().json(named("webhook", hook)))
}

/// `DELETE /api/v1/webhooks/{id}`: 204; nothing more is sent to it, and its
/// delivery log goes with it. 404 if there is none.
pub async fn api_delete(
    state: State,
    me: CurrentUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let (user, id) = (me.user.clone(), id.into_inner());
    db(&state, move |conn| super::delete(conn, &user, id)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// `GET /api/v1/webhooks/{id}/deliveries?page=&per_page=`: the delivery
/// log, newest first: `{deliveries: [{id, event, state, attempts,
/// status_code, last_error, created_at, next_attempt_at, sent_at, payload,
/// history: [{attempt, at, status_code, error, duration_ms}]}], page,
/// per_page, total}`.
pub async fn api_deliveries(
    state: State,
    me: CurrentUser,
    paging: Paging,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let (user, id) = (me.user.clone(), id.into_inner());
    let (page, per_page) = (paging.page, paging.per_page);
    let (list, total) = db(&state, move |conn| {
        super::deliveries(conn, &user, id, page, per_page)
    })
    .await?;
    Ok(HttpResponse::Ok().json(paging.listed("deliveries", list, total)))
}

/// `POST /api/v1/webhooks/{id}/test`: queues a `webhook.test` event for it;
/// 202 with `{delivery_id}`.
pub async fn api_test(
    state: State,
    me: CurrentUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let (user, id) = (me.user.clone(), id.into_inner());
    let delivery = db(&state, move |conn| super::send_test(conn, &user, id, now())).await?;
    Ok(HttpResponse::Accepted().json(named("delivery_id", delivery)))
}
