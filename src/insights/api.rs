//! Insights under `/api/v1/insights`: interviewers, criteria, questions.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse};
use chrono::NaiveDate;

use super::{Filter, QuestionSort};
use crate::auth::CurrentUser;
use crate::db::models::now;
use crate::error::AppError;
use crate::web::form::Paging;
use crate::web::{State, db_json};

/// `?job_id=&from=&to=` as the document names them (parsed by [`InsightsQuery::parse`]).
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct InsightsParams {
    /// One job only.
    job_id: Option<i64>,
    /// The first day, `YYYY-MM-DD` (UTC); empty is the same as absent.
    #[param(pattern = r"^\s*(\d{4}-\d{2}-\d{2})?\s*$")]
    from: Option<String>,
    /// The last day, `YYYY-MM-DD` (UTC), inclusive; empty is the same as absent.
    #[param(pattern = r"^\s*(\d{4}-\d{2}-\d{2})?\s*$")]
    to: Option<String>,
}

/// `?sort=` of the questions list.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct SortParam {
    /// `signal` (default) or `use`.
    #[param(pattern = "^(signal|use)?$")]
    sort: Option<String>,
}

/// The calibration list: a page of interviewers, and the whole panel.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
pub struct CalibrationPage {
    interviewers: Vec<super::InterviewerFigures>,
    panel: super::Distribution,
    /// Fewest candidates two interviewers must share to be compared.
    min_shared_candidates: usize,
    page: i64,
    per_page: i64,
    total: i64,
}

crate::page_body!(CriterionFiguresPage {
    criteria: super::CriterionFigures
});
crate::page_body!(QuestionFiguresPage {
    questions: super::QuestionFigures
});

/// The query of every Insights answer: `job_id`, `from` and `to`
/// (`YYYY-MM-DD`, UTC days, inclusive) and `sort` (`signal` or `use`).
/// Empty values count as absent; a value that cannot be read is a 400
/// naming the parameter.
#[derive(Debug, Clone, Copy, Default)]
pub struct InsightsQuery {
    pub filter: Filter,
    pub sort: QuestionSort,
    /// `from` or `to` was in the query, even empty: the days were chosen.
    pub days_named: bool,
}

impl InsightsQuery {
    pub fn parse(query: &str) -> Result<Self, AppError> {
        let mut out = InsightsQuery::default();
        let day = |name: &str, value: &str| {
            NaiveDate::parse_from_str(value, "%Y-%m-%d")
                .map_err(|_| AppError::parameter(name, "Give a day as YYYY-MM-DD."))
        };
        for (name, value) in form_urlencoded::parse(query.as_bytes()) {
            out.days_named |= matches!(name.as_ref(), "from" | "to");
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
#[utoipa::path(get, path = "/api/v1/insights/interviewers", params(InsightsParams, Paging), operation_id = "interviewer_calibration",
    summary = "Interviewer calibration: how each rates against the panel",
    responses((status = 200, description = "One page of interviewers, and the panel.", body = CalibrationPage)))]
pub async fn interviewers(
    state: State,
    me: CurrentUser,
    req: HttpRequest,
    paging: Paging,
) -> Result<HttpResponse, AppError> {
    let query = InsightsQuery::parse(req.query_string())?;
    let user = me.user.clone();
    let at = now();
    db_json(&state, StatusCode::OK, move |conn| {
        let figures = super::calibration(conn, &user, &query.filter, at)?;
        let panel = figures.panel;
        let mut body = serde_json::to_value(paging.list_of("interviewers", figures.interviewers))
            .map_err(AppError::internal)?;
        body["panel"] = serde_json::to_value(panel).map_err(AppError::internal)?;
        body["min_shared_candidates"] = figures.min_shared_candidates.into();
        Ok(body)
    })
    .await
}

/// `GET /api/v1/insights/criteria?job_id=&from=&to=`:
/// `{"criteria": [...], "page", "per_page", "total"}`, lowest alpha first.
#[utoipa::path(get, path = "/api/v1/insights/criteria", params(InsightsParams, Paging), operation_id = "criterion_agreement",
    summary = "Agreement per criterion, lowest first",
    responses((status = 200, description = "One page of criteria.", body = CriterionFiguresPage)))]
pub async fn criteria(
    state: State,
    me: CurrentUser,
    req: HttpRequest,
    paging: Paging,
) -> Result<HttpResponse, AppError> {
    let query = InsightsQuery::parse(req.query_string())?;
    let user = me.user.clone();
    db_json(&state, StatusCode::OK, move |conn| {
        let figures = super::criteria(conn, &user, &query.filter)?;
        Ok(paging.list_of("criteria", figures))
    })
    .await
}

/// `GET /api/v1/insights/questions?job_id=&from=&to=&sort=signal|use`:
/// `{"questions": [...], "page", "per_page", "total"}`.
#[utoipa::path(get, path = "/api/v1/insights/questions", params(InsightsParams, SortParam, Paging), operation_id = "question_analytics",
    summary = "Question analytics: use and signal",
    responses((status = 200, description = "One page of questions.", body = QuestionFiguresPage)))]
pub async fn questions(
    state: State,
    me: CurrentUser,
    req: HttpRequest,
    paging: Paging,
) -> Result<HttpResponse, AppError> {
    let query = InsightsQuery::parse(req.query_string())?;
    let user = me.user.clone();
    let at = now();
    db_json(&state, StatusCode::OK, move |conn| {
        let figures = super::questions(conn, &user, &query.filter, query.sort, None, at)?;
        Ok(paging.list_of("questions", figures))
    })
    .await
}
