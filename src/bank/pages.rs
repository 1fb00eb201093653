//! The question bank and tracks as pages: browsing and searching.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Value, json};

use super::catalog;
use crate::access::Action;
use crate::auth::CurrentUser;
use crate::bank::CATEGORIES;
use crate::bank::search::QuestionQuery;
use crate::error::AppError;
use crate::web::{State, db, render};

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

pub(super) fn choices(items: &[(String, String)], selected: &[&str], key: &str) -> Value {
    items
        .iter()
        .map(|(slug, name)| json!({"value": slug, key: selected.contains(&slug.as_str()), "label": name}))
        .collect()
}

pub(super) fn category_choices(selected: &str) -> Value {
    CATEGORIES
        .iter()
        .map(|c| json!({"value": c, "label": category_label(c), "selected": *c == selected}))
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

pub async fn bank_page(
    state: State,
    req: HttpRequest,
    me: CurrentUser,
    query: web::Query<QuestionQuery>,
) -> Result<HttpResponse, AppError> {
    let query = query.into_inner();
    let (q, actor) = (query.clone(), me.user.clone());
    let ((results, total), opts) = db(&state, move |conn| {
        Ok((
            catalog::search_questions(conn, &actor, &q)?,
            catalog::options(conn, &actor)?,
        ))
    })
    .await?;
    let pages = ((total + query.per_page() - 1) / query.per_page()).max(1);
    let page = query.page();
    let sel = |v: &Option<String>| v.clone().unwrap_or_default();
    let results: Vec<Value> = results
        .into_iter()
        .map(|r| {
            json!({
                "id": r.id, "prompt": r.prompt, "why": r.why, "category_label": category_label(&r.category),
                "minutes": r.minutes, "archived": r.archived,
                "criteria": r.criteria, "red_flags": r.red_flags, "stage_kinds": r.stage_kinds,
            })
        })
        .collect();
    let extra = json!({
        "query": {
            "q": sel(&query.q), "category": sel(&query.category), "criterion": sel(&query.criterion),
            "red_flag": sel(&query.red_flag), "stage_kind": sel(&query.stage_kind), "track": sel(&query.track),
            "archived": query.archived == Some(true),
        },
        "filters": {
            "categories": category_choices(&sel(&query.category)),
            "criteria": choices(&opts.criteria, &[&sel(&query.criterion)], "selected"),
            "red_flags": choices(&opts.red_flags, &[&sel(&query.red_flag)], "selected"),
            "stage_kinds": choices(&opts.stage_kinds, &[&sel(&query.stage_kind)], "selected"),
            "tracks": choices(&opts.tracks, &[&sel(&query.track)], "selected"),
        },
        "results": results,
        "pagination": {
            "page": page, "pages": pages, "total": total,
            "prev_url": (page > 1).then(|| bank_url(&query, page - 1)),
            "next_url": (page < pages).then(|| bank_url(&query, page + 1)),
        },
        "can_edit": crate::access::role_allows(me.role, Action::EditBank),
    });
    render(
        &state,
        &req,
        Some(&me),
        StatusCode::OK,
        "pages/bank",
        "Question bank",
        extra,
    )
}

pub async fn question_page(
    state: State,
    req: HttpRequest,
    me: CurrentUser,
    id: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let (id, actor) = (id.into_inner(), me.user.clone());
    let catalog::QuestionView {
        question,
        used_in,
        revisions,
    } = db(&state, move |conn| catalog::question(conn, &actor, id)).await?;
    let mut q = serde_json::to_value(&question).map_err(AppError::internal)?;
    q["category_label"] = json!(category_label(&question.category));
    let extra = json!({
        "question": q,
        "used_in": used_in,
        "revisions": revisions.iter().map(|r| json!({"version": r.version, "changed_on": r.changed_at.format("%-d %b %Y").to_string()})).collect::<Vec<_>>(),
        "can_edit": crate::access::role_allows(me.role, Action::EditBank),
    });
    render(
        &state,
        &req,
        Some(&me),
        StatusCode::OK,
        "pages/question",
        &question.prompt,
        extra,
    )
}

pub async fn tracks_page(
    state: State,
    req: HttpRequest,
    me: CurrentUser,
) -> Result<HttpResponse, AppError> {
    let actor = me.user.clone();
    let tracks = db(&state, move |conn| catalog::tracks(conn, &actor)).await?;
    render(
        &state,
        &req,
        Some(&me),
        StatusCode::OK,
        "pages/tracks",
        "Tracks",
        json!({"tracks": tracks}),
    )
}

pub async fn track_page(
    state: State,
    req: HttpRequest,
    me: CurrentUser,
    key: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let (key, actor) = (key.into_inner(), me.user.clone());
    let detail = db(&state, move |conn| catalog::track(conn, &actor, &key)).await?;
    let title = detail["track"]["name"]
        .as_str()
        .unwrap_or("Track")
        .to_owned();
    render(
        &state,
        &req,
        Some(&me),
        StatusCode::OK,
        "pages/track",
        &title,
        detail,
    )
}
