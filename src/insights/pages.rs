//! The Insights section: calibration, agreement per criterion, questions,
//! and a page per question with its versions.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Serialize;

use super::api::InsightsQuery;
use super::{Filter, QuestionFigures, QuestionSort, chart};
use crate::access::{self, Action};
use crate::auth::CurrentUser;
use crate::db::DbConn;
use crate::db::models::{User, now};
use crate::domain::Role;
use crate::error::AppError;
use crate::web::form::{Pagination, Paging, SelectOption, options};
use crate::web::{State, render_loaded};
use chrono::{Months, NaiveDateTime};

/// With no days chosen the pages cover this many months up to today, so
/// that a page's figures do not grow with the company's history.
pub const DEFAULT_PERIOD_MONTHS: u32 = 12;

/// A page's query: the API's, but with no `from` or `to` in it at all the
/// interviews from [`DEFAULT_PERIOD_MONTHS`] ago (UTC days). Both named and
/// empty is all time.
struct PageQuery {
    asked: InsightsQuery,
    /// The days are the default period, not the person's choice.
    default_period: bool,
}

impl PageQuery {
    fn parse(req: &HttpRequest, at: NaiveDateTime) -> Result<Self, AppError> {
        let mut asked = InsightsQuery::parse(req.query_string())?;
        let default_period = !asked.days_named;
        if default_period {
            asked.filter.from = at
                .date()
                .checked_sub_months(Months::new(DEFAULT_PERIOD_MONTHS));
        }
        Ok(PageQuery {
            asked,
            default_period,
        })
    }

    fn filter(&self) -> &Filter {
        &self.asked.filter
    }

    /// The filter as query-string pairs, for links between the views and
    /// pages: the default period is left out, all time kept as `from=`.
    fn pairs(&self) -> Vec<(&'static str, String)> {
        let filter = self.filter();
        let mut pairs = Vec::new();
        if let Some(id) = filter.job_id {
            pairs.push(("job_id", id.to_string()));
        }
        if self.default_period {
            return pairs;
        }
        match (filter.from, filter.to) {
            (None, None) => pairs.push(("from", String::new())),
            (from, to) => {
                if let Some(d) = from {
                    pairs.push(("from", d.to_string()));
                }
                if let Some(d) = to {
                    pairs.push(("to", d.to_string()));
                }
            }
        }
        pairs
    }
}

/// What every Insights page shows above its figures: where one is, the
/// other views, and the filter form with what was chosen.
#[derive(Serialize)]
struct Frame {
    section: &'static str,
    /// Agreement and questions are for those who may see them.
    sees_all_views: bool,
    jobs: Vec<SelectOption>,
    from: String,
    to: String,
    sort: &'static str,
    /// The filter as a query string, for links between the views.
    query: String,
    /// The days shown are the default period, for the hint that says so.
    default_period: bool,
    default_months: u32,
    /// Some days are chosen, for the words of an empty view.
    dated: bool,
}

fn frame(
    section: &'static str,
    role: Role,
    page: &PageQuery,
    choices: Vec<(i64, String, bool)>,
) -> Frame {
    let query = &page.asked;
    let chosen = query
        .filter
        .job_id
        .map(|id| id.to_string())
        .unwrap_or_default();
    let mut rows = vec![(String::new(), "All jobs".to_owned())];
    rows.extend(choices.into_iter().map(|(id, title, open)| {
        let label = if open {
            title
        } else {
            format!("{title} (closed)")
        };
        (id.to_string(), label)
    }));
    Frame {
        section,
        sees_all_views: access::role_allows(role, Action::ReadInsights),
        jobs: options(rows, &chosen),
        from: query.filter.from.map(|d| d.to_string()).unwrap_or_default(),
        to: query.filter.to.map(|d| d.to_string()).unwrap_or_default(),
        sort: match query.sort {
            QuestionSort::Signal => "signal",
            QuestionSort::Use => "use",
        },
        query: serde_urlencoded::to_string(page.pairs()).unwrap_or_default(),
        default_period: page.default_period,
        default_months: DEFAULT_PERIOD_MONTHS,
        dated: query.filter.from.is_some() || query.filter.to.is_some(),
    }
}

