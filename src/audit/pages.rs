//! The audit log page (admins), with who retention erases next.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use serde::Serialize;

use super::wording::{self, Detail, Subject};
use super::{AuditEntry, AuditFilter, AuditQuery, events, kinds};
use crate::auth::CurrentUser;
use crate::candidates::erasure::{self, DueForErasure};
use crate::db::DbConn;
use crate::db::models::{User, now};
use crate::error::AppError;
use crate::web::extract::ApiQuery;
use crate::web::form::{Pagination, Paging, SelectOption, options};
use crate::web::{Chosen, FormErrors, State, render_chosen};

#[derive(Serialize)]
struct ShownEntry {
    #[serde(flatten)]
    entry: AuditEntry,
    /// What happened, in words; the recorded kind is shown beside it.
    label: String,
    subject: Subject,
    /// The recorded details as named values.
    detail_list: Vec<Detail>,
}

#[derive(Serialize)]
struct AuditPage {
    entries: Vec<ShownEntry>,
    pagination: Pagination,
    filter: AuditQuery,
    /// The person field's text: as typed, or the person `actor_id` names.
    actor: String,
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
    let user = me.user.clone();
    let retention_days = state.config.retention_days;
    render_chosen(&state, &req, Some(&me), move |conn| {
        let mut typed = typed;
        let mut errors = Vec::new();
        match person_named(conn, &typed.actor)? {
            Ok(Some(id)) => typed.actor_id = id.to_string(),
            Ok(None) => {}
            Err(message) => errors.push(("actor", message)),
        }
        let filter = match typed.parse() {
            Ok(filter) if errors.is_empty() => filter,
            Ok(_) => AuditFilter::default(),
            Err(more) => {
                errors.extend(more);
                AuditFilter::default()
            }
        };
        let status = if errors.is_empty() {
            StatusCode::OK
        } else {
            StatusCode::BAD_REQUEST
        };
        let page = AuditPage::read(conn, &user, typed, (filter, errors), paging, retention_days)?;
        Chosen::page(status, "pages/audit", "Audit log", &page)
    })
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
        let actor = match (typed.actor.trim(), typed.actor_id.trim().parse::<i64>()) {
            ("", Ok(id)) => person_shown(conn, id)?,
            (text, _) => text.to_owned(),
        };
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
        let mut kind_options = vec![(String::new(), "Any kind".to_owned())];
        kind_options.extend(kind_names.into_iter().map(|k| {
            let label = format!("{} ({k})", wording::label(&k));
            (k, label)
        }));
        let entries = entries
            .into_iter()
            .map(|entry| ShownEntry {
                label: wording::label(&entry.kind).to_owned(),
                subject: wording::subject(&entry.subject_type, entry.subject_id),
                detail_list: wording::details(&entry.details),
                entry,
            })
            .collect();
        Ok(AuditPage {
            entries,
            pagination: Pagination::new(page, per_page, total, query_of),
            actor,
            kinds: options(kind_options, typed.kind.trim()),
            filter: typed,
            retention_days,
            due,
            form: FormErrors::new(&errors),
        })
    }
}

/// The person the audit page's person field names (see
/// [`crate::loops::planner::typed_person`]), people who left included: the field's message when
/// it names no one, several people or more than one.
fn person_named(conn: &mut DbConn, typed: &str) -> Result<Result<Option<i64>, String>, AppError> {
    use crate::loops::planner::{TypedAmong, typed_person};
    match typed_person(conn, "actor", typed, TypedAmong::Anyone) {
        Ok(id) => Ok(Ok(id)),
        Err(AppError::Validation { mut fields, .. }) => {
            Ok(Err(fields.remove("actor").unwrap_or_default()))
        }
        Err(e) => Err(e),
    }
}

/// What the person field shows for the person with id `id` (a link that
/// filters by id): "Name <email>", or the id when no one has it.
fn person_shown(conn: &mut DbConn, id: i64) -> Result<String, AppError> {
    use crate::db::prelude::*;
    use crate::db::schema::users;
    let person: Option<(String, String)> = users::table
        .find(id)
        .select((users::name, users::email))
        .first(conn)
        .optional()?;
    Ok(person.map_or_else(
        || id.to_string(),
        |(name, email)| format!("{name} <{email}>"),
    ))
}
