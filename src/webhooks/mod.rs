//! Webhooks: an admin registers a URL and the events it is sent; every
//! event is written to the webhook outbox (`webhook_deliveries`) in the
//! same transaction as the change that causes it, and a worker delivers
//! it, signed, retrying with backoff (docs/webhooks.md).
//!
//! - `mod.rs`: the webhooks themselves (create, list, delete) and their
//!   delivery logs, for the API and the pages alike.
//! - [`events`]: the bodies of the five events, queued where they happen.
//! - [`queue`]: the outbox rows: queue, claim with a lease, record outcomes,
//!   scrub on erasure.
//! - [`worker`]: the background task that sends them.
//! - [`signature`]: the `Loopwright-Signature` header.

mod api;
pub mod events;
mod pages;
pub mod queue;
pub mod signature;
pub mod worker;

use crate::db::prelude::*;
use actix_web::web;
use chrono::NaiveDateTime;
use serde::Serialize;
use serde_json::json;

use crate::access::Action;
use crate::db::DbConn;
use crate::db::models::{AuditEvent, User};
use crate::db::schema::{users, webhook_attempts, webhook_deliveries, webhooks};
use crate::domain::{DeliveryStatus, when::iso};
use crate::error::AppError;

pub use queue::erase_candidate;

/// Its pages, for the one route table.
pub fn pages(cfg: &mut web::ServiceConfig) {
    cfg.route("/webhooks", web::get().to(pages::list))
        .route("/webhooks", web::post().to(pages::create_form))
        .route("/webhooks/{id}", web::get().to(pages::show))
        .route("/webhooks/{id}/test", web::post().to(pages::test_form))
        .route("/webhooks/{id}/delete", web::post().to(pages::delete_form));
}

/// Its `/api/v1` routes.
pub fn api(r: &mut crate::openapi::ApiRoutes) {
    r.op(api::__path_api_list, api::api_list)
        .op(api::__path_api_create, api::api_create)
        .op(api::__path_api_show, api::api_show)
        .op(api::__path_api_delete, api::api_delete)
        .op(api::__path_api_deliveries, api::api_deliveries)
        .op(api::__path_api_test, api::api_test);
}

/// The events a webhook may be sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    CandidateCreated,
    ScorecardSubmitted,
    DecisionRecorded,
    PrepPackSent,
    PrepPackFailed,
}

/// The event the "send test event" button sends, whatever was chosen.
pub const TEST_EVENT: &str = "webhook.test";

impl Event {
    pub const ALL: [Event; 5] = [
        Event::CandidateCreated,
        Event::ScorecardSubmitted,
        Event::DecisionRecorded,
        Event::PrepPackSent,
        Event::PrepPackFailed,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Event::CandidateCreated => "candidate.created",
            Event::ScorecardSubmitted => "scorecard.submitted",
            Event::DecisionRecorded => "decision.recorded",
            Event::PrepPackSent => "prep_pack.sent",
            Event::PrepPackFailed => "prep_pack.failed",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Event::CandidateCreated => "A candidate is added",
            Event::ScorecardSubmitted => "A scorecard is submitted",
            Event::DecisionRecorded => "A decision is recorded",
            Event::PrepPackSent => "A prep pack is delivered",
            Event::PrepPackFailed => "A prep pack could not be delivered",
        }
    }

    pub fn parse(name: &str) -> Option<Event> {
        Event::ALL.into_iter().find(|e| e.name() == name)
    }
}

/// Longest URL, in characters.
pub const URL_MAX: usize = 2000;
/// Most webhooks at once.
pub const MAX_WEBHOOKS: i64 = 50;

/// A webhook as admins see it (the secret included: the receiver needs it).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct WebhookView {
    pub id: i64,
    pub url: String,
    pub events: Vec<String>,
    /// Signs every delivery: see docs/webhooks.md.
    pub secret: String,
    pub created_by: Option<i64>,
    pub created_by_name: Option<String>,
    /// RFC 3339 (UTC).
    pub created_at: String,
}