/// Where a view's page of rows is: links to `path` with `pairs` (the
/// filter, and the questions' sort) and the page.
fn pagination(
    path: &str,
    mut pairs: Vec<(&'static str, String)>,
    paging: &Paging,
    total: i64,
) -> Pagination {
    if paging.per_page != Paging::default().per_page {
        pairs.push(("per_page", paging.per_page.to_string()));
    }
    Pagination::new(paging.page, paging.per_page, total, |page| {
        let mut pairs = pairs.clone();
        pairs.push(("page", page.to_string()));
        format!(
            "{path}?{}",
            serde_urlencoded::to_string(pairs).unwrap_or_default()
        )
    })
}

fn fixed(value: Option<f64>, digits: usize) -> Option<String> {
    value.map(|v| format!("{v:.digits$}"))
}

fn signed(value: f64) -> String {
    format!("{value:+.2}")
}

#[derive(Serialize)]
struct InterviewerRow {
    user_id: i64,
    name: String,
    scorecards: usize,
    counts: [usize; 5],
    chart: String,
    leniency: Option<LeniencyShown>,
    matched: usize,
    of: usize,
    median_hours: Option<String>,
    overdue: usize,
}

#[derive(Serialize)]
struct LeniencyShown {
    mean: String,
    low: String,
    high: String,
    shared: usize,
    chart: String,
    /// The whole interval is above (lenient) or below (severe) zero.
    verdict: Option<&'static str>,
}

#[derive(Serialize)]
struct CalibrationPage {
    #[serde(flatten)]
    frame: Frame,
    rows: Vec<InterviewerRow>,
    pagination: Pagination,
    panel: [usize; 5],
    min_shared: usize,
    own_only: bool,
}

/// `GET /insights`: calibration per interviewer.
pub async fn calibration_page(
    state: State,
    req: HttpRequest,
    me: CurrentUser,
    paging: Paging,
) -> Result<HttpResponse, AppError> {
    let at = now();
    let query = PageQuery::parse(&req, at)?;
    let (user, role) = (me.user.clone(), me.role);
    render_loaded(
        &state,
        &req,
        Some(&me),
        StatusCode::OK,
        "pages/insights",
        move |conn| {
            let page = CalibrationPage::read(conn, &user, role, &query, &paging, at)?;
            Ok(("Insights: calibration".to_owned(), page))
        },
    )
    .await
}

impl CalibrationPage {
    fn read(
        conn: &mut DbConn,
        user: &User,
        role: Role,
        query: &PageQuery,
        paging: &Paging,
        at: NaiveDateTime,
    ) -> Result<Self, AppError> {
        let figures = super::calibration(conn, user, query.filter(), at)?;
        let choices = super::job_choices(conn, user, query.filter().job_id)?;
        let panel = figures.panel.counts();
        // One scale for every interval so that the small multiples compare.
        let reach = figures
            .interviewers
            .iter()
            .filter_map(|i| i.leniency)
            .map(|l| l.low.abs().max(l.high.abs()))
            .fold(1.0f64, f64::max)
            .min(3.0);
        let (interviewers, total) = paging.slice(figures.interviewers);
        let rows = interviewers
            .into_iter()
            .map(|i| InterviewerRow {
                chart: chart::distribution(&i.name, i.distribution.counts(), panel),
                counts: i.distribution.counts(),
                leniency: i.leniency.map(|l| LeniencyShown {
                    mean: signed(l.mean_offset),
                    low: signed(l.low),
                    high: signed(l.high),
                    shared: l.shared_candidates,
                    chart: chart::interval(&i.name, l.mean_offset, l.low, l.high, reach),
                    verdict: if l.low > 0.0 {
                        Some("Rates higher than the panel")
                    } else if l.high < 0.0 {
                        Some("Rates lower than the panel")
                    } else {
                        None
                    },
                }),
                user_id: i.user_id,
                name: i.name,
                scorecards: i.scorecards,
                matched: i.decision_agreement.matched,
                of: i.decision_agreement.of,
                median_hours: fixed(i.median_hours_to_submit, 1),
                overdue: i.overdue,
            })
            .collect();
        Ok(CalibrationPage {
            frame: frame("calibration", role, query, choices),
            rows,
            pagination: pagination("/insights", query.pairs(), paging, total),
            panel,
            min_shared: figures.min_shared_candidates,
            own_only: role == Role::Interviewer,
        })
    }
}

#[derive(Serialize)]
struct CriterionRow {
    name: String,
    job_title: String,
    alpha: Option<String>,
    verdict: Option<&'static str>,
    candidates: usize,
    raters: usize,
}

#[derive(Serialize)]
struct CriteriaPage {
    #[serde(flatten)]
    frame: Frame,
    rows: Vec<CriterionRow>,
    pagination: Pagination,
    min_candidates: usize,
}

/// Krippendorff's rule of thumb: 0.8 and above is reliable, 0.667 the least
/// for tentative conclusions.
fn alpha_verdict(alpha: f64) -> &'static str {
    if alpha >= 0.8 {
        "Agree"
    } else if alpha >= 0.667 {
        "Agree tentatively"
    } else {
        "Disagree"
    }
}

