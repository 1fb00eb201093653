//! The question bank and tracks as pages: browsing and searching.

use crate::domain::CriterionKind;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use diesel::prelude::*;
use serde_json::{Value, json};

use crate::access::Action;
use crate::auth::CurrentUser;
use crate::bank::search::{QuestionQuery, search};
use crate::bank::{CATEGORIES, questions};
use crate::db::DbConn;
use crate::db::models::Track;
use crate::db::schema::{
    criteria, formats, stage_kind_focus, stage_kinds, track_formats, track_stage_kinds, tracks,
};
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

/// The options of the bank's filters and the question form: four queries.
#[derive(Default)]
pub(super) struct Options {
    pub(super) criteria: Vec<(String, String)>,
    pub(super) red_flags: Vec<(String, String)>,
    pub(super) stage_kinds: Vec<(String, String)>,
    pub(super) tracks: Vec<(String, String)>,
}

pub(super) fn options(conn: &mut DbConn) -> QueryResult<Options> {
    let mut out = Options::default();
    let rows: Vec<(String, String, String)> = criteria::table
        .order((criteria::track_id, criteria::position))
        .select((criteria::slug, criteria::name, criteria::kind))
        .load(conn)?;
    for (slug, name, kind) in rows {
        let target = if kind == CriterionKind::RedFlag.as_str() {
            &mut out.red_flags
        } else {
            &mut out.criteria
        };
        if !target.iter().any(|(s, _)| *s == slug) {
            target.push((slug, name));
        }
    }
    out.stage_kinds = stage_kinds::table
        .order(stage_kinds::position)
        .select((stage_kinds::slug, stage_kinds::name))
        .load(conn)?;
    out.tracks = tracks::table
        .order(tracks::name)
        .select((tracks::slug, tracks::name))
        .load(conn)?;
    Ok(out)
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
    me.require(Action::ReadBank)?;
    let query = query.into_inner();
    let q = query.clone();
    let ((results, total), opts) =
        db(&state, move |conn| Ok((search(conn, &q)?, options(conn)?))).await?;
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
    me.require(Action::ReadBank)?;
    let id = id.into_inner();
    let (question, used_in, revisions) = db(&state, move |conn| {
        let q = questions::detail(conn, id)?.ok_or(AppError::NotFound)?;
        Ok((
            q,
            questions::used_in(conn, id)?,
            questions::revisions(conn, id)?,
        ))
    })
    .await?;
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
    me.require(Action::ReadBank)?;
    let tracks = db(&state, |conn| Ok(Track::summaries(conn)?)).await?;
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

/// A track with its criteria, red flags, stage kinds and formats.
pub(super) fn track_detail(conn: &mut DbConn, key: &str) -> Result<Value, AppError> {
    let filter_id = key.parse::<i64>().ok();
    let (id, slug, name, description): (i64, String, String, String) = match filter_id {
        Some(id) => tracks::table
            .find(id)
            .select((tracks::id, tracks::slug, tracks::name, tracks::description))
            .first(conn),
        None => tracks::table
            .filter(tracks::slug.eq(key))
            .select((tracks::id, tracks::slug, tracks::name, tracks::description))
            .first(conn),
    }
    .optional()?
    .ok_or(AppError::NotFound)?;
    let crit: Vec<(i64, String, String, String, String)> = criteria::table
        .filter(criteria::track_id.eq(id))
        .order(criteria::position)
        .select((
            criteria::id,
            criteria::slug,
            criteria::kind,
            criteria::name,
            criteria::description,
        ))
        .load(conn)?;
    let kinds: Vec<(i64, String, String, String, String, i64)> = track_stage_kinds::table
        .inner_join(stage_kinds::table.inner_join(formats::table))
        .filter(track_stage_kinds::track_id.eq(id))
        .order(track_stage_kinds::position)
        .select((
            stage_kinds::id,
            stage_kinds::slug,
            stage_kinds::name,
            stage_kinds::description,
            formats::name,
            stage_kinds::default_duration_minutes,
        ))
        .load(conn)?;
    let focus: Vec<(i64, i64)> = stage_kind_focus::table
        .filter(stage_kind_focus::track_id.eq(id))
        .select((
            stage_kind_focus::stage_kind_id,
            stage_kind_focus::criterion_id,
        ))
        .load(conn)?;
    let fmts: Vec<(String, String, String)> = track_formats::table
        .inner_join(formats::table)
        .filter(track_formats::track_id.eq(id))
        .order(track_formats::position)
        .select((formats::slug, formats::name, formats::description))
        .load(conn)?;
    let question_count: i64 = crate::db::schema::question_tracks::table
        .filter(crate::db::schema::question_tracks::track_id.eq(id))
        .count()
        .get_result(conn)?;
    let of_kind = |kind: &str| -> Vec<Value> {
        crit.iter()
            .filter(|c| c.2 == kind)
            .map(|c| json!({"id": c.0, "slug": c.1, "name": c.3, "description": c.4}))
            .collect()
    };
    Ok(json!({
        "track": {"id": id, "slug": slug, "name": name, "description": description},
        "criteria": of_kind(CriterionKind::Criterion.as_str()),
        "red_flags": of_kind(CriterionKind::RedFlag.as_str()),
        "stage_kinds": kinds.iter().map(|k| json!({
            "id": k.0, "slug": k.1, "name": k.2, "description": k.3, "format_name": k.4, "duration_minutes": k.5,
            "focus": focus.iter().filter(|(kind, _)| *kind == k.0)
                .filter_map(|(_, c)| crit.iter().find(|x| x.0 == *c).map(|x| x.3.clone()))
                .collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "formats": fmts.iter().map(|f| json!({"slug": f.0, "name": f.1, "description": f.2})).collect::<Vec<_>>(),
        "question_count": question_count,
    }))
}

pub async fn track_page(
    state: State,
    req: HttpRequest,
    me: CurrentUser,
    key: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    me.require(Action::ReadBank)?;
    let key = key.into_inner();
    let detail = db(&state, move |conn| track_detail(conn, &key)).await?;
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
