//! `GET /`: the dashboard for a signed-in person, the introduction for
//! everyone else.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use chrono::NaiveDateTime;
use serde::Serialize;
use serde_json::json;

use super::{Dashboard, Section, dashboard_for};
use crate::auth::MaybeUser;
use crate::db::models::{Track, now};
use crate::domain::when;
use crate::error::AppError;
use crate::web::{State, render_loaded};

/// A section as the template shows it: rows with their times in words.
#[derive(Serialize)]
struct Shown<T: Serialize> {
    rows: Vec<T>,
    total: i64,
    more: bool,
}

#[derive(Serialize)]
struct DashboardPage {
    first_name: String,
    scorecards_due: Shown<serde_json::Value>,
    upcoming: Shown<serde_json::Value>,
    awaiting_decision: Option<Section<super::AwaitingDecision>>,
    coverage: Option<Section<super::CoverageAlert>>,
    failed_emails: Option<Shown<serde_json::Value>>,
    invitations: Option<Shown<serde_json::Value>>,
    /// Nothing in any section.
    all_clear: bool,
}

pub async fn show(
    state: State,
    req: HttpRequest,
    user: MaybeUser,
) -> Result<HttpResponse, AppError> {
    let Some(me) = user.0 else {
        return render_loaded(&state, &req, None, StatusCode::OK, "pages/home", |conn| {
            let tracks = Track::summaries(conn)?;
            Ok((
                "Structured interviewing".to_owned(),
                json!({ "tracks": tracks }),
            ))
        })
        .await;
    };
    let (person, at) = (me.user.clone(), now());
    render_loaded(
        &state,
        &req,
        Some(&me),
        StatusCode::OK,
        "pages/dashboard",
        move |conn| {
            let board = dashboard_for(conn, &person, at)?;
            Ok((
                "Home".to_owned(),
                DashboardPage::new(&person.name, board, at),
            ))
        },
    )
    .await
}

impl DashboardPage {
    fn new(name: &str, board: Dashboard, at: NaiveDateTime) -> Self {
        let all_clear = board.scorecards_due.total == 0
            && board.upcoming.total == 0
            && board
                .awaiting_decision
                .as_ref()
                .is_none_or(|s| s.total == 0)
            && board.coverage.as_ref().is_none_or(|s| s.total == 0)
            && board.failed_emails.as_ref().is_none_or(|s| s.total == 0)
            && board.invitations.as_ref().is_none_or(|s| s.total == 0);
        Self {
            first_name: name.split_whitespace().next().unwrap_or(name).to_owned(),
            scorecards_due: shown(board.scorecards_due, |r| {
                json!({
                    "stage_id": r.stage_id,
                    "stage_title": r.stage_title,
                    "candidate_name": r.candidate_name,
                    "job_title": r.job_title,
                    "overdue": r.overdue,
                    "drafted": r.drafted,
                    "when": when::overdue(r.ends_at, at).unwrap_or_else(|| "in progress".to_owned()),
                })
            }),
            upcoming: shown(board.upcoming, |r| {
                json!({
                    "stage_id": r.stage_id,
                    "stage_title": r.stage_title,
                    "candidate_name": r.candidate_name,
                    "job_title": r.job_title,
                    "starts_at": when::iso(r.starts_at),
                })
            }),
            awaiting_decision: board.awaiting_decision,
            coverage: board.coverage,
            failed_emails: board.failed_emails.map(|s| {
                shown(s, |r| {
                    json!({
                        "subject": r.subject,
                        "recipient_name": r.recipient_name,
                        "candidate_id": r.candidate_id,
                        "last_error": r.last_error,
                        "queued_at": when::iso(r.queued_at),
                    })
                })
            }),
            invitations: board.invitations.map(|s| {
                shown(s, |r| {
                    json!({
                        "name": r.name,
                        "email": r.email,
                        "expires_at": when::iso(r.expires_at),
                    })
                })
            }),
            all_clear,
        }
    }
}

fn shown<T>(section: Section<T>, row: impl Fn(T) -> serde_json::Value) -> Shown<serde_json::Value> {
    Shown {
        total: section.total,
        more: section.more,
        rows: section.rows.into_iter().map(row).collect(),
    }
}
