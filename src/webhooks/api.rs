//! Webhooks under `/api/v1/webhooks` (admins).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;

use super::NewWebhook;
use crate::auth::CurrentUser;
use crate::db::models::now;
use crate::error::AppError;
use crate::web::extract::ApiJson;
use crate::web::form::Paging;
use crate::web::{State, db, db_json, named};

use super::{DeliveryView, WebhookView};

crate::page_body!(WebhookPage {
    webhooks: WebhookView
});
crate::page_body!(DeliveryPage {
    deliveries: DeliveryView
});
crate::named_body!(WebhookBody {
    webhook: WebhookView
});
crate::named_body!(QueuedDelivery { delivery_id: i64 });

/// `GET /api/v1/webhooks?page=&per_page=`: `{webhooks: [{id, url, events,
/// secret, created_by, created_by_name, created_at}], page, per_page,
/// total}`, oldest first.
#[utoipa::path(get, path = "/api/v1/webhooks", params(Paging), operation_id = "list_webhooks", summary = "The webhooks, oldest first (admins)",
    responses((status = 200, description = "One page of webhooks.", body = WebhookPage)))]
pub async fn api_list(
    state: State,
    me: CurrentUser,
    paging: Paging,
) -> Result<HttpResponse, AppError> {
    let user = me.user.clone();
    db_json(&state, StatusCode::OK, move |conn| {
        let all = super::list(conn, &user)?;
        Ok(paging.list_of("webhooks", all))
    })
    .await
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct NewWebhookBody {
    /// Where deliveries are posted: `http` or `https`.
    #[serde(default)]
    url: String,
    /// Any of `candidate.created`, `scorecard.submitted`,
    /// `decision.recorded`, `prep_pack.sent`, `prep_pack.failed`.
    #[serde(default)]
    events: Vec<String>,
}

/// `POST /api/v1/webhooks` `{url, events: [...]}`: 201 with `{webhook}`
/// (its `secret` signs the deliveries); 422 naming `url` or `events`.
#[utoipa::path(post, path = "/api/v1/webhooks", request_body = NewWebhookBody, operation_id = "create_webhook", summary = "Register a webhook (admins); its secret signs every delivery",
    responses((status = 201, description = "The webhook, with its secret.", body = WebhookBody),
        (status = 422, description = "The URL or the events are refused.", body = crate::error::ErrorBody)))]
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
#[utoipa::path(get, path = "/api/v1/webhooks/{id}", params(("id" = i64, Path, description = "The webhook's id")), operation_id = "get_webhook", summary = "One webhook (admins)",
    responses((status = 200, description = "The webhook.", body = WebhookBody)))]
pub async fn api_show(
    state: State,
    me: CurrentUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let (user, id) = (me.user.clone(), id.into_inner());
    db_json(&state, StatusCode::OK, move |conn| {
        let hook = super::find(conn, &user, id)?;
        Ok(named("webhook", hook))
    })
    .await
}

/// `DELETE /api/v1/webhooks/{id}`: 204; nothing more is sent to it, and its
/// delivery log goes with it. 404 if there is none.
#[utoipa::path(delete, path = "/api/v1/webhooks/{id}", params(("id" = i64, Path, description = "The webhook's id")), operation_id = "delete_webhook", summary = "Delete a webhook and its delivery log (admins)",
    responses((status = 204, description = "Deleted.")))]
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
#[utoipa::path(get, path = "/api/v1/webhooks/{id}/deliveries", params(("id" = i64, Path, description = "The webhook's id"), Paging), operation_id = "webhook_deliveries", summary = "A webhook's delivery log, newest first (admins)",
    responses((status = 200, description = "One page of deliveries, each with its attempts.", body = DeliveryPage)))]
pub async fn api_deliveries(
    state: State,
    me: CurrentUser,
    paging: Paging,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let (user, id) = (me.user.clone(), id.into_inner());
    let (page, per_page) = (paging.page, paging.per_page);
    db_json(&state, StatusCode::OK, move |conn| {
        let (list, total) = super::deliveries(conn, &user, id, page, per_page)?;
        Ok(paging.listed("deliveries", list, total))
    })
    .await
}

/// `POST /api/v1/webhooks/{id}/test`: queues a `webhook.test` event for it;
/// 202 with `{delivery_id}`.
#[utoipa::path(post, path = "/api/v1/webhooks/{id}/test", params(("id" = i64, Path, description = "The webhook's id")), operation_id = "test_webhook", summary = "Queue a `webhook.test` delivery (admins)",
    responses((status = 202, description = "Queued; the delivery's id.", body = QueuedDelivery)))]
pub async fn api_test(
    state: State,
    me: CurrentUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let (user, id) = (me.user.clone(), id.into_inner());
    db_json(&state, StatusCode::ACCEPTED, move |conn| {
        let delivery = super::send_test(conn, &user, id, now())?;
        Ok(named("delivery_id", delivery))
    })
    .await
}