/// A new webhook as typed: the same for the API's JSON and the page's form.
#[derive(Debug, Clone, Default)]
pub struct NewWebhook {
    pub url: String,
    pub events: Vec<String>,
}

impl NewWebhook {
    /// Every problem, by field (`url`, `events`).
    pub fn check(&self) -> Vec<(&'static str, String)> {
        let mut errors = Vec::new();
        let url = self.url.trim();
        if url.is_empty() {
            errors.push(("url", "Give the URL to send events to.".to_owned()));
        } else if url.chars().count() > URL_MAX {
            errors.push(("url", format!("Keep the URL to {URL_MAX} characters.")));
        } else {
            match url::Url::parse(url) {
                Ok(parsed)
                    if matches!(parsed.scheme(), "http" | "https")
                        && parsed.host_str().is_some_and(|h| !h.is_empty()) =>
                {
                    if parsed.fragment().is_some() {
                        errors.push(("url", "Leave out the #fragment.".to_owned()));
                    }
                }
                _ => errors.push((
                    "url",
                    "Give an http:// or https:// URL, like https://example.com/hooks/loopwright."
                        .to_owned(),
                )),
            }
        }
        if self.events.is_empty() {
            errors.push(("events", "Choose at least one event.".to_owned()));
        } else if let Some(unknown) = self.events.iter().find(|e| Event::parse(e).is_none()) {
            let known: Vec<&str> = Event::ALL.iter().map(|e| e.name()).collect();
            errors.push((
                "events",
                format!(
                    "{unknown:?} is not an event; choose from {}.",
                    known.join(", ")
                ),
            ));
        }
        errors
    }

    /// The events in their usual order, each once.
    fn event_names(&self) -> Vec<&'static str> {
        Event::ALL
            .into_iter()
            .filter(|e| self.events.iter().any(|n| n == e.name()))
            .map(Event::name)
            .collect()
    }
}

type Row = (
    i64,
    String,
    String,
    String,
    Option<i64>,
    Option<String>,
    NaiveDateTime,
);

fn view((id, url, events, secret, created_by, created_by_name, created_at): Row) -> WebhookView {
    WebhookView {
        id,
        url,
        events: serde_json::from_str(&events).unwrap_or_default(),
        secret,
        created_by,
        created_by_name,
        created_at: iso(created_at),
    }
}

macro_rules! webhook_rows {
    () => {
        webhooks::table.left_join(users::table).select((
            webhooks::id,
            webhooks::url,
            webhooks::events,
            webhooks::secret,
            webhooks::created_by,
            users::name.nullable(),
            webhooks::created_at,
        ))
    };
}

/// Every webhook, oldest first. Admins only.
pub fn list(conn: &mut DbConn, actor: &User) -> Result<Vec<WebhookView>, AppError> {
    crate::access::require(actor, Action::ManageWebhooks)?;
    let rows: Vec<Row> = webhook_rows!().order(webhooks::id).load(conn)?;
    Ok(rows.into_iter().map(view).collect())
}

/// One webhook; 404 if there is none. Admins only.
pub fn find(conn: &mut DbConn, actor: &User, id: i64) -> Result<WebhookView, AppError> {
    crate::access::require(actor, Action::ManageWebhooks)?;
    let row: Option<Row> = webhook_rows!()
        .filter(webhooks::id.eq(id))
        .first(conn)
        .optional()?;
    row.map(view).ok_or(AppError::NotFound)
}

