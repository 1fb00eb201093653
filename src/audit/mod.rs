//! The audit log: who did what to which thing, read by admins, filtered by
//! person, kind and period, paged. Events are written where things happen
//! (`AuditEvent::record`, in each feature's transaction); this module only
//! reads them, and lists who retention erases next.

mod api;
mod pages;
mod wording;

use actix_web::web;
use chrono::{NaiveDate, NaiveDateTime};
use diesel::prelude::*;
use serde::Serialize;

use crate::access::Action;
use crate::db::DbConn;
use crate::db::models::User;
use crate::db::run_query::on_backend;
use crate::db::schema::{audit_events, users};
use crate::domain::when;
use crate::error::AppError;

/// Its pages, for the one route table.
pub fn pages(cfg: &mut web::ServiceConfig) {
    cfg.route("/audit", web::get().to(pages::show));
}

/// Its `/api/v1` routes.
pub fn api(r: &mut crate::openapi::ApiRoutes) {
    r.op(api::__path_api_list, api::api_list);
}

/// Which events: every field is optional, and all that are set must hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub actor_id: Option<i64>,
    /// An action (`scorecard.submitted`) or its family (`scorecard`).
    pub kind: Option<String>,
    /// From this instant on (UTC, inclusive).
    pub from: Option<NaiveDateTime>,
    /// Before this instant (UTC, exclusive).
    pub to: Option<NaiveDateTime>,
}

/// The filter as typed, from a query string (API) or the page's form.
#[derive(Debug, Default, Clone, serde::Deserialize, Serialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Who acted: a user's id.
    #[serde(default)]
    pub actor_id: String,
    /// The page's person field: who acted, by email, full name or a
    /// suggestion "Name <email>"; the page reads it into `actor_id`.
    #[serde(default)]
    #[param(ignore)]
    pub actor: String,
    /// An action (`scorecard.submitted`) or its family (`scorecard`).
    #[serde(default)]
    pub kind: String,
    /// From this RFC 3339 instant or date.
    #[serde(default)]
    pub from: String,
    /// Up to this RFC 3339 instant, or the end of this date.
    #[serde(default)]
    pub to: String,
}

impl AuditQuery {
    /// The filter, or `(parameter, message)` for each that cannot be used.
    /// `from` and `to` take RFC 3339 instants or dates (`2026-11-30`); a
    /// date as `to` means up to the end of that day (UTC).
    pub fn parse(&self) -> Result<AuditFilter, Vec<(&'static str, String)>> {
        let mut errors = Vec::new();
        let actor_id = match self.actor_id.trim() {
            "" => None,
            id => id
                .parse::<i64>()
                .map_err(|_| errors.push(("actor_id", "Give a person's id.".to_owned())))
                .ok(),
        };
        let kind = Some(self.kind.trim().to_owned()).filter(|k| !k.is_empty());
        if kind.as_ref().is_some_and(|k| k.len() > 100) {
            errors.push(("kind", "Keep the kind to 100 characters.".to_owned()));
        }
        let mut instant = |name: &'static str, text: &str, end_of_day: bool| {
            let text = text.trim();
            if text.is_empty() {
                return None;
            }
            let parsed = when::parse_instant(text).or_else(|| {
                NaiveDate::parse_from_str(text, "%Y-%m-%d")
                    .ok()
                    .and_then(|d| if end_of_day { d.succ_opt() } else { Some(d) })
                    .and_then(|d| d.and_hms_opt(0, 0, 0))
            });
            if parsed.is_none() {
                errors.push((
                    name,
                    "Give a date like 2026-11-30 or a time like 2026-11-30T09:00:00Z.".to_owned(),
                ));
            }
            parsed
        };
        let from = instant("from", &self.from, false);
        let to = instant("to", &self.to, true);
        if let (Some(f), Some(t)) = (from, to)
            && t <= f
        {
            errors.push(("to", "The end comes before the start.".to_owned()));
        }
        if errors.is_empty() {
            Ok(AuditFilter {
                actor_id,
                kind,
                from,
                to,
            })
        } else {
            Err(errors)
        }
    }
}

