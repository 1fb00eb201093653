//! The question bank and tracks as pages: browsing and searching.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};

use super::catalog;
use crate::access::Action;
use crate::auth::CurrentUser;
use crate::bank::CATEGORIES;
use crate::bank::search::QuestionQuery;
use serde::Serialize;

use super::questions::{LoopUse, QuestionDetail};
use super::search::Chip;
use crate::error::AppError;
use crate::web::State;
use crate::web::form::Pagination;
use crate::web::{named, render_loaded};

pub fn category_label(category: &str) -> &'static str {
    match category {
        "behavioural" => "Behavioural",
        "technical" => "Technical",
        "situational" => "Situational",
        "competency" => "Competency",
        "culture_fit" => "Culture fit",
        _ => "Other",
    }
}

/// An option of a select or a checkbox, marked either way.
#[derive(Serialize)]
pub(super) struct Choice {
    value: String,
    label: String,
    selected: bool,
    checked: bool,
}

pub(super) fn choices(items: &[(String, String)], selected: &[&str]) -> Vec<Choice> {
    items
        .iter()
        .map(|(slug, name)| {
            let on = selected.contains(&slug.as_str());
            Choice {
                value: slug.clone(),
                label: name.clone(),
                selected: on,
                checked: on,
            }
        })
        .collect()
}

pub(super) fn category_choices(selected: &str) -> Vec<Choice> {
    CATEGORIES
        .iter()
        .map(|c| Choice {
            value: (*c).to_owned(),
            label: category_label(c).to_owned(),
            selected: *c == selected,
            checked: *c == selected,
        })
        .collect()
}

fn bank_url(query: &QuestionQuery, page: i64) -> String {
    let mut q = query.clone();
    q.page = Some(page);
    let pairs: Vec<(&str, String)> = [
        ("q", q.q.clone()),
        ("category", q.category.clone()),
        ("criterion", q.criterion.clone()),
        ("red_flag", q.red_flag.clone()),
        ("stage_kind", q.stage_kind.clone()),
        ("track", q.track.clone()),
        ("archived", q.archived.filter(|a| *a).map(|_| "true".into())),
        ("page", Some(page.to_string())),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.filter(|v| !v.is_empty()).map(|v| (k, v)))
    .collect();
    format!(
        "/bank?{}",
        serde_urlencoded::to_string(pairs).unwrap_or_default()
    )
}

/// The bank: a search with its filters and one page of results.
#[derive(Serialize)]
struct BankPage {
    query: QueryEcho,
    filters: Filters,
    results: Vec<ResultCard>,
    pagination: Pagination,
    /// More questions match than the pagination's total counts.
    more: bool,
    can_edit: bool,
}

#[derive(Serialize)]
struct QueryEcho {
    q: String,
    category: String,
    criterion: String,
    red_flag: String,
    stage_kind: String,
    track: String,
    archived: bool,
}

#[derive(Serialize)]
struct Filters {
    categories: Vec<Choice>,
    criteria: Vec<Choice>,
    red_flags: Vec<Choice>,
    stage_kinds: Vec<Choice>,
    tracks: Vec<Choice>,
}

#[derive(Serialize)]
struct ResultCard {
    id: i64,
    prompt: String,
    why: String,
    category_label: &'static str,
    minutes: i64,
    archived: bool,
    criteria: Vec<Chip>,
    red_flags: Vec<Chip>,
    stage_kinds: Vec<Chip>,
}

/// A question's page: the question, where it is used, its versions.
#[derive(Serialize)]
struct QuestionPage {
    question: LabelledQuestion,
    used_in: Vec<LoopUse>,
    revisions: Vec<RevisionLine>,
    can_edit: bool,
}

#[derive(Serialize)]
struct LabelledQuestion {
    #[serde(flatten)]
    detail: QuestionDetail,
    category_label: &'static str,
}

#[derive(Serialize)]
struct RevisionLine {
    version: i64,
    changed_on: String,
}