/// Registers a webhook with a new secret; 422 naming `url` or `events`.
/// Audited (the URL and events, never the secret).
pub fn create(
    conn: &mut DbConn,
    actor: &User,
    new: &NewWebhook,
    at: NaiveDateTime,
) -> Result<WebhookView, AppError> {
    crate::access::require(actor, Action::ManageWebhooks)?;
    let errors = new.check();
    if !errors.is_empty() {
        return Err(crate::web::api_field_errors(errors));
    }
    let url = new.url.trim().to_owned();
    let events = new.event_names();
    crate::db::write_transaction(conn, |conn| {
        let count: i64 = webhooks::table.count().get_result(conn)?;
        if count >= MAX_WEBHOOKS {
            return Err(AppError::field(
                "url",
                format!("There are {MAX_WEBHOOKS} webhooks already; delete one first."),
            ));
        }
        let id: i64 = diesel::insert_into(webhooks::table)
            .values((
                webhooks::url.eq(&url),
                webhooks::events.eq(json!(events).to_string()),
                webhooks::secret.eq(signature::new_secret()),
                webhooks::created_by.eq(Some(actor.id)),
                webhooks::created_at.eq(at),
            ))
            .returning(webhooks::id)
            .get_result(conn)?;
        AuditEvent::record(
            conn,
            Some(actor.id),
            "webhook.created",
            ("webhook", Some(id)),
            json!({"url": url, "events": events}),
        )?;
        find(conn, actor, id)
    })
}

/// Deletes a webhook and its delivery log (nothing more is sent to it);
/// 404 if there is none. Audited.
pub fn delete(conn: &mut DbConn, actor: &User, id: i64) -> Result<WebhookView, AppError> {
    crate::access::require(actor, Action::ManageWebhooks)?;
    crate::db::write_transaction(conn, |conn| {
        let gone = find(conn, actor, id)?;
        diesel::delete(webhooks::table.find(id)).execute(conn)?;
        AuditEvent::record(
            conn,
            Some(actor.id),
            "webhook.deleted",
            ("webhook", Some(id)),
            json!({"url": gone.url, "events": gone.events}),
        )?;
        Ok(gone)
    })
}

/// Queues a `webhook.test` event for webhook `id` (whatever its events);
/// answers the delivery's id. 404 if there is no such webhook.
pub fn send_test(
    conn: &mut DbConn,
    actor: &User,
    id: i64,
    at: NaiveDateTime,
) -> Result<i64, AppError> {
    crate::db::write_transaction(conn, |conn| {
        let hook = find(conn, actor, id)?;
        Ok(events::test_event(conn, &hook, actor, at)?)
    })
}

/// One attempt to deliver.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AttemptView {
    pub attempt: i64,
    /// RFC 3339 (UTC).
    pub at: String,
    /// The receiver's HTTP status; `None` when it did not answer.
    pub status_code: Option<i64>,
    pub error: Option<String>,
    pub duration_ms: i64,
}

/// One event sent (or to send) to one webhook.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DeliveryView {
    pub id: i64,
    pub event: String,
    pub state: DeliveryStatus,
    pub state_label: &'static str,
    /// How many attempts were made.
    pub attempts: i64,
    /// The status code of the last attempt.
    pub status_code: Option<i64>,
    pub last_error: Option<String>,
    /// RFC 3339 (UTC): when the event happened (was queued).
    pub created_at: String,
    /// RFC 3339 (UTC): when it is tried next, while queued.
    pub next_attempt_at: Option<String>,
    pub sent_at: Option<String>,
    /// The JSON body sent.
    pub payload: serde_json::Value,
    /// Every attempt, first first.
    pub history: Vec<AttemptView>,
}

type DeliveryRow = (
    i64,
    String,
    DeliveryStatus,
    i64,
    Option<i64>,
    Option<String>,
    NaiveDateTime,
    NaiveDateTime,
    Option<NaiveDateTime>,
    String,
);

type AttemptRow = (i64, i64, Option<i64>, Option<String>, i64, NaiveDateTime);

/// Webhook `id`'s delivery log, newest first, one page of it, and how many
/// deliveries it has in all (two statements whatever the page's size, and
/// one for the attempts). 404 if there is no such webhook.
pub fn deliveries(
    conn: &mut DbConn,
    actor: &User,
    id: i64,
    page: i64,
    per_page: i64,
) -> Result<(Vec<DeliveryView>, i64), AppError> {
    find(conn, actor, id)?;
    // One snapshot: a delivery's state and its attempts as of one moment,
    // not its state before an attempt was recorded and the attempt after.
    crate::db::read_snapshot(conn, |conn| delivery_page(conn, id, page, per_page))
}

