//! The audit log page (admins), with who retention erases next.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use serde::Serialize;

use super::{AuditEntry, AuditFilter, AuditQuery, events, kinds};
use crate::auth::CurrentUser;
use crate::candidates::erasure::{self, DueForErasure};
use crate::db::DbConn;
use crate::db::models::{User, now};
use crate::error::AppError;
use crate::web::extract::ApiQuery;
use crate::web::form::{Pagination, Paging, SelectOption, options};
use crate::web::{FormErrors, State, render_loaded};

#[derive(Serialize)]
struct ShownEntry {
    #[serde(flatten)]
    entry: AuditEntry,
    /// The details as one line of JSON (escaped by the template).
    details_text: String,
}

#[derive(Serialize)]
struct AuditPage {
    entries: Vec<ShownEntry>,
    pagination: Pagination,
    filter: AuditQuery,
    people: Vec<SelectOption>,
    kinds: Vec<SelectOption>,
    /// `None` when retention is off.
    retention_days: Option<i64>,
    due: Vec<DueForErasure>,
    #[serde(flatten)]
    form: FormErrors,
}

/// `GET /audit?actor_id=&kind=&from=&to=&page=`: the log, newest first; a
/// filter that cannot be used comes back (400) with the error beside it.
pub async fn show(
    state: State,
    req: HttpRequest,
    me: CurrentUser,
    paging: Paging,
    q: ApiQuery<AuditQuery>,
) -> Result<HttpResponse, AppError> {
    me.require(crate::access::Action::ReadAudit)?;
    let typed = q.0;
    let (filter, errors) = match typed.parse() {
        Ok(filter) => (filter, Vec::new()),
        Err(errors) => (AuditFilter::default(), errors),
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::BAD_REQUEST
    };
    let user = me.user.clone();
    let retention_days = state.config.retention_days;
    render_loaded(
        &state,
        &req,
        Some(&me),
        status,
        "pages/audit",
        move |conn| {
            let page =
                AuditPage::read(conn, &user, typed, (filter, errors), paging, retention_days)?;
            Ok(("Audit log".to_owned(), page))
        },
    )
    .await
}

impl AuditPage {
    /// The page of the log `filter` asks for (none when the typed filter
    /// was refused, with its `errors`), and who retention erases next.
    fn read(
        conn: &mut DbConn,
        user: &User,
        typed: AuditQuery,
        (filter, errors): (AuditFilter, Vec<(&'static str, String)>),
        paging: Paging,
        retention_days: Option<i64>,
    ) -> Result<Self, AppError> {
        let (page, per_page) = (paging.page, paging.per_page);
        let (entries, total) = if errors.is_empty() {
            events(conn, user, &filter, page, per_page)?
        } else {
            (Vec::new(), 0)
        };
        let (people, _) = User::page(conn, 1, 1000)?;
        let due = match retention_days {
            Some(days) => erasure::due_for_erasure(conn, user, days, now(), 20)?,
            None => Vec::new(),
        };
        let kind_names = kinds(conn)?;
        let query_of = |p: i64| {
            let mut pairs = vec![
                ("actor_id", typed.actor_id.clone()),
                ("kind", typed.kind.clone()),
                ("from", typed.from.clone()),
                ("to", typed.to.clone()),
            ];
            pairs.retain(|(_, v)| !v.is_empty());
            pairs.push(("page", p.to_string()));
            format!(
                "/audit?{}",
                serde_urlencoded::to_string(&pairs).unwrap_or_default()
            )
        };
        let mut people_options = vec![(String::new(), "Anyone".to_owned())];
        people_options.extend(people.into_iter().map(|u| (u.id.to_string(), u.name)));
        let mut kind_options = vec![(String::new(), "Any kind".to_owned())];
        kind_options.extend(kind_names.into_iter().map(|k| (k.clone(), k)));
        let entries = entries
            .into_iter()
            .map(|entry| ShownEntry {
                details_text: entry.details.to_string(),
                entry,
            })
            .collect();
        Ok(AuditPage {
            entries,
            pagination: Pagination::new(page, per_page, total, query_of),
            people: options(people_options, typed.actor_id.trim()),
            kinds: options(kind_options, typed.kind.trim()),
            filter: typed,
            retention_days,
            due,
            form: FormErrors::new(&errors),
        })
    }
}