/// One event as the log shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AuditEntry {
    pub id: i64,
    /// RFC 3339 (UTC).
    pub at: String,
    /// `None`: the system (a background task) or a person since removed.
    pub actor_id: Option<i64>,
    pub actor_name: Option<String>,
    /// The action, e.g. `scorecard.submitted`.
    pub kind: String,
    pub subject_type: String,
    pub subject_id: Option<i64>,
    /// What the event recorded, as it was written (a JSON object).
    pub details: serde_json::Value,
    pub ip: Option<String>,
}

type EntryRow = (
    i64,
    NaiveDateTime,
    Option<i64>,
    Option<String>,
    String,
    String,
    Option<i64>,
    String,
    Option<String>,
);

/// The events `filter` selects, newest first, one page of them, and how
/// many there are in all. Admins only (`ReadAudit`, else 403).
pub fn events(
    conn: &mut DbConn,
    actor: &User,
    filter: &AuditFilter,
    page: i64,
    per_page: i64,
) -> Result<(Vec<AuditEntry>, i64), AppError> {
    crate::access::require(actor, Action::ReadAudit)?;
    macro_rules! filtered {
        () => {{
            let mut q = audit_events::table
                .left_join(users::table)
                .into_boxed::<Backend>();
            if let Some(id) = filter.actor_id {
                q = q.filter(audit_events::actor_id.eq(id));
            }
            if let Some(kind) = &filter.kind {
                q = q.filter(
                    audit_events::action
                        .eq(kind.clone())
                        .or(audit_events::action
                            .like(format!("{}.%", escape_like(kind)))
                            .escape('\\')),
                );
            }
            if let Some(from) = filter.from {
                q = q.filter(audit_events::created_at.ge(from));
            }
            if let Some(to) = filter.to {
                q = q.filter(audit_events::created_at.lt(to));
            }
            q
        }};
    }
    let (total, rows) = on_backend!(conn, |conn, Backend| {
        let total: i64 = filtered!().count().get_result(conn)?;
        let rows: Vec<EntryRow> = filtered!()
            .order((audit_events::created_at.desc(), audit_events::id.desc()))
            .offset((page - 1) * per_page)
            .limit(per_page)
            .select((
                audit_events::id,
                audit_events::created_at,
                audit_events::actor_id,
                users::name.nullable(),
                audit_events::action,
                audit_events::subject_type,
                audit_events::subject_id,
                audit_events::details,
                audit_events::ip,
            ))
            .load(conn)?;
        QueryResult::Ok((total, rows))
    })?;
    let entries = rows
        .into_iter()
        .map(
            |(id, at, actor_id, actor_name, kind, subject_type, subject_id, details, ip)| {
                AuditEntry {
                    id,
                    at: when::iso(at),
                    actor_id,
                    actor_name,
                    kind,
                    subject_type,
                    subject_id,
                    details: serde_json::from_str(&details)
                        .unwrap_or(serde_json::Value::String(details)),
                    ip,
                }
            },
        )
        .collect();
    Ok((entries, total))
}

/// The kinds recorded so far, for the page's filter.
pub fn kinds(conn: &mut DbConn) -> QueryResult<Vec<String>> {
    audit_events::table
        .select(audit_events::action)
        .distinct()
        .order(audit_events::action)
        .load(conn)
}

/// `%` and `_` taken literally in a LIKE pattern (`\` escapes).
fn escape_like(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(from: &str, to: &str) -> AuditQuery {
        AuditQuery {
            from: from.into(),
            to: to.into(),
            ..AuditQuery::default()
        }
    }

    #[test]
    fn periods_take_dates_or_instants_and_a_date_ends_at_midnight_after() {
        let f = query("2026-11-01", "2026-11-30").parse().unwrap();
        assert_eq!(f.from.unwrap().to_string(), "2026-11-01 00:00:00");
        assert_eq!(f.to.unwrap().to_string(), "2026-12-01 00:00:00");
        let f = query("2026-11-01T09:30:00+01:00", "").parse().unwrap();
        assert_eq!(f.from.unwrap().to_string(), "2026-11-01 08:30:00");
        let bad = query("yesterday", "2026-10-01").parse().unwrap_err();
        assert_eq!(bad[0].0, "from");
        let backwards = query("2026-11-02", "2026-11-01").parse().unwrap_err();
        assert_eq!(backwards[0].0, "to");
        let actor = AuditQuery {
            actor_id: "me".into(),
            ..AuditQuery::default()
        };
        assert_eq!(actor.parse().unwrap_err()[0].0, "actor_id");
    }
}