/// `GET /insights/criteria`: agreement per criterion.
pub async fn criteria_page(
    state: State,
    req: HttpRequest,
    me: CurrentUser,
    paging: Paging,
) -> Result<HttpResponse, AppError> {
    let query = PageQuery::parse(&req, now())?;
    let (user, role) = (me.user.clone(), me.role);
    render_loaded(
        &state,
        &req,
        Some(&me),
        StatusCode::OK,
        "pages/insights_criteria",
        move |conn| {
            let figures = super::criteria(conn, &user, query.filter())?;
            let choices = super::job_choices(conn, &user, query.filter().job_id)?;
            let (figures, total) = paging.slice(figures);
            let rows = figures
                .into_iter()
                .map(|c| CriterionRow {
                    alpha: fixed(c.alpha, 2),
                    verdict: c.alpha.map(alpha_verdict),
                    name: c.name,
                    job_title: c.job_title,
                    candidates: c.candidates,
                    raters: c.raters,
                })
                .collect();
            let page = CriteriaPage {
                frame: frame("criteria", role, &query, choices),
                rows,
                pagination: pagination("/insights/criteria", query.pairs(), &paging, total),
                min_candidates: crate::domain::agreement::MIN_ALPHA_CANDIDATES,
            };
            Ok(("Insights: agreement".to_owned(), page))
        },
    )
    .await
}

#[derive(Serialize)]
struct QuestionRow {
    question_id: i64,
    version: i64,
    prompt: String,
    asked: usize,
    asked_last_30_days: usize,
    stage_kinds: String,
    shared_in_prep_packs: usize,
    auc: Option<String>,
    rank_biserial: Option<String>,
    hired: usize,
    not_hired: usize,
    spread: Option<String>,
    no_signal: Option<String>,
    flags: Vec<&'static str>,
    suggest_rotation: bool,
}

fn question_row(q: QuestionFigures) -> QuestionRow {
    QuestionRow {
        question_id: q.question_id,
        version: q.version,
        prompt: q.prompt,
        asked: q.asked,
        asked_last_30_days: q.asked_last_30_days,
        stage_kinds: q.stage_kinds.join(", "),
        shared_in_prep_packs: q.shared_in_prep_packs,
        auc: fixed(q.separation.map(|s| s.auc), 2),
        rank_biserial: q.separation.map(|s| signed(s.rank_biserial)),
        hired: q.hired,
        not_hired: q.not_hired,
        spread: fixed(q.spread, 2),
        no_signal: q.no_signal_rate.map(|r| format!("{:.0}%", r * 100.0)),
        flags: q.flags.iter().map(|f| f.label()).collect(),
        suggest_rotation: q.suggest_rotation,
    }
}

#[derive(Serialize)]
struct QuestionsPage {
    #[serde(flatten)]
    frame: Frame,
    rows: Vec<QuestionRow>,
    pagination: Pagination,
    min_per_group: usize,
}

/// `GET /insights/questions?sort=signal|use`: figures per question version.
pub async fn questions_page(
    state: State,
    req: HttpRequest,
    me: CurrentUser,
    paging: Paging,
) -> Result<HttpResponse, AppError> {
    let at = now();
    let query = PageQuery::parse(&req, at)?;
    let (user, role) = (me.user.clone(), me.role);
    render_loaded(
        &state,
        &req,
        Some(&me),
        StatusCode::OK,
        "pages/insights_questions",
        move |conn| {
            let figures =
                super::questions(conn, &user, query.filter(), query.asked.sort, None, at)?;
            let (figures, total) = paging.slice(figures);
            let page = QuestionsPage {
                frame: frame(
                    "questions",
                    role,
                    &query,
                    super::job_choices(conn, &user, query.filter().job_id)?,
                ),
                rows: figures.into_iter().map(question_row).collect(),
                pagination: {
                    let mut pairs = query.pairs();
                    if query.asked.sort == QuestionSort::Use {
                        pairs.push(("sort", "use".to_owned()));
                    }
                    pagination("/insights/questions", pairs, &paging, total)
                },
                min_per_group: crate::domain::calibration::MIN_PER_GROUP,
            };
            Ok(("Insights: questions".to_owned(), page))
        },
    )
    .await
}

#[derive(Serialize)]
struct QuestionPage {
    #[serde(flatten)]
    frame: Frame,
    question_id: i64,
    prompt: String,
    current_version: i64,
    rows: Vec<QuestionRow>,
    min_per_group: usize,
}

/// `GET /insights/questions/{id}`: one question's versions and their figures.
pub async fn question_page(
    state: State,
    req: HttpRequest,
    me: CurrentUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let at = now();
    let query = PageQuery::parse(&req, at)?;
    let (id, user, role) = (id.into_inner(), me.user.clone(), me.role);
    render_loaded(
        &state,
        &req,
        Some(&me),
        StatusCode::OK,
        "pages/insights_question",
        move |conn| {
            let history = super::question_history(conn, &user, query.filter(), id, at)?;
            let page = QuestionPage {
                frame: frame(
                    "questions",
                    role,
                    &query,
                    super::job_choices(conn, &user, query.filter().job_id)?,
                ),
                question_id: history.question_id,
                prompt: history.prompt,
                current_version: history.current_version,
                rows: history.versions.into_iter().map(question_row).collect(),
                min_per_group: crate::domain::calibration::MIN_PER_GROUP,
            };
            Ok(("Insights: question".to_owned(), page))
        },
    )
    .await
}