pub async fn bank_page(
    state: State,
    req: HttpRequest,
    me: CurrentUser,
    query: web::Query<QuestionQuery>,
) -> Result<HttpResponse, AppError> {
    let query = query.into_inner();
    let (actor, role) = (me.user.clone(), me.role);
    render_loaded(
        &state,
        &req,
        Some(&me),
        StatusCode::OK,
        "pages/bank",
        move |conn| {
            let found = catalog::search_questions(conn, &actor, &query)?;
            let opts = catalog::options(conn, &actor)?;
            let sel = |v: &Option<String>| v.clone().unwrap_or_default();
            let context = BankPage {
                query: QueryEcho {
                    q: sel(&query.q),
                    category: sel(&query.category),
                    criterion: sel(&query.criterion),
                    red_flag: sel(&query.red_flag),
                    stage_kind: sel(&query.stage_kind),
                    track: sel(&query.track),
                    archived: query.archived == Some(true),
                },
                filters: Filters {
                    categories: category_choices(&sel(&query.category)),
                    criteria: choices(&opts.criteria, &[&sel(&query.criterion)]),
                    red_flags: choices(&opts.red_flags, &[&sel(&query.red_flag)]),
                    stage_kinds: choices(&opts.stage_kinds, &[&sel(&query.stage_kind)]),
                    tracks: choices(&opts.tracks, &[&sel(&query.track)]),
                },
                results: found
                    .questions
                    .into_iter()
                    .map(|r| ResultCard {
                        category_label: category_label(&r.category),
                        id: r.id,
                        prompt: r.prompt,
                        why: r.why,
                        minutes: r.minutes,
                        archived: r.archived,
                        criteria: r.criteria,
                        red_flags: r.red_flags,
                        stage_kinds: r.stage_kinds,
                    })
                    .collect(),
                pagination: Pagination::new(query.page(), query.per_page(), found.total, |p| {
                    bank_url(&query, p)
                }),
                more: found.more,
                can_edit: crate::access::role_allows(role, Action::EditBank),
            };
            Ok(("Question bank".to_owned(), context))
        },
    )
    .await
}

pub async fn question_page(
    state: State,
    req: HttpRequest,
    me: CurrentUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let (id, actor, role) = (id.into_inner(), me.user.clone(), me.role);
    render_loaded(
        &state,
        &req,
        Some(&me),
        StatusCode::OK,
        "pages/question",
        move |conn| {
            let page = QuestionPage::new(catalog::question(conn, &actor, id)?, role);
            Ok((page.question.detail.prompt.clone(), page))
        },
    )
    .await
}

impl QuestionPage {
    fn new(view: catalog::QuestionView, role: crate::domain::Role) -> Self {
        let catalog::QuestionView {
            question,
            used_in,
            revisions,
        } = view;
        QuestionPage {
            question: LabelledQuestion {
                category_label: category_label(&question.category),
                detail: question,
            },
            used_in,
            revisions: revisions
                .iter()
                .map(|r| RevisionLine {
                    version: r.version,
                    changed_on: crate::domain::when::iso(r.changed_at),
                })
                .collect(),
            can_edit: crate::access::role_allows(role, Action::EditBank),
        }
    }
}

pub async fn tracks_page(
    state: State,
    req: HttpRequest,
    me: CurrentUser,
) -> Result<HttpResponse, AppError> {
    let actor = me.user.clone();
    render_loaded(
        &state,
        &req,
        Some(&me),
        StatusCode::OK,
        "pages/tracks",
        move |conn| {
            let tracks = catalog::tracks(conn, &actor)?;
            Ok(("Tracks".to_owned(), named("tracks", tracks)))
        },
    )
    .await
}

pub async fn track_page(
    state: State,
    req: HttpRequest,
    me: CurrentUser,
    key: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let (key, actor) = (key.into_inner(), me.user.clone());
    render_loaded(
        &state,
        &req,
        Some(&me),
        StatusCode::OK,
        "pages/track",
        move |conn| {
            let detail = catalog::track(conn, &actor, &key)?;
            Ok((detail.track.name.clone(), detail))
        },
    )
    .await
}
