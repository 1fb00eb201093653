//! The webhook pages (admins): the list with the form to add one, and each
//! webhook's page with its secret, the test button and its delivery log.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;

use super::{DeliveryView, Event, NewWebhook, WebhookView};
use crate::access::Action;
use crate::auth::CurrentUser;
use crate::db::DbConn;
use crate::db::models::{User, now};
use crate::error::AppError;
use crate::web::extract::CsrfForm;
use crate::web::form::{Pagination, Paging, Pairs, field};
use crate::web::{FormErrors, State, db, redirect_with_flash, render_loaded};

/// An event's checkbox.
#[derive(Serialize)]
struct EventChoice {
    name: &'static str,
    label: &'static str,
    checked: bool,
}

#[derive(Serialize)]
struct Listed {
    #[serde(flatten)]
    webhook: WebhookView,
    event_labels: Vec<&'static str>,
}

#[derive(Serialize)]
struct ListPage {
    webhooks: Vec<Listed>,
    choices: Vec<EventChoice>,
    url_input: String,
    #[serde(flatten)]
    form: FormErrors,
}

fn labels(events: &[String]) -> Vec<&'static str> {
    events
        .iter()
        .filter_map(|e| Event::parse(e))
        .map(Event::label)
        .collect()
}

fn choices(chosen: &[String]) -> Vec<EventChoice> {
    Event::ALL
        .into_iter()
        .map(|e| EventChoice {
            name: e.name(),
            label: e.label(),
            checked: chosen.iter().any(|c| c == e.name()),
        })
        .collect()
}

/// The list with the add form: what was typed, and its errors, kept. Read
/// and rendered in one hop.
async fn list_page(
    state: &State,
    req: &HttpRequest,
    me: &CurrentUser,
    status: StatusCode,
    typed: NewWebhook,
    errors: Vec<(&'static str, String)>,
) -> Result<HttpResponse, AppError> {
    let user = me.user.clone();
    render_loaded(
        state,
        req,
        Some(me),
        status,
        "pages/webhooks",
        move |conn| {
            let page = ListPage {
                webhooks: super::list(conn, &user)?
                    .into_iter()
                    .map(|webhook| Listed {
                        event_labels: labels(&webhook.events),
                        webhook,
                    })
                    .collect(),
                choices: choices(&typed.events),
                url_input: typed.url,
                form: FormErrors::new(&errors),
            };
            Ok(("Webhooks".to_owned(), page))
        },
    )
    .await
}

/// `GET /webhooks`: every webhook, and the form to add one.
pub async fn list(
    state: State,
    req: HttpRequest,
    me: CurrentUser,
) -> Result<HttpResponse, AppError> {
    me.require(Action::ManageWebhooks)?;
    list_page(
        &state,
        &req,
        &me,
        StatusCode::OK,
        NewWebhook::default(),
        Vec::new(),
    )
    .await
}

/// `POST /webhooks` (`url`, `events` repeated): adds a webhook and shows
/// its page; a refused form comes back (422) with what was typed.
pub async fn create_form(
    state: State,
    req: HttpRequest,
    me: CurrentUser,
    form: CsrfForm<Pairs>,
) -> Result<HttpResponse, AppError> {
    me.require(Action::ManageWebhooks)?;
    let pairs = form.0;
    let typed = NewWebhook {
        url: field(&pairs, "url").to_owned(),
        events: pairs
            .iter()
            .filter(|(k, _)| k == "events")
            .map(|(_, v)| v.clone())
            .collect(),
    };
    let errors = typed.check();
    if !errors.is_empty() {
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        return list_page(&state, &req, &me, status, typed, errors).await;
    }
    let (user, new) = (me.user.clone(), typed.clone());
    match db(&state, move |conn| super::create(conn, &user, &new, now())).await {
        Ok(hook) => redirect_with_flash(
            &format!("/webhooks/{}", hook.id),
            "success",
            "Webhook added. Give its secret to the receiver so it can check each delivery's signature.",
        ),
        Err(AppError::Validation { fields, .. }) => {
            let errors = fields
                .into_iter()
                .map(|(f, m)| (if f == "events" { "events" } else { "url" }, m))
                .collect();
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            list_page(&state, &req, &me, status, typed, errors).await
        }
        Err(e) => Err(e),
    }
}

#[derive(Serialize)]
struct ShownDelivery {
    #[serde(flatten)]
    delivery: DeliveryView,
    /// The body as sent, indented (escaped by the template).
    payload_text: String,
}

#[derive(Serialize)]
struct ShowPage {
    webhook: WebhookView,
    event_labels: Vec<&'static str>,
    deliveries: Vec<ShownDelivery>,
    pagination: Pagination,
}

/// `GET /webhooks/{id}?page=`: the webhook, its secret and its delivery
/// log, newest first.
pub async fn show(
    state: State,
    req: HttpRequest,
    me: CurrentUser,
    paging: Paging,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    me.require(Action::ManageWebhooks)?;
    let (user, id) = (me.user.clone(), id.into_inner());
    render_loaded(
        &state,
        &req,
        Some(&me),
        StatusCode::OK,
        "pages/webhook",
        move |conn| {
            let page = ShowPage::read(conn, &user, id, paging)?;
            Ok(("Webhook".to_owned(), page))
        },
    )
    .await
}

impl ShowPage {
    /// The webhook and one page of its delivery log.
    fn read(conn: &mut DbConn, user: &User, id: i64, paging: Paging) -> Result<Self, AppError> {
        let (page, per_page) = (paging.page, paging.per_page);
        let webhook = super::find(conn, user, id)?;
        let (deliveries, total) = super::deliveries(conn, user, id, page, per_page)?;
        Ok(ShowPage {
            event_labels: labels(&webhook.events),
            webhook,
            deliveries: deliveries
                .into_iter()
                .map(|delivery| ShownDelivery {
                    payload_text: serde_json::to_string_pretty(&delivery.payload)
                        .unwrap_or_default(),
                    delivery,
                })
                .collect(),
            pagination: Pagination::new(page, per_page, total, |p| {
                format!("/webhooks/{id}?page={p}")
            }),
        })
    }
}

/// `POST /webhooks/{id}/test`: queues a test event, back to its page.
pub async fn test_form(
    state: State,
    me: CurrentUser,
    id: web::Path<i64>,
    _form: CsrfForm<Pairs>,
) -> Result<HttpResponse, AppError> {
    me.require(Action::ManageWebhooks)?;
    let (user, id) = (me.user.clone(), id.into_inner());
    db(&state, move |conn| super::send_test(conn, &user, id, now())).await?;
    redirect_with_flash(
        &format!("/webhooks/{id}"),
        "success",
        "A test event is on its way; reload to see how it went.",
    )
}

/// `POST /webhooks/{id}/delete`: deletes it, back to the list.
pub async fn delete_form(
    state: State,
    me: CurrentUser,
    id: web::Path<i64>,
    _form: CsrfForm<Pairs>,
) -> Result<HttpResponse, AppError> {
    me.require(Action::ManageWebhooks)?;
    let (user, id) = (me.user.clone(), id.into_inner());
    let gone = db(&state, move |conn| super::delete(conn, &user, id)).await?;
    redirect_with_flash(
        "/webhooks",
        "success",
        &format!("Nothing more is sent to {}.", gone.url),
    )
}
