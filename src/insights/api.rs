//! Insights under `/api/v1/insights`: interviewers, criteria, questions.

use actix_web::{HttpRequest, HttpResponse};
use chrono::NaiveDate;

use super::{Filter, QuestionSort};
use crate::auth::CurrentUser;
use crate::db::models::now;
use crate::error::AppError;
use crate::web::form::Paging;
use crate::web::{State, db};

/// The query of every Insights answer: `job_id`, `from` and `to`
/// (`YYYY-MM-DD`, UTC days, inclusive) and `sort` (`signal` or `use`).
/// Empty values count as absent; a value that cannot be read is a 400
/// naming the parameter.
#[derive(Debug, Clone, Copy, Default)]
pub struct InsightsQuery {
    pub filter: Filter,
    pub sort: QuestionSort,
}

impl InsightsQuery {
    pub fn parse(query: &str) -> Result<Self, AppError> {
        let mut out = InsightsQuery::default();
        let day = |name: &str, value: &str| {
            NaiveDate::parse_from_str(value, "%Y-%m-%d")
                .map_err(|_| AppError::parameter(name, "Give a day as YYYY-MM-DD."))
        };
        for (name, value) in form_urlencoded::parse(query.as_bytes()) {
            let value = value.trim();
            if value.is_empty() {
                continue;
            }
            match name.as_ref() {
                "job_id" => {
                    out.filter.job_id = Some(value.parse().map_err(|_| {
                        AppError::parameter("job_id", "Give the id of a job, a whole number.")
                    })?)
                }
                "from" => out.filter.from = Some(day("from", value)?),
                "to" => out.filter.to = Some(day("to", value)?),
                "sort" => out.sort = value.parse()?,
                _ => {}
            }
        }
        if let (Some(from), Some(to)) = (out.filter.from, out.filter.to)
            && from > to
        {
            return Err(AppError::parameter("to", "The end is before the start."));
        }
        Ok(out)
    }
}

/// `GET /api/v1/insights/interviewers?job_id=&from=&to=`:
/// `{"interviewers": [...], "panel": {...}, "page", "per_page", "total"}`.
pub async fn interviewers(
    state: State,
    me: CurrentUser,
    req: HttpRequest,
    paging: Paging,
) -> Result<HttpResponse, AppError> {
    let query = InsightsQuery::parse(req.query_string())?;
    let user = me.user.clone();
    let at = now();
    let figures = db(&state, move |conn| {
        super::calibration(conn, &user, &query.filter, at)
    })
    .await?;
    let panel = figures.panel;
    let mut body = serde_json::to_value(paging.list_of("interviewers", figures.interviewers))
        .map_err(AppError::internal)?;
    body["panel"] = serde_json::to_value(panel).map_err(AppError::internal)?;
    body["min_shared_candidates"] = figures.min_shared_candidates.into();
    Ok(HttpResponse::Ok().json(body))
}

/// `GET /api/v1/insights/criteria?job_id=&from=&to=`:
/// `{"criteria": [...], "page", "per_page", "total"}`, lowest alpha first.
pub async fn criteria(
    state: State,
    me: CurrentUser,
    req: HttpRequest,
    paging: Paging,
) -> Result<HttpResponse, AppError> {
    let query = InsightsQuery::parse(req.query_string())?;
    let user = me.user.clone();
    let figures = db(&state, move |conn| {
        super::criteria(conn, &user, &query.filter)
    })
    .await?;
    Ok(HttpResponse::Ok().json(paging.list_of("criteria", figures)))
}

/// `GET /api/v1/insights/questions?job_id=&from=&to=&sort=signal|use`:
/// `{"questions": [...], "page", "per_page", "total"}`.
pub async fn questions(
    state: State,
    me: CurrentUser,
    req: HttpRequest,
    paging: Paging,
) -> Result<HttpResponse, AppError> {
    let query = InsightsQuery::parse(req.query_string())?;
    let user = me.user.clone();
    let at = now();
    let figures = db(&state, move |conn| {
        super::questions(conn, &user, &query.filter, query.sort, None, at)
    })
    .await?;
    Ok(HttpResponse::Ok().json(paging.list_of("questions", figures)))
}