fn delivery_page(
    conn: &mut DbConn,
    id: i64,
    page: i64,
    per_page: i64,
) -> Result<(Vec<DeliveryView>, i64), AppError> {
    let total: i64 = webhook_deliveries::table
        .filter(webhook_deliveries::webhook_id.eq(id))
        .count()
        .get_result(conn)?;
    let rows: Vec<DeliveryRow> = webhook_deliveries::table
        .filter(webhook_deliveries::webhook_id.eq(id))
        .order((
            webhook_deliveries::created_at.desc(),
            webhook_deliveries::id.desc(),
        ))
        .offset((page - 1) * per_page)
        .limit(per_page)
        .select((
            webhook_deliveries::id,
            webhook_deliveries::event,
            webhook_deliveries::state,
            webhook_deliveries::attempts,
            webhook_deliveries::last_status_code,
            webhook_deliveries::last_error,
            webhook_deliveries::created_at,
            webhook_deliveries::next_attempt_at,
            webhook_deliveries::sent_at,
            webhook_deliveries::body,
        ))
        .load(conn)?;
    let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
    let attempts: Vec<AttemptRow> = webhook_attempts::table
        .filter(webhook_attempts::delivery_id.eq_any(&ids))
        .order((webhook_attempts::delivery_id, webhook_attempts::attempt))
        .select((
            webhook_attempts::delivery_id,
            webhook_attempts::attempt,
            webhook_attempts::status_code,
            webhook_attempts::error,
            webhook_attempts::duration_ms,
            webhook_attempts::created_at,
        ))
        .load(conn)?;
    let list = rows
        .into_iter()
        .map(
            |(id, event, state, tries, code, error, created, next, sent, body)| DeliveryView {
                id,
                event,
                state,
                state_label: state.label(),
                attempts: tries,
                status_code: code,
                last_error: error,
                created_at: iso(created),
                next_attempt_at: matches!(state, DeliveryStatus::Queued).then(|| iso(next)),
                sent_at: sent.map(iso),
                payload: serde_json::from_str(&body).unwrap_or(serde_json::Value::String(body)),
                history: attempts
                    .iter()
                    .filter(|a| a.0 == id)
                    .map(
                        |(_, attempt, status_code, error, duration_ms, at)| AttemptView {
                            attempt: *attempt,
                            at: iso(*at),
                            status_code: *status_code,
                            error: error.clone(),
                            duration_ms: *duration_ms,
                        },
                    )
                    .collect(),
            },
        )
        .collect();
    Ok((list, total))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new(url: &str, events: &[&str]) -> NewWebhook {
        NewWebhook {
            url: url.into(),
            events: events.iter().map(|e| (*e).to_owned()).collect(),
        }
    }

    #[test]
    fn urls_and_events_are_checked() {
        assert!(
            new("https://example.com/hook", &["candidate.created"])
                .check()
                .is_empty()
        );
        assert!(
            new("http://127.0.0.1:9000/x?y=1", &["prep_pack.failed"])
                .check()
                .is_empty()
        );
        for bad in [
            "",
            "example.com/hook",
            "ftp://example.com",
            "https://",
            "http://x/#frag",
        ] {
            let errors = new(bad, &["candidate.created"]).check();
            assert_eq!(errors[0].0, "url", "{bad:?}");
        }
        assert_eq!(new("https://example.com", &[]).check()[0].0, "events");
        assert_eq!(
            new("https://example.com", &["candidate.deleted"]).check()[0].0,
            "events"
        );
    }

    #[test]
    fn events_keep_their_usual_order_once_each() {
        let hook = new(
            "https://example.com",
            &["prep_pack.sent", "candidate.created", "prep_pack.sent"],
        );
        assert_eq!(hook.event_names(), ["candidate.created", "prep_pack.sent"]);
    }
}
