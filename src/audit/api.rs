//! The audit log under `/api/v1/audit`.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;

use super::{AuditQuery, events};
use crate::auth::CurrentUser;
use crate::error::AppError;
use crate::web::extract::ApiQuery;
use crate::web::form::Paging;
use crate::web::{State, db_json};

crate::page_body!(EventPage {
    events: super::AuditEntry
});

/// `GET /api/v1/audit?actor_id=&kind=&from=&to=&page=&per_page=` (admins):
/// `{events: [{id, at, actor_id, actor_name, kind, subject_type,
/// subject_id, details, ip}], page, per_page, total}`, newest first. `kind`
/// is an action or its family (`scorecard` matches `scorecard.submitted`);
/// `from`/`to` are RFC 3339 instants or dates. 400 naming a parameter that
/// cannot be used (`actor`, the page's typed person, among them: a script
/// names the person by `actor_id`); 403 for anyone but an admin.
#[utoipa::path(get, path = "/api/v1/audit", params(AuditQuery, Paging), operation_id = "audit_log", summary = "The audit log, newest first (admins)",
    responses((status = 200, description = "One page of events.", body = EventPage)))]
pub async fn api_list(
    state: State,
    me: CurrentUser,
    paging: Paging,
    q: ApiQuery<AuditQuery>,
) -> Result<HttpResponse, AppError> {
    me.require(crate::access::Action::ReadAudit)?;
    if !q.0.actor.trim().is_empty() {
        return Err(AppError::parameter(
            "actor",
            "Name the person by actor_id, their id.",
        ));
    }
    let filter = q.0.parse().map_err(|errors| {
        let (name, message) = errors.into_iter().next().unwrap_or(("kind", String::new()));
        AppError::parameter(name, message)
    })?;
    let user = me.user.clone();
    let (page, per_page) = (paging.page, paging.per_page);
    db_json(&state, StatusCode::OK, move |conn| {
        let (list, total) = events(conn, &user, &filter, page, per_page)?;
        Ok(paging.listed("events", list, total))
    })
    .await
}
